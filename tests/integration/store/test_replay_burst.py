"""The replay guard's burst tests on PostgreSQL: tests/unit/store/test_replay_burst.py, run here with the `database_url`
fixture's PostgreSQL parameter (tests/integration/conftest.py deselects the SQLite one, which the unit tier runs)."""

from tests.unit.store.test_replay_burst import *  # noqa: F403
