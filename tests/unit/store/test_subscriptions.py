"""The subscription store on a real database (SQLite always, PostgreSQL with TEST_DATABASE_URL): static base plus
stored rows, replace on re-subscribe, unsubscribe, and dropping a channel Slack keeps saying is gone."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from bot.config import load_settings
from bot.domain.subscriptions import AlertSubscription, DigestSubscription
from bot.store.db import create_store_engine
from bot.store.subscriptions import SubscriptionStore, metadata

SETTINGS = load_settings({"RESTORES_REGIONS": "us-east-1", "RESTORES_DIGEST_CHANNELS": "C0STATIC",
                          "RESTORES_ALERT_CHANNELS": "C0ALERTS", "RESTORES_DIGEST_TIME": "08:15",
                          "RESTORES_DIGEST_TZ": "Europe/Berlin"})


@pytest.fixture
def store(database_url: str) -> Iterator[SubscriptionStore]:
    engine = create_store_engine(database_url)
    metadata.drop_all(engine)  # PostgreSQL: a previous run's table
    yield SubscriptionStore(engine)
    engine.dispose()


def test_digest_subscriptions_are_the_static_base_plus_stored_ones(store: SubscriptionStore) -> None:
    store.subscribe_digest("C0TEAM", 7, 30, "Europe/Berlin", "U0ALICE")
    store.subscribe_digest("C0STATIC", 6, 0, "UTC", "U0BOB")
    assert store.digest_subscriptions(SETTINGS) == [
        DigestSubscription("C0STATIC", 8, 15, "Europe/Berlin", True),
        DigestSubscription("C0STATIC", 6, 0, "UTC", False),
        DigestSubscription("C0TEAM", 7, 30, "Europe/Berlin", False),
    ]


def test_a_second_subscribe_replaces_the_first_and_unsubscribe_removes_only_the_stored_one(store: SubscriptionStore) -> None:
    store.subscribe_digest("C0TEAM", 7, 30, "Europe/Berlin", "U0ALICE")
    store.subscribe_digest("C0TEAM", 18, 0, "America/New_York", "U0BOB")
    assert [s for s in store.digest_subscriptions(SETTINGS) if not s.static] == [
        DigestSubscription("C0TEAM", 18, 0, "America/New_York", False)
    ]
    assert store.of_channel("C0TEAM", SETTINGS).subscribers["digest"].user == "U0BOB"
    assert store.unsubscribe("C0TEAM", "digest") is True
    assert store.unsubscribe("C0TEAM", "digest") is False
    assert store.unsubscribe("C0STATIC", "digest") is False  # the static base is not in the table
    assert [s.channel for s in store.digest_subscriptions(SETTINGS)] == ["C0STATIC"]


def test_alert_subscriptions_keep_their_filter_and_states_in_one_order(store: SubscriptionStore) -> None:
    store.subscribe_alerts("C0TEAM", "EBS", "111122223333", ("ABORTED", "FAILED"), "U0ALICE")
    store.subscribe_alerts("C0OTHER", None, None, ("ABORTED",), "U0ALICE")
    assert store.alert_subscriptions(SETTINGS) == [
        AlertSubscription("C0ALERTS", None, None, ("FAILED", "ABORTED"), True),
        AlertSubscription("C0OTHER", None, None, ("ABORTED",), False),
        AlertSubscription("C0TEAM", "EBS", "111122223333", ("FAILED", "ABORTED"), False),
    ]
    # A digest subscription of the same channel is a separate row.
    store.subscribe_digest("C0TEAM", 9, 0, "UTC", "U0ALICE")
    channel = store.of_channel("C0TEAM", SETTINGS)
    assert (len(channel.digest), len(channel.alerts), sorted(channel.subscribers)) == (1, 1, ["alerts", "digest"])


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.subscribe_digest("C0TEAM", 24, 0, "UTC", "U0A"),
        lambda s: s.subscribe_digest("C0TEAM", 7, 60, "UTC", "U0A"),
        lambda s: s.subscribe_digest("C0TEAM", 7, 0, "Europe/Nowhere", "U0A"),
        lambda s: s.subscribe_digest("general", 7, 0, "UTC", "U0A"),
        lambda s: s.subscribe_alerts("C0TEAM", None, None, ("COMPLETED",), "U0A"),
        lambda s: s.subscribe_alerts("C0TEAM", None, None, (), "U0A"),
        lambda s: s.unsubscribe("C0TEAM", "newsletter"),
    ],
    ids=["hour", "minute", "zone", "channel", "state", "no-state", "kind"],
)
def test_values_the_commands_would_never_send_are_refused(store: SubscriptionStore, call: object) -> None:
    with pytest.raises(ValueError):
        call(store)  # type: ignore[operator]
    assert store.of_channel("C0TEAM", SETTINGS).digest == () and store.of_channel("C0TEAM", SETTINGS).alerts == ()


def test_three_gone_answers_in_a_row_unsubscribe_and_say_why(store: SubscriptionStore,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.store.subscriptions")
    store.subscribe_digest("C0TEAM", 7, 30, "UTC", "U0ALICE")
    store.subscribe_alerts("C0TEAM", None, None, ("FAILED",), "U0ALICE")
    assert store.record_delivery_failure("C0TEAM", "digest", "channel_not_found") is False
    assert store.record_delivery_failure("C0TEAM", "digest", "not_in_channel") is False
    store.record_delivery_success("C0TEAM", "digest")  # the count starts again
    assert store.record_delivery_failure("C0TEAM", "digest", "is_archived") is False
    assert store.record_delivery_failure("C0TEAM", "digest", "ratelimited") is False  # not a gone channel: not counted
    assert store.record_delivery_failure("C0TEAM", "digest", "is_archived") is False
    assert store.record_delivery_failure("C0TEAM", "digest", "is_archived") is True
    assert [s.channel for s in store.digest_subscriptions(SETTINGS) if not s.static] == []
    assert [s.channel for s in store.alert_subscriptions(SETTINGS) if not s.static] == ["C0TEAM"]  # per kind
    assert "unsubscribed channel=C0TEAM from digest: Slack answered is_archived 3 times in a row" in caplog.text
    assert store.record_delivery_failure("C0TEAM", "digest", "is_archived") is False  # nothing left to drop


def test_a_static_channel_is_never_dropped(store: SubscriptionStore) -> None:
    for _ in range(5):
        assert store.record_delivery_failure("C0STATIC", "digest", "channel_not_found") is False
    assert [s.channel for s in store.digest_subscriptions(SETTINGS)] == ["C0STATIC"]


def test_racing_subscribes_of_one_channel_leave_one_row(store: SubscriptionStore, database_url: str) -> None:
    stores = [SubscriptionStore(create_store_engine(database_url)) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def subscribe(index: int, instance: SubscriptionStore) -> None:
        barrier.wait()
        try:
            instance.subscribe_digest("C0RACE", 6 + index, 0, "UTC", f"U0USER{index}")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=subscribe, args=pair) for pair in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    (only,) = [s for s in store.digest_subscriptions(SETTINGS) if s.channel == "C0RACE"]
    assert only.hour in range(6, 12)
    for instance in stores:
        instance.engine.dispose()
