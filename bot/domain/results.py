"""The typed values that flow from the AWS module to rendering and the digest; nothing here imports boto3."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.coverage import OnlyAccount
from bot.domain.query import Period, RestoreFilter, State


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One row of ListRestoreJobSummaries. Slotted: an organisation-wide digest holds hundreds of thousands."""

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


class Breakdowns:
    """The rows of each breakdown: those its own chains read (`type_rows`, `account_rows`; bot.aws.plan) or, when it
    had none (None), `rows`, which then serve every view. Shared by the answers' and the digest's results."""

    rows: tuple[SummaryRow, ...]
    type_rows: tuple[SummaryRow, ...] | None
    account_rows: tuple[SummaryRow, ...] | None

    @property
    def by_type_rows(self) -> tuple[SummaryRow, ...]:
        return self.rows if self.type_rows is None else self.type_rows

    @property
    def by_account_rows(self) -> tuple[SummaryRow, ...]:
        return self.rows if self.account_rows is None else self.account_rows


@dataclass(frozen=True)
class SummaryResult(Breakdowns):
    filter: RestoreFilter
    period: Period
    rows: tuple[SummaryRow, ...]
    failures: tuple[RegionFailure, ...]
    # Regions whose page chain hit the safety cap: their numbers are a lower bound.
    truncated: tuple[str, ...] = ()
    aws_calls: int = 0
    elapsed: float = 0.0
    # The breakdowns, when they came from chains of their own (bot.aws.plan); None: `rows` serve every view.
    type_rows: tuple[SummaryRow, ...] | None = None
    account_rows: tuple[SummaryRow, ...] | None = None
    # An organisation-wide question AWS answered with the bot's own account only (bot.aws.identity); None: not seen.
    only_account: OnlyAccount | None = None

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
    status: State | None = None  # None: every status
    resource_type: str | None = None  # sent as ByResourceType when the API accepts the name
    local_resource_type: str | None = None  # filtered here when it does not (names with spaces)
    accounts: tuple[str, ...] = ()  # ByAccountId values (12 digits); empty: the caller's account
    # Per region, the accounts to list there (those the summaries saw jobs of); a region not in it is not asked.
    # None: `accounts` in every region.
    accounts_by_region: dict[str, tuple[str, ...]] | None = None
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
    completed: datetime | None = None
    deletion_status: str | None = None  # restore testing deletes what it restored: FAILED means it leaked
    deletion_status_message: str | None = None
    expected_minutes: int | None = None  # ExpectedCompletionTimeMinutes
    source_arn: str | None = None  # the resource restored (resource_arn prefers what the restore created)

    @property
    def is_restore_test(self) -> bool:
        return bool(self.restore_testing_plan_arn)

    @property
    def minutes(self) -> float | None:
        """How long the restore took, when it finished."""
        return (self.completed - self.created).total_seconds() / 60 if self.completed else None


@dataclass(frozen=True)
class JobsResult:
    query: JobsQuery
    jobs: tuple[RestoreJobRow, ...]
    failures: tuple[RegionFailure, ...]
    truncated: tuple[str, ...] = ()
    aws_calls: int = 0
    elapsed: float = 0.0
    # Jobs past the grouping cap, counted but not listed; exact unless counting had to stop.
    not_read: int = 0
    not_read_exact: bool = True
    # Parts of the answer that were not read, in words for the user (accounts that could not be listed, parts
    # of the window the account list does not cover). Never empty when the list may miss jobs.
    incomplete: tuple[str, ...] = ()
    # (region, account) pairs a drill-down over many accounts did not list (a region's job cap, or time).
    unlisted: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CompletedJobs:
    """Restore jobs that reached a final state within a window (ListRestoreJobs ByCompleteAfter/ByCompleteBefore), per
    (region, account); account "" is the bot's own. A pair is in `jobs` only if every one of its chains answered."""

    jobs: dict[tuple[str, str], tuple[RestoreJobRow, ...]]
    failures: dict[tuple[str, str], RegionFailure]
    calls: int = 0
    elapsed: float = 0.0


@dataclass(frozen=True)
class TestingPlan:
    """One restore testing plan (ListRestoreTestingPlans). Plans live in the account and region that run them."""

    region: str
    account_id: str
    name: str
    arn: str
    schedule_expression: str
    schedule_timezone: str | None
    start_window_hours: int | None
    created: datetime
    last_execution: datetime | None


@dataclass(frozen=True)
class TestingSelection:
    """One selection of a plan (ListRestoreTestingSelections): which protected resource type it restores."""

    region: str
    account_id: str
    plan_name: str
    name: str
    resource_type: str


@dataclass(frozen=True)
class AccountFailure:
    """An account (or one of its regions) whose restore tests could not be read; `message` is safe to show."""

    account_id: str  # "" for the bot's own account when its id is not known
    region: str | None  # None: the whole account (its role could not be assumed)
    kind: FailureKind
    message: str


@dataclass(frozen=True)
class TestingResult:
    """Everything `/restores tests` shows: plans, their selections and their restore jobs in the window."""

    regions: tuple[str, ...]
    accounts: tuple[str, ...]  # the accounts asked ("" is the bot's own account when its id is not known)
    window: tuple[datetime, datetime]
    plans: tuple[TestingPlan, ...]
    selections: tuple[TestingSelection, ...]
    jobs: tuple[RestoreJobRow, ...]
    failures: tuple[AccountFailure, ...] = ()
    # Plans whose jobs were cut at the cap: their counts are a lower bound.
    truncated: tuple[str, ...] = ()
    aws_calls: int = 0
    elapsed: float = 0.0
