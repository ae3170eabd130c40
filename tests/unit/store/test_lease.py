"""The clocks' lease against SQLite and, when TEST_DATABASE_URL is set, PostgreSQL: one holder at a time, judged by the
database's clock."""

from __future__ import annotations

from datetime import timedelta

from bot.store.alerts import AlertStore
from bot.store.lease import LeaseStore
from tests.support import age_alerts


def test_the_lease_has_one_holder_until_it_is_not_renewed(alert_store: AlertStore) -> None:
    leases = LeaseStore(alert_store.engine)
    ttl = timedelta(seconds=60)
    assert leases.hold_lease("poller", "a", ttl) is True
    assert leases.hold_lease("poller", "b", ttl) is False
    assert leases.hold_lease("poller", "a", ttl) is True  # renewal
    age_alerts(alert_store, timedelta(seconds=61))
    assert leases.hold_lease("poller", "b", ttl) is True  # a lapsed lease is taken over
    assert leases.lease_owner("poller") == "b"
    assert leases.hold_lease("poller", "a", ttl) is False
    leases.release_lease("poller", "a")  # not a's to release
    assert leases.lease_owner("poller") == "b"
    leases.release_lease("poller", "b")
    assert leases.hold_lease("poller", "a", ttl) is True
