"""Integration tests of bot/digest: the clock's tick on a running scheduler."""
