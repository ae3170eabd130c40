"""Integration tests of bot/alerts: the poller's lease on PostgreSQL."""
