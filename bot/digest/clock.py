"""The clock process: APScheduler ticks every minute and the digest runner posts each channel's digest once its own
time has passed (RESTORES_DIGEST_TIME, or the time a channel subscribed with); the first tick is at start-up."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.config import Settings

log = logging.getLogger(__name__)

TICK_JOB_ID = "digest-tick"
# A channel's digest that could not be posted (AWS or Slack down, an incomplete digest held back) is tried again
# this many minutes after its last attempt.
RETRY_MINUTES = 15


def add_digest_tick(scheduler: BaseScheduler, tick: Callable[[], Any]) -> None:
    """The digest runner's tick at second 0 of every minute: it posts the digest of each channel whose time (in its
    own zone) has passed today and that lacks the day's post (bot.digest.due, the ledger).

    A minute tick rather than one cron job per distinct (time, zone): channels subscribe and unsubscribe from the web
    process at any moment, so per-time jobs would have to be re-synced with the table by a periodic job anyway, and
    the tick is also the catch-up (a clock started late, a failed post, AWS down) that needed jobs of its own. Its cost
    is one read of the subscriptions table and one ledger query per digest day: with 500 subscribed channels a tick
    takes about 4 ms on SQLite (median 3.5-3.9 ms, p95 4-5 ms, against 0.1 ms over an empty table; reading the table
    2.7 ms, the due times 1.2 ms; `python -m bench.digest_tick` measures it) and 5.7 ms on PostgreSQL (median). Two
    instances may overlap so that a tick during a long digest run returns at once (the runner lets one run at a time)
    instead of APScheduler logging a skipped job every minute."""
    scheduler.add_job(
        tick,
        CronTrigger(second=0),
        id=TICK_JOB_ID,
        name="digest tick",
        # A tick missed entirely is covered by the next one, which catches up whatever is due.
        misfire_grace_time=50,
        coalesce=True,
        max_instances=2,
        replace_existing=True,
    )


def run_clock(
    settings: Settings, tick: Callable[[], Any], more_jobs: Callable[[BaseScheduler], Any] | None = None
) -> None:
    """Block until SIGTERM or SIGINT: tick at once (catch-up), then every minute. A digest in flight finishes before
    exit.

    The signals are blocked before any scheduler thread starts (threads inherit the mask) and taken with
    sigwait in the main thread. A Python signal handler would only run once the main thread's timed wait
    for the next job ended: when the signal lands on another thread, or under a clock shim such as
    libfaketime, that wait is not interrupted, and a rolling deploy's SIGTERM went unanswered for minutes.
    `more_jobs` adds other periodic work to the same scheduler (the alert poll, bot/alerts/clock.py).
    """
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    scheduler = BackgroundScheduler(timezone=ZoneInfo(settings.digest_tz))
    add_digest_tick(scheduler, tick)
    # The start-up tick is a job too, so a SIGTERM during it is handled like any digest in flight.
    scheduler.add_job(tick, id="catch-up", name="digest catch-up at start-up", misfire_grace_time=None)
    if more_jobs is not None:
        more_jobs(scheduler)
    log.info("clock started; each channel's digest is checked every minute against its own time and zone")
    scheduler.start()
    signum = signal.sigwait(stop_signals)
    log.info("signal %s: stopping the clock after any digest in flight", signum)
    scheduler.shutdown(wait=True)
