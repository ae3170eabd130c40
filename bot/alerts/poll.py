"""One alert poll: read what failed or was aborted since the checkpoints, put it in the outbox, post each alert once
per channel (the day's thread parent first), then move the checkpoints."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError

from bot.alerts.render import render_gap, render_parent, render_reply
from bot.alerts.sweep import EVENTS_SINCE, HotPairs, hot_pairs
from bot.alerts.targets import ActiveAccounts, AlertTarget, ScopedTarget, accounts_to_poll, listed_accounts, scoped
from bot.aws.client import BackupService
from bot.config import Settings
from bot.domain.access import AccessPolicy
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.query import ALERT_STATES
from bot.domain.reasons import reason_key
from bot.domain.regions import RegionCatalog
from bot.domain.results import RestoreJobRow
from bot.slack.blocks import Message
from bot.slack.errors import slack_error_code
from bot.slack.post import PostOutcome, find_post, metadata, post_message, thread_posts
from bot.store.alerts import (
    DONE,
    GAP,
    JOB,
    AlertStore,
    Delivery,
    Outgoing,
    gap_from_payload,
    gap_payload,
    job_payload,
)
from bot.store.claims import new_owner

log = logging.getLogger(__name__)

# Each poll reads again what completed in the last OVERLAP before the previous poll's end: ListRestoreJobs is
# eventually consistent, and a job may show up after a poll that ran later than its CompletionDate. The outbox's
# unique (job, channel) key makes the second sighting a no-op.
OVERLAP = timedelta(minutes=10)
# After downtime a poll reads at most this far back, and says in the channels what it did not read.
MAX_CATCH_UP = timedelta(hours=24)
# An alert a channel would not take (channel gone, bot removed) is retried by every poll for this long, then dropped.
RETRY_FOR = timedelta(hours=24)
# Posted alerts are remembered this long: far longer than any window that could read their jobs again.
KEEP_FOR = timedelta(days=7)
REPLY_JOBS = 10  # jobs per reply: a reply's blocks stay far under Slack's limits
PARENT_WAIT_SECONDS = 10.0  # how long to wait for another poller that is posting the day's parent right now

METADATA_PARENT = "restores_alerts"
METADATA_REPLY = "restores_alert"
METADATA_GAP = "restores_alert_gap"

# Where an alert channel's id comes from, for the advice on a refused post.
CHANNELS_FROM = "RESTORES_ALERT_CHANNELS or the subscription"


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


def reply_groups(deliveries: Sequence[Delivery]) -> list[list[Delivery]]:
    """Alerts with the same state and reason (resource ids taken out) share a reply, at most REPLY_JOBS each."""
    groups: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        job = delivery.job
        groups[(job.status, reason_key(job.status_message))].append(delivery)
    return [group[i : i + REPLY_JOBS] for group in groups.values() for i in range(0, len(group), REPLY_JOBS)]


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
    """The alert poll as the clock and `python -m bot poll` run it: one set of clients, the store, the targets."""

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
        self.client = client
        self.store = store
        self.targets = targets
        self.regions = regions
        self.owner = owner or new_owner()
        self.policy = policy
        self.on_outcome = on_outcome
        self.organization = organization
        self.account_names = account_names or (lambda _accounts: NO_NAMES)  # the replies' account names, best effort

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
        for channel in channels:
            try:
                self._deliver(channel, now, run)
            except DBAPIError as error:
                # One channel's database trouble fails that channel only; its alerts wait in the outbox.
                name = type(error.orig or error).__name__
                log.error("alerts store failed channel=%s error=%s", channel, name)
                run.failed[channel] = f"store error ({name})"
            self._tell_outcome(channel, run)
        for channel, count in self.store.drop_expired(RETRY_FOR).items():
            log.error("alerts: gave up on %d alert(s) for channel=%s after %s of failed posts", count, channel, RETRY_FOR)
        self.store.prune(KEEP_FOR)
        (log.info if run.ok else log.warning)(run.summary())

    def _tell_outcome(self, channel: str, run: PollRun) -> None:
        if self.on_outcome is None or not (channel in run.slack_errors or run.posted.get(channel)):
            return
        try:
            self.on_outcome(channel, run.slack_errors.get(channel))
        except Exception as error:  # bookkeeping of subscriptions must not stop the alerts of other channels
            log.error("alerts: recording the outcome for channel=%s failed (%s)", channel, type(error).__name__)

    # ----------------------------------------------------------------- one channel

    def _deliver(self, channel: str, now: datetime, run: PollRun) -> None:
        day = now.astimezone(UTC).date()
        claimed = self.store.claim(channel, self.owner)
        waiting = self._not_yet_posted(channel, claimed)
        for gap in [d for d in waiting if d.kind == GAP]:
            self._post_gap(channel, day, gap, run)
        jobs = [d for d in waiting if d.kind == JOB]
        if jobs:
            ts = self._parent(channel, day, len(jobs), run)
            if ts is None:
                why = run.failed.get(channel, "no thread")
                self.store.release([d.id for d in jobs], self.owner, why, maybe_posted=False)
            else:
                self.store.assign([d.id for d in jobs], self.owner, day, ts)
                groups = reply_groups(jobs)
                for index, group in enumerate(groups):
                    if not self._post_reply(channel, day, ts, group, run):
                        rest = [d.id for g in groups[index + 1 :] for d in g]
                        self.store.release(rest, self.owner, run.failed.get(channel, "not posted"), maybe_posted=False)
                        break
        self._refresh(channel, day)

    def _not_yet_posted(self, channel: str, claimed: list[Delivery]) -> list[Delivery]:
        """The claimed alerts minus those a process that died (or lost its connection) had posted already: an alert
        recorded in a thread before posting is looked for there first. When the thread cannot be read, it is
        posted again: a possible duplicate, logged, rather than a lost alert."""
        by_thread: dict[str, list[Delivery]] = defaultdict(list)
        waiting: list[Delivery] = []
        for delivery in claimed:
            (by_thread[delivery.thread_ts] if delivery.thread_ts else waiting).append(delivery)
        for thread_ts, deliveries in by_thread.items():
            posted = self._replies(channel, thread_ts)
            for delivery in deliveries:
                ts = posted.get(delivery.job_id) if posted is not None else None
                if ts is not None and delivery.day is not None:
                    self.store.mark_done([delivery.id], self.owner, delivery.day, ts)
                    log.info("alerts channel=%s: found %s in its thread, posted by a poll that died", channel,
                             delivery.job_id)
                else:
                    waiting.append(delivery)
        return sorted(waiting, key=lambda d: d.id)

    def _replies(self, channel: str, thread_ts: str) -> dict[str, str] | None:
        """Alert key -> reply ts for the replies in a thread (their message metadata names the alerts)."""
        try:
            posts = thread_posts(self.client, channel, thread_ts, METADATA_REPLY)
        except SlackApiError as error:
            log.warning("alerts channel=%s: cannot read the thread (%s) to look for unrecorded replies; they may be "
                        "posted twice", channel, slack_error_code(error))
            return None
        return {key: ts for payload, ts in posts for key in str(payload.get("alerts", "")).split()}

    def _parent(self, channel: str, day: date, adding: int, run: PollRun) -> str | None:
        """The ts of the day's thread parent in the channel, posting it (with the day's mention) if this poller is
        the first; None when it cannot be had now (the alerts wait in the outbox for the next poll)."""
        deadline = time.monotonic() + PARENT_WAIT_SECONDS
        while True:
            thread = self.store.thread(channel, day)
            if thread is not None and thread.status == DONE and thread.ts:
                return thread.ts
            if self.store.claim_thread(channel, day, self.owner):
                break
            if time.monotonic() > deadline:
                run.failed[channel] = "another poller is posting today's thread"
                return None
            time.sleep(0.2)
        if thread is not None:
            # A stale claim taken over: its owner may have posted the parent and died before recording it.
            found = self._find_parent(channel, day, since=thread.claimed_at)
            if found is not None:
                self.store.thread_posted(channel, day, self.owner, found, 0)
                return found
        count = self.store.count_done(channel, day) + adding
        message = render_parent(day, count, self.settings.alert_mention)
        outcome = self._post_outcome(channel, message, metadata(METADATA_PARENT, day=day.isoformat()), run)
        ts = outcome.ts
        if outcome.uncertain:
            # Slack may have the parent (and its mention): looked for now; if not there, the claim is kept, so no
            # poll posts another before it has gone stale and its taker has looked in the channel (above).
            ts = self._look_for_parent(channel, day)
            if ts is None:
                log.error("alerts channel=%s: the %s thread parent may be posted (%s); kept claimed, looked for "
                          "again before any new parent", channel, day, outcome.detail)
                return None
            log.warning("alerts channel=%s: found the %s thread parent after %s", channel, day, outcome.detail)
            run.failed.pop(channel, None)
        if ts is None:
            self.store.release_thread(channel, day, self.owner)
            return None
        self.store.thread_posted(channel, day, self.owner, ts, count)
        log.info("alerts channel=%s: posted the %s thread ts=%s", channel, day, ts)
        return ts

    def _find_parent(self, channel: str, day: date, *, since: datetime) -> str | None:
        return find_post(self.client, channel, METADATA_PARENT, since=since, match={"day": day.isoformat()})

    def _look_for_parent(self, channel: str, day: date) -> str | None:
        """The parent this poller just posted with an unknown outcome, if the channel shows it (since its claim)."""
        thread = self.store.thread(channel, day)
        if thread is None:
            return None
        try:
            return self._find_parent(channel, day, since=thread.claimed_at)
        except Exception as error:  # Slack unreachable still: the kept claim makes a later poll look
            log.warning("alerts channel=%s: cannot look for the thread parent now (%s)", channel, type(error).__name__)
            return None

    def _post_reply(self, channel: str, day: date, thread_ts: str, group: list[Delivery], run: PollRun) -> bool:
        ids = [d.id for d in group]
        over = self.settings.alert_broadcast_over
        broadcast = False
        if over:
            before = self.store.count_done(channel, day)
            # The reply that takes the day's count past the threshold is also shown in the channel, once a day.
            broadcast = before <= over < before + len(group) and self.store.claim_broadcast(channel, day)
        meta = metadata(METADATA_REPLY, day=day.isoformat(), alerts=" ".join(d.job_id for d in group))
        names = self.account_names({d.job.account_id for d in group if d.job.account_id})
        ts = self._post(channel, render_reply([d.job for d in group], names), meta, run, thread_ts=thread_ts,
                        broadcast=broadcast, ids=ids)
        if ts is None:
            if broadcast:  # the day's broadcast goes with the next reply that is posted
                self.store.release_broadcast(channel, day)
            return False
        done = self.store.mark_done(ids, self.owner, day, ts)
        run.posted[channel] = run.posted.get(channel, 0) + done
        if done < len(ids):
            log.warning("alerts channel=%s: %d alert(s) were taken over while being posted", channel, len(ids) - done)
        return True

    def _post_gap(self, channel: str, day: date, gap: Delivery, run: PollRun) -> None:
        skipped_from, skipped_to = gap_from_payload(gap.payload)
        meta = metadata(METADATA_GAP, **{"from": skipped_from.isoformat()})
        ts = self._post(channel, render_gap(skipped_from, skipped_to, MAX_CATCH_UP), meta, run, ids=[gap.id])
        if ts is not None:
            self.store.mark_done([gap.id], self.owner, day, ts)

    def _post(self, channel: str, message: Message, meta: Mapping[str, Any], run: PollRun, **options: Any) -> str | None:
        """chat.postMessage (429s are retried after Retry-After by the client); None when Slack would not take it,
        with the alerts given back: when Slack said no they were not posted; when the connection failed they may
        have been, and the retry looks in the thread first. `options`: _post_outcome's."""
        return self._post_outcome(channel, message, meta, run, **options).ts

    def _post_outcome(
        self,
        channel: str,
        message: Message,
        meta: Mapping[str, Any],
        run: PollRun,
        *,
        thread_ts: str | None = None,
        broadcast: bool = False,
        ids: list[int] | None = None,
    ) -> PostOutcome:
        outcome = post_message(self.client, channel, message, meta, thread_ts=thread_ts, broadcast=broadcast,
                               where=CHANNELS_FROM)
        if outcome.posted:
            return outcome
        log.error("alerts post failed channel=%s error=%s", channel, outcome.detail)
        run.failed[channel] = outcome.detail
        if not outcome.uncertain:
            run.slack_errors.setdefault(channel, outcome.error)
        if ids:
            # Refused: not posted. Network trouble: a reply may have been, and the retry looks in the thread first.
            self.store.release(ids, self.owner, outcome.error, maybe_posted=outcome.uncertain and thread_ts is not None)
        return outcome

    def _refresh(self, channel: str, day: date) -> None:
        """Make the parent show the day's count (chat.update). Whoever holds the right to edit re-checks the count
        after letting go, so a count that grew meanwhile is shown by it or by the next poll."""
        for _ in range(3):
            thread = self.store.thread(channel, day)
            if thread is None or thread.status != DONE or not thread.ts:
                return
            if self.store.count_done(channel, day) == thread.shown_count:
                return
            if not self.store.claim_update(channel, day, self.owner):
                return
            shown: int | None = None
            try:
                count = self.store.count_done(channel, day)
                message = render_parent(day, count, self.settings.alert_mention)
                self.client.chat_update(channel=channel, ts=thread.ts, text=message.text, blocks=message.block_dicts())
                shown = count
            except SlackApiError as error:
                log.warning("alerts channel=%s: could not update the day's count (%s)", channel, slack_error_code(error))
                return
            except Exception as error:
                log.warning("alerts channel=%s: could not update the day's count (%s)", channel, type(error).__name__)
                return
            finally:
                self.store.finish_update(channel, day, self.owner, shown)
