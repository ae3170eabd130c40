"""AWS Backup's restore job and restore testing reads as pure functions of loaded data and a clock (no HTTP).

The operations are ListRestoreJobSummaries, ListRestoreJobs, ListRestoreTestingPlans, GetRestoreTestingPlan and
ListRestoreTestingSelections; each takes the calling account, which the HTTP shell reads from the access key.

Parameters arrive as the service receives them, querystring names and string values, and are validated the
way the service validates them; answers are the operations' rest-json bodies.  Names, paths and patterns come
from botocore's service model (`backup` 2018-11-15; tests/unit/sample/test_backup_api.py and
tests/fakes/test_restore_testing_fake.py check them against it), so this module needs only the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, TypeVar

__all__ = [
    "ACCOUNT_ID_PATTERN",
    "AGGREGATE_ALL",
    "AGGREGATION_PERIODS",
    "ANY",
    "DEFAULT_AGGREGATION_PERIOD",
    "DELETION_STATUSES",
    "JOBS_MAX_RESULTS",
    "JOB_PARAMETERS",
    "JOB_STATUSES",
    "RESOURCE_TYPE_PATTERN",
    "RESTORE_JOBS_PATH",
    "SUMMARIES_MAX_RESULTS",
    "SUMMARIES_PATH",
    "SUMMARY_PARAMETERS",
    "SUMMARY_STATES",
    "TESTING_MAX_RESULTS",
    "TESTING_PARAMETERS",
    "TESTING_PLANS_PATH",
    "VALIDATION_STATUSES",
    "ApiError",
    "BackupApi",
    "DailyCount",
    "RestoreJob",
    "RestoreTestingPlan",
    "RestoreTestingSelection",
]

SUMMARIES_PATH: Final = "/audit/restore-job-summaries"  # GET: ListRestoreJobSummaries
RESTORE_JOBS_PATH: Final = "/restore-jobs/"  # GET: ListRestoreJobs
# GET: ListRestoreTestingPlans; GET {path}/{name}: GetRestoreTestingPlan; GET {path}/{name}/selections: the selections.
TESTING_PLANS_PATH: Final = "/restore-testing/plans"
# Querystring names: the two operations spell theirs differently (`AccountId` here, `accountId` there).
SUMMARY_PARAMETERS: Final = ("AccountId", "State", "ResourceType", "AggregationPeriod", "MaxResults", "NextToken")
JOB_PARAMETERS: Final = (
    "nextToken", "maxResults", "accountId", "resourceType", "createdBefore", "createdAfter", "status",
    "completeBefore", "completeAfter", "restoreTestingPlanArn", "parentJobId",
)
TESTING_PARAMETERS: Final = ("MaxResults", "NextToken")  # both restore testing list operations
SUMMARY_STATES: Final = ("CREATED", "PENDING", "RUNNING", "ABORTED", "COMPLETED", "FAILED", "AGGREGATE_ALL", "ANY")
JOB_STATUSES: Final = ("PENDING", "RUNNING", "COMPLETED", "ABORTED", "FAILED")
VALIDATION_STATUSES: Final = ("FAILED", "SUCCESSFUL", "TIMED_OUT", "VALIDATING")
DELETION_STATUSES: Final = ("DELETING", "FAILED", "SUCCESSFUL")
AGGREGATION_PERIODS: Final = ("ONE_DAY", "SEVEN_DAYS", "FOURTEEN_DAYS")
RESOURCE_TYPE_PATTERN: Final = r"^[a-zA-Z0-9\-\_\.]{1,50}$"
ACCOUNT_ID_PATTERN: Final = r"^[0-9]{12}$"
ANY: Final = "ANY"
AGGREGATE_ALL: Final = "AGGREGATE_ALL"
# The service's real default AggregationPeriod is undocumented; SEVEN_DAYS is
# the conservative guess and is echoed back so callers can see what was used.
DEFAULT_AGGREGATION_PERIOD: Final = "SEVEN_DAYS"
SUMMARIES_MAX_RESULTS: Final = 500  # the API docs say 1..500 (the model says 1000)
JOBS_MAX_RESULTS: Final = 1000
TESTING_MAX_RESULTS: Final = 1000
# GetRestoreTestingPlan must send a RecoveryPointSelection; the emulator has no vaults, so every plan reports the
# console's defaults (the latest snapshot from any vault, at most a week old).
_RECOVERY_POINT_SELECTION: Final = {
    "Algorithm": "LATEST_WITHIN_WINDOW",
    "IncludeVaults": ["*"],
    "RecoveryPointTypes": ["SNAPSHOT"],
    "SelectionWindowDays": 7,
}

_RESOURCE_TYPE_RE: Final = re.compile(RESOURCE_TYPE_PATTERN)
_ACCOUNT_ID_RE: Final = re.compile(ACCOUNT_ID_PATTERN)
# Days before today an AggregationPeriod covers: ONE_DAY is 14 one-day windows, the others one window each.
_WINDOW_DAYS: Final = {"ONE_DAY": 14, "SEVEN_DAYS": 7, "FOURTEEN_DAYS": 14}
# Bound on the rows of recent query results kept for their following pages: ~110 bytes a row, so at most
# ~330 MB, reached only with millions of counts (1,000 accounts x 17 regions, every state, ONE_DAY).
_CACHED_ROWS: Final = 3_000_000


@dataclass(frozen=True, slots=True)
class DailyCount:
    """Number of restore jobs created on one UTC day for one (region, account, state, resource type)."""

    region: str
    account_id: str
    state: str
    resource_type: str
    day: date
    count: int


@dataclass(frozen=True, slots=True)
class RestoreJob:
    """One restore job as returned by ListRestoreJobs (used for drill-down)."""

    region: str
    account_id: str
    job_id: str
    status: str  # PENDING | RUNNING | COMPLETED | ABORTED | FAILED
    resource_type: str
    created: datetime  # timezone-aware UTC
    status_message: str = ""
    recovery_point_arn: str = ""
    created_resource_arn: str = ""
    source_resource_arn: str = ""
    restore_testing_plan_arn: str | None = None
    validation_status: str | None = None
    validation_status_message: str | None = None
    completion: datetime | None = None
    deletion_status: str | None = None  # DELETING | FAILED | SUCCESSFUL: what became of a restore test's resource
    deletion_status_message: str | None = None
    expected_completion_minutes: int | None = None


def _plan_arn_suffix(name: str) -> str:
    # The service appends a random id to the name; a digest of the name keeps the sample's ARNs stable.
    return hashlib.sha256(name.encode()).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class RestoreTestingPlan:
    """A restore testing plan, living in the account and region that runs it (the operations take no account).

    ``arn`` left empty gets the service's form, ``arn:aws:backup:{region}:{account}:restore-testing-plan:{name}-{id}``.
    """

    region: str
    account_id: str
    name: str
    schedule_expression: str  # AWS cron, e.g. "cron(0 5 ? * * *)"
    created: datetime  # timezone-aware UTC, like every datetime here
    schedule_timezone: str | None = None
    start_window_hours: int | None = None
    last_execution: datetime | None = None
    last_update: datetime | None = None
    arn: str = ""

    def __post_init__(self) -> None:
        if not self.arn:
            arn = (f"arn:aws:backup:{self.region}:{self.account_id}:restore-testing-plan:"
                   f"{self.name}-{_plan_arn_suffix(self.name)}")
            object.__setattr__(self, "arn", arn)


@dataclass(frozen=True, slots=True)
class RestoreTestingSelection:
    """One resource selection of a restore testing plan; ``iam_role_arn`` left empty gets AWS Backup's default role."""

    region: str
    account_id: str
    plan_name: str
    name: str
    protected_resource_type: str
    created: datetime
    iam_role_arn: str = ""
    validation_window_hours: int | None = None

    def __post_init__(self) -> None:
        if not self.iam_role_arn:
            role = f"arn:aws:iam::{self.account_id}:role/service-role/AWSBackupDefaultServiceRole"
            object.__setattr__(self, "iam_role_arn", role)


class ApiError(Exception):
    """An error the service answers with: HTTP status, error code (``__type``) and message."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def _invalid(parameter: str, value: str, expectation: str) -> ApiError:
    message = f"Invalid value '{value}' for parameter {parameter}: {expectation}"
    return ApiError(400, "InvalidParameterValueException", message)


def _epoch(value: datetime) -> float | int:
    # rest-json bodies carry timestamps as epoch seconds; whole seconds stay
    # integers so the JSON looks like what the service sends.
    seconds = value.timestamp()
    return int(seconds) if seconds.is_integer() else seconds


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _parse_timestamp(parameter: str, raw: str) -> datetime:
    # botocore serialises querystring timestamps as ISO 8601 ("...Z"); accept
    # epoch seconds too because hand-written clients sometimes send those.
    try:
        parsed = datetime.fromtimestamp(float(raw), UTC)
    except (ValueError, OverflowError, OSError):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise _invalid(parameter, raw, "expected an ISO 8601 timestamp") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parse_int(parameter: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(parameter, raw, f"must be an integer between {low} and {high}") from None
    if not low <= value <= high:
        raise _invalid(parameter, raw, f"must be an integer between {low} and {high}")
    return value


_ByDay = dict[date, list[DailyCount]]


@dataclass(frozen=True)
class _Data:
    """Loaded data plus the indexes built from it once, so a page request reads only its region's window."""

    counts: tuple[DailyCount, ...]
    jobs: tuple[RestoreJob, ...]
    counts_by_region: dict[str, _ByDay]
    counts_by_account: dict[tuple[str, str], _ByDay]  # (region, account)
    jobs_by_account: dict[tuple[str, str], list[RestoreJob]]  # (region, account), newest first
    plans: tuple[RestoreTestingPlan, ...] = ()
    selections: tuple[RestoreTestingSelection, ...] = ()
    plans_by_account: dict[tuple[str, str], list[RestoreTestingPlan]] = field(default_factory=dict)  # by name
    # (region, account, plan name) -> the plan's selections, by name
    selections_by_plan: dict[tuple[str, str, str], list[RestoreTestingSelection]] = field(default_factory=dict)


def _index_counts(counts: Iterable[DailyCount]) -> tuple[dict[str, _ByDay], dict[tuple[str, str], _ByDay]]:
    by_region: dict[str, _ByDay] = {}
    by_account: dict[tuple[str, str], _ByDay] = {}
    for count in counts:
        by_region.setdefault(count.region, {}).setdefault(count.day, []).append(count)
        by_account.setdefault((count.region, count.account_id), {}).setdefault(count.day, []).append(count)
    return by_region, by_account


def _index_jobs(jobs: Iterable[RestoreJob]) -> dict[tuple[str, str], list[RestoreJob]]:
    by_account: dict[tuple[str, str], list[RestoreJob]] = {}
    # Newest first, like the console and the service; filtering keeps this order.
    for job in sorted(jobs, key=lambda j: (-j.created.timestamp(), j.job_id)):
        by_account.setdefault((job.region, job.account_id), []).append(job)
    return by_account


def _index_plans(plans: Iterable[RestoreTestingPlan]) -> dict[tuple[str, str], list[RestoreTestingPlan]]:
    by_account: dict[tuple[str, str], list[RestoreTestingPlan]] = {}
    # Names are unique in an account and region, so name order is a stable order for pages.
    for plan in sorted(plans, key=lambda p: p.name):
        by_account.setdefault((plan.region, plan.account_id), []).append(plan)
    return by_account


def _index_selections(
    selections: Iterable[RestoreTestingSelection],
) -> dict[tuple[str, str, str], list[RestoreTestingSelection]]:
    by_plan: dict[tuple[str, str, str], list[RestoreTestingSelection]] = {}
    for selection in sorted(selections, key=lambda s: s.name):
        by_plan.setdefault((selection.region, selection.account_id, selection.plan_name), []).append(selection)
    return by_plan


_Row = TypeVar("_Row")
# (window start, account, state, resource type, count): a summary row before it becomes JSON.
_SummaryRow = tuple[date, str, str, str, int]


class BackupApi:
    """The read-only operations over one data set, for every region at once.

    Each operation takes the calling account (``caller``); None means ``caller_account``, the default
    identity.  ``org_admin`` says whether ``caller_account`` is the organisation's management (or delegated
    administrator) account, which may count every member account's jobs (other callers never may);
    ``page_size`` caps every page below MaxResults; ``now`` is the clock the summary windows are relative to
    (a callable, a fixed datetime, or None for the wall clock).  Safe to call from many threads; ``load``
    swaps the data atomically.
    """

    def __init__(
        self,
        counts: Iterable[DailyCount] = (),
        jobs: Iterable[RestoreJob] = (),
        *,
        plans: Iterable[RestoreTestingPlan] = (),
        selections: Iterable[RestoreTestingSelection] = (),
        caller_account: str = "111122223333",
        org_admin: bool = True,
        page_size: int = 4,
        now: Callable[[], datetime] | datetime | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        self.caller_account = caller_account
        self.org_admin = org_admin
        self.page_size = page_size
        self.clock: Callable[[], datetime] = _wall_clock
        self.set_now(now)
        # Per-instance key: a token from another emulator (or a forged one) is rejected.
        self._token_key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._data = _Data((), (), {}, {}, {})
        self._generation = 0
        # Aggregated/filtered results of recent queries, so the pages after the first are slices, not rescans.
        self._results: OrderedDict[tuple[Any, ...], Sequence[Any]] = OrderedDict()
        self._cached_rows = 0
        self.load(counts, jobs, plans, selections)

    # ----------------------------------------------------------------- data and clock

    @property
    def counts(self) -> tuple[DailyCount, ...]:
        return self._data.counts

    @property
    def jobs(self) -> tuple[RestoreJob, ...]:
        return self._data.jobs

    @property
    def plans(self) -> tuple[RestoreTestingPlan, ...]:
        return self._data.plans

    @property
    def selections(self) -> tuple[RestoreTestingSelection, ...]:
        return self._data.selections

    def load(
        self,
        counts: Iterable[DailyCount] | None = None,
        jobs: Iterable[RestoreJob] | None = None,
        plans: Iterable[RestoreTestingPlan] | None = None,
        selections: Iterable[RestoreTestingSelection] | None = None,
    ) -> None:
        """Replace the served data; an argument left as None keeps the current data."""
        with self._lock:
            current = self._data
            new_counts = tuple(counts) if counts is not None else current.counts
            new_jobs = tuple(jobs) if jobs is not None else current.jobs
            new_plans = tuple(plans) if plans is not None else current.plans
            new_selections = tuple(selections) if selections is not None else current.selections
            by_region, by_account = (
                _index_counts(new_counts)
                if new_counts is not current.counts
                else (current.counts_by_region, current.counts_by_account)
            )
            jobs_index = _index_jobs(new_jobs) if new_jobs is not current.jobs else current.jobs_by_account
            plans_index = _index_plans(new_plans) if new_plans is not current.plans else current.plans_by_account
            selections_index = (
                _index_selections(new_selections)
                if new_selections is not current.selections
                else current.selections_by_plan
            )
            self._data = _Data(new_counts, new_jobs, by_region, by_account, jobs_index,
                               new_plans, new_selections, plans_index, selections_index)
            self._generation += 1
            self._results.clear()
            self._cached_rows = 0

    def set_now(self, now: Callable[[], datetime] | datetime | None) -> None:
        """Move the clock: a fixed datetime, a callable, or None for the wall clock."""
        if now is None:
            self.clock = _wall_clock
        elif isinstance(now, datetime):
            fixed = now
            self.clock = lambda: fixed
        else:
            self.clock = now

    def today(self) -> date:
        now = self.clock()
        # A naive `now` is taken as UTC, matching how the service buckets days.
        return (now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)).date()

    # ----------------------------------------------------------------- ListRestoreJobSummaries

    def list_restore_job_summaries(
        self, region: str, params: Mapping[str, str], caller: str | None = None
    ) -> dict[str, Any]:
        """GET /audit/restore-job-summaries in ``region``: counts grouped per window, account, state and type."""
        caller = caller if caller is not None else self.caller_account
        state = params.get("State", ANY)
        if state not in SUMMARY_STATES:
            raise _invalid("State", state, f"must be one of {', '.join(SUMMARY_STATES)}")
        period = params.get("AggregationPeriod", DEFAULT_AGGREGATION_PERIOD)
        if period not in AGGREGATION_PERIODS:
            raise _invalid("AggregationPeriod", period, f"must be one of {', '.join(AGGREGATION_PERIODS)}")
        resource_type = params.get("ResourceType", ANY)
        if not _RESOURCE_TYPE_RE.match(resource_type):
            raise _invalid(
                "ResourceType", resource_type, "must match ^[a-zA-Z0-9\\-\\_\\.]{1,50}$, or be ANY or AGGREGATE_ALL"
            )
        account_param = params.get("AccountId")
        special_account = account_param in (ANY, AGGREGATE_ALL)
        if account_param is not None and not special_account and not _ACCOUNT_ID_RE.match(account_param):
            raise _invalid("AccountId", account_param, "must be a 12-digit account ID, ANY or AGGREGATE_ALL")
        max_results = None
        if "MaxResults" in params:
            max_results = _parse_int("MaxResults", params["MaxResults"], 1, SUMMARIES_MAX_RESULTS)
        paging = ("MaxResults", "NextToken")
        digest = self._query_digest("ListRestoreJobSummaries", region, params, paging, caller)
        offset = self._start_offset(params, "NextToken", digest)

        today = self.today()
        visible = self._visible_accounts(account_param, caller)
        data, generation = self._snapshot()
        key = ("summaries", generation, region, _query(params, paging), today, visible)
        rows: Sequence[_SummaryRow] | None = self._cached(key)
        if rows is None:
            rows = _aggregate(data, region, state, resource_type, account_param, period, today, visible)
            self._keep(key, generation, rows)

        page, next_token = self._page(rows, offset, max_results, digest)
        days = 1 if period == "ONE_DAY" else _WINDOW_DAYS[period]
        body: dict[str, Any] = {
            "RestoreJobSummaries": [
                {
                    "Region": region,
                    "AccountId": account,
                    "State": row_state,
                    "ResourceType": row_type,
                    "Count": total,
                    "StartTime": _epoch(_midnight(start)),
                    "EndTime": _epoch(_midnight(start + timedelta(days=days))),
                }
                for start, account, row_state, row_type, total in page
            ],
            "AggregationPeriod": period,
        }
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    def _visible_accounts(self, account_param: str | None, caller: str) -> frozenset[str] | None:
        """Accounts whose jobs ``caller`` may count; None means every account."""
        # Only the default identity can be the organisation's admin: any other caller is a role assumed in a member.
        admin = self.org_admin and caller == self.caller_account
        if account_param is None:
            return frozenset({caller})
        if account_param in (ANY, AGGREGATE_ALL):
            # A member account asking for the organisation silently gets only its own jobs.
            return None if admin else frozenset({caller})
        if admin or account_param == caller:
            return frozenset({account_param})
        return frozenset()

    # ----------------------------------------------------------------- ListRestoreJobs

    def list_restore_jobs(self, region: str, params: Mapping[str, str], caller: str | None = None) -> dict[str, Any]:
        """GET /restore-jobs/ in ``region``: one account's restore jobs (the caller's by default), newest first."""
        status = params.get("status")
        if status is not None and status not in JOB_STATUSES:
            raise _invalid("status", status, f"must be one of {', '.join(JOB_STATUSES)}")
        caller = caller if caller is not None else self.caller_account
        account = params.get("accountId", caller)
        if not _ACCOUNT_ID_RE.match(account):
            raise _invalid("accountId", account, "must be a 12-digit account ID")
        resource_type = params.get("resourceType")
        if resource_type is not None and not _RESOURCE_TYPE_RE.match(resource_type):
            raise _invalid("resourceType", resource_type, "must match ^[a-zA-Z0-9\\-\\_\\.]{1,50}$")
        bounds = {
            name: _parse_timestamp(name, params[name])
            for name in ("createdBefore", "createdAfter", "completeBefore", "completeAfter")
            if name in params
        }
        max_results = None
        if "maxResults" in params:
            max_results = _parse_int("maxResults", params["maxResults"], 1, JOBS_MAX_RESULTS)
        paging = ("maxResults", "nextToken")
        digest = self._query_digest("ListRestoreJobs", region, params, paging, caller)
        offset = self._start_offset(params, "nextToken", digest)

        data, generation = self._snapshot()
        key = ("jobs", generation, region, _query(params, paging), account)
        jobs: Sequence[RestoreJob] | None = self._cached(key)
        if jobs is None:
            jobs = _filter_jobs(data.jobs_by_account.get((region, account), []), params, bounds, status, resource_type)
            self._keep(key, generation, jobs)

        page, next_token = self._page(jobs, offset, max_results, digest)
        body: dict[str, Any] = {"RestoreJobs": [_job_row(job) for job in page]}
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    # ----------------------------------------------------------------- restore testing

    def list_restore_testing_plans(self, region: str, caller: str | None, params: Mapping[str, str]) -> dict[str, Any]:
        """GET /restore-testing/plans in ``region``: the caller's plans there, by name."""
        caller = caller if caller is not None else self.caller_account
        max_results = self._testing_max_results(params)
        digest = self._query_digest("ListRestoreTestingPlans", region, params, TESTING_PARAMETERS, caller)
        offset = self._start_offset(params, "NextToken", digest)
        data, _ = self._snapshot()
        plans = data.plans_by_account.get((region, caller), [])
        page, next_token = self._page(plans, offset, max_results, digest)
        body: dict[str, Any] = {"RestoreTestingPlans": [_plan_row(plan) for plan in page]}
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    def get_restore_testing_plan(self, region: str, caller: str | None, name: str) -> dict[str, Any]:
        """GET /restore-testing/plans/{name} in ``region``: one of the caller's plans, or 404."""
        plan = self._plan(region, caller if caller is not None else self.caller_account, name)
        return {"RestoreTestingPlan": {**_plan_row(plan), "RecoveryPointSelection": _RECOVERY_POINT_SELECTION}}

    def list_restore_testing_selections(
        self, region: str, caller: str | None, plan_name: str, params: Mapping[str, str]
    ) -> dict[str, Any]:
        """GET /restore-testing/plans/{name}/selections in ``region``: a plan's selections by name, or 404."""
        caller = caller if caller is not None else self.caller_account
        max_results = self._testing_max_results(params)
        plan = self._plan(region, caller, plan_name)
        digest = self._query_digest(f"ListRestoreTestingSelections:{plan_name}", region, params, TESTING_PARAMETERS,
                                    caller)
        offset = self._start_offset(params, "NextToken", digest)
        data, _ = self._snapshot()
        selections = data.selections_by_plan.get((region, caller, plan.name), [])
        page, next_token = self._page(selections, offset, max_results, digest)
        body: dict[str, Any] = {"RestoreTestingSelections": [_selection_row(selection) for selection in page]}
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    def _plan(self, region: str, caller: str, name: str) -> RestoreTestingPlan:
        data, _ = self._snapshot()
        for plan in data.plans_by_account.get((region, caller), []):
            if plan.name == name:
                return plan
        raise ApiError(404, "ResourceNotFoundException", f"Restore testing plan '{name}' was not found.")

    @staticmethod
    def _testing_max_results(params: Mapping[str, str]) -> int | None:
        if "MaxResults" not in params:
            return None
        return _parse_int("MaxResults", params["MaxResults"], 1, TESTING_MAX_RESULTS)

    # ----------------------------------------------------------------- results of recent queries

    def _snapshot(self) -> tuple[_Data, int]:
        with self._lock:
            return self._data, self._generation

    def _cached(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
            return found

    def _keep(self, key: tuple[Any, ...], generation: int, rows: Sequence[Any]) -> None:
        with self._lock:
            if generation != self._generation or key in self._results:
                return  # computed from data replaced meanwhile, or also by a concurrent request
            self._results[key] = rows
            self._cached_rows += len(rows) + 1
            while self._cached_rows > _CACHED_ROWS and len(self._results) > 1:
                _, evicted = self._results.popitem(last=False)
                self._cached_rows -= len(evicted) + 1

    # ----------------------------------------------------------------- pagination tokens

    def _query_digest(
        self, operation: str, region: str, params: Mapping[str, str], paging_keys: tuple[str, ...], caller: str = ""
    ) -> str:
        # A token is bound to the query (and caller) that produced it, so replaying
        # it with other filters is rejected the way the service rejects it.
        query = {k: v for k, v in sorted(params.items()) if k not in paging_keys}
        material = json.dumps([operation, region, query, caller], separators=(",", ":")).encode()
        return hashlib.sha256(material).hexdigest()[:16]

    def _issue_token(self, offset: int, digest: str) -> str:
        payload = json.dumps({"o": offset, "q": digest}, separators=(",", ":")).encode()
        mac = hmac.new(self._token_key, payload, hashlib.sha256).digest()[:16]
        return f"{base64.urlsafe_b64encode(payload).decode()}.{base64.urlsafe_b64encode(mac).decode()}"

    def _redeem_token(self, parameter: str, token: str, digest: str) -> int:
        try:
            encoded_payload, encoded_mac = token.split(".")
            payload = base64.urlsafe_b64decode(encoded_payload.encode())
            mac = base64.urlsafe_b64decode(encoded_mac.encode())
            valid = hmac.compare_digest(mac, hmac.new(self._token_key, payload, hashlib.sha256).digest()[:16])
            decoded = json.loads(payload) if valid else None
        except (ValueError, TypeError):
            decoded = None
        if not isinstance(decoded, dict) or not isinstance(decoded.get("o"), int) or decoded["o"] < 0:
            raise _invalid(parameter, token, "not a pagination token issued by this service")
        if decoded.get("q") != digest:
            raise _invalid(parameter, token, "the token was issued for a different query; repeat the original parameters")
        return int(decoded["o"])

    def _start_offset(self, params: Mapping[str, str], token_param: str, digest: str) -> int:
        token = params.get(token_param)
        return self._redeem_token(token_param, token, digest) if token is not None else 0

    def _page(
        self, rows: Sequence[_Row], offset: int, requested: int | None, digest: str
    ) -> tuple[Sequence[_Row], str | None]:
        size = min(requested if requested is not None else 1000, self.page_size)
        after = offset + size
        return rows[offset:after], (self._issue_token(after, digest) if after < len(rows) else None)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _query(params: Mapping[str, str], paging_keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in params.items() if k not in paging_keys))


def _aggregate(
    data: _Data,
    region: str,
    state: str,
    resource_type: str,
    account_param: str | None,
    period: str,
    today: date,
    visible: frozenset[str] | None,
) -> list[_SummaryRow]:
    """ListRestoreJobSummaries' rows, sorted by (window start, account, state, type), empty groups left out."""
    first_day = today - timedelta(days=_WINDOW_DAYS[period])
    if visible is None:
        sources = [data.counts_by_region.get(region, {})]
    else:
        sources = [data.counts_by_account.get((region, account), {}) for account in sorted(visible)]
    one_day = period == "ONE_DAY"
    any_state = state in (ANY, AGGREGATE_ALL)
    any_type = resource_type in (ANY, AGGREGATE_ALL)
    totals: dict[tuple[date, str, str, str], int] = {}
    for offset in range(_WINDOW_DAYS[period]):
        day = first_day + timedelta(days=offset)
        window_start = day if one_day else first_day
        for by_day in sources:
            for count in by_day.get(day, ()):
                if not any_state and count.state != state:
                    continue
                if not any_type and count.resource_type != resource_type:
                    continue
                key = (
                    window_start,
                    AGGREGATE_ALL if account_param == AGGREGATE_ALL else count.account_id,
                    AGGREGATE_ALL if state == AGGREGATE_ALL else count.state,
                    AGGREGATE_ALL if resource_type == AGGREGATE_ALL else count.resource_type,
                )
                totals[key] = totals.get(key, 0) + count.count
    # The service omits empty groups.
    return [(*key, total) for key, total in sorted(totals.items()) if total != 0]


def _filter_jobs(
    candidates: Sequence[RestoreJob],
    params: Mapping[str, str],
    bounds: Mapping[str, datetime],
    status: str | None,
    resource_type: str | None,
) -> list[RestoreJob]:
    plan_arn = params.get("restoreTestingPlanArn")
    if params.get("parentJobId") is not None:
        return []  # restore jobs here never have parents

    def wanted(job: RestoreJob) -> bool:
        # "After" bounds are inclusive and "Before" bounds exclusive so that
        # consecutive day windows [00:00, next 00:00) never double count.
        if status is not None and job.status != status:
            return False
        if resource_type is not None and job.resource_type != resource_type:
            return False
        if plan_arn is not None and job.restore_testing_plan_arn != plan_arn:
            return False
        if "createdAfter" in bounds and job.created < bounds["createdAfter"]:
            return False
        if "createdBefore" in bounds and job.created >= bounds["createdBefore"]:
            return False
        if "completeAfter" not in bounds and "completeBefore" not in bounds:
            return True
        # Completion bounds exclude jobs that have not completed yet.
        if job.completion is None:
            return False
        if "completeAfter" in bounds and job.completion < bounds["completeAfter"]:
            return False
        return not ("completeBefore" in bounds and job.completion >= bounds["completeBefore"])

    return [job for job in candidates if wanted(job)]


def _job_row(job: RestoreJob) -> dict[str, Any]:
    # The service omits absent members rather than sending nulls or "".
    row: dict[str, Any] = {
        "AccountId": job.account_id,
        "RestoreJobId": job.job_id,
        "CreationDate": _epoch(job.created),
        "Status": job.status,
        "ResourceType": job.resource_type,
    }
    optional: dict[str, Any] = {
        "RecoveryPointArn": job.recovery_point_arn,
        "SourceResourceArn": job.source_resource_arn,
        "CreatedResourceArn": job.created_resource_arn,
        "StatusMessage": job.status_message,
        "CompletionDate": _epoch(job.completion) if job.completion is not None else None,
        "CreatedBy": ({"RestoreTestingPlanArn": job.restore_testing_plan_arn} if job.restore_testing_plan_arn else None),
        "ValidationStatus": job.validation_status,
        "ValidationStatusMessage": job.validation_status_message,
        "DeletionStatus": job.deletion_status,
        "DeletionStatusMessage": job.deletion_status_message,
        "ExpectedCompletionTimeMinutes": job.expected_completion_minutes,
    }
    row.update({k: v for k, v in optional.items() if v not in (None, "")})
    return row


def _plan_row(plan: RestoreTestingPlan) -> dict[str, Any]:
    # ListRestoreTestingPlans' members; GetRestoreTestingPlan adds RecoveryPointSelection.
    row: dict[str, Any] = {
        "CreationTime": _epoch(plan.created),
        "RestoreTestingPlanArn": plan.arn,
        "RestoreTestingPlanName": plan.name,
        "ScheduleExpression": plan.schedule_expression,
    }
    optional: dict[str, Any] = {
        "LastExecutionTime": _epoch(plan.last_execution) if plan.last_execution is not None else None,
        "LastUpdateTime": _epoch(plan.last_update) if plan.last_update is not None else None,
        "ScheduleExpressionTimezone": plan.schedule_timezone,
        "StartWindowHours": plan.start_window_hours,
    }
    row.update({k: v for k, v in optional.items() if v is not None})
    return row


def _selection_row(selection: RestoreTestingSelection) -> dict[str, Any]:
    row: dict[str, Any] = {
        "CreationTime": _epoch(selection.created),
        "IamRoleArn": selection.iam_role_arn,
        "ProtectedResourceType": selection.protected_resource_type,
        "RestoreTestingPlanName": selection.plan_name,
        "RestoreTestingSelectionName": selection.name,
    }
    if selection.validation_window_hours is not None:
        row["ValidationWindowHours"] = selection.validation_window_hours
    return row
