"""What the bot knows about protected resources and their restores (pure types): one resource's record, what AWS said
about its latest restore, one resource's report, and the restore coverage of many."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.query import State
from bot.domain.results import RestoreJobRow, TestingSelection

# arn:<partition>:<service>:<region>:<account>:<resource>; S3 buckets have neither region nor account.
ARN_RE = re.compile(r"\Aarn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
                    r"(?P<account>\d{12}|):(?P<resource>.+)\Z")
COVERAGE_WINDOWS = {"30d": 30, "90d": 90, "180d": 180}
CRITICAL_TAG = ("restore-critical", "true")  # a resource tagged so is listed first among those not restored
VALIDATION_PASSED = "SUCCESSFUL"  # a restore job's ValidationStatus (an AWS enum of its own, not a State)


def proves(job: RestoreJobRow) -> bool:
    """A restore that completed and, where a validation ran, passed it (one still validating proves nothing yet)."""
    return job.status == State.COMPLETED and job.validation_status in (None, VALIDATION_PASSED)


def resource_id(arn: str) -> str:
    """The last part of an ARN: a volume id, a table or database name, a bucket name."""
    match = ARN_RE.match(arn)
    tail = match["resource"] if match else arn
    return re.split(r"[:/]", tail)[-1]


def arn_account(arn: str) -> str:
    match = ARN_RE.match(arn)
    return match["account"] if match else ""


@dataclass(frozen=True, slots=True)
class ProtectedResource:
    """One ListProtectedResources item, with the account and region it was read in."""

    account_id: str  # "" when neither its ARN nor the bot's own identity says (an S3 bucket read in the bot's account)
    region: str
    arn: str
    resource_type: str
    name: str = ""
    last_backup: datetime | None = None
    last_recovery_point_arn: str = ""
    vault_arn: str = ""

    @property
    def label(self) -> str:
        return self.name or resource_id(self.arn)

    def matches(self, fragment: str) -> bool:
        """Whether `fragment` names it: the whole ARN, or part of its name or id (case-insensitive)."""
        wanted = fragment.lower()
        return self.arn == fragment or wanted in self.name.lower() or wanted in resource_id(self.arn).lower()


@dataclass(frozen=True)
class LatestRestore:
    """DescribeProtectedResource's own summary of the resource's latest restore."""

    created: datetime | None = None
    minutes: int | None = None
    recovery_point_created: datetime | None = None


@dataclass(frozen=True)
class ResourceReport:
    """One resource's recoverability as read: AWS's summary, its restore jobs (newest first), the restore testing
    selections of its type in its account and region, and what could not be read (words for the user)."""

    resource: ProtectedResource
    latest: LatestRestore
    jobs: tuple[RestoreJobRow, ...]
    jobs_capped: bool = False  # more restore jobs than were read: the history is the newest ones only
    selections: tuple[TestingSelection, ...] = ()
    plan_names: dict[str, str] = field(default_factory=dict)  # plan ARN -> name
    not_read: tuple[str, ...] = ()
    calls: int = 0
    missing: bool = False  # AWS said it is not a protected resource there (ResourceNotFoundException)


@dataclass(frozen=True)
class Lookup:
    """Which protected resources a name or ARN fragment found among the accounts and regions searched."""

    fragment: str
    matches: tuple[ProtectedResource, ...]
    accounts: tuple[str, ...]  # searched ("" is the bot's own account, id unknown)
    regions: tuple[str, ...]
    not_read: tuple[str, ...] = ()
    calls: int = 0


@dataclass(frozen=True)
class CoverageRead:
    """The protected resources of the accounts and regions read, and the ARNs of those a restore created in the window
    proves (bot.domain.recoverability.proves); `not_read` names what was not read, in words."""

    resources: tuple[ProtectedResource, ...]
    proven: frozenset[str]
    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    window: tuple[datetime, datetime]
    not_read: tuple[str, ...] = ()
    critical: frozenset[str] | None = None  # ARNs tagged restore-critical=true; None: tags not read anywhere
    tags_not_read: tuple[str, ...] = ()  # where tags could not be read (the order only; every figure stands)
    calls: int = 0
    elapsed: float = 0.0
