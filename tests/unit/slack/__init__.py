"""Unit tests of bot.slack."""
