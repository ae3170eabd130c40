"""AWS Backup's paths, parameter names, enums and limits for the emulated operations, the error the service answers
with, and the parameter checks every operation shares.

Names, paths and patterns come from botocore's service model (`backup` 2018-11-15; tests/unit/sample/test_api_model.py
and tests/fakes/test_restore_testing_fake.py check them against it), so the emulator needs only the standard library.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

__all__ = [
    "ACCOUNT_ID_PATTERN",
    "ACCOUNT_ID_RE",
    "AGGREGATE_ALL",
    "AGGREGATION_PERIODS",
    "ANY",
    "DEFAULT_AGGREGATION_PERIOD",
    "DELETION_STATUSES",
    "JOBS_MAX_RESULTS",
    "JOB_PARAMETERS",
    "JOB_STATUSES",
    "RESOURCE_TYPE_PATTERN",
    "RESOURCE_TYPE_RE",
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
    "epoch",
    "invalid",
    "parse_int",
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

RESOURCE_TYPE_RE: Final = re.compile(RESOURCE_TYPE_PATTERN)
ACCOUNT_ID_RE: Final = re.compile(ACCOUNT_ID_PATTERN)


class ApiError(Exception):
    """An error the service answers with: HTTP status, error code (``__type``) and message."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def invalid(parameter: str, value: str, expectation: str) -> ApiError:
    """The service's 400 for a parameter value it rejects."""
    message = f"Invalid value '{value}' for parameter {parameter}: {expectation}"
    return ApiError(400, "InvalidParameterValueException", message)


def parse_int(parameter: str, raw: str, low: int, high: int) -> int:
    """A querystring integer within [low, high], or the service's 400."""
    try:
        value = int(raw)
    except ValueError:
        raise invalid(parameter, raw, f"must be an integer between {low} and {high}") from None
    if not low <= value <= high:
        raise invalid(parameter, raw, f"must be an integer between {low} and {high}")
    return value


def epoch(value: datetime) -> float | int:
    """A timestamp as rest-json bodies carry it: epoch seconds."""
    # Whole seconds stay integers so the JSON looks like what the service sends.
    seconds = value.timestamp()
    return int(seconds) if seconds.is_integer() else seconds


T = TypeVar("T")


class Forward(Generic[T]):
    """An attribute that is another object's attribute of the same name: `counts: Forward[...] = Forward("api")` reads
    (and, where that one is settable, sets) `self.api.counts`."""

    def __init__(self, via: str) -> None:
        self.via = via
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: Any = None) -> T:
        return getattr(getattr(obj, self.via), self.name)  # type: ignore[no-any-return]

    def __set__(self, obj: Any, value: T) -> None:
        setattr(getattr(obj, self.via), self.name, value)
