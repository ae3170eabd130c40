"""The one AWS Backup client: clients per region, the calls the bot makes, their concurrency, retries and deadlines."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config

from bot.aws import parsing
from bot.aws.cache import RegionAnswer, SummaryCache
from bot.aws.clock import AwsClock
from bot.aws.errors import JOBS_ACTION, SUMMARY_ACTION, DeadlineExceeded, describe_error, timed_out
from bot.aws.fanout import fan_out, never_late, reraise
from bot.aws.identity import CallerIdentity, IdentityReader, asked_account, only_account
from bot.aws.pages import Pages
from bot.aws.plan import ALL_VIEWS, PAGE_SIZE, View, chain_key, plan_summary
from bot.aws.rows import accounts_in, job_filter, job_row, summary_row
from bot.domain.coverage import OnlyAccount
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import AGGREGATE_ALL, ANY, Period, RestoreFilter
from bot.domain.results import (
    CompletedJobs,
    JobsQuery,
    JobsResult,
    RegionFailure,
    RestoreJobRow,
    SummaryResult,
    SummaryRow,
)

log = logging.getLogger(__name__)

MAX_COUNTED = 100_000  # jobs past max_jobs counted per region and drill-down before saying "at least"
MAX_JOBS = 2000  # max_jobs' default, per region and drill-down: grouping needs all of them, Slack shows a few
ACCOUNTS_AT_ONCE = 8  # per region: concurrent per-account ListRestoreJobs chains of one drill-down
DEFAULT_MAX_PAGES = 200  # per region and answer: 100,000 rows, far beyond any real organization
# How long an answer waits for the bot's identity past its own deadline (its first read in a process; then it is kept).
IDENTITY_WAIT = 3.0

BOTO_CONFIG = Config(
    # Standard retries (3 attempts) unless AWS_MAX_ATTEMPTS / the AWS config file say otherwise.
    retries={"mode": "standard"},
    connect_timeout=3,
    read_timeout=10,
    max_pool_connections=32,
    user_agent_extra="restores-bot",
)


def _logged(region: str, exc: BaseException, action: str, account: str | None = None) -> RegionFailure:
    """A failed chain as a typed failure, logged (a late one is not: the answer names it)."""
    failure = describe_error(region, exc, action)
    if account is None:
        log.warning("%s failed region=%s kind=%s", action, region, failure.kind.value)
    else:
        log.warning("%s failed region=%s account=%s kind=%s", action, region, account or "own", failure.kind.value)
    return failure


@dataclass(frozen=True)
class ChainsAnswer:
    """Rows of named summary chains over the regions that answered all of them."""

    rows: dict[str, list[SummaryRow]]
    period: Period | None
    failures: tuple[RegionFailure, ...]
    truncated: tuple[str, ...]  # regions where a chain hit the page cap: their numbers are a lower bound
    calls: int
    elapsed: float
    aws_time: datetime | None = None  # AWS's clock when the answer was complete (its Date headers); None: not heard
    only_account: OnlyAccount | None = None  # an organisation-wide question AWS answered with the bot's account alone


class BackupService:
    """Owns every AWS Backup call the bot makes. Thread-safe; one instance per process."""

    # Set by __init__; declared here too, so a Mock(BackupService) has them.
    deadline_seconds: float = 20.0
    max_jobs: int = MAX_JOBS  # kept per region and drill-down (grouping needs all of them); past it only counted
    endpoint_url: str | None = None
    config: Config = BOTO_CONFIG

    def __init__(
        self,
        session_factory: Callable[[], boto3.session.Session] | None = None,
        *,
        endpoint_url: str | None = None,
        deadline_seconds: float = 20.0,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_jobs: int = MAX_JOBS,
        # Threads start only when needed. An organisation-wide digest runs 5 chains in each of 17+ regions at
        # once (a region's own endpoint and rate limit see at most those 5, or a drill-down's ACCOUNTS_AT_ONCE).
        max_workers: int = 96,
        config: Config = BOTO_CONFIG,
        cache_ttl: float = 0.0,
        cache_entries: int = 256,
        identity: IdentityReader | None = None,
    ) -> None:
        self._session_factory = session_factory or boto3.session.Session
        self._session: boto3.session.Session | None = None
        self.endpoint_url = endpoint_url
        self.deadline_seconds = deadline_seconds
        self._max_pages = max_pages
        self.max_jobs = max_jobs
        self.config = config
        self._clients: dict[str, Any] = {}
        # boto3 sessions are not thread-safe: client creation is serialized, clients themselves are safe.
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="aws")
        # Per-account ListRestoreJobs calls of a drill-down over many accounts, started from the region tasks of
        # `_pool` (a pool of its own: a task waiting on work queued behind it in the same pool could deadlock).
        self._account_pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="aws-account")
        self.cache = SummaryCache(cache_ttl, cache_entries)
        self._clock = AwsClock()
        self._identity = identity

    @property
    def clock(self) -> AwsClock:
        """AWS's time, from the Date header of every answer to the bot's own session."""
        return self._clock

    @property
    def identity(self) -> IdentityReader | None:
        """Who the bot is to AWS Organizations (bot.aws.identity); None: organisation-wide answers are not checked."""
        return self._identity

    def session(self) -> boto3.session.Session:
        """The bot's own AWS session (its credentials are the source for any role it assumes)."""
        with self._lock:
            return self._own_session()

    def _own_session(self) -> boto3.session.Session:
        if self._session is None:
            self._session = self._session_factory()
            parsing.install(self._session)
            self._clock.listen(self._session)
        return self._session

    def client(self, region: str) -> Any:
        with self._lock:
            client = self._clients.get(region)
            if client is None:
                kwargs: dict[str, Any] = {"region_name": region, "config": self.config}
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                client = self._own_session().client("backup", **kwargs)
                self._clients[region] = client
            return client

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._account_pool.shutdown(wait=False, cancel_futures=True)

    def restore_job_summaries(self, flt: RestoreFilter, views: tuple[View, ...] = ALL_VIEWS) -> SummaryResult:
        """The views an answer shows (totals, by type, by account), each from its own planned chain per region,
        every chain of every region concurrently: the wall time is that of the longest chain."""
        wanted = [v for v in ALL_VIEWS if v in views]
        if flt.resource_type == AGGREGATE_ALL and View.BY_TYPE in wanted:
            wanted.remove(View.BY_TYPE)  # a sum over types has no per-type view
        chains = {view.value: params for view, params in plan_summary(flt, tuple(wanted)).items()}
        answer = self.summary_chains(flt.regions, chains)

        def keep(rows: list[SummaryRow]) -> tuple[SummaryRow, ...]:
            if flt.local_resource_type:
                rows = [row for row in rows if row.resource_type == flt.local_resource_type]
            if flt.visible_accounts is not None:
                rows = [row for row in rows if row.account_id in flt.visible_accounts]
            return tuple(rows)

        return SummaryResult(
            filter=flt,
            period=flt.period,  # what was asked; a view may be read at a coarser period (bot/aws/plan.py)
            rows=keep(answer.rows.get(View.TOTALS, [])),
            failures=answer.failures,
            truncated=answer.truncated,
            aws_calls=answer.calls,
            elapsed=answer.elapsed,
            type_rows=keep(answer.rows[View.BY_TYPE]) if View.BY_TYPE in answer.rows else None,
            account_rows=keep(answer.rows[View.BY_ACCOUNT]) if View.BY_ACCOUNT in answer.rows else None,
            # A channel that may see the bot's own account alone misses nothing when AWS shows that one.
            only_account=answer.only_account if flt.visible_accounts is None or answer.only_account is None
            or flt.visible_accounts - {answer.only_account.account} else None,
        )

    def summary_chains(
        self,
        regions: tuple[str, ...],
        chains: dict[str, dict[str, Any]],
        *,
        deadline_seconds: float | None = None,
        max_pages: int | None = None,
    ) -> ChainsAnswer:
        """Run named ListRestoreJobSummaries chains (parameters each) in every region, all at once, each followed
        to its last page. A region counts only if every one of its chains answered: the views of one answer
        always cover the same regions, and a region that failed any of them is named once."""
        seconds = self.deadline_seconds if deadline_seconds is None else deadline_seconds
        unique = {chain_key(params): params for params in chains.values()}
        started = time.monotonic()
        deadline = started + seconds
        # The chains per account (AccountId=ANY) are the long ones (pages grow with the organisation): started
        # first, in every region, so the wall time is theirs and not theirs plus a wait behind the short ones.
        ordered = sorted(unique.items(), key=lambda item: item[1].get("AccountId") != ANY)
        pages = max_pages or self._max_pages
        asked = asked_account({params.get("AccountId") for params in chains.values()})
        # Read alongside the chains (once a process, then kept): what an org-wide answer covers depends on it.
        identity = self._pool.submit(self._identity.current) if self._identity is not None and asked else None
        answers, failures = fan_out(
            self._pool,
            {
                (region, key): functools.partial(self._cached_summaries, region, params, deadline, pages)
                for key, params in ordered
                for region in regions
            },
            deadline,
            late=lambda task: timed_out(task[0], seconds),
            failed=lambda task, exc: _logged(task[0], exc, SUMMARY_ACTION),
        )
        failed: dict[str, RegionFailure] = {}
        for (region, _), failure in failures.items():
            failed.setdefault(region, failure)  # a region is named once, for the first of its chains that failed
        answered = [r for r in regions if r not in failed]
        rows = {
            name: [row for region in answered for row in answers[(region, chain_key(params))].rows]
            for name, params in chains.items()
        }
        periods = [a.period for a in answers.values() if a.period is not None]
        seen = frozenset(row.account_id for name, params in chains.items() if params.get("AccountId") == asked
                         for row in rows[name] if ACCOUNT_ID_RE.match(row.account_id))
        return ChainsAnswer(
            rows=rows,
            period=periods[0] if periods else None,
            failures=tuple(failed[r] for r in regions if r in failed),
            truncated=tuple(r for r in answered if any(answers[(r, k)].truncated for k in unique)),
            calls=sum(a.calls for a in answers.values()),
            elapsed=time.monotonic() - started,
            aws_time=self._clock.now(),
            only_account=self._only_account(identity, deadline, asked, seen) if answered else None,
        )

    def _only_account(
        self, identity: Future[CallerIdentity] | None, deadline: float, asked: str | None, seen: frozenset[str]
    ) -> OnlyAccount | None:
        """What an answer over `asked` whose rows named `seen` covers (bot.aws.identity.only_account); an identity not
        read in time is not known (nothing said: `check` names why)."""
        if identity is None or self._identity is None:
            return None
        try:
            known = identity.result(timeout=max(deadline - time.monotonic(), IDENTITY_WAIT))
        except FutureTimeout:
            log.warning("the bot's identity was not read in time; org-wide coverage not checked")
            return None
        if asked == ANY and known.account is not None and seen - {known.account}:
            self._identity.saw_others()  # AWS named another account: the bot sees beyond its own
        return only_account(known, asked, seen)

    def _cached_summaries(self, region: str, params: dict[str, Any], deadline: float, max_pages: int) -> RegionAnswer:
        return self.cache.get_or_compute(
            (region, max_pages, *chain_key(params)), lambda: self._region_summaries(region, params, deadline, max_pages)
        )

    def list_restore_jobs(self, query: JobsQuery) -> JobsResult:
        """The jobs behind a count: ListRestoreJobs (botocore paginator) in every region, concurrently."""
        params: dict[str, Any] = {"ByCreatedAfter": query.created_after, "ByCreatedBefore": query.created_before}
        if query.status:
            params["ByStatus"] = query.status
        if query.resource_type:
            params["ByResourceType"] = query.resource_type
        started = time.monotonic()
        deadline = started + self.deadline_seconds
        answers, failed = fan_out(
            self._pool,
            {
                region: functools.partial(
                    self._region_jobs, region, params, accounts_in(query, region), deadline, job_filter(query)
                )
                for region in query.regions
            },
            deadline,
            late=lambda region: timed_out(region, self.deadline_seconds),
            failed=lambda region, exc: _logged(region, exc, JOBS_ACTION),
        )
        elapsed = time.monotonic() - started
        jobs = [job for answer in answers.values() for job in answer.rows]
        if query.local_resource_type:
            jobs = [job for job in jobs if job.resource_type == query.local_resource_type]
        if query.visible_accounts is not None:
            jobs = [job for job in jobs if job.account_id in query.visible_accounts]
        jobs.sort(key=lambda job: job.created, reverse=True)
        return JobsResult(
            query=query,
            jobs=tuple(jobs),
            failures=tuple(failed.values()),
            truncated=tuple(r for r, a in answers.items() if a.truncated),
            aws_calls=sum(a.calls for a in answers.values()),
            elapsed=elapsed,
            not_read=sum(a.not_read for a in answers.values()),
            not_read_exact=all(a.not_read_exact for a in answers.values()),
            unlisted=tuple((r, account) for r, a in answers.items() for account in a.unlisted),
        )

    def completed_restore_jobs(
        self,
        windows: Mapping[tuple[str, str], tuple[datetime, datetime]],
        statuses: tuple[str, ...],
        *,
        deadline_seconds: float | None = None,
    ) -> CompletedJobs:
        """The jobs that reached one of `statuses` within each (region, account)'s window [after, before), every chain
        at once: ListRestoreJobs (botocore's paginator) per region, account and status, since ByStatus and ByAccountId
        take one value each. Account "" is the bot's own (no ByAccountId). A pair counts only if all of its chains
        answered, so whoever keeps a checkpoint per pair moves it only past what was read in full."""
        seconds = self.deadline_seconds if deadline_seconds is None else deadline_seconds
        started = time.monotonic()
        deadline = started + seconds
        tasks: dict[tuple[str, str, str], Callable[[], tuple[list[RestoreJobRow], int]]] = {}
        for (region, account), (after, before) in windows.items():
            for status in statuses:
                params: dict[str, Any] = {"ByStatus": status, "ByCompleteAfter": after, "ByCompleteBefore": before}
                if account:
                    params["ByAccountId"] = account
                tasks[(region, account, status)] = functools.partial(self._completed_chain, region, params, deadline)
        done, failed = fan_out(
            self._pool,
            tasks,
            deadline,
            late=lambda task: timed_out(task[0], seconds),
            failed=lambda task, exc: _logged(task[0], exc, JOBS_ACTION, account=task[1]),
        )
        failures: dict[tuple[str, str], RegionFailure] = {}
        for (region, account, _), failure in failed.items():
            failures.setdefault((region, account), failure)
        rows: dict[tuple[str, str], list[RestoreJobRow]] = {pair: [] for pair in windows}
        calls = 0
        for (region, account, _), (found, pages) in done.items():
            rows[(region, account)] += found
            calls += pages
        return CompletedJobs(
            jobs={pair: tuple(found) for pair, found in rows.items() if pair not in failures},
            failures=failures,
            calls=calls,
            elapsed=time.monotonic() - started,
        )

    def _completed_chain(self, region: str, params: dict[str, Any], deadline: float) -> tuple[list[RestoreJobRow], int]:
        found: list[RestoreJobRow] = []
        pages = 0
        paginator = self.client(region).get_paginator("list_restore_jobs")
        for page in paginator.paginate(**params, PaginationConfig={"PageSize": PAGE_SIZE}):
            pages += 1
            found += [job_row(region, item) for item in page.get("RestoreJobs", [])]
            if time.monotonic() > deadline:
                raise DeadlineExceeded(f"no complete answer in time ({pages} pages read)")
        return found, pages

    def _region_jobs(
        self,
        region: str,
        params: dict[str, Any],
        accounts: tuple[str, ...] | None,
        deadline: float,
        keep: Callable[[dict[str, Any]], bool],
    ) -> RegionAnswer:
        answer = RegionAnswer()
        if accounts is None:
            return answer
        if len(accounts) <= 1:
            request = dict(params, ByAccountId=accounts[0]) if accounts else params
            self._jobs_pages(region, request, deadline, answer, keep)
            return answer
        return self._accounts_jobs(region, params, accounts, deadline, keep)

    def _accounts_jobs(
        self,
        region: str,
        params: dict[str, Any],
        accounts: tuple[str, ...],
        deadline: float,
        keep: Callable[[dict[str, Any]], bool],
    ) -> RegionAnswer:
        """One region's jobs over many accounts (ByAccountId takes one account a call), ACCOUNTS_AT_ONCE at a time,
        in the order given (the caller ranks accounts by their summary counts, most jobs first). No account is
        started once the region holds max_jobs jobs (the rest could only be counted) or once half the deadline is
        spent; those accounts are returned as `unlisted`, for the caller to name with their summary counts."""
        started_until = deadline - self.deadline_seconds / 2
        # An account still being read this close to the deadline is left out (and named) rather than let the whole
        # region miss the deadline and fail.
        read_until = deadline - min(1.0, self.deadline_seconds / 10)
        listed = [0]
        lock = threading.Lock()

        def one(account: str) -> RegionAnswer | None:
            with lock:
                if listed[0] >= self.max_jobs or time.monotonic() > started_until:
                    return None
            sub = RegionAnswer()
            try:
                self._jobs_pages(region, dict(params, ByAccountId=account), read_until, sub, keep, listed=(lock, listed))
            except DeadlineExceeded:
                with lock:
                    listed[0] -= len(sub.rows)
                return None
            return sub

        subs: list[RegionAnswer | None] = []
        for start in range(0, len(accounts), ACCOUNTS_AT_ONCE):
            batch = accounts[start : start + ACCOUNTS_AT_ONCE]
            # No deadline here: each account stops itself by read_until, and an error fails the whole region.
            results, _ = fan_out(
                self._account_pool, {a: functools.partial(one, a) for a in batch}, None, late=never_late, failed=reraise
            )
            done = [results[a] for a in batch]
            subs += done
            if None in done:  # an account was not started: the cap or the time is reached for every later one
                break
        subs += [None] * (len(accounts) - len(subs))
        answer = RegionAnswer()
        for account, sub in zip(accounts, subs, strict=True):
            if sub is None:
                answer.unlisted += (account,)
                continue
            answer.calls += sub.calls
            answer.not_read += sub.not_read
            answer.not_read_exact = answer.not_read_exact and sub.not_read_exact
            room = self.max_jobs - len(answer.rows)
            answer.rows += sub.rows[:room]
            if len(sub.rows) > room or sub.truncated:
                answer.truncated = True
                answer.not_read += max(0, len(sub.rows) - room)
        return answer

    def _jobs_pages(
        self,
        region: str,
        params: dict[str, Any],
        deadline: float,
        answer: RegionAnswer,
        keep: Callable[[dict[str, Any]], bool],
        *,
        listed: tuple[threading.Lock, list[int]] | None = None,
    ) -> None:
        """Every page of one ListRestoreJobs chain into `answer`; past max_jobs jobs are counted, not kept. `listed`
        is a region's running count of kept jobs shared by concurrent per-account chains."""
        paginator = self.client(region).get_paginator("list_restore_jobs")
        for page in paginator.paginate(**params, PaginationConfig={"PageSize": PAGE_SIZE}):
            answer.calls += 1
            kept = len(answer.rows)
            for item in page.get("RestoreJobs", []):
                if not keep(item):
                    continue
                if len(answer.rows) >= self.max_jobs:
                    answer.truncated = True
                    answer.not_read += 1
                    continue
                answer.rows.append(job_row(region, item))
            if listed is not None:
                with listed[0]:
                    listed[1][0] += len(answer.rows) - kept
            if answer.truncated:
                # Past the cap the jobs are only counted, so the answer can say how many it did not group;
                # counting stops (and says "at least") before the deadline or at MAX_COUNTED.
                if answer.not_read >= MAX_COUNTED or time.monotonic() > deadline - 1:
                    answer.not_read_exact = False
                    return
            elif time.monotonic() > deadline:
                raise DeadlineExceeded(f"no complete answer within {self.deadline_seconds:g} s ({answer.calls} pages read)")

    def _region_summaries(self, region: str, params: dict[str, Any], deadline: float, max_pages: int) -> RegionAnswer:
        answer = RegionAnswer()
        pages = Pages(self.client(region).list_restore_job_summaries, params, deadline, answer, max_pages)
        for page in pages:
            period = page.get("AggregationPeriod")
            if isinstance(period, str) and period in Period.__members__:
                answer.period = Period(period)
            answer.rows += [summary_row(region, item) for item in page.get("RestoreJobSummaries", [])]
        if pages.capped:
            log.warning("page cap hit region=%s pages=%d", region, answer.calls)
            answer.truncated = True
        return answer
