"""The clock's schedule: the last and the missed fire time, and firing at the configured local time across DST."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler

from bot.digest.clock import add_digest_job, last_fire_time, missed_today
from tests.support import clock_settings

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 3, 29, 9, 30, tzinfo=BERLIN), datetime(2026, 3, 29, 9, 0, tzinfo=BERLIN)),
        (datetime(2026, 3, 29, 8, 59, tzinfo=BERLIN), datetime(2026, 3, 28, 9, 0, tzinfo=BERLIN)),
        (datetime(2026, 10, 25, 8, 0, tzinfo=UTC), datetime(2026, 10, 25, 9, 0, tzinfo=BERLIN)),  # 09:00 CET
        (datetime(2026, 10, 25, 7, 59, tzinfo=UTC), datetime(2026, 10, 24, 9, 0, tzinfo=BERLIN)),
    ],
)
def test_last_fire_time(now: datetime, expected: datetime) -> None:
    settings = clock_settings(RESTORES_DIGEST_TZ="Europe/Berlin")
    assert last_fire_time(settings, now) == expected


def test_missed_today_only_after_the_digest_time_the_same_day() -> None:
    settings = clock_settings(RESTORES_DIGEST_TZ="Europe/Berlin", RESTORES_DIGEST_TIME="09:00")
    assert missed_today(settings, datetime(2026, 11, 26, 8, 59, tzinfo=BERLIN)) is None
    assert missed_today(settings, datetime(2026, 11, 26, 15, 0, tzinfo=BERLIN)) == datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("day", "utc_offset_hours"),
    [(date(2026, 3, 29), 2), (date(2026, 10, 25), 1), (date(2026, 3, 30), 2)],
    ids=["spring-forward-day", "fall-back-day", "day-after-spring-forward"],
)
def test_job_fires_at_local_time_across_dst(day: date, utc_offset_hours: int) -> None:
    settings = clock_settings(RESTORES_DIGEST_TZ="Europe/Berlin", RESTORES_DIGEST_TIME="09:00")
    fired: list[datetime] = []
    done = threading.Event()

    def job() -> None:
        fired.append(datetime.now(BERLIN))
        done.set()

    start = datetime(day.year, day.month, day.day, 8, 59, 58, tzinfo=BERLIN)
    with time_machine.travel(start, tick=True):
        scheduler = BackgroundScheduler(timezone=BERLIN)
        add_digest_job(scheduler, settings, job)
        scheduler.start()
        try:
            assert done.wait(timeout=10), "the digest job did not fire"
        finally:
            scheduler.shutdown(wait=False)
    (when,) = fired
    assert (when.hour, when.minute) == (9, 0)
    assert when.utcoffset() is not None and when.utcoffset().total_seconds() == utc_offset_hours * 3600  # type: ignore[union-attr]
