"""Turns `/restores` requests and button clicks into Messages: allow-lists, parsing, AWS queries, rendering."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import UTC, date, datetime, timedelta

from bot.answers.controls import ActionValue
from bot.answers.grammar import parse_command
from bot.answers.notices import (
    render_help,
    render_internal_error,
    render_out_of_scope,
    render_parse_error,
    render_refusal,
)
from bot.answers.render import render_summary
from bot.answers.render_jobs import render_jobs
from bot.aws.client import BackupService
from bot.aws.plan import View
from bot.charts.render import DailySeries
from bot.charts.trend import ChartAnswer, chart_command, chart_series, render_chart_partial, render_chart_posted
from bot.config import Settings
from bot.domain.access import Access, AccessPolicy, OutOfScope, Unresolved
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import ANY, COMMAND, WILDCARDS, ParseError, Period, RestoreFilter, State
from bot.domain.regions import RegionCatalog
from bot.domain.results import JobsQuery, JobsResult, RegionFailure, SummaryResult, SummaryRow
from bot.domain.subscriptions import ChannelCheck
from bot.export.result import Upload as ExportUpload
from bot.export.service import ExportService
from bot.logs import handling
from bot.recoverability.controls import HistoryValue
from bot.recoverability.grammar import CoverageQuery
from bot.recoverability.service import Recoverability
from bot.restore_testing.controls import TestJobsValue
from bot.restore_testing.service import RestoreTests
from bot.slack.blocks import Message
from bot.subscriptions.service import SubscriptionCommands

log = logging.getLogger(__name__)

# Receives a first, partial answer while a long one is still being counted.
Progress = Callable[[Message], None]


@dataclass(eq=False)
class RestoresService:
    """What the Slack handlers and the CLI call; knows nothing about Slack transports. Every collaborator is built
    once, by bot.wiring."""

    settings: Settings
    backup: BackupService
    _: KW_ONLY
    regions: RegionCatalog
    policy: AccessPolicy
    tests: RestoreTests
    subscriptions: SubscriptionCommands
    recoverability: Recoverability | None = None  # `resource` and `coverage` (bot.recoverability)
    exports: ExportService | None = None  # `export` (bot.export); None: built on the backup and policy here
    sample: bool = False
    # Account names for what is shown (bot.organization.names, best effort: ids when the directory is not readable).
    account_names: Callable[[Iterable[str]], AccountNames] = lambda _accounts: NO_NAMES

    def _guarded(
        self,
        what: str,
        user_id: str,
        channel_id: str,
        work: Callable[[Access], Message],
        command: str = COMMAND,
        teams: tuple[str, ...] | None = None,
        home: bool = False,
    ) -> Message:
        """Allow-lists and scope first, then the work; any fault becomes an answer with a reference. `home`: the request
        comes from the App Home tab, which has no channel: its own scope applies (AccessPolicy.check_home)."""
        with handling(what, log, user=user_id, channel=channel_id) as rid:
            try:
                if home:
                    access = self.policy.check_home(user_id=user_id, teams=teams or ())
                else:
                    access = self.policy.check(user_id=user_id, channel_id=channel_id, teams=teams)
                if not access.allowed:
                    log.info("refused %s", what, extra={"user": user_id, "channel": channel_id, "reason": access.reason})
                    return render_refusal(
                        command, no_scope=access.reason == "no-scope", other_team=access.reason == "other-team",
                        home=home, directory=access.detail if access.reason == "directory" else "",
                    )
                return work(access)
            except OutOfScope as error:
                log.info("out of scope %s", what, extra={"user": user_id, "channel": channel_id})
                return render_out_of_scope(str(error), unresolved=isinstance(error, Unresolved))
            except Exception:
                log.exception("failed to answer %s", what)
                return render_internal_error(rid)

    def answer(
        self,
        text: str,
        *,
        user_id: str = "",
        channel_id: str = "",
        command: str = COMMAND,
        teams: tuple[str, ...] | None = None,
        progress: Progress | None = None,
        channel_check: ChannelCheck | None = None,
        upload: ExportUpload | None = None,
    ) -> Message:
        """Answer a typed command. Refusals, usage errors and faults become answers, never exceptions.
        `progress` receives a first, partial answer of a long query (it is to be replaced by the returned one).
        `channel_check` asks Slack whether the bot can post in the channel before a subscription is taken (the
        handlers pass one built on the bot's client; the CLI has none). `upload` shares an export's files to the
        channel (bot.export.upload, built by the handlers on the bot's client)."""

        def work(access: Access) -> Message:
            try:
                parsed = parse_command(text, self.regions.current())
            except ParseError as error:
                log.info("bad command", extra={"token": error.token[:60]})
                return render_parse_error(error, command)
            if parsed.kind == "help":
                return render_help(command, self.regions.current())  # no AWS call: the account is named as known
            if parsed.kind in ("subscribe", "unsubscribe", "subscriptions"):
                return self.subscriptions.answer(
                    parsed, access, user_id=user_id, channel_id=channel_id, channel_check=channel_check, command=command
                )
            if parsed.kind == "recoverability" and parsed.recoverability is not None:
                if self.recoverability is None:
                    raise RuntimeError("no Recoverability wired")
                query = parsed.recoverability
                if not isinstance(query, CoverageQuery):
                    self.policy.scope(RestoreFilter(regions=query.regions), access)  # partition check
                    return self.recoverability.answer(query, access.accounts, command)
                account, visible = self._org_scope(query.account, query.account_name, query.unit, query.regions, access)
                return self.recoverability.answer(replace(query, account=account), visible, command)
            if parsed.kind == "export" and parsed.export is not None:
                exports = self.exports or ExportService(self.backup, self.policy, sample=self.sample)
                return exports.answer(parsed.export, access, upload=upload, command=command, progress=progress)
            if parsed.kind == "tests" and parsed.tests is not None:
                tests = parsed.tests
                account, visible = self._org_scope(tests.account, tests.account_name, tests.unit, tests.regions, access)
                board = self.tests.answer(replace(tests, account=account), visible, command)
                return replace(board, response_type="in_channel") if parsed.tests.share else board
            flt = self.policy.scope(parsed.filter, access)
            if parsed.kind == "jobs":
                return self._jobs(flt, None, command)
            return self._summary(flt, command, progress)

        return self._guarded("command", user_id, channel_id, work, command, teams)

    def _org_scope(self, account: str | None, account_name: str | None, unit: str | None, regions: tuple[str, ...],
                   access: Access) -> tuple[str | None, frozenset[str] | None]:
        """`tests` and `coverage` through the access policy like every answer, before any AWS call: the regions'
        partition checked, `account:<name>` as its id, `ou:` as the accounts shown (within the channel's)."""
        flt = self.policy.scope(RestoreFilter(account=account, account_name=account_name, unit=unit, regions=regions),
                                access)
        return flt.account if account_name else account, flt.visible_accounts if unit else access.accounts

    def answer_filter(
        self, flt: RestoreFilter, *, user_id: str, channel_id: str, teams: tuple[str, ...] | None = None
    ) -> Message:
        """Answer a control click that changes the filter (period, state, share)."""
        return self._guarded(
            "filter",
            user_id,
            channel_id,
            lambda access: self._summary(self.policy.scope(flt, access), COMMAND),
            teams=teams,
        )

    def answer_jobs(
        self, value: ActionValue, *, user_id: str, channel_id: str, teams: tuple[str, ...] | None = None, home: bool = False
    ) -> Message:
        """Answer a drill-down click: the jobs behind a row or total, in exactly that row's window."""
        return self._guarded(
            "jobs",
            user_id,
            channel_id,
            lambda access: self._jobs(self.policy.scope(value.filter, access), value.window, COMMAND),
            teams=teams,
            home=home,
        )

    def answer_test_jobs(
        self,
        value: TestJobsValue,
        *,
        user_id: str,
        channel_id: str,
        teams: tuple[str, ...] | None = None,
        home: bool = False,
    ) -> Message:
        """Answer a restore testing plan's button: its failed restores, validation failures or leaked resources. The
        plan's region goes through the access policy first, as every button's does (its partition signs the calls)."""

        def work(access: Access) -> Message:
            self.policy.scope(RestoreFilter(regions=(value.region,)), access)  # partition check; accounts: answer_jobs
            return self.tests.answer_jobs(value, access.accounts)

        return self._guarded("test jobs", user_id, channel_id, work, teams=teams, home=home)

    def answer_resource_history(
        self, value: HistoryValue, *, user_id: str, channel_id: str, teams: tuple[str, ...] | None = None
    ) -> Message:
        """A resource answer's restore history button: its region through the access policy (partition), its account
        through the channel's scope, as for every button."""

        def work(access: Access) -> Message:
            if self.recoverability is None:
                raise RuntimeError("no Recoverability wired")
            self.policy.scope(RestoreFilter(regions=(value.region,)), access)
            return self.recoverability.history(value, access.accounts)

        return self._guarded("resource history", user_id, channel_id, work, teams=teams)

    def answer_chart(
        self, value: ActionValue, *, user_id: str, channel_id: str, teams: tuple[str, ...] | None = None
    ) -> ChartAnswer:
        """The Chart button: the clicked answer's filter day by day over every state (the chart draws failed and
        aborted, with completed for context, whatever state the answer showed), for the handler to upload to the
        channel; without a series when there is nothing to draw (a refusal, partial numbers)."""
        charts: list[ChartAnswer] = []

        def work(access: Access) -> Message:
            result, series, command_text = self.chart_of(self.policy.scope(_charted(value.filter), access))
            if result.failures or result.truncated:
                return render_chart_partial(result, series, command_text)
            charts.append(ChartAnswer(render_chart_posted(command_text), series, command_text))
            return charts[0].message

        message = self._guarded("chart", user_id, channel_id, work, teams=teams)
        return charts[0] if charts else ChartAnswer(message)

    def chart_of(self, flt: RestoreFilter) -> tuple[SummaryResult, DailySeries, str]:
        """A filter's last 14 UTC days, every state, day by day (one chain a region), as a chart, with the command
        that answers that filter. Also what `python -m bot chart` draws."""
        flt = _charted(flt)
        result = self.backup.restore_job_summaries(flt, views=(View.TOTALS,))
        _log_answer("chart", flt, len(result.rows), result.failures, result.aws_calls, result.elapsed)
        # ONE_DAY buckets are whole UTC days, the last one yesterday's.
        series = chart_series(result, datetime.now(UTC).date() - timedelta(days=1), sample=self.sample)
        return result, series, chart_command(flt)

    def _summary(self, flt: RestoreFilter, command: str, progress: Progress | None = None) -> Message:
        if progress is not None and flt.account == ANY and flt.unit is None:  # an OU's answer is one chain a region
            # Over many accounts the per-account chain is the long one: show the totals and types (small chains,
            # back in a few pages) at once, then the whole answer in place of it.
            early = self.backup.restore_job_summaries(flt, views=(View.TOTALS, View.BY_TYPE))
            if early.answered_regions:
                shown = only_day(early, summarised_day(datetime.now(UTC))) if flt.last_day else early
                progress(render_summary(shown, sample=self.sample, command=command, counting_accounts=True,
                                        last_day=summarised_day(datetime.now(UTC))))
            accounts = self.backup.restore_job_summaries(flt, views=(View.BY_ACCOUNT,))
            result = merge_views(early, accounts)
        else:
            result = self.backup.restore_job_summaries(flt)
        last_day = summarised_day(datetime.now(UTC))
        if flt.last_day:
            result = only_day(result, last_day)
        _log_answer("summary", flt, len(result.rows), result.failures, result.aws_calls, result.elapsed)
        names = self._names(*(r.account_id for r in result.by_account_rows), flt.account)
        return render_summary(result, sample=self.sample, command=command, last_day=last_day,
                              own_account=self._own_account(flt.account), names=names)

    def _names(self, *accounts: str | None) -> AccountNames:
        """The names of the accounts shown (only real ids asked: an id the directory does not know reads it again)."""
        return self.account_names({a for a in accounts if a and ACCOUNT_ID_RE.match(a)})

    def _own_account(self, account: str | None) -> str | None:
        """The bot's account id, for answers about "the bot's own account" to name it (read once and kept by
        bot.aws.identity; None when AWS did not say)."""
        identity = self.backup.identity if account is None else None
        if identity is None:
            return None
        try:
            known = identity.current().account
        except Exception:  # the identity fails soft; an answer never fails for want of naming it
            log.warning("the bot's account could not be read for an answer", exc_info=True)
            return None
        return known if isinstance(known, str) else None

    def _jobs(self, flt: RestoreFilter, window: tuple[datetime, datetime] | None, command: str) -> Message:
        result = self.list_jobs(flt, window)
        _log_answer("jobs", flt, len(result.jobs), result.failures, result.aws_calls, result.elapsed)
        names = self._names(*(j.account_id for j in result.jobs), flt.account)
        return render_jobs(result, flt, sample=self.sample, command=command, rolling=window is None,
                           own_account=self._own_account(flt.account), names=names)

    def list_jobs(self, flt: RestoreFilter, window: tuple[datetime, datetime] | None = None) -> JobsResult:
        now = datetime.now(UTC)
        after, before = window or (now - timedelta(days=flt.period.days), now)
        accounts: tuple[str, ...] = ()
        by_region: dict[str, tuple[str, ...]] | None = None
        incomplete: tuple[str, ...] = ()
        unasked: tuple[RegionFailure, ...] = ()  # regions no account could be asked in: not answered
        counts: dict[tuple[str, str], int] = {}
        calls = 0
        if flt.account in WILDCARDS:
            accounts, by_region, counts, incomplete, unasked, calls = self._accounts_with_jobs(flt, after, before, now)
        elif flt.account:
            accounts = (flt.account,)
        query = JobsQuery(
            regions=flt.regions,
            created_after=after,
            created_before=before,
            status=None if flt.state == ANY else flt.state,
            resource_type=None if flt.api_resource_type in WILDCARDS else flt.api_resource_type,
            local_resource_type=flt.local_resource_type,
            accounts=accounts,
            accounts_by_region=by_region,
            visible_accounts=flt.visible_accounts,
        )
        result = self.backup.list_restore_jobs(query)
        if result.unlisted:
            incomplete += (_unlisted_note(result.unlisted, counts, query.status, self.backup.max_jobs),)
        known = {f.region for f in result.failures}
        failures = result.failures + tuple(f for f in unasked if f.region not in known)
        return replace(
            result, failures=failures, incomplete=result.incomplete + incomplete, aws_calls=result.aws_calls + calls
        )

    def _accounts_with_jobs(
        self, flt: RestoreFilter, after: datetime, before: datetime, now: datetime
    ) -> tuple[
        tuple[str, ...], dict[str, tuple[str, ...]] | None, dict[tuple[str, str], int], tuple[str, ...],
        tuple[RegionFailure, ...], int,
    ]:
        """ListRestoreJobs takes one account at a time (ByAccountId accepts no wildcard). A channel's scope names
        its accounts: list each. Otherwise ask the summaries which accounts had jobs, and say in words what that
        cannot cover: regions whose summaries failed, jobs created today (not summarised yet) and jobs older than
        the 14 days a summary spans, in accounts with no jobs since. Each region's accounts come most jobs first
        (with their counts), so a list cut short by the job cap or the time holds the accounts that matter most.
        A region whose summaries failed while no other region named an account is not asked at all: it is returned as
        a failure of its own, never counted as answered."""
        if flt.visible_accounts is not None:
            return tuple(sorted(flt.visible_accounts)), None, {}, (), (), 0
        summary = self.backup.restore_job_summaries(
            replace(flt, account=ANY, period=Period.FOURTEEN_DAYS, share=False), views=(View.BY_ACCOUNT,)
        )
        accounts = sorted(
            {row.account_id for row in summary.by_account_rows if row.count > 0 and ACCOUNT_ID_RE.match(row.account_id)}
        )
        notes = [
            f"{failure.region}: the accounts with jobs could not be listed ({failure.message}); "
            "only accounts found in other regions were read there"
            for failure in summary.failures
            if accounts
        ]
        unasked = tuple(
            RegionFailure(failure.region, failure.kind,
                          f"the accounts with jobs could not be listed ({failure.message}), so no job was read there")
            for failure in summary.failures
            if not accounts
        )
        if summary.only_account is not None:
            notes.append(summary.only_account.note)
        today = datetime.combine(now.date(), datetime.min.time(), UTC)
        if after < today - timedelta(days=14):
            notes.append(
                f"jobs created before {today - timedelta(days=14):%d %b} are listed only for accounts with jobs in "
                "the last 14 days (AWS's summaries span 14 days)"
            )
        if before > today:
            notes.append(
                "jobs created today are listed only for accounts with jobs in the last 14 days "
                "(AWS's summaries do not cover today yet)"
            )
        # Each region is asked only for the accounts its own summary rows name: ListRestoreJobs takes one account
        # per call, so this is what keeps a drill-down over a large organisation to the accounts that had jobs.
        counts: dict[tuple[str, str], int] = {}
        for row in summary.by_account_rows:
            if row.count > 0 and ACCOUNT_ID_RE.match(row.account_id):
                counts[(row.region, row.account_id)] = counts.get((row.region, row.account_id), 0) + row.count
        by_region: dict[str, list[str]] = {}
        for region, account in sorted(counts, key=lambda key: (-counts[key], key)):
            by_region.setdefault(region, []).append(account)
        for failure in summary.failures:  # no rows from there: every account found elsewhere is asked instead
            by_region[failure.region] = list(accounts)
        ranked = {region: tuple(names) for region, names in by_region.items()}
        return tuple(accounts), ranked, counts, tuple(notes), unasked, summary.aws_calls


def _unlisted_note(
    unlisted: tuple[tuple[str, str], ...], counts: dict[tuple[str, str], int], status: str | None, max_jobs: int
) -> str:
    """Accounts a drill-down did not list, in words, with what AWS's summaries count for them."""
    regions = sorted({region for region, _ in unlisted})
    accounts = {account for _, account in unlisted}
    counted = sum(counts.get(pair, 0) for pair in unlisted)
    where = ", ".join(regions[:5]) + (f" and {len(regions) - 5} more regions" if len(regions) > 5 else "")
    jobs = f"{(status or 'restore').lower()} job{'s' * (counted != 1)}"
    return (
        f"{len(accounts):,} account{'s' * (len(accounts) != 1)} in {where} not listed (a drill-down reads at most "
        f"{max_jobs:,} jobs a region, accounts with the most jobs first, and starts no account after half its time): "
        f"AWS's 14-day summaries count {counted:,} {jobs} there"
    )


def _charted(flt: RestoreFilter) -> RestoreFilter:
    """What a chart of a filter reads: every state (it draws failed and aborted, completed for context), per day."""
    return replace(flt, state=State.ANY, period=Period.ONE_DAY, last_day=False, share=False)


def summarised_day(now: datetime) -> date:
    """The newest UTC day AWS's daily counts hold: ONE_DAY buckets are whole UTC days, the last one yesterday's."""
    return now.astimezone(UTC).date() - timedelta(days=1)


def only_day(result: SummaryResult, day: date) -> SummaryResult:
    """A ONE_DAY answer cut to one of its days (`1d`: the last day), in every view."""
    start = datetime.combine(day, datetime.min.time(), UTC)
    end = start + timedelta(days=1)

    def keep(rows: tuple[SummaryRow, ...] | None) -> tuple[SummaryRow, ...] | None:
        return None if rows is None else tuple(r for r in rows if start <= r.start < end)

    return replace(result, rows=keep(result.rows) or (), type_rows=keep(result.type_rows),
                   account_rows=keep(result.account_rows))


def merge_views(early: SummaryResult, later: SummaryResult) -> SummaryResult:
    """One answer from two reads of the same filter (totals and types first, accounts after). A region that failed
    either read is left out of every view, so the views always cover the same regions and are named once."""
    failed = {f.region for f in early.failures} | {f.region for f in later.failures}

    def keep(rows: tuple[SummaryRow, ...] | None) -> tuple[SummaryRow, ...] | None:
        return None if rows is None else tuple(r for r in rows if r.region not in failed)

    known = {f.region for f in early.failures}
    return replace(
        early,
        rows=keep(early.rows) or (),
        type_rows=keep(early.type_rows),
        account_rows=keep(later.account_rows),
        failures=early.failures + tuple(f for f in later.failures if f.region not in known),
        truncated=tuple(dict.fromkeys(early.truncated + later.truncated)),
        only_account=later.only_account,  # the per-account read is the one whose rows can tell
        aws_calls=early.aws_calls + later.aws_calls,
        elapsed=early.elapsed + later.elapsed,
    )


def _log_answer(
    kind: str, flt: RestoreFilter, items: int, failures: tuple[RegionFailure, ...], calls: int, elapsed: float
) -> None:
    fields = {
        "filter": flt.to_text(),
        "items": items,
        "failed_regions": len(failures),
        "aws_calls": calls,
        "aws_ms": round(elapsed * 1000, 1),
    }
    log.info("answered %s", kind, extra=fields)
