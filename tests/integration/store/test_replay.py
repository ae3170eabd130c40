"""The replay guard on PostgreSQL: every test of tests/unit/store/test_replay.py, run here with the `database_url` fixture's
PostgreSQL parameter (tests/integration/conftest.py deselects the SQLite one, which the unit tier runs)."""

from tests.unit.store.test_replay import *  # noqa: F403
