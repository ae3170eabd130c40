"""Unit tests of bot/answers: the /restores grammar, controls, service and renderers."""
