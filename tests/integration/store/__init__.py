"""Integration tests of bot/store: the unit tier's store tests again, on PostgreSQL (TEST_DATABASE_URL)."""
