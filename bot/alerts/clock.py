"""The alerts inside `python -m bot clock`, by whichever clock holds the lease: the poll every RESTORES_ALERT_INTERVAL;
or, with RESTORES_ALERT_QUEUE_URL, the queue's events as they come and the poll as a safety sweep every
RESTORES_ALERT_SWEEP_INTERVAL."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.schedulers.base import BaseScheduler

from bot.alerts.events import AlertEvents, listen
from bot.alerts.poll import AlertPoller
from bot.store.lease import LeaseStore

log = logging.getLogger(__name__)

LEASE = "alert-poller"
POLL_JOB_ID = "alert-poll"
LEASE_JOB_ID = "alert-lease"


class PollerLease:
    """Two clocks may run (a rolling deploy, a standby); one polls. The lease is a row in DATABASE_URL renewed every
    third of an interval and free once not renewed for an interval (the database's clock judges both), so a standby
    takes over within an interval and a third of the active clock's death, and polls at once when it does.

    The holder counts itself active until an interval after it *started* its last renewal, never longer than the
    database lets the lease live, so two clocks never both think they hold it. Should they both poll anyway (a
    clock stalled past its lease), the outbox's claims still post each alert once."""

    def __init__(self, store: LeaseStore, owner: str, interval_seconds: float) -> None:
        self.store = store
        self.owner = owner
        self.ttl = timedelta(seconds=interval_seconds)
        self.heartbeat_seconds = max(0.5, interval_seconds / 3)
        self.on_acquired: Callable[[], object] = lambda: None
        self._held_until = 0.0
        self._standby_said = False

    def active(self) -> bool:
        return time.monotonic() < self._held_until

    def heartbeat(self) -> None:
        was = self.active()
        started = time.monotonic()
        try:
            held = self.store.hold_lease(LEASE, self.owner, self.ttl)
        except Exception as error:  # the database is away: keep what we had until it runs out
            log.warning("alerts lease: renewal failed (%s)", type(error).__name__)
            return
        self._held_until = started + self.ttl.total_seconds() if held else 0.0
        if held and not was:
            self._standby_said = False
            log.info("alerts lease: this clock polls now (owner %s)", self.owner)
            self.on_acquired()
        elif was and not held:
            log.warning("alerts lease: lost to another clock; standing by")
        elif not held and not self._standby_said:
            self._standby_said = True
            log.info("alerts lease: standing by; %s polls", self.store.lease_owner(LEASE) or "another clock")

    def release(self) -> None:
        """At shutdown: let a standby take over at its next heartbeat instead of after the lease runs out."""
        self._held_until = 0.0
        try:
            self.store.release_lease(LEASE, self.owner)
        except Exception as error:
            log.warning("alerts lease: release failed (%s); it expires by itself", type(error).__name__)


def add_alert_jobs(
    scheduler: BaseScheduler, interval_seconds: float, poller: AlertPoller, lease: PollerLease,
    events: AlertEvents | None = None,
) -> None:
    """The poll every `interval_seconds`, and the lease's heartbeat. With a queue (RESTORES_ALERT_QUEUE_URL, or
    `events` given) a thread receives its events while this clock holds the lease, and the poll becomes the safety
    sweep, every RESTORES_ALERT_SWEEP_INTERVAL."""
    queue_url = poller.settings.alert_queue_url
    if events is None and queue_url:
        events = AlertEvents.build(poller, queue_url)
    every = poller.settings.alert_sweep_seconds if events is not None else interval_seconds

    def tick() -> None:
        if lease.active():
            poller.scheduled(sweep=events is not None)

    scheduler.add_job(tick, "interval", seconds=every, id=POLL_JOB_ID, name="alert poll", coalesce=True,
                      max_instances=1, misfire_grace_time=max(1, int(every)))
    # A clock that takes the lease polls at once: the active one's death is followed by one poll, not one interval.
    lease.on_acquired = lambda: scheduler.modify_job(POLL_JOB_ID, next_run_time=datetime.now(UTC))
    scheduler.add_job(lease.heartbeat, "interval", seconds=lease.heartbeat_seconds, id=LEASE_JOB_ID,
                      name="alert lease", next_run_time=datetime.now(UTC), coalesce=True, max_instances=1,
                      misfire_grace_time=max(1, int(interval_seconds)))
    if events is not None:
        # A thread of its own, not a scheduler job: a long poll holds it up to 20 s, and a job due every second would
        # be skipped (and logged) meanwhile. A daemon: a clock stopped mid-message loses nothing (the outbox keeps
        # what was posted; the message, not deleted, comes back and is settled without a second post).
        stopped = threading.Event()
        thread = threading.Thread(target=listen, args=(events, lease.active, stopped), name="alert-events",
                                  daemon=True)
        scheduler.add_listener(lambda _: stopped.set(), EVENT_SCHEDULER_SHUTDOWN)
        thread.start()
        log.info("alerts: events from %s; the poll sweeps every %d s", events.queue_url, every)
