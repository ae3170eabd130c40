"""The restore testing scoreboard: one verdict per plan, and the answer to "do our restores work?" (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from bot.domain.query import BAD_VALUES, IN_PROGRESS_VALUES, State
from bot.domain.reasons import group_reasons
from bot.domain.results import RestoreJobRow, TestingPlan, TestingResult
from bot.restore_testing.schedule import RunCheck, ScheduleError, check_run, parse_schedule

# A restore job's ValidationStatus and DeletionStatus are AWS enums of their own, not its State (bot.domain.query names
# those): their "FAILED" is not State.FAILED.
VALIDATION_FAILED = ("FAILED", "TIMED_OUT")
DELETION_FAILED = "FAILED"
TOP_REASONS = 3


class Severity(IntEnum):
    """How bad a plan's worst problem is; plans are listed worst first."""

    OK = 0
    NOTE = 1  # worth a look: slow, a selection not exercised, restores never validated
    LEAK = 2  # restored resources not deleted: costs money, proves nothing wrong with restores
    BROKEN = 3  # restores failed, validation failed, or the plan did not run: restores are not proven


@dataclass(frozen=True)
class PlanVerdict:
    plan: TestingPlan
    run: RunCheck | None
    schedule_problem: str | None  # the schedule could not be understood: no verdict on it
    jobs: tuple[RestoreJobRow, ...]
    reasons: tuple[tuple[str, int], ...]  # top failure reasons (FAILED and ABORTED jobs), most frequent first
    uncovered: tuple[str, ...]  # resource types of selections with no restore job in the window
    slow: tuple[RestoreJobRow, ...]  # over their expected (or the configured) restore time, slowest first
    truncated: bool  # jobs cut at the cap: counts are a lower bound

    def _with(self, statuses: frozenset[str]) -> tuple[RestoreJobRow, ...]:
        return tuple(j for j in self.jobs if j.status in statuses)

    @property
    def completed(self) -> int:
        return len(self._with(frozenset({State.COMPLETED.value})))

    @property
    def failed(self) -> tuple[RestoreJobRow, ...]:
        return self._with(BAD_VALUES)

    @property
    def running(self) -> int:
        return len(self._with(IN_PROGRESS_VALUES))

    @property
    def validation_failed(self) -> tuple[RestoreJobRow, ...]:
        return tuple(j for j in self.jobs if j.validation_status in VALIDATION_FAILED)

    @property
    def validating(self) -> int:
        return sum(1 for j in self.jobs if j.validation_status == "VALIDATING")

    @property
    def validated(self) -> int:
        return sum(1 for j in self.jobs if j.validation_status == "SUCCESSFUL")

    @property
    def never_validated(self) -> int:
        return sum(1 for j in self.jobs if j.status == State.COMPLETED.value and not j.validation_status)

    @property
    def leaks(self) -> tuple[RestoreJobRow, ...]:
        return tuple(j for j in self.jobs if j.deletion_status == DELETION_FAILED)

    @property
    def late(self) -> bool:
        return self.run is not None and self.run.late

    @property
    def severity(self) -> Severity:
        if self.failed or self.validation_failed or self.late:
            return Severity.BROKEN
        if self.leaks:
            return Severity.LEAK
        if self.slow or self.uncovered or self.never_validated or self.schedule_problem:
            return Severity.NOTE
        return Severity.OK


@dataclass(frozen=True)
class Scoreboard:
    result: TestingResult
    verdicts: tuple[PlanVerdict, ...]  # worst first
    days: int

    @property
    def complete(self) -> bool:
        return not self.result.failures and not self.result.truncated

    @property
    def broken(self) -> tuple[PlanVerdict, ...]:
        return tuple(v for v in self.verdicts if v.severity is Severity.BROKEN)

    @property
    def jobs(self) -> int:
        return sum(len(v.jobs) for v in self.verdicts)

    def count(self, what: str) -> int:
        """Totals over every plan, by the verdict property's name."""
        total = 0
        for verdict in self.verdicts:
            value = getattr(verdict, what)
            total += value if isinstance(value, int) else len(value)
        return total


def target_minutes(job: RestoreJobRow, default: int | None) -> int | None:
    return job.expected_minutes or default


def judge(result: TestingResult, *, now: datetime, days: int, target: int | None = None) -> Scoreboard:
    """A verdict per plan from what was read. Only plans are judged: failures to read are the caller's to name."""
    jobs_by_plan: dict[str, list[RestoreJobRow]] = {}
    for job in result.jobs:
        jobs_by_plan.setdefault(job.restore_testing_plan_arn or "", []).append(job)
    verdicts = []
    for plan in result.plans:
        jobs = tuple(jobs_by_plan.get(plan.arn, ()))
        run: RunCheck | None = None
        problem: str | None = None
        try:
            schedule = parse_schedule(plan.schedule_expression, plan.schedule_timezone)
            run = check_run(schedule, last_execution=plan.last_execution, created=plan.created,
                            start_window_hours=plan.start_window_hours, now=now)
        except ScheduleError as error:
            problem = str(error)
        bad = [j for j in jobs if j.status in BAD_VALUES]
        reasons = sorted(((reason, len(members)) for reason, members in group_reasons(bad).items()),
                         key=lambda item: (-item[1], item[0]))[:TOP_REASONS]
        tested = {j.resource_type for j in jobs}
        selected = [s.resource_type for s in result.selections
                    if s.plan_name == plan.name and s.region == plan.region and s.account_id == plan.account_id]
        uncovered = tuple(sorted({t for t in selected if t and t not in tested}))
        slow = []
        for job in jobs:
            limit, took = target_minutes(job, target), job.minutes
            if limit is not None and took is not None and took > limit:
                slow.append(job)
        slow.sort(key=lambda j: -(j.minutes or 0))
        verdicts.append(PlanVerdict(plan, run, problem, jobs, tuple(reasons), uncovered, tuple(slow),
                                    plan.arn in result.truncated))
    verdicts.sort(key=lambda v: (-v.severity, -len(v.failed) - len(v.validation_failed), v.plan.name, v.plan.region))
    return Scoreboard(result, tuple(verdicts), days)


def status_counts(jobs: tuple[RestoreJobRow, ...]) -> Counter[str]:
    return Counter(j.status for j in jobs)
