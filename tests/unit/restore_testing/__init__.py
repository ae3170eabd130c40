"""Unit tests of bot/restore_testing: schedules, verdicts, service and scoreboard."""
