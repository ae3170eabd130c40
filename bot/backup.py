"""The one AWS Backup client module: clients per region, NextToken loops, concurrency, retries, error mapping."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from bot.query import Period, RestoreFilter

log = logging.getLogger(__name__)

SUMMARY_ACTION = "backup:ListRestoreJobSummaries"
JOBS_ACTION = "backup:ListRestoreJobs"
MAX_JOBS = 2000  # per region and drill-down: grouping needs all of them, Slack shows a few
PAGE_SIZE = 500  # the documented maximum of MaxResults
DEFAULT_MAX_PAGES = 200  # per region and answer: 100,000 rows, far beyond any real organization

BOTO_CONFIG = Config(
    # Standard retries (3 attempts) unless AWS_MAX_ATTEMPTS / the AWS config file say otherwise.
    retries={"mode": "standard"},
    connect_timeout=3,
    read_timeout=10,
    max_pool_connections=32,
    user_agent_extra="restores-bot",
)


@dataclass(frozen=True)
class SummaryRow:
    """One row of ListRestoreJobSummaries."""

    region: str
    account_id: str
    state: str
    resource_type: str
    count: int
    start: datetime
    end: datetime


class FailureKind(StrEnum):
    UNAVAILABLE = "unavailable"
    THROTTLED = "throttled"
    ACCESS_DENIED = "access denied"
    UNREACHABLE = "unreachable"
    NO_CREDENTIALS = "no credentials"
    INVALID_PARAMETER = "invalid parameter"
    TIMEOUT = "timed out"
    ERROR = "error"


@dataclass(frozen=True)
class RegionFailure:
    """Why one region could not answer; `message` is safe to show to a Slack user."""

    region: str
    kind: FailureKind
    message: str


@dataclass(frozen=True)
class SummaryResult:
    filter: RestoreFilter
    period: Period
    rows: tuple[SummaryRow, ...]
    failures: tuple[RegionFailure, ...]
    # Regions whose page chain hit the safety cap: their numbers are a lower bound.
    truncated: tuple[str, ...] = ()
    aws_calls: int = 0
    elapsed: float = 0.0

    @property
    def answered_regions(self) -> tuple[str, ...]:
        failed = {f.region for f in self.failures}
        return tuple(r for r in self.filter.regions if r not in failed)

    @property
    def window(self) -> tuple[datetime, datetime] | None:
        if not self.rows:
            return None
        return min(r.start for r in self.rows), max(r.end for r in self.rows)


@dataclass(frozen=True)
class JobsQuery:
    """What a drill-down asks ListRestoreJobs for: one status, one window, optional type and account."""

    regions: tuple[str, ...]
    created_after: datetime
    created_before: datetime
    status: str | None = None  # None: every status
    resource_type: str | None = None  # sent as ByResourceType when the API accepts the name
    local_resource_type: str | None = None  # filtered here when it does not (names with spaces)
    accounts: tuple[str, ...] = ()  # ByAccountId values (12 digits); empty: the caller's account
    visible_accounts: frozenset[str] | None = None  # the channel's scope: jobs of other accounts are dropped


@dataclass(frozen=True)
class RestoreJobRow:
    """One restore job from ListRestoreJobs, reduced to what an answer shows."""

    region: str
    account_id: str
    job_id: str
    status: str
    status_message: str
    resource_type: str
    created: datetime
    resource_arn: str
    restore_testing_plan_arn: str | None = None
    validation_status: str | None = None
    validation_status_message: str | None = None

    @property
    def is_restore_test(self) -> bool:
        return bool(self.restore_testing_plan_arn)


@dataclass(frozen=True)
class JobsResult:
    query: JobsQuery
    jobs: tuple[RestoreJobRow, ...]
    failures: tuple[RegionFailure, ...]
    truncated: tuple[str, ...] = ()
    aws_calls: int = 0
    elapsed: float = 0.0


@dataclass
class _RegionAnswer:
    rows: list[Any] = field(default_factory=list)
    period: Period | None = None
    calls: int = 0
    truncated: bool = False


class _DeadlineExceeded(Exception):
    pass


def describe_error(region: str, exc: BaseException, action: str = SUMMARY_ACTION) -> RegionFailure:
    """Map a boto3/botocore exception to a typed failure with a message a Slack user can act on."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        aws_message = str(error.get("Message", "")).strip()
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        if code in ("ServiceUnavailableException", "ServiceUnavailable", "InternalFailure", "InternalServerError"):
            return RegionFailure(region, FailureKind.UNAVAILABLE, f"AWS Backup is unavailable ({code}, {attempts} attempts)")
        if code in ("ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "Throttling"):
            return RegionFailure(region, FailureKind.THROTTLED, f"AWS throttled the requests ({code}, {attempts} attempts)")
        if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnauthorizedException"):
            return RegionFailure(region, FailureKind.ACCESS_DENIED, f"access denied: grant `{action}` to the bot's IAM role")
        if code in (
            "UnrecognizedClientException",
            "InvalidSignatureException",
            "ExpiredTokenException",
            "ExpiredToken",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
        ):
            return RegionFailure(region, FailureKind.NO_CREDENTIALS, f"AWS rejected the bot's credentials ({code})")
        if code == "InvalidParameterValueException":
            return RegionFailure(region, FailureKind.INVALID_PARAMETER, f"AWS rejected a parameter: {aws_message or code}")
        return RegionFailure(region, FailureKind.ERROR, f"AWS error {code}" + (f": {aws_message}" if aws_message else ""))
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError, ProfileNotFound, NoRegionError)):
        return RegionFailure(region, FailureKind.NO_CREDENTIALS, f"no usable AWS credentials ({type(exc).__name__})")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
        return RegionFailure(region, FailureKind.UNREACHABLE, "the AWS Backup endpoint could not be reached")
    if isinstance(exc, _DeadlineExceeded):
        return RegionFailure(region, FailureKind.TIMEOUT, str(exc))
    if isinstance(exc, BotoCoreError):
        return RegionFailure(region, FailureKind.ERROR, f"AWS client error ({type(exc).__name__})")
    return RegionFailure(region, FailureKind.ERROR, f"unexpected error ({type(exc).__name__})")


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), UTC)


class SummaryCache:
    """Bounded TTL cache of per-region summary answers, with single flight: identical queries arriving
    together wait for one AWS page chain instead of each starting their own. Failures are never stored."""

    def __init__(self, ttl_seconds: float, max_entries: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, _RegionAnswer]] = OrderedDict()
        self._in_flight: dict[tuple[Any, ...], Future[_RegionAnswer]] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: tuple[Any, ...], compute: Callable[[], _RegionAnswer]) -> _RegionAnswer:
        if self.ttl <= 0:
            return compute()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > self._clock():
                self._entries.move_to_end(key)
                return _RegionAnswer(rows=entry[1].rows, period=entry[1].period, calls=0, truncated=entry[1].truncated)
            waiting = self._in_flight.get(key)
            if waiting is None:
                mine: Future[_RegionAnswer] = Future()
                self._in_flight[key] = mine
        if waiting is not None:
            answer = waiting.result()  # re-raises the leader's failure: each caller reports it
            return _RegionAnswer(rows=answer.rows, period=answer.period, calls=0, truncated=answer.truncated)
        try:
            answer = compute()
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        else:
            mine.set_result(answer)
            with self._lock:
                self._entries[key] = (self._clock() + self.ttl, answer)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return answer
        finally:
            with self._lock:
                self._in_flight.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


class BackupService:
    """Owns every AWS Backup call the bot makes. Thread-safe; one instance per process."""

    def __init__(
        self,
        session_factory: Callable[[], boto3.session.Session] | None = None,
        *,
        endpoint_url: str | None = None,
        deadline_seconds: float = 20.0,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_workers: int = 32,
        config: Config = BOTO_CONFIG,
        cache_ttl: float = 0.0,
        cache_entries: int = 256,
    ) -> None:
        self._session_factory = session_factory or boto3.session.Session
        self._session: boto3.session.Session | None = None
        self._endpoint_url = endpoint_url
        self._deadline = deadline_seconds
        self._max_pages = max_pages
        self._config = config
        self._clients: dict[str, Any] = {}
        # boto3 sessions are not thread-safe: client creation is serialized, clients themselves are safe.
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="aws")
        self.cache = SummaryCache(cache_ttl, cache_entries)

    def client(self, region: str) -> Any:
        with self._lock:
            client = self._clients.get(region)
            if client is None:
                if self._session is None:
                    self._session = self._session_factory()
                kwargs: dict[str, Any] = {"region_name": region, "config": self._config}
                if self._endpoint_url:
                    kwargs["endpoint_url"] = self._endpoint_url
                client = self._session.client("backup", **kwargs)
                self._clients[region] = client
            return client

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _fan_out(
        self, regions: tuple[str, ...], work: Callable[[str, float], _RegionAnswer], action: str
    ) -> tuple[dict[str, _RegionAnswer], list[RegionFailure], float]:
        """Run `work` for every region concurrently, within the deadline; failures become typed values."""
        started = time.monotonic()
        deadline = started + self._deadline
        futures = {region: self._pool.submit(work, region, deadline) for region in regions}
        wait(futures.values(), timeout=max(0.0, deadline - time.monotonic()))
        answers: dict[str, _RegionAnswer] = {}
        failures: list[RegionFailure] = []
        for region, future in futures.items():
            if not future.done():
                future.cancel()
                failures.append(RegionFailure(region, FailureKind.TIMEOUT, f"no answer within {self._deadline:g} s"))
                continue
            exc = future.exception()
            if exc is not None:
                failure = describe_error(region, exc, action)
                log.warning("%s failed region=%s kind=%s", action, region, failure.kind.value)
                failures.append(failure)
                continue
            answers[region] = future.result()
        return answers, failures, time.monotonic() - started

    def restore_job_summaries(self, flt: RestoreFilter) -> SummaryResult:
        """Query every region of the filter concurrently and follow each NextToken chain to its end."""
        params: dict[str, Any] = {
            "State": flt.state,
            "ResourceType": flt.api_resource_type,
            "AggregationPeriod": flt.period.value,
            "MaxResults": PAGE_SIZE,
        }
        if flt.account:
            params["AccountId"] = flt.account
        answers, failures, elapsed = self._fan_out(
            flt.regions,
            lambda region, deadline: self.cache.get_or_compute(
                (region, *sorted(params.items())), lambda: self._region_summaries(region, params, deadline)
            ),
            SUMMARY_ACTION,
        )
        rows: list[SummaryRow] = []
        period = flt.period
        for answer in answers.values():
            rows.extend(answer.rows)
            period = answer.period or period
        if flt.local_resource_type:
            rows = [row for row in rows if row.resource_type == flt.local_resource_type]
        if flt.visible_accounts is not None:
            rows = [row for row in rows if row.account_id in flt.visible_accounts]
        return SummaryResult(
            filter=flt,
            period=period,
            rows=tuple(rows),
            failures=tuple(failures),
            truncated=tuple(r for r, a in answers.items() if a.truncated),
            aws_calls=sum(a.calls for a in answers.values()),
            elapsed=elapsed,
        )

    def list_restore_jobs(self, query: JobsQuery) -> JobsResult:
        """The jobs behind a count: ListRestoreJobs (botocore paginator) in every region, concurrently."""
        params: dict[str, Any] = {"ByCreatedAfter": query.created_after, "ByCreatedBefore": query.created_before}
        if query.status:
            params["ByStatus"] = query.status
        if query.resource_type:
            params["ByResourceType"] = query.resource_type
        answers, failures, elapsed = self._fan_out(
            query.regions,
            lambda region, deadline: self._region_jobs(region, params, query.accounts, deadline),
            JOBS_ACTION,
        )
        jobs = [job for answer in answers.values() for job in answer.rows]
        if query.local_resource_type:
            jobs = [job for job in jobs if job.resource_type == query.local_resource_type]
        if query.visible_accounts is not None:
            jobs = [job for job in jobs if job.account_id in query.visible_accounts]
        jobs.sort(key=lambda job: job.created, reverse=True)
        return JobsResult(
            query=query,
            jobs=tuple(jobs),
            failures=tuple(failures),
            truncated=tuple(r for r, a in answers.items() if a.truncated),
            aws_calls=sum(a.calls for a in answers.values()),
            elapsed=elapsed,
        )

    def _region_jobs(self, region: str, params: dict[str, Any], accounts: tuple[str, ...], deadline: float) -> _RegionAnswer:
        answer = _RegionAnswer()
        for account in accounts or (None,):
            request = dict(params, ByAccountId=account) if account else params
            self._jobs_pages(region, request, deadline, answer)
            if answer.truncated:
                break
        return answer

    def _jobs_pages(self, region: str, params: dict[str, Any], deadline: float, answer: _RegionAnswer) -> None:
        paginator = self.client(region).get_paginator("list_restore_jobs")
        for page in paginator.paginate(**params, PaginationConfig={"PageSize": PAGE_SIZE}):
            answer.calls += 1
            for item in page.get("RestoreJobs", []):
                created_by = item.get("CreatedBy") or {}
                answer.rows.append(
                    RestoreJobRow(
                        region=region,
                        account_id=str(item.get("AccountId", "")),
                        job_id=str(item.get("RestoreJobId", "")),
                        status=str(item.get("Status", "")),
                        status_message=str(item.get("StatusMessage", "")).strip(),
                        resource_type=str(item.get("ResourceType", "")),
                        created=_utc(item["CreationDate"]),
                        resource_arn=str(
                            item.get("CreatedResourceArn")
                            or item.get("SourceResourceArn")
                            or item.get("RecoveryPointArn")
                            or ""
                        ),
                        restore_testing_plan_arn=created_by.get("RestoreTestingPlanArn"),
                        validation_status=item.get("ValidationStatus"),
                        validation_status_message=item.get("ValidationStatusMessage"),
                    )
                )
            if len(answer.rows) >= MAX_JOBS:
                answer.truncated = True
                return
            if time.monotonic() > deadline:
                raise _DeadlineExceeded(f"no complete answer within {self._deadline:g} s ({answer.calls} pages read)")

    def _region_summaries(self, region: str, params: dict[str, Any], deadline: float) -> _RegionAnswer:
        answer = _RegionAnswer()
        for page in self._pages(region, params, deadline, answer):
            period = page.get("AggregationPeriod")
            if isinstance(period, str) and period in Period.__members__:
                answer.period = Period(period)
            for item in page.get("RestoreJobSummaries", []):
                answer.rows.append(
                    SummaryRow(
                        region=str(item.get("Region") or region),
                        account_id=str(item.get("AccountId", "")),
                        state=str(item.get("State", "")),
                        resource_type=str(item.get("ResourceType", "")),
                        count=int(item.get("Count", 0)),
                        start=_utc(item["StartTime"]),
                        end=_utc(item["EndTime"]),
                    )
                )
        return answer

    def _pages(
        self, region: str, params: dict[str, Any], deadline: float, answer: _RegionAnswer
    ) -> Iterator[dict[str, Any]]:
        # ListRestoreJobSummaries has no botocore paginator: follow NextToken by hand, with a cap.
        client = self.client(region)
        token: str | None = None
        while True:
            if time.monotonic() > deadline:
                raise _DeadlineExceeded(f"no complete answer within {self._deadline:g} s ({answer.calls} pages read)")
            request = dict(params, NextToken=token) if token else params
            page = client.list_restore_job_summaries(**request)
            answer.calls += 1
            yield page
            token = page.get("NextToken")
            if not token:
                return
            if answer.calls >= self._max_pages:
                log.warning("page cap hit region=%s pages=%d", region, answer.calls)
                answer.truncated = True
                return


@dataclass(frozen=True)
class Probe:
    """One cheap call per operation the bot uses, to tell an operator what works (`python -m bot check`)."""

    region: str
    action: str
    failure: RegionFailure | None


def probe(service: BackupService, region: str) -> list[Probe]:
    results: list[Probe] = []
    calls: list[tuple[str, Callable[[Any], Any]]] = [
        (SUMMARY_ACTION, lambda c: c.list_restore_job_summaries(State="ANY", AggregationPeriod="ONE_DAY", MaxResults=1)),
        (JOBS_ACTION, lambda c: c.list_restore_jobs(MaxResults=1)),
    ]
    for action, call in calls:
        try:
            call(service.client(region))
            results.append(Probe(region, action, None))
        except Exception as exc:  # every failure is reported, typed, never raised
            results.append(Probe(region, action, describe_error(region, exc, action)))
    return results
