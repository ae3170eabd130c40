"""When each channel's digest is due (its own time and zone, DST included), and what the clock's minute tick asks to post
(its cost: `python -m bench.digest_tick`)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.digest.data import digest_day
from bot.digest.due import due_channels, fired_today, last_fire, next_fire
from bot.digest.run import DigestRun, DigestRunner
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


def test_a_tick_wants_every_due_channel_until_its_digest_is_posted_then_posts_nothing(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The clock's minute tick over channels at times spread over the day in four zones: before the due ones are posted
    it asks to post each of them, once they are posted it asks for none and does not fail. What the tick costs (the
    figure bot/digest/clock.py quotes) is measured by `python -m bench.digest_tick`, at 500 channels."""
    url = f"sqlite:///{tmp_path / 'tick.sqlite3'}"
    settings = load_settings({"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": "xoxb-test", "DATABASE_URL": url}, "clock")
    store, ledger = SubscriptionStore.from_url(url), Ledger.from_url(url)
    zones = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
    channels = 40
    for n in range(channels):
        store.subscribe_digest(f"C0TICK{n:04d}", (n * 7) % 24, (n * 13) % 60, zones[n % 4], "U0ADMIN")
    now = datetime.now(UTC)
    due = due_channels(store.digest_subscriptions(settings), now)
    assert 0 < len(due) < channels

    def runner() -> tuple[DigestRunner, list[str]]:
        """A runner built as the clock builds it, its post (`run`: Slack and AWS) replaced by a record of the channels."""
        parts = Wiring(settings, backup=BackupService())
        built = DigestRunner(settings, parts.backup, None, ledger, regions=parts.regions, tests=parts.tests,
                             policy=parts.policy, subscriptions=store)
        asked: list[str] = []

        def record(**kwargs: Any) -> DigestRun:
            asked.extend(kwargs["channels"])
            return DigestRun(kwargs["day"])

        built.run = record  # type: ignore[method-assign]
        return built, asked

    control, wanted = runner()
    assert control.tick(now) != [] and sorted(wanted) == sorted(due)  # the control: not yet posted, so all wanted
    for channel, fire in due.items():
        ledger.claim(channel, digest_day(fire), "test")
        ledger.mark_done(channel, digest_day(fire), "test", "1.000001")
    ticking, asked = runner()
    with caplog.at_level(logging.ERROR, logger="bot"):
        assert ticking.tick(now) == []
        assert ticking.tick(now) == []  # a second tick too: the SQLite connection reused
    assert asked == [] and not [r for r in caplog.records if r.levelno >= logging.ERROR]  # posted nothing, no failure
