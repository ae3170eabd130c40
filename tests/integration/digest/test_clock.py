"""The clock's schedule on a running APScheduler: the first tick at a channel's local time finds it due across DST.
A real scheduler thread on a travelled wall clock, waiting real seconds for the tick: here, not in the unit tier,
which checks the trigger's fire times directly (tests/unit/digest/test_clock.py)."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler

from bot.digest.clock import add_digest_tick
from bot.digest.due import due_channels
from bot.domain.subscriptions import DigestSubscription

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("day", "utc_offset_hours"),
    [(date(2026, 3, 29), 2), (date(2026, 10, 25), 1), (date(2026, 3, 30), 2)],
    ids=["spring-forward-day", "fall-back-day", "day-after-spring-forward"],
)
def test_the_first_tick_at_the_local_time_finds_the_channel_due(day: date, utc_offset_hours: int) -> None:
    subscription = DigestSubscription("C0BERLIN", 9, 0, "Europe/Berlin", False)
    found: list[tuple[datetime, dict[str, datetime]]] = []
    done = threading.Event()

    def tick() -> None:
        now = datetime.now(BERLIN)
        found.append((now, due_channels([subscription], now)))
        done.set()

    start = datetime(day.year, day.month, day.day, 8, 59, 58, tzinfo=BERLIN)
    with time_machine.travel(start, tick=True):
        scheduler = BackgroundScheduler(timezone=BERLIN)
        add_digest_tick(scheduler, tick)
        scheduler.start()
        try:
            assert done.wait(timeout=10), "the tick did not fire"
        finally:
            scheduler.shutdown(wait=False)
    (when, due), *_ = found
    assert (when.hour, when.minute) == (9, 0)
    assert due["C0BERLIN"] == datetime(day.year, day.month, day.day, 9, 0, tzinfo=BERLIN)
    assert due["C0BERLIN"].utcoffset() == timedelta(hours=utc_offset_hours)
