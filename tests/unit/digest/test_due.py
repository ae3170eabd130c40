"""When each channel's digest is due (its own time and zone, DST included), and what the clock's minute tick costs."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.digest.data import digest_day
from bot.digest.due import due_channels, fired_today, last_fire, next_fire
from bot.digest.run import DigestRunner
from bot.domain.subscriptions import DigestSubscription
from bot.store.ledger import Ledger
from bot.store.subscriptions import SubscriptionStore
from bot.wiring import Wiring

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(hour: int, minute: int) -> DigestSubscription:
    return DigestSubscription("C0BERLIN", hour, minute, "Europe/Berlin", False)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 3, 29, 9, 30, tzinfo=BERLIN), datetime(2026, 3, 29, 9, 0, tzinfo=BERLIN)),
        (datetime(2026, 3, 29, 8, 59, tzinfo=BERLIN), datetime(2026, 3, 28, 9, 0, tzinfo=BERLIN)),
        (datetime(2026, 10, 25, 8, 0, tzinfo=UTC), datetime(2026, 10, 25, 9, 0, tzinfo=BERLIN)),  # 09:00 CET
        (datetime(2026, 10, 25, 7, 59, tzinfo=UTC), datetime(2026, 10, 24, 9, 0, tzinfo=BERLIN)),
    ],
)
def test_last_fire(now: datetime, expected: datetime) -> None:
    assert last_fire(9, 0, "Europe/Berlin", now) == expected


def test_next_fire_is_the_first_after_now_in_the_zones_own_offset() -> None:
    assert next_fire(9, 0, "Europe/Berlin", datetime(2026, 3, 29, 9, 0, tzinfo=BERLIN)) == datetime(2026, 3, 30, 9, 0,
                                                                                                     tzinfo=BERLIN)
    at = next_fire(9, 0, "Europe/Berlin", datetime(2026, 3, 29, 6, 0, tzinfo=UTC))  # the spring-forward day
    assert at.utcoffset() == timedelta(hours=2) and at.astimezone(UTC).hour == 7


def test_fired_today_only_after_the_time_the_same_local_day() -> None:
    assert fired_today(berlin(9, 0), datetime(2026, 11, 26, 8, 59, tzinfo=BERLIN)) is None
    assert fired_today(berlin(9, 0), datetime(2026, 11, 26, 15, 0, tzinfo=BERLIN)) == datetime(2026, 11, 26, 9, 0,
                                                                                               tzinfo=BERLIN)
    # 00:30 in Berlin is still the previous day in UTC: "today" is the zone's own day.
    assert fired_today(berlin(0, 15), datetime(2026, 11, 25, 23, 30, tzinfo=UTC)) == datetime(2026, 11, 26, 0, 15,
                                                                                             tzinfo=BERLIN)


def test_due_channels_take_each_channels_latest_time_today_and_skip_an_unknown_zone() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 13:00 in Berlin, 21:00 in Tokyo, 07:00 in New York
    subscriptions = [
        DigestSubscription("C0BOTH", 9, 0, "UTC", True),
        DigestSubscription("C0BOTH", 7, 30, "Europe/Berlin", False),
        DigestSubscription("C0TOKYO", 22, 0, "Asia/Tokyo", False),
        DigestSubscription("C0NY", 6, 59, "America/New_York", False),
        DigestSubscription("C0BROKEN", 6, 0, "Mars/Olympus_Mons", False),
    ]
    assert due_channels(subscriptions, now) == {
        "C0BOTH": datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        "C0NY": datetime(2026, 11, 26, 6, 59, tzinfo=ZoneInfo("America/New_York")),
    }


def test_a_tick_with_500_subscribed_channels_costs_milliseconds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The cost the clock pays every minute (bot/digest/clock.py quotes it): 500 channels at times spread over the day
    in four zones, the due ones posted already, so each tick reads the subscriptions and the ledger and posts nothing."""
    url = f"sqlite:///{tmp_path / 'tick.sqlite3'}"
    settings = load_settings({"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": "xoxb-test", "DATABASE_URL": url}, "clock")
    store, ledger = SubscriptionStore.from_url(url), Ledger.from_url(url)
    zones = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
    for n in range(500):
        store.subscribe_digest(f"C0TICK{n:04d}", (n * 7) % 24, (n * 13) % 60, zones[n % 4], "U0ADMIN")
    now = datetime.now(UTC)
    due = due_channels(store.digest_subscriptions(settings), now)
    for channel, fire in due.items():
        ledger.claim(channel, digest_day(fire), "test")
        ledger.mark_done(channel, digest_day(fire), "test", "1.000001")
    parts = Wiring(settings, backup=BackupService())
    runner = DigestRunner(settings, parts.backup, None, ledger, regions=parts.regions, tests=parts.tests,
                          policy=parts.policy, subscriptions=store)
    assert runner.tick(now) == []  # warm: zoneinfo caches, the SQLite connection
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        assert runner.tick(now) == []
    per_tick = (time.perf_counter() - started) / rounds
    with capsys.disabled():
        print(f"\n  digest tick, 500 subscriptions ({len(due)} due and posted): {per_tick * 1000:.1f} ms")
    assert per_tick < 0.25
    assert 0 < len(due) < 500

