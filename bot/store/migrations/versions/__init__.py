"""One module per revision, oldest first (Alembic skips this file)."""
