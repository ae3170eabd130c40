"""The clock process: APScheduler fires the digest at RESTORES_DIGEST_TIME local time, and catches up on start."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.config import Settings

log = logging.getLogger(__name__)

JOB_ID = "daily-digest"
# APScheduler's default grace is 1 s: a process busy or suspended at 09:00 would silently skip the day.
MISFIRE_GRACE_SECONDS = 3 * 3600
RETRY_MINUTES = 15


def digest_trigger(settings: Settings) -> CronTrigger:
    return CronTrigger(hour=settings.digest_hour, minute=settings.digest_minute, timezone=ZoneInfo(settings.digest_tz))


def last_fire_time(settings: Settings, now: datetime) -> datetime:
    """The most recent scheduled digest time at or before `now`, in the digest's time zone."""
    tz = ZoneInfo(settings.digest_tz)
    local_now = now.astimezone(tz)
    at = time(settings.digest_hour, settings.digest_minute)
    today = datetime.combine(local_now.date(), at, tzinfo=tz)
    return today if today <= local_now else datetime.combine(local_now.date() - timedelta(days=1), at, tzinfo=tz)


def missed_today(settings: Settings, now: datetime) -> datetime | None:
    """Today's digest time if it has passed already (a clock started late the same day must catch up)."""
    fire = last_fire_time(settings, now)
    return fire if fire.date() == now.astimezone(fire.tzinfo).date() else None


def add_digest_job(scheduler: BaseScheduler, settings: Settings, job: Callable[[], Any]) -> None:
    scheduler.add_job(
        job,
        digest_trigger(settings),
        id=JOB_ID,
        name="daily restore digest",
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )


def run_clock(settings: Settings, job: Callable[[], Any], catch_up: Callable[[], Any]) -> None:
    """Block until SIGTERM or SIGINT: catch up once, then fire daily. A digest in flight finishes before exit.

    The signals are blocked before any scheduler thread starts (threads inherit the mask) and taken with
    sigwait in the main thread. A Python signal handler would only run once the main thread's timed wait
    for the next job ended: when the signal lands on another thread, or under a clock shim such as
    libfaketime, that wait is not interrupted, and a rolling deploy's SIGTERM went unanswered for minutes.
    """
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    scheduler = BackgroundScheduler(timezone=ZoneInfo(settings.digest_tz))
    add_digest_job(scheduler, settings, job)
    # Catch-up runs as jobs too, so a SIGTERM during one is handled like any digest in flight: once at
    # start-up, then every RETRY_MINUTES while a channel still lacks today's digest.
    scheduler.add_job(catch_up, id="catch-up", name="digest catch-up at start-up", misfire_grace_time=None)
    scheduler.add_job(
        catch_up, "interval", minutes=RETRY_MINUTES, id="retry", name="digest retry", coalesce=True, max_instances=1
    )
    log.info(
        "clock started; next digest at %s",
        digest_trigger(settings).get_next_fire_time(None, datetime.now(ZoneInfo(settings.digest_tz))),
    )
    scheduler.start()
    signum = signal.sigwait(stop_signals)
    log.info("signal %s: stopping the clock after any digest in flight", signum)
    scheduler.shutdown(wait=True)
