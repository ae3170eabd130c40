"""The alerts' outbox, threads, checkpoints and lease on PostgreSQL: every test of tests/unit/store/test_alerts.py, run here with the `database_url` fixture's
PostgreSQL parameter (tests/integration/conftest.py deselects the SQLite one, which the unit tier runs)."""

from tests.unit.store.test_alerts import *  # noqa: F403
