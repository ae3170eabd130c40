"""The alert poller's lease between clocks on PostgreSQL: the test of tests/unit/alerts/test_clock.py, run here with
the `database_url` fixture's PostgreSQL parameter (tests/integration/conftest.py deselects the SQLite one)."""

from tests.unit.alerts.test_clock import *  # noqa: F403
