"""What the emulator serves: daily restore job counts, restore jobs, restore testing plans and their selections."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["DailyCount", "RestoreJob", "RestoreTestingPlan", "RestoreTestingSelection"]


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
