"""Integration tier: tests that open sockets, start processes or need PostgreSQL (TEST_DATABASE_URL); mirrors bot/."""
