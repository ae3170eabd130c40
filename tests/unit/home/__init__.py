"""Unit tests of bot/home: the Home tab's service and view."""
