"""The sample's restore testing: seven daily plans in the caller's account, one healthy and one per way a restore
test goes wrong, their selections, and the restore jobs their runs started (as of a given moment)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from bot.sample import estate
from bot.sample.records import RestoreJob, RestoreTestingPlan, RestoreTestingSelection

# The caller's restore testing plans, all daily: one healthy, then one per way a restore test goes wrong.
HEALTHY_PLAN: Final = "daily_ebs_restore_test"  # us-east-1: every run restored, validated and cleaned up on time
STALE_PLAN: Final = "daily_ec2_restore_test"  # us-east-1: last ran 3 days ago, though scheduled every midnight
SLOW_PLAN: Final = "daily_rds_restore_test"  # us-east-1: restoring orders-db takes 2.5-4 h, expected 1 h
VALIDATION_PLAN: Final = "nightly_rds_validation"  # eu-west-1: validations fail, time out, hang or never ran
LEAKING_PLAN: Final = "daily_efs_restore_test"  # eu-west-1: one restored file system could not be deleted
FAILING_PLAN: Final = "daily_fsx_restore_test"  # ap-southeast-2: 3 of the last 7 days' restores failed
UNCOVERED_PLAN: Final = "daily_mixed_restore_test"  # ap-southeast-2: its RDS selection restored nothing for 8 days
SLOWEST_SOURCE_ARN: Final = f"arn:aws:rds:us-east-1:{estate.SAMPLE_CALLER_ACCOUNT}:db:orders-db"

_VALIDATED: Final = "Validation script completed successfully"
_BACKUP_ROLE: Final = f"arn:aws:iam::{estate.SAMPLE_CALLER_ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
_DELETION_MINUTES: Final = 5


@dataclass(frozen=True, slots=True)
class _Test:
    """One restore a plan's run starts, as it will turn out; the clock decides how far it has got."""

    resource_type: str
    minutes: int  # how long the restore runs, until it completes or fails
    expected_minutes: int  # ExpectedCompletionTimeMinutes
    failure: str = ""  # StatusMessage of a restore that fails
    validation: str | None = "SUCCESSFUL"  # final ValidationStatus; None: none ran; VALIDATING: never finishes
    validation_message: str | None = _VALIDATED
    validation_minutes: int = 15
    deletion: str = "SUCCESSFUL"
    deletion_message: str | None = None
    source_arn: str = ""  # "" for one of the account's usual resources of the type


@dataclass(frozen=True, slots=True)
class _Selection:
    name: str
    resource_type: str
    validation_window_hours: int | None


@dataclass(frozen=True, slots=True)
class _Plan:
    region: str
    name: str
    hour: int  # the daily cron's hour, UTC
    selections: tuple[_Selection, ...]
    tests: Callable[[int, random.Random], list[_Test]]  # (days ago, generator) -> that day's run's restores
    created_days_ago: int
    start_window_hours: int
    stopped_days_ago: int = 0  # the last run was this many days ago
    updated_days_ago: int | None = None


def _healthy_tests(days_ago: int, rng: random.Random) -> list[_Test]:
    return [_Test("EBS", rng.randint(12, 22), 30)]


def _stale_tests(days_ago: int, rng: random.Random) -> list[_Test]:
    return [_Test("EC2", rng.randint(15, 45), 60)]


def _slow_tests(days_ago: int, rng: random.Random) -> list[_Test]:
    billing = f"arn:aws:rds:us-east-1:{estate.SAMPLE_CALLER_ACCOUNT}:db:billing-db"
    return [
        _Test("RDS", rng.randint(150, 230), 60, source_arn=SLOWEST_SOURCE_ARN),
        _Test("RDS", rng.randint(30, 50), 60, source_arn=billing),
    ]


def _validation_tests(days_ago: int, rng: random.Random) -> list[_Test]:
    minutes = rng.randint(35, 60)
    # Outcomes by day, so a day's story does not move with the hour; yesterday's is still validating at any hour
    # because the selection's 48-hour window has not run out (the timed-out one is older than that).
    outcomes: dict[int, tuple[str | None, str | None]] = {
        1: ("VALIDATING", None),
        2: ("FAILED", "Validation script exited with code 1: connection refused on port 5432"),
        4: ("TIMED_OUT", "Validation did not complete within the validation window of 48 hours"),
        5: (None, None),
        6: ("FAILED", "Validation script exited with code 2: expected table 'orders' not found"),
    }
    status, message = outcomes.get(days_ago, ("SUCCESSFUL", _VALIDATED))
    window = 48 * 60 if status == "TIMED_OUT" else 15
    return [_Test("RDS", minutes, 90, validation=status, validation_message=message, validation_minutes=window)]


def _leaking_tests(days_ago: int, rng: random.Random) -> list[_Test]:
    if days_ago != 2:
        return [_Test("EFS", rng.randint(20, 70), 120)]
    leak = (f"Deletion of the restored file system failed: IAM role {_BACKUP_ROLE} "
            "is not authorized to perform elasticfilesystem:DeleteFileSystem")
    return [_Test("EFS", rng.randint(20, 70), 120, deletion="FAILED", deletion_message=leak)]


def _failing_tests(days_ago: int, rng: random.Random) -> list[_Test]:
    kind = {1: "fsx_ips", 2: "kms", 5: "fsx_ips"}.get(days_ago)
    if kind is None:
        return [_Test("FSx", rng.randint(40, 120), 180)]
    message = estate.failure_message(kind, rng, "ap-southeast-2", estate.SAMPLE_CALLER_ACCOUNT, "FSx")
    return [_Test("FSx", rng.randint(5, 25), 180, failure=message)]


def _uncovered_tests(days_ago: int, rng: random.Random) -> list[_Test]:
    tests = [_Test("EBS", rng.randint(8, 20), 30)]
    if days_ago >= 8:  # the RDS selection has found no recovery point to restore since
        tests.append(_Test("RDS", rng.randint(30, 70), 90))
    return tests


_PLANS: Final = (
    _Plan("us-east-1", HEALTHY_PLAN, 5, (_Selection("ebs_volumes", "EBS", 1),), _healthy_tests, 120, 1),
    _Plan("us-east-1", STALE_PLAN, 0, (_Selection("ec2_instances", "EC2", 2),), _stale_tests, 200, 2,
          stopped_days_ago=3, updated_days_ago=3),
    _Plan("us-east-1", SLOW_PLAN, 2, (_Selection("rds_databases", "RDS", 3),), _slow_tests, 150, 1),
    _Plan("eu-west-1", VALIDATION_PLAN, 3, (_Selection("rds_with_checks", "RDS", 48),), _validation_tests, 90, 2),
    _Plan("eu-west-1", LEAKING_PLAN, 4, (_Selection("efs_file_systems", "EFS", None),), _leaking_tests, 60, 1),
    _Plan("ap-southeast-2", FAILING_PLAN, 1, (_Selection("fsx_file_systems", "FSx", 4),), _failing_tests, 45, 3),
    _Plan("ap-southeast-2", UNCOVERED_PLAN, 6,
          (_Selection("ebs_volumes", "EBS", 1), _Selection("rds_databases", "RDS", 2)), _uncovered_tests, 90, 1),
)


def _runs(plan: _Plan, cutoff: datetime) -> list[tuple[int, datetime]]:
    """(days ago, start) of each run in the sample's history up to ``cutoff``, oldest first."""
    today = cutoff.date()
    starts = [
        (days_ago, estate.midnight(today - timedelta(days=days_ago)) + timedelta(hours=plan.hour))
        for days_ago in range(estate.HISTORY_DAYS, plan.stopped_days_ago - 1, -1)
    ]
    return [(days_ago, start) for days_ago, start in starts if start <= cutoff]


def sample_testing_plans(now: datetime) -> list[RestoreTestingPlan]:
    """The caller's restore testing plans (see HEALTHY_PLAN and the other names); LastExecutionTime is each one's
    latest run up to ``now``: its daily hour today, or yesterday before that hour (3 days ago for STALE_PLAN)."""
    cutoff = estate.as_utc(now)
    today = cutoff.date()
    plans: list[RestoreTestingPlan] = []
    for plan in _PLANS:
        updated = plan.updated_days_ago
        plans.append(
            RestoreTestingPlan(
                region=plan.region,
                account_id=estate.SAMPLE_CALLER_ACCOUNT,
                name=plan.name,
                schedule_expression=f"cron(0 {plan.hour} ? * * *)",
                created=estate.midnight(today - timedelta(days=plan.created_days_ago)) + timedelta(hours=9),
                schedule_timezone="Etc/UTC",
                start_window_hours=plan.start_window_hours,
                last_execution=_runs(plan, cutoff)[-1][1],
                # Edited after its last run, which is where its schedule went wrong.
                last_update=(estate.midnight(today - timedelta(days=updated)) + timedelta(hours=10)
                             if updated is not None else None),
            )
        )
    return plans


def sample_testing_selections(now: datetime) -> list[RestoreTestingSelection]:
    """Each sample plan's resource selections; UNCOVERED_PLAN has two (EBS, and RDS that restored nothing lately)."""
    today = estate.as_utc(now).date()
    return [
        RestoreTestingSelection(
            region=plan.region,
            account_id=estate.SAMPLE_CALLER_ACCOUNT,
            plan_name=plan.name,
            name=selection.name,
            protected_resource_type=selection.resource_type,
            created=estate.midnight(today - timedelta(days=plan.created_days_ago)) + timedelta(hours=9, minutes=5),
            iam_role_arn=_BACKUP_ROLE,
            validation_window_hours=selection.validation_window_hours,
        )
        for plan in _PLANS
        for selection in plan.selections
    ]


def sample_testing_jobs(now: datetime) -> list[RestoreJob]:
    """The sample plans' restore jobs over the sample's 14 days, each as far along as it is at ``now``.

    Runs start on the hour (jobs 5-90 s later); a run from before today has always finished: restored,
    validated (except VALIDATION_PLAN's from yesterday, stuck VALIDATING) and its resource deleted.
    """
    cutoff = estate.as_utc(now)
    arns = {plan.name: plan.arn for plan in sample_testing_plans(cutoff)}
    jobs: list[RestoreJob] = []
    for plan in _PLANS:
        arn = arns[plan.name]
        for days_ago, start in _runs(plan, cutoff):
            rng = estate.draw("testing", plan.name, start.date().isoformat())
            for test in plan.tests(days_ago, rng):
                job = _testing_job(plan.region, arn, test, start + timedelta(seconds=rng.randint(5, 90)), rng, cutoff)
                if job is not None:
                    jobs.append(job)
    return jobs


def _testing_job(
    region: str, plan_arn: str, test: _Test, created: datetime, rng: random.Random, cutoff: datetime
) -> RestoreJob | None:
    if created > cutoff:
        return None
    account, resource_type = estate.SAMPLE_CALLER_ACCOUNT, test.resource_type
    # Drawn before the clock is consulted, so a job keeps its identity as it progresses.
    job_id = estate.new_uuid(rng).upper()
    recovery_point = estate.recovery_point_arn(rng, region, account, resource_type)
    source = test.source_arn or estate.source_arn(rng, region, account, resource_type)
    restored = estate.created_resource_arn(rng, region, account, resource_type)
    ended = created + timedelta(minutes=test.minutes)
    job = RestoreJob(
        region=region, account_id=account, job_id=job_id, status="RUNNING", resource_type=resource_type,
        created=created, recovery_point_arn=recovery_point, source_resource_arn=source,
        restore_testing_plan_arn=plan_arn, expected_completion_minutes=test.expected_minutes,
    )
    if cutoff < ended:
        return job
    if test.failure:
        return replace(job, status="FAILED", status_message=test.failure, completion=ended)
    job = replace(job, status="COMPLETED", created_resource_arn=restored, completion=ended)
    deletion_starts: datetime | None = ended
    if test.validation is not None:
        validated = ended + timedelta(minutes=test.validation_minutes)
        if test.validation == "VALIDATING" or cutoff < validated:
            # The restored resource is kept until validation ends.
            return replace(job, validation_status="VALIDATING")
        job = replace(job, validation_status=test.validation, validation_status_message=test.validation_message)
        deletion_starts = validated
    if deletion_starts is not None and cutoff < deletion_starts + timedelta(minutes=_DELETION_MINUTES):
        return replace(job, deletion_status="DELETING")
    return replace(job, deletion_status=test.deletion, deletion_status_message=test.deletion_message)
