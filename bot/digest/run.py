"""Posting the digest: one AWS query per run, then exactly one post per channel and day (claimed in the ledger)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError

from bot.aws.client import BackupService
from bot.charts.upload import upload_chart
from bot.config import Settings
from bot.digest.chart import DigestChart, post_with_chart
from bot.digest.clock import RETRY_MINUTES
from bot.digest.coverage import coverage_sections
from bot.digest.data import DigestData, build_digest, digest_day
from bot.digest.due import due_channels
from bot.digest.query import query_digest
from bot.digest.render import DigestSection, digest_series, render_digest
from bot.digest.render_coverage import joined
from bot.domain.access import AccessPolicy, NoScope
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import ANY, COMMAND
from bot.domain.regions import RegionCatalog
from bot.domain.results import SummaryRow
from bot.domain.subscriptions import DIGEST, DigestSubscription
from bot.recoverability.service import Recoverability
from bot.restore_testing.service import RestoreTests
from bot.slack.blocks import Message
from bot.slack.post import failed, find_post, metadata, send
from bot.store.claims import new_owner
from bot.store.ledger import CLAIMED, Ledger
from bot.store.subscriptions import SubscriptionStore

log = logging.getLogger(__name__)

# Catch-up runs per digest day (start-up plus the periodic retry); bounds the noise of a channel that never works.
MAX_CATCH_UP_RUNS = 8


@dataclass
class ChannelOutcome:
    channel: str
    status: str  # posted | already-posted | in-flight | skipped-all-clear | failed | dry-run
    detail: str = ""
    ts: str | None = None
    error: str = ""  # Slack's error code when a post was refused (channel_not_found, not_in_channel, ...)


@dataclass
class DigestRun:
    day: date
    outcomes: list[ChannelOutcome] = field(default_factory=list)
    message: Message | None = None

    @property
    def ok(self) -> bool:
        return all(o.status != "failed" for o in self.outcomes)

    def summary(self) -> str:
        parts = [f"{o.channel}: {o.status}" + (f" ({o.detail})" if o.detail else "") for o in self.outcomes]
        return f"digest {self.day.isoformat()}: " + ("; ".join(parts) or "no channels")


# Where a digest channel's id comes from, for the advice on a refused post.
CHANNELS_FROM = f"RESTORES_DIGEST_CHANNELS or the channel's {COMMAND} subscriptions"


def post_digest(
    *,
    backup: BackupService,
    client: WebClient | None,
    ledger: Ledger | None,
    regions: tuple[str, ...],
    channels: tuple[str, ...],
    now: datetime | None = None,
    day: date | None = None,
    account: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    skip_all_clear: bool = False,
    scope_for: Callable[[str], frozenset[str] | None] = lambda channel: None,
    deadline_seconds: float | None = None,
    hold_incomplete: bool = False,
    extra_for: Callable[[frozenset[str] | None], DigestSection | None] | None = None,
    charts: bool = True,
    names: Callable[[Iterable[str]], AccountNames] | None = None,
) -> DigestRun:
    """Post the digest to every channel that does not have it yet. Never raises for one channel's failure.

    A channel limited to some accounts (`scope_for`) gets a digest of those only, from a query that covers them:
    with `account` unset that is AccountId=ANY, because the bot's own account alone would make every other
    account look "all clear". AWS is asked once per distinct AccountId (at most twice), however many channels.
    `charts`: show the 14-day trend as a chart (uploaded once per scope and run) where Slack lets the bot upload
    it, else as the text sparkline. `names`: the accounts' names and OUs (bot.organization.names; ids when None)."""
    now = now or datetime.now(UTC)
    day = day or digest_day(now)
    run = DigestRun(day=day)
    pending = list(channels)
    if not dry_run and not force and ledger is not None:
        pending = [c for c in channels if not _done(ledger, c, day)]
        run.outcomes += [ChannelOutcome(c, "already-posted") for c in channels if c not in pending]
        if not pending:
            log.info("digest %s already posted everywhere", day)
            return run

    needs: dict[str, tuple[str | None, frozenset[str] | None]] = {}  # channel -> (AccountId, scope)
    for channel in pending:
        try:
            needs[channel] = _need(channel, account, scope_for)
        except NoScope:
            # Scoping is configured and says nothing about this channel: post nothing rather than guess.
            log.error("digest channel=%s has no account scope in RESTORES_CHANNEL_ACCOUNTS", channel)
            run.outcomes.append(ChannelOutcome(channel, "failed", "no account scope: add it to RESTORES_CHANNEL_ACCOUNTS"))
    pending = list(needs)
    # One query per distinct AccountId, however many channels: with rows per account when any channel of it is
    # scoped (the others sum the same rows), else with AWS summing accounts.
    per_account: dict[str | None, bool] = {}
    for asked, scope in needs.values() or [(account, None)]:
        per_account[asked] = per_account.get(asked, False) or scope is not None
    results = {
        asked: query_digest(backup, regions, asked, per_account=flag, deadline_seconds=deadline_seconds)
        for asked, flag in per_account.items()
    }
    # One rendering per distinct (AccountId, scope); the first is what a dry run prints.
    messages: dict[tuple[str | None, frozenset[str] | None], tuple[DigestData, Message, DigestSection | None]] = {}
    named: dict[tuple[str | None, frozenset[str] | None], AccountNames] = {}

    def digest_for(need: tuple[str | None, frozenset[str] | None]) -> tuple[DigestData, Message, DigestSection | None]:
        """The channel's digest, with the extra sections (restore testing) its scope gets."""
        if need not in messages:
            data = build_digest(results[need[0]], day=day, account=need[0], visible_accounts=need[1])
            if need[0] is None and backup.identity is not None:  # the bot's own account: named by its id
                data = replace(data, own_account=backup.identity.current().account)
            extra = extra_for(need[1]) if extra_for is not None else None
            named[need] = names_of(data.by_account_rows, names)
            messages[need] = (data, render_digest(data, extra=extra, names=named[need]), extra)
        return messages[need]

    # The chart of each (AccountId, scope), uploaded by the first of its channels that is posted to.
    charted: dict[tuple[str | None, frozenset[str] | None], DigestChart | None] = {}

    def chart_for(need: tuple[str | None, frozenset[str] | None]) -> DigestChart | None:
        if need not in charted:
            data, _, extra = digest_for(need)
            series = digest_series(data) if charts and client is not None else None
            charted[need] = None if series is None or client is None else DigestChart(
                lambda: upload_chart(client, series),
                lambda file: render_digest(data, extra=extra, chart=file, names=named[need]),
            )
        return charted[need]

    run.message = digest_for(next(iter(needs.values()), (account, None)))[1]
    if dry_run:
        run.outcomes += [ChannelOutcome(c, "dry-run") for c in pending]
        return run
    assert client is not None and ledger is not None, "posting needs a Slack client and a ledger"

    owner = new_owner()
    for channel in pending:
        result = results[needs[channel][0]]
        if result.failures and len(result.failures) == len(regions):
            # Nothing to say yet: leave the channel unposted, so a retry posts real numbers once AWS answers.
            regions_down = ", ".join(f"{f.region} {f.kind.value}" for f in result.failures)
            run.outcomes.append(ChannelOutcome(channel, "failed", f"no region could be queried ({regions_down})"))
            continue
        if result.aws_time is not None and result.aws_time.astimezone(UTC).date() <= day:
            # AWS's clock is still in that day (this host's runs ahead): nothing of it is summarised; retried.
            run.outcomes.append(ChannelOutcome(channel, "failed", f"{day} is not over by AWS's clock "
                                               f"({result.aws_time.astimezone(UTC):%Y-%m-%d %H:%M} UTC); retried later"))
            continue
        data, message, extra = digest_for(needs[channel])
        if data.retriable and hold_incomplete:
            # Retried like a day no region answered: the numbers may yet be complete on a later run.
            missing = ", ".join([f.region for f in data.failures] + list(data.truncated) + list(data.limits))
            run.outcomes.append(ChannelOutcome(channel, "failed", f"incomplete ({missing}); held back for a retry"))
            continue
        if data.all_clear and skip_all_clear and (extra is None or extra.informational):
            run.outcomes.append(ChannelOutcome(channel, "skipped-all-clear"))
            continue
        try:
            outcome = _deliver(client, ledger, channel, day, owner, message, force=force, chart=chart_for(needs[channel]))
            run.outcomes.append(outcome)
        except DBAPIError as error:
            # One channel's database trouble (a value the column refuses, a lost connection) is that channel's
            # failure only: the others are still posted, and this one is retried by the next run.
            log.error("digest ledger failed channel=%s error=%s", channel, type(error.orig or error).__name__)
            run.outcomes.append(ChannelOutcome(channel, "failed", f"ledger error ({type(error.orig or error).__name__})"))
    return run


def names_of(rows: Iterable[SummaryRow], names: Callable[[Iterable[str]], AccountNames] | None) -> AccountNames:
    """The names of the accounts a digest's rows name (only real ids asked); NO_NAMES without a directory."""
    if names is None:
        return NO_NAMES
    return names({r.account_id for r in rows if ACCOUNT_ID_RE.match(r.account_id)})


# The message metadata a digest post carries, so a later run can recognise a post whose ledger entry was lost.
METADATA_EVENT = "restores_digest"


def _deliver(
    client: WebClient,
    ledger: Ledger,
    channel: str,
    day: date,
    owner: str,
    message: Message,
    *,
    force: bool,
    chart: DigestChart | None = None,
) -> ChannelOutcome:
    previous = ledger.get(channel, day)
    if not ledger.claim(channel, day, owner, force=force):
        return ChannelOutcome(channel, "already-posted" if ledger.is_done(channel, day) else "in-flight")
    if previous is not None and previous.status == CLAIMED:
        # A stale claim taken over: its owner died after claiming, perhaps after Slack accepted the post and
        # before the ledger heard of it. Look for that post before posting again.
        found = _find_post(client, channel, day, since=previous.claimed_at)
        if found is not None:
            ledger.mark_done(channel, day, owner, found)
            log.info("digest channel=%s day=%s: found the post of a run that died before recording it", channel, day)
            return ChannelOutcome(channel, "already-posted", "found the earlier post in the channel", ts=found)
    meta = metadata(METADATA_EVENT, day=day.isoformat(), run=owner)
    charted = chart.message() if chart is not None else None
    try:
        response = post_with_chart(client, channel, charted, meta) if charted is not None else None
        if response is None:
            if chart is not None and charted is not None:
                chart.refused()
            response = send(client, channel, message, meta)
            charted = None
    except Exception as error:  # refused: leave the day claimable for the next run; network trouble: see _uncertain
        outcome = failed(error, where=CHANNELS_FROM)
        if outcome.uncertain:
            return _uncertain(client, ledger, channel, day, owner, outcome.detail)
        ledger.release(channel, day, owner)
        log.error("digest post failed channel=%s error=%s", channel, outcome.detail)
        return ChannelOutcome(channel, "failed", outcome.detail, error=outcome.error)
    ts = response.get("ts")
    ledger.mark_done(channel, day, owner, ts)
    # A digest that could have had the chart says why it has the text trend instead.
    detail = f"text trend, no chart: {chart.error}" if chart is not None and charted is None else ""
    log.info("digest posted channel=%s day=%s ts=%s%s", channel, day, ts, f" ({detail})" if detail else "")
    return ChannelOutcome(channel, "posted", detail, ts=ts)


def _uncertain(client: WebClient, ledger: Ledger, channel: str, day: date, owner: str, detail: str) -> ChannelOutcome:
    """The connection failed after the post left: Slack may have it. It is looked for at once; not found (Slack may
    still be carrying it out), the claim is kept, so no run posts again before it has gone stale and its taker has
    looked in the channel (the stale-claim path of _deliver)."""
    entry = ledger.get(channel, day)
    try:
        found = _find_post(client, channel, day, since=entry.claimed_at) if entry is not None else None
    except Exception as error:  # Slack unreachable still: the kept claim makes the next run look
        log.warning("digest channel=%s: cannot look for the uncertain post now (%s)", channel, type(error).__name__)
        found = None
    if found is not None:
        ledger.mark_done(channel, day, owner, found)
        log.warning("digest channel=%s day=%s: the connection failed (%s) after Slack took the post ts=%s", channel,
                    day, detail, found)
        return ChannelOutcome(channel, "posted", f"found in the channel after {detail}", ts=found)
    log.error("digest post of channel=%s day=%s uncertain (%s): the claim is kept and the channel looked at again "
              "before any new post", channel, day, detail)
    return ChannelOutcome(channel, "failed", f"{detail}; Slack may have the post: looked for again before any repost")


def _find_post(client: WebClient, channel: str, day: date, *, since: datetime) -> str | None:
    """The ts of this day's digest in the channel since a claim was made, if there is one (bot.slack.post)."""
    return find_post(client, channel, METADATA_EVENT, since=since, match={"day": day.isoformat()})


def _done(ledger: Ledger, channel: str, day: date) -> bool:
    try:
        return ledger.is_done(channel, day)
    except DBAPIError as error:  # looked at again when its turn comes; the other channels go on
        log.error("digest ledger failed channel=%s error=%s", channel, type(error.orig or error).__name__)
        return False


def _need(
    channel: str, account: str | None, scope_for: Callable[[str], frozenset[str] | None]
) -> tuple[str | None, frozenset[str] | None]:
    """The AccountId to ask for a channel's digest, and the accounts it may see. A scoped channel's query covers its
    scope whatever RESTORES_DIGEST_ACCOUNT says (a digest never calls accounts it did not read "all clear"): the
    configured account when it is the whole scope, else every account with rows per account, cut to the scope (one
    query that all scoped channels share)."""
    scope = scope_for(channel)
    if scope is None:
        return account, None
    if account is not None and scope == frozenset({account}):
        return account, scope
    return ANY, scope


@dataclass(eq=False)
class DigestRunner:
    """The digest as the clock and the CLI run it: one set of clients, the ledger, the channels (static and subscribed)."""

    settings: Settings
    backup: BackupService
    client: WebClient | None
    ledger: Ledger | None
    _: KW_ONLY
    regions: RegionCatalog
    tests: RestoreTests
    policy: AccessPolicy
    subscriptions: SubscriptionStore | None = None  # None (dry runs): the static RESTORES_DIGEST_CHANNELS only
    account_names: Callable[[Iterable[str]], AccountNames] | None = None  # names and OUs; None: ids
    recoverability: Recoverability | None = None  # the weekly coverage line (bot.digest.coverage); None: none

    def __post_init__(self) -> None:
        # (channel, digest day) -> runs so far and when the last one was: the tick's retries and their limit.
        self._attempts: dict[tuple[str, date], tuple[int, datetime]] = {}
        # (channel, digest day) whose "channel is gone" failure was counted: at most one a day, retries do not add up.
        self._gone_counted: set[tuple[str, date]] = set()
        self._tick_lock = threading.Lock()

    def channels(self) -> tuple[str, ...]:
        """Every channel that gets the digest: RESTORES_DIGEST_CHANNELS and those subscribed from Slack."""
        if self.subscriptions is None:
            return self.settings.digest_channels
        return tuple(dict.fromkeys(s.channel for s in self.subscriptions.digest_subscriptions(self.settings)))

    def run(
        self,
        *,
        day: date | None = None,
        now: datetime | None = None,
        force: bool = False,
        dry_run: bool = False,
        channels: tuple[str, ...] | None = None,
        hold_incomplete: bool = False,
    ) -> DigestRun:
        now = now or datetime.now(UTC)
        digest_of = day or digest_day(now)
        run = post_digest(
            extra_for=self._extra_for(digest_of, now),
            hold_incomplete=hold_incomplete,
            backup=self.backup,
            client=self.client,
            ledger=self.ledger,
            regions=self.regions.current(),
            channels=channels or self.channels(),
            now=now,
            day=day,
            account=self.settings.digest_account,
            force=force,
            dry_run=dry_run,
            skip_all_clear=self.settings.digest_skip_all_clear,
            deadline_seconds=self.settings.digest_deadline_seconds,
            scope_for=self.policy.accounts_for,
            names=self.account_names,
        )
        if not dry_run:
            self._record_deliveries(run)
        (log.info if run.ok else log.error)(run.summary())
        return run

    def _extra_for(self, day: date, now: datetime) -> Callable[[frozenset[str] | None], DigestSection | None]:
        """A scope's extra sections: restore testing of the digest's day, then, once a week, restore coverage (both
        with RESTORES_DIGEST_TESTS; the coverage line is informational: the all clear stays the restore jobs' call)."""
        start = datetime.combine(day, time.min, UTC)
        testing = self.tests.digest_sections(self.regions.current(), (start, start + timedelta(days=1)), now)
        reader = self.recoverability if self.settings.digest_tests else None
        coverage = coverage_sections(reader, self.regions.current(), day)
        return lambda visible: joined(testing(visible), coverage(visible))

    def _record_deliveries(self, run: DigestRun) -> None:
        """Tell the subscriptions which channels Slack says are gone; a subscribed one is dropped after a few days of
        it (the reason is logged there). A static channel is only logged, by the post's own error line."""
        if self.subscriptions is None:
            return
        for outcome in run.outcomes:
            try:
                if outcome.status == "posted":
                    self.subscriptions.record_delivery_success(outcome.channel, DIGEST)
                elif outcome.error and (outcome.channel, run.day) not in self._gone_counted:
                    self._gone_counted.add((outcome.channel, run.day))
                    self.subscriptions.record_delivery_failure(outcome.channel, DIGEST, outcome.error)
            except DBAPIError as error:  # bookkeeping only: the next run counts again
                log.error("recording the digest delivery of channel=%s failed: %s", outcome.channel,
                          type(error.orig or error).__name__)

    def tick(self, now: datetime | None = None) -> list[DigestRun]:
        """The clock's job, every minute and at start-up: post the digest of each channel whose own time (and zone) has
        passed today and that lacks the day's post. A channel's digest day is that of its time, even when posted late.
        A failed or held-back channel is tried again RETRY_MINUTES after its last attempt, at most MAX_CATCH_UP_RUNS
        times a day; an incomplete digest (a region did not answer, or was cut short) is held back until the last of
        them, which posts it saying so. One run at a time: a tick during a long run returns at once."""
        if not self._tick_lock.acquire(blocking=False):
            return []
        try:
            return self._tick(now or datetime.now(UTC))
        except Exception:  # APScheduler would only log it too; say what failed and keep the clock alive
            log.exception("digest tick failed; the next tick will retry")
            return []
        finally:
            self._tick_lock.release()

    def _tick(self, now: datetime) -> list[DigestRun]:
        assert self.ledger is not None, "the clock needs a ledger"
        if self.subscriptions is not None:
            subscribed = self.subscriptions.digest_subscriptions(self.settings)
        else:
            subscribed = [_static(self.settings, channel) for channel in self.settings.digest_channels]
        due = due_channels(subscribed, now)
        by_day: dict[date, list[str]] = {}
        for channel, fire in due.items():
            by_day.setdefault(digest_day(fire), []).append(channel)
        oldest = digest_day(now) - timedelta(days=3)  # older days are never due again: forget them
        self._attempts = {key: value for key, value in self._attempts.items() if key[1] >= oldest}
        self._gone_counted = {key for key in self._gone_counted if key[1] >= oldest}
        # One run per digest day and kind of attempt (the last posts an incomplete digest as it is), so channels due
        # together share one AWS query.
        batches: dict[tuple[date, bool], list[str]] = {}
        for day, channels in sorted(by_day.items()):
            done = self.ledger.done_on(day)
            for channel in channels:
                if channel in done:
                    continue
                attempts, last = self._attempts.get((channel, day), (0, None))
                if attempts >= MAX_CATCH_UP_RUNS:
                    if attempts == MAX_CATCH_UP_RUNS:
                        log.error("giving up on the %s digest of channel=%s after %d runs", day, channel, attempts)
                        self._attempts[(channel, day)] = (attempts + 1, now)
                    continue
                if last is not None and now - last < timedelta(minutes=RETRY_MINUTES):
                    continue
                self._attempts[(channel, day)] = (attempts + 1, now)
                batches.setdefault((day, attempts + 1 == MAX_CATCH_UP_RUNS), []).append(channel)
        runs = []
        for (day, last_try), channels in batches.items():
            log.info("digest %s due for %s (due at %s)", day, ", ".join(channels),
                     ", ".join(sorted({due[c].isoformat() for c in channels})))
            runs.append(self.run(day=day, now=now, channels=tuple(channels), hold_incomplete=not last_try))
        return runs


def _static(settings: Settings, channel: str) -> DigestSubscription:
    return DigestSubscription(channel, settings.digest_hour, settings.digest_minute, settings.digest_tz, True)
