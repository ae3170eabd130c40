"""One alert poll: read what failed or was aborted since the checkpoints, put it in the outbox, move the checkpoints,
then have each channel's waiting alerts posted once (bot/alerts/delivery.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot.alerts.delivery import ChannelDelivery
from bot.alerts.sweep import EVENTS_SINCE, HotPairs, hot_pairs
from bot.alerts.targets import ActiveAccounts, AlertTarget, ScopedTarget, accounts_to_poll, listed_accounts, scoped
from bot.aws.client import BackupService
from bot.config import Settings
from bot.domain.access import AccessPolicy
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.query import ALERT_STATES
from bot.domain.regions import RegionCatalog
from bot.domain.results import RestoreJobRow
from bot.store.alert_records import Outgoing, gap_payload, job_payload
from bot.store.alerts import GAP, JOB, AlertStore
from bot.store.claims import new_owner

log = logging.getLogger(__name__)

# Each poll reads again what completed in the last OVERLAP before the previous poll's end: ListRestoreJobs is
# eventually consistent, and a job may show up after a poll that ran later than its CompletionDate. The outbox's
# unique (job, channel) key makes the second sighting a no-op.
OVERLAP = timedelta(minutes=10)
# After downtime a poll reads at most this far back, and says in the channels what it did not read.
MAX_CATCH_UP = timedelta(hours=24)


def poll_deadline(settings: Settings) -> float:
    """Seconds a poll may spend on AWS: a background job, but one due again after an interval."""
    return min(settings.digest_deadline_seconds, max(30.0, 0.8 * settings.alert_interval_seconds))


def alert_key(job: RestoreJobRow) -> str:
    return f"{job.region}/{job.job_id}"


@dataclass(frozen=True)
class Window:
    """What one poll asks of a (region, account): jobs completed in [after, before)."""

    after: datetime
    before: datetime
    skipped: tuple[datetime, datetime] | None = None  # not read at all: the downtime beyond MAX_CATCH_UP


def plan_windows(
    pairs: Sequence[tuple[str, str]], covered: Mapping[tuple[str, str], datetime], now: datetime
) -> dict[tuple[str, str], Window]:
    """Each pair's window from its checkpoint: back OVERLAP from where the last poll stopped, at most MAX_CATCH_UP.
    A pair never polled starts now (alerts begin when they are switched on, not with yesterday's failures)."""
    floor = now - MAX_CATCH_UP
    windows: dict[tuple[str, str], Window] = {}
    for pair in pairs:
        until = covered.get(pair)
        if until is None:
            windows[pair] = Window(now - OVERLAP, now)
        elif until < floor:
            windows[pair] = Window(floor, now, skipped=(until, floor))
        elif until - OVERLAP < now:
            windows[pair] = Window(max(until - OVERLAP, floor), now)
        # else: this host's clock is behind the last poll's by more than the overlap; nothing to ask until it catches up
    return windows


@dataclass
class PollRun:
    """What one poll did, for the log and `python -m bot poll`'s exit status."""

    at: datetime
    pairs: int = 0
    jobs: int = 0  # distinct failed or aborted jobs read
    calls: int = 0
    posted: dict[str, int] = field(default_factory=dict)  # channel -> alerts posted
    failed: dict[str, str] = field(default_factory=dict)  # channel -> why it got nothing this time
    aws_failures: list[str] = field(default_factory=list)
    slack_errors: dict[str, str] = field(default_factory=dict)  # channel -> the first error Slack answered
    skipped: tuple[datetime, datetime] | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.aws_failures

    def summary(self) -> str:
        parts = [f"{self.pairs} region·account pairs", f"{self.calls} AWS calls", f"{self.jobs} failed/aborted jobs read"]
        if self.posted:
            parts.append("posted " + ", ".join(f"{c}: {n}" for c, n in sorted(self.posted.items())))
        if self.failed:
            parts.append("failed " + "; ".join(f"{c}: {why}" for c, why in sorted(self.failed.items())))
        if self.aws_failures:
            parts.append("not read (retried next poll) " + ", ".join(self.aws_failures))
        if self.skipped:
            parts.append(f"not checked {self.skipped[0]:%Y-%m-%d %H:%M} – {self.skipped[1]:%Y-%m-%d %H:%M} UTC")
        return "alerts poll: " + "; ".join(parts)


def job_alerts(
    jobs: Sequence[RestoreJobRow], targets: Sequence[ScopedTarget]
) -> tuple[list[Outgoing], dict[str, list[str]]]:
    """The outbox's alerts for these jobs, and each job's alert key with the channels that take it. A job read twice
    (the own-account chain and its account's id; an event and a poll) has one key, so it is posted once."""
    outgoing: list[Outgoing] = []
    routes: dict[str, list[str]] = {}
    for job in jobs:
        key = alert_key(job)
        if key in routes:
            continue
        routes[key] = sorted({t.target.channel for t in targets if t.wants(job)})
        outgoing += [Outgoing(key, channel, JOB, job_payload(job)) for channel in routes[key]]
    return outgoing, routes


class AlertPoller:
    """The alert poll as the clock and `python -m bot poll` run it: one set of clients, the store, the targets; its
    posting by a ChannelDelivery built once with the Slack client, the store and this poller's name on claims."""

    def __init__(
        self,
        settings: Settings,
        backup: BackupService,
        client: WebClient,
        store: AlertStore,
        targets: Callable[[], list[AlertTarget]],
        *,
        regions: RegionCatalog,
        policy: AccessPolicy,
        owner: str | None = None,
        on_outcome: Callable[[str, str | None], object] | None = None,
        organization: ActiveAccounts | None = None,
        account_names: Callable[[Iterable[str]], AccountNames] | None = None,
    ) -> None:
        """`on_outcome(channel, error)` hears, once per poll, of each channel a post was tried in: None when Slack
        took them all, else the first Slack error (so a subscription whose channel is gone can be dropped).
        `organization`: the organisation's active accounts, polled when no RESTORES_ALERT_ACCOUNTS is set."""
        self.settings = settings
        self.backup = backup
        self.store = store
        self.targets = targets
        self.regions = regions
        self.owner = owner or new_owner()
        self.policy = policy
        self.organization = organization
        self.account_names = account_names or (lambda _accounts: NO_NAMES)  # the replies' account names, best effort
        self.delivery = ChannelDelivery(settings, client, store, owner=self.owner, catch_up=MAX_CATCH_UP,
                                        account_names=self.account_names, on_outcome=on_outcome)

    def scheduled(self, *, sweep: bool = False) -> PollRun | None:
        """The clock's job: a poll whose failure is logged and retried by the next one, never the clock's end."""
        try:
            return self.poll(sweep=sweep)
        except Exception:
            log.exception("alerts poll failed; the next poll retries (nothing is lost: checkpoints did not move)")
            return None

    def poll(self, now: datetime | None = None, *, sweep: bool = False) -> PollRun:
        """`sweep`: the event path's safety sweep (bot/alerts/sweep.py): the organisation's accounts only where AWS's
        summaries count failures; the bot's own, listed and scoped accounts as always."""
        now = now or self.store.clock()  # the database's clock, never this host's (which may run fast)
        run = PollRun(at=now)
        targets, run.failed = scoped(self.targets(), self.policy)
        if not targets:
            log.debug("alerts poll: no channel gets alerts; nothing asked")
            return run
        active = self._active()
        accounts = accounts_to_poll(self.settings, targets, None if sweep else active,
                                    listed_accounts(self.settings, self.policy))
        pairs = [(region, account) for region in self.regions.current() for account in accounts]
        covered = self.store.checkpoints()
        for pair in pairs:
            if pair not in covered:
                # Alerts for a new (region, account) start now; recorded before asking, so a first poll that fails
                # still leaves the next one reading from here.
                self.store.advance(*pair, now)
                covered[pair] = now
        windows = plan_windows(pairs, covered, now)
        statuses = tuple(s for s in ALERT_STATES if any(s in t.target.states for t in targets))
        asked = {pair: (w.after, w.before) for pair, w in windows.items()}
        if sweep:
            hot = self._hot_pairs(statuses, active, now)
            asked = {**hot.windows, **asked}
            run.calls, run.aws_failures = hot.calls, [f"summaries of {region}" for region in hot.failures]
        found = self.backup.completed_restore_jobs(asked, statuses, deadline_seconds=poll_deadline(self.settings))
        run.pairs = len(asked)
        run.calls += found.calls
        run.aws_failures += [f"{r}/{a or 'own account'} ({f.kind.value})" for (r, a), f in sorted(found.failures.items())]

        outgoing, routes = job_alerts([job for jobs in found.jobs.values() for job in jobs], targets)
        run.jobs = len(routes)
        gaps = [w.skipped for pair, w in windows.items() if w.skipped is not None and pair in found.jobs]
        if gaps:
            run.skipped = (min(g[0] for g in gaps), max(g[1] for g in gaps))
            log.warning("alerts: not polled for longer than %s; %s – %s was not checked", MAX_CATCH_UP, *run.skipped)
            # Keyed by where the checkpoints stopped: pollers racing through the same gap say it once.
            key = f"gap:{run.skipped[0].isoformat()}"
            channels = sorted({t.target.channel for t in targets})
            outgoing += [Outgoing(key, channel, GAP, gap_payload(*run.skipped)) for channel in channels]
        # The outbox first, the checkpoints after: a crash in between reads the window again, and the outbox's
        # unique key makes that harmless.
        self.store.enqueue(outgoing)
        for pair in found.jobs.keys() & windows.keys():  # a swept pair's window is not a checkpoint's
            self.store.advance(*pair, windows[pair].before)

        self._deliver_all(sorted({t.target.channel for t in targets}), now, run)
        return run

    def post_jobs(self, jobs: Sequence[RestoreJobRow], now: datetime | None = None) -> tuple[PollRun, dict[str, list[str]]]:
        """The event path's way in (bot/alerts/events.py): the jobs into the same outbox, for the channels that want
        them, and those channels' waiting alerts posted as a poll posts them. Returns the run and each alert key's
        channels (none: no channel takes that job)."""
        now = now or self.store.clock()
        run = PollRun(at=now)
        targets, run.failed = scoped(self.targets(), self.policy)
        outgoing, routes = job_alerts(jobs, targets)
        run.jobs = len(routes)
        self.store.enqueue(outgoing)
        self._deliver_all(sorted({alert.channel for alert in outgoing}), now, run)
        return run, routes

    def _hot_pairs(self, statuses: tuple[str, ...], active: frozenset[str] | None, now: datetime) -> HotPairs:
        since = self.store.checkpoints().get(EVENTS_SINCE)
        if since is None:  # the first sweep: the event path begins now
            self.store.advance(*EVENTS_SINCE, now)
            since = now
        return hot_pairs(self.backup, self.regions.current(), statuses, since=since, now=now, active=active,
                         deadline_seconds=poll_deadline(self.settings))

    def _active(self) -> frozenset[str] | None:
        """The organisation's active accounts; None (and the poll goes on as without a directory) when unknown."""
        if self.organization is None:
            return None
        try:
            return self.organization()
        except Exception as error:  # the directory is helper data: never the end of a poll
            log.warning("alerts: the organisation's accounts are not known now (%s); polling without them",
                        type(error).__name__)
            return None

    def _deliver_all(self, channels: Sequence[str], now: datetime, run: PollRun) -> None:
        self.delivery.deliver_all(channels, now, run)
        (log.info if run.ok else log.warning)(run.summary())
