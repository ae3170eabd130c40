"""Unit tests of bot/charts: the trend chart."""
