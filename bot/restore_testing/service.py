"""Restore testing answers: which accounts to read for a query and a channel's scope, the scoreboard, drill-downs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.answers.render_jobs import render_jobs
from bot.aws.testing import OWN, RestoreTestingReader, describe_failure
from bot.config import Settings
from bot.digest.render import DigestSection
from bot.domain.access import OutOfScope, TestingAccounts
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import BAD_VALUES, COMMAND, Period, RestoreFilter, State
from bot.domain.results import (
    AccountFailure,
    FailureKind,
    JobsQuery,
    JobsResult,
    RegionFailure,
    RestoreJobRow,
    TestingResult,
)
from bot.domain.words import OWN_UNKNOWN, own_account_text
from bot.restore_testing.controls import TestJobsKind, TestJobsValue
from bot.restore_testing.grammar import TestsQuery
from bot.restore_testing.render import digest_section, render_tests
from bot.restore_testing.verdicts import DELETION_FAILED, VALIDATION_FAILED, Scoreboard, judge
from bot.slack.blocks import Message

log = logging.getLogger(__name__)


class RestoreTests:
    """`/restores tests`, its buttons and the digest's restore testing section, over one RestoreTestingReader."""

    def __init__(
        self,
        settings: Settings,
        reader: RestoreTestingReader,
        *,
        sample: bool = False,
        own_account: Callable[[], str | None] = lambda: None,
        account_names: Callable[[Iterable[str]], AccountNames] = lambda _accounts: NO_NAMES,
        testing_accounts: TestingAccounts | None = None,
    ) -> None:
        """`own_account`: the bot's own account id when known (sts:GetCallerIdentity, bot.aws.identity): reading the
        bot's own account reads that one, so a scope naming it was read even where it has no plans. `account_names`:
        the accounts' names for what is shown (bot.organization.names, best effort)."""
        self.settings = settings
        self.sample = sample
        self.reader = reader
        self.own_account = own_account
        self.account_names = account_names
        # RESTORES_TESTING_ACCOUNTS as ids now, its OUs resolved (AccessPolicy.testing_accounts, built by bot.wiring).
        self.testing_accounts = testing_accounts or (lambda: (settings.testing_accounts, ()))

    def accounts(self, query: TestsQuery, visible: frozenset[str] | None,
                 configured: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """The accounts to read: the bot's own (whose plans are cut to the scope by their ARNs) and the `configured`
        ones (RESTORES_TESTING_ACCOUNTS, resolved once for the request; resolved here when not given) the channel may
        see. A named account is read only where it can be: configured, or possibly own."""
        if configured is None:
            configured = self.testing_accounts()[0]
        if query.account is not None:
            if visible is not None and query.account not in visible:
                listed = ", ".join(sorted(visible))
                raise OutOfScope(f"This channel only sees accounts {listed}; account {query.account} is not one of them.")
            return (query.account,) if query.account in configured else (OWN,)
        return (OWN, *[a for a in configured if visible is None or a in visible])

    def scoreboard(self, query: TestsQuery, visible: frozenset[str] | None, now: datetime | None = None) -> Scoreboard:
        now = now or datetime.now(UTC)
        configured, unread = self.testing_accounts()  # once a request: its OUs resolved through the directory
        accounts = self.accounts(query, visible, configured)
        result = self.reader.read(accounts, query.regions, (now - timedelta(days=query.days), now))
        wanted = {query.account} if query.account else visible
        own = _own(self.own_account)
        result = _not_read(_cut(result, wanted), wanted, (*configured, *own),
                           own_account_text(own[0] if own else None, wanted))
        if query.account is None:
            result = _units_not_read(result, unread)
        board = judge(result, now=now, days=query.days, target=self.settings.testing_target_minutes)
        log.info("tests answered plans=%d jobs=%d failures=%d calls=%d elapsed_ms=%d", len(result.plans),
                 len(result.jobs), len(result.failures), result.aws_calls, round(result.elapsed * 1000))
        return board

    def answer(self, query: TestsQuery, visible: frozenset[str] | None, command: str = COMMAND) -> Message:
        now = datetime.now(UTC)
        board = self.scoreboard(query, visible, now)
        own = (_own(self.own_account) or ("",))[0]
        wanted = {query.account} if query.account else visible
        shown = own if own and (wanted is None or own in wanted) else ""
        return render_tests(board, query, now=now, sample=self.sample, command=command, names=self._names(board.result),
                            own=shown, own_words=own_account_text(own, wanted))

    def answer_jobs(self, value: TestJobsValue, visible: frozenset[str] | None) -> Message:
        """A plan's failed restores, validation failures or leaked resources, listed and grouped like any drill-down."""
        if visible is not None and value.account not in visible:
            raise OutOfScope(f"This channel only sees accounts {', '.join(sorted(visible))}; that plan is in "
                             f"account {value.account}.")
        account = value.account if value.account in self.testing_accounts()[0] else OWN
        failures: tuple[AccountFailure, ...] = ()
        try:
            jobs, truncated, calls = self.reader.plan_jobs(account, value.region, value.plan_arn, value.window)
        except Exception as exc:  # named in the answer, like a region that failed
            failure = describe_failure(account, value.region, exc)
            failures, jobs, truncated, calls = (failure,), [], False, 0
        kept = tuple(j for j in jobs if _is(j, value.kind))
        status = State.FAILED if value.kind is TestJobsKind.FAILED else None
        query = JobsQuery(regions=(value.region,), created_after=value.window[0], created_before=value.window[1],
                          status=status, accounts=(value.account,))
        result = JobsResult(
            query=query,
            jobs=tuple(sorted(kept, key=lambda j: j.created, reverse=True)),
            failures=tuple(_region_failure(f, value.region) for f in failures),
            truncated=(value.region,) if truncated else (),
            aws_calls=calls,
        )
        plan = value.plan_arn.rsplit(":", 1)[-1]
        what = {TestJobsKind.FAILED: "failed or aborted restores", TestJobsKind.VALIDATION: "failed validations",
                TestJobsKind.LEAKED: "restored resources not deleted"}[value.kind]
        return render_jobs(result, _filter_for(value), sample=self.sample, title=f"Restore tests — {what} of {plan}",
                           footer=f"{COMMAND} tests", names=self.account_names({value.account}))

    def _names(self, result: TestingResult) -> AccountNames:
        return self.account_names(_accounts_of(result))

    def digest_sections(
        self, regions: tuple[str, ...], window: tuple[datetime, datetime], now: datetime
    ) -> Callable[[frozenset[str] | None], DigestSection | None]:
        """The digest's restore testing section per channel scope: plans that failed, did not run or leaked in the
        digest's day. AWS is read once per run (every account), on the first channel that needs it."""
        if not self.settings.digest_tests:
            return lambda visible: None
        read: list[tuple[TestingResult, tuple[str, ...]]] = []

        def section(visible: frozenset[str] | None) -> DigestSection | None:
            if not read:  # RESTORES_TESTING_ACCOUNTS resolved once a run, with the one read
                configured, unread = self.testing_accounts()
                result = self.reader.read((OWN, *configured), regions, window)
                read.append((_units_not_read(result, unread), (*configured, *_own(self.own_account))))
            result, read_accounts = read[0]
            own = (_own(self.own_account) or ("",))[0]
            cut = _not_read(_cut(result, visible), visible, read_accounts, own_account_text(own, visible))
            board = judge(cut, now=now, days=1, target=self.settings.testing_target_minutes)
            return digest_section(board, now=now, names=self._names(cut))

        return section


def _units_not_read(result: TestingResult, unread: tuple[tuple[str, str], ...]) -> TestingResult:
    """An OU of RESTORES_TESTING_ACCOUNTS whose accounts the directory cannot say now: named as not read."""
    failures = tuple(AccountFailure(unit, None, FailureKind.UNAVAILABLE, why) for unit, why in unread)
    return replace(result, failures=(*result.failures, *failures)) if failures else result


def _accounts_of(result: TestingResult) -> set[str]:
    """Every account id a scoreboard shows: read, planned or not read."""
    shown = {*result.accounts, *(p.account_id for p in result.plans), *(f.account_id for f in result.failures)}
    return {a for a in shown if ACCOUNT_ID_RE.match(a)}


def _is(job: RestoreJobRow, kind: TestJobsKind) -> bool:
    if kind is TestJobsKind.FAILED:
        return job.status in BAD_VALUES
    if kind is TestJobsKind.VALIDATION:
        return job.validation_status in VALIDATION_FAILED
    return job.deletion_status == DELETION_FAILED


def _cut(result: TestingResult, accounts: set[str] | frozenset[str] | None) -> TestingResult:
    """Only the plans (and their selections and jobs) of the accounts a channel may see."""
    if accounts is None:
        return result
    plans = tuple(p for p in result.plans if p.account_id in accounts)
    arns = {p.arn for p in plans}
    return replace(
        result,
        plans=plans,
        selections=tuple(s for s in result.selections if s.account_id in accounts),
        jobs=tuple(j for j in result.jobs if j.restore_testing_plan_arn in arns),
        failures=tuple(f for f in result.failures if not f.account_id or f.account_id in accounts),
        truncated=tuple(a for a in result.truncated if a in arns),
    )


def _own(own_account: Callable[[], str | None]) -> tuple[str, ...]:
    try:
        known = own_account()
    except Exception:  # who the bot is could not be told: its own account is not counted as read by id
        log.warning("restore testing: the bot's own account id could not be read", exc_info=True)
        return ()
    return (known,) if known else ()


def _not_read(
    result: TestingResult, wanted: set[str] | frozenset[str] | None, configured: tuple[str, ...],
    own_words: str = OWN_UNKNOWN,
) -> TestingResult:
    """Each wanted account (a named one, or a channel's scope) that is not among the accounts read (`configured`:
    RESTORES_TESTING_ACCOUNTS and the bot's own id when known) and has no plans in what came back was never read:
    only the bot's own account, whose id may be it, was. Named as not read, so "no plans" or "Restores work" never
    stands for an account nobody asked."""
    if not wanted:
        return result
    with_plans = {p.account_id for p in result.plans}
    notes = tuple(
        AccountFailure(
            account, None, FailureKind.NO_CREDENTIALS,
            f"not in RESTORES_TESTING_ACCOUNTS, so only {own_words} was read, and it has no plans of "
            "this account",
        )
        for account in sorted(wanted)
        if account not in configured and account not in with_plans
    )
    return replace(result, failures=(*result.failures, *notes)) if notes else result


def _region_failure(failure: AccountFailure, region: str) -> RegionFailure:
    """An account's failure as the plan's region's: one that names no region (the role could not be assumed) is its
    region's too, so that region is never counted as answered."""
    return RegionFailure(failure.region or region, failure.kind, failure.message)


def _filter_for(value: TestJobsValue) -> RestoreFilter:
    return RestoreFilter(state=State.FAILED if value.kind is TestJobsKind.FAILED else State.ANY,
                         period=Period.SEVEN_DAYS, account=value.account, regions=(value.region,))
