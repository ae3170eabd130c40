"""The alert poller's lease between clocks: one polls, the other stands by and takes over (polling at once) when the
lease is not renewed or is let go."""

from __future__ import annotations

from datetime import timedelta

from bot.alerts.clock import PollerLease
from bot.store.alerts import AlertStore
from bot.store.lease import LeaseStore
from tests.support import age_alerts


def test_one_clock_polls_and_the_standby_takes_over_a_lapsed_or_released_lease(alert_store: AlertStore) -> None:
    acquired: list[str] = []
    leases = LeaseStore(alert_store.engine)
    a, b = (PollerLease(leases, owner, interval_seconds=60) for owner in ("a", "b"))
    a.on_acquired = lambda: acquired.append("a")
    b.on_acquired = lambda: acquired.append("b")
    assert a.heartbeat_seconds == 20

    a.heartbeat()
    b.heartbeat()
    a.heartbeat()  # a renewal is not a new acquisition
    assert (a.active(), b.active(), acquired) == (True, False, ["a"])

    age_alerts(alert_store, timedelta(seconds=61))  # a died: its lease was last renewed over an interval ago
    b.heartbeat()
    a.heartbeat()
    assert (a.active(), b.active(), acquired) == (False, True, ["a", "b"])

    b.release()  # a SIGTERM'd clock lets go at once
    assert not b.active()
    a.heartbeat()
    assert a.active() and acquired == ["a", "b", "a"]
