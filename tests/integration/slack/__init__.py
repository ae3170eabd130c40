"""Integration tests of bot/slack: the real slack_sdk client over loopback HTTP."""
