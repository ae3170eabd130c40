"""Schema migrations on PostgreSQL: every test of tests/unit/store/test_migrations.py, run here with the `database_url`
fixture's PostgreSQL parameter (tests/integration/conftest.py deselects the SQLite one, which the unit tier runs)."""

from tests.unit.store.test_migrations import *  # noqa: F403
