"""The clock's schedule: a tick at second 0 of every minute, which finds a channel due at its local time across DST.
The trigger is read here without running it; tests/integration/digest/test_clock.py runs the scheduler."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.digest.clock import TICK_JOB_ID, add_digest_tick
from bot.digest.due import due_channels
from bot.domain.subscriptions import DigestSubscription

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_tick_is_every_minute_at_second_zero_even_through_a_dst_change() -> None:
    scheduler = BackgroundScheduler(timezone=BERLIN)
    add_digest_tick(scheduler, lambda: None)
    job = scheduler.get_job(TICK_JOB_ID)
    start = datetime(2026, 3, 29, 1, 59, 30, tzinfo=BERLIN)  # the spring-forward night: 02:00 local does not exist
    fires = [job.trigger.get_next_fire_time(None, start)]
    for _ in range(2):
        fires.append(job.trigger.get_next_fire_time(fires[-1], fires[-1] + timedelta(seconds=1)))
    assert [f.astimezone(UTC) for f in fires] == [datetime(2026, 3, 29, 1, m, tzinfo=UTC) for m in (0, 1, 2)]
    # A tick during a long digest run returns at once instead of being skipped with a warning.
    assert (job.max_instances, job.coalesce) == (2, True)


@pytest.mark.parametrize(
    ("day", "utc_offset_hours"),
    [(date(2026, 3, 29), 2), (date(2026, 10, 25), 1), (date(2026, 3, 30), 2)],
    ids=["spring-forward-day", "fall-back-day", "day-after-spring-forward"],
)
def test_the_first_fire_time_at_the_local_time_finds_the_channel_due(day: date, utc_offset_hours: int) -> None:
    scheduler = BackgroundScheduler(timezone=BERLIN)
    add_digest_tick(scheduler, lambda: None)
    trigger = scheduler.get_job(TICK_JOB_ID).trigger
    subscription = DigestSubscription("C0BERLIN", 9, 0, "Europe/Berlin", False)
    before = datetime(day.year, day.month, day.day, 8, 59, 58, tzinfo=BERLIN)
    assert due_channels([subscription], before) == {}
    fire = trigger.get_next_fire_time(None, before).astimezone(BERLIN)
    assert (fire.hour, fire.minute, fire.second) == (9, 0, 0)
    due = due_channels([subscription], fire)
    assert due["C0BERLIN"] == datetime(day.year, day.month, day.day, 9, 0, tzinfo=BERLIN)
    assert due["C0BERLIN"].utcoffset() == timedelta(hours=utc_offset_hours)
