"""Bundled realistic sample data set for `ask --sample`: three regions, three accounts, two weeks of restore jobs.

Everything is generated from fixed seeds, so the same ``today`` always yields
the same data (tests can rely on exact numbers) while the story stays the
same relative to ``today``:

* mostly COMPLETED restores, unevenly spread across resource types,
  regions and accounts (ap-southeast-2 is quiet, us-east-1 is busy);
* a few FAILED restores most days, and a spike ``SPIKE_DAYS_AGO`` days ago
  (EC2 capacity shortage in us-east-1 plus a revoked KMS grant for RDS);
* very few ABORTED restores;
* RUNNING / PENDING / CREATED only on the most recent days;
* seven daily restore testing plans in the caller's account, one healthy and
  one per way a restore test goes wrong (see ``sample_testing_plans``).

``sample_jobs`` produces one ``RestoreJob`` per counted job (except CREATED,
which ListRestoreJobs cannot filter on), so drilling down from a count to
the individual jobs always matches.  The restore tests' jobs are counted too
(``sample_counts`` adds them): their times follow ``now``, but a complete
day's numbers depend only on the date.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Final

from bot.sample.backup_api import DailyCount, RestoreJob, RestoreTestingPlan, RestoreTestingSelection
from bot.sample.emulator import BackupEmulator

__all__ = [
    "FAILING_PLAN",
    "HEALTHY_PLAN",
    "LEAKING_PLAN",
    "SAMPLE_ACCOUNTS",
    "SAMPLE_CALLER_ACCOUNT",
    "SAMPLE_REGIONS",
    "SAMPLE_RESOURCE_TYPES",
    "SLOWEST_SOURCE_ARN",
    "SLOW_PLAN",
    "SPIKE_DAYS_AGO",
    "STALE_PLAN",
    "UNCOVERED_PLAN",
    "VALIDATION_PLAN",
    "sample_counts",
    "sample_emulator",
    "sample_jobs",
    "sample_testing_jobs",
    "sample_testing_plans",
    "sample_testing_selections",
]

SAMPLE_REGIONS: Final = ("us-east-1", "eu-west-1", "ap-southeast-2")
SAMPLE_CALLER_ACCOUNT: Final = "111122223333"
SAMPLE_ACCOUNTS: Final = ("111122223333", "444455556666", "777788889999")
SAMPLE_RESOURCE_TYPES: Final = ("EBS", "EC2", "RDS", "Aurora", "EFS", "DynamoDB", "S3", "FSx")
SPIKE_DAYS_AGO: Final = 3
HISTORY_DAYS: Final = 14

# Changing the seed changes every number in the sample; tests may pin them.
_SEED: Final = 20261126

# Typical completed restores per weekday for each (region, account) and type.
# Deliberately lopsided: that is what real estates look like.
_DAILY_RATE: Final[dict[tuple[str, str], dict[str, int]]] = {
    ("us-east-1", "111122223333"): {"EBS": 9, "EC2": 6, "RDS": 4, "Aurora": 3, "S3": 5, "DynamoDB": 2},
    ("us-east-1", "444455556666"): {"EC2": 4, "EBS": 3, "DynamoDB": 2, "FSx": 1},
    ("us-east-1", "777788889999"): {"S3": 2, "RDS": 1},
    ("eu-west-1", "111122223333"): {"EBS": 5, "RDS": 3, "EFS": 2},
    ("eu-west-1", "444455556666"): {"Aurora": 2, "S3": 3, "EFS": 1},
    ("eu-west-1", "777788889999"): {"EBS": 1},
    ("ap-southeast-2", "111122223333"): {"EBS": 2, "FSx": 1},
    ("ap-southeast-2", "777788889999"): {"RDS": 2, "EC2": 2, "EFS": 1},
}

# Chance that a given group has a failed restore on a given day.
_FAILURE_CHANCE: Final[dict[str, float]] = {
    "EBS": 0.08,
    "EC2": 0.2,
    "RDS": 0.12,
    "Aurora": 0.1,
    "EFS": 0.1,
    "DynamoDB": 0.06,
    "S3": 0.05,
    "FSx": 0.2,
}
_ABORT_CHANCE: Final = 0.025

# Extra failures on the spike day: (region, account, type) -> (count, failure kind).
_SPIKES: Final[dict[tuple[str, str, str], tuple[int, str]]] = {
    ("us-east-1", "444455556666", "EC2"): (7, "capacity"),
    ("us-east-1", "111122223333", "RDS"): (4, "kms"),
}

# Restores that take hours are the ones still in flight the next day.
_LONG_RUNNING: Final = frozenset({"EC2", "RDS", "Aurora", "FSx", "EFS"})

_FAILURE_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "EBS": ("kms", "iam", "kms"),
    "EC2": ("capacity", "subnet", "security_group", "kms", "iam"),
    "RDS": ("kms", "db_subnet_group", "exists"),
    "Aurora": ("kms", "exists", "parameter_group"),
    "EFS": ("iam", "efs_limit"),
    "DynamoDB": ("exists", "iam"),
    "S3": ("s3_denied", "kms"),
    "FSx": ("fsx_ips", "subnet"),
}

_IAM_ACTION: Final = {
    "EBS": "ec2:CreateVolume",
    "EC2": "ec2:RunInstances",
    "RDS": "rds:RestoreDBInstanceFromDBSnapshot",
    "Aurora": "rds:RestoreDBClusterFromSnapshot",
    "EFS": "elasticfilesystem:Restore",
    "DynamoDB": "dynamodb:RestoreTableFromAwsBackup",
    "S3": "s3:PutObject",
    "FSx": "fsx:CreateFileSystemFromBackup",
}

# Minutes a restore of each type takes (low, high).
_DURATION_MINUTES: Final = {
    "EBS": (4, 40),
    "EC2": (10, 75),
    "RDS": (20, 140),
    "Aurora": (30, 180),
    "EFS": (10, 240),
    "DynamoDB": (5, 60),
    "S3": (10, 300),
    "FSx": (30, 240),
}

_SOURCE_NAMES: Final = ("orders", "billing", "catalog", "auth", "reporting", "search", "ledger", "media")
_INSTANCE_TYPES: Final = ("m5.2xlarge", "r6i.4xlarge", "c6g.8xlarge", "p3.2xlarge", "x2iedn.8xlarge")


# --------------------------------------------------------------------------- counts


def _rng(*parts: object) -> random.Random:
    # One generator per (group, day) keeps each number stable even if other
    # groups are added or the iteration order changes.
    return random.Random(":".join(str(p) for p in (_SEED, *parts)))


def sample_counts(today: date, *, now: datetime | None = None) -> list[DailyCount]:
    """Daily restore job counts for the 14 days before ``today``, plus in-flight jobs created today.

    Only non-zero counts are returned.  They include the restore tests' jobs as of ``now`` (without it, noon
    UTC ``today``, like ``sample_jobs``); only today's counts depend on the hour.
    """
    counts = _generated_counts(today)
    merged = {(c.region, c.account_id, c.state, c.resource_type, c.day): c.count for c in counts}
    for job in sample_testing_jobs(_cutoff(today, now)):
        key = (job.region, job.account_id, job.status, job.resource_type, job.created.date())
        merged[key] = merged.get(key, 0) + 1
    return [DailyCount(*key, n) for key, n in merged.items()]


def _generated_counts(today: date) -> list[DailyCount]:
    counts: list[DailyCount] = []
    for (region, account), rates in _DAILY_RATE.items():
        for resource_type, rate in rates.items():
            for days_ago in range(HISTORY_DAYS, -1, -1):
                day = today - timedelta(days=days_ago)
                rng = _rng("count", region, account, resource_type, days_ago)
                by_state: dict[str, int] = {}
                if days_ago >= 1:
                    weekend = day.weekday() >= 5
                    expected = rate * (0.4 if weekend else 1.0)
                    by_state["COMPLETED"] = max(0, round(expected + rng.uniform(-1.5, 1.5)))
                    if rng.random() < _FAILURE_CHANCE[resource_type]:
                        by_state["FAILED"] = 1 if rng.random() < 0.75 else 2
                    if days_ago == SPIKE_DAYS_AGO and (region, account, resource_type) in _SPIKES:
                        by_state["FAILED"] = by_state.get("FAILED", 0) + _SPIKES[(region, account, resource_type)][0]
                    if rng.random() < _ABORT_CHANCE:
                        by_state["ABORTED"] = 1
                if days_ago == 1 and resource_type in _LONG_RUNNING and rng.random() < 0.35:
                    by_state["RUNNING"] = 1
                if days_ago == 0:
                    # Today: only restores that have not finished yet.
                    if rng.random() < 0.5:
                        by_state["RUNNING"] = rng.randint(1, 2)
                    if rng.random() < 0.25:
                        by_state["PENDING"] = 1
                    if rng.random() < 0.1:
                        by_state["CREATED"] = 1
                counts.extend(
                    DailyCount(region, account, state, resource_type, day, n) for state, n in by_state.items() if n > 0
                )
    return counts


# --------------------------------------------------------------------------- jobs


def _short_id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}-0{rng.getrandbits(64):016x}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _failure_message(kind: str, rng: random.Random, region: str, account: str, resource_type: str) -> str:
    name = rng.choice(_SOURCE_NAMES)
    if kind == "kms":
        return f"Access denied to KMS key arn:aws:kms:{region}:{account}:key/{_uuid(rng)}"
    if kind == "capacity":
        zone = f"{region}{rng.choice('abc')}"
        return f"Insufficient capacity for instance type {rng.choice(_INSTANCE_TYPES)} in Availability Zone {zone}"
    if kind == "subnet":
        return f"The subnet ID '{_short_id(rng, 'subnet')}' does not exist"
    if kind == "security_group":
        return f"The security group '{_short_id(rng, 'sg')}' does not exist in VPC '{_short_id(rng, 'vpc')}'"
    if kind == "iam":
        return (
            f"IAM role arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole "
            f"is not authorized to perform {_IAM_ACTION[resource_type]}"
        )
    if kind == "db_subnet_group":
        return f"DB subnet group '{name}-db-subnets' does not exist"
    if kind == "parameter_group":
        return f"The DB cluster parameter group '{name}-aurora-pg15' does not exist"
    if kind == "exists":
        noun = {"RDS": "DB instance", "Aurora": "DB cluster", "DynamoDB": "Table"}.get(resource_type, "Resource")
        return f"{noun} already exists: {name}-restored"
    if kind == "efs_limit":
        return "FileSystemLimitExceeded: You have reached the maximum number of file systems allowed in this Region"
    if kind == "s3_denied":
        return f"Access Denied when writing to destination bucket '{name}-restore-{account}'"
    if kind == "fsx_ips":
        return f"The subnet '{_short_id(rng, 'subnet')}' does not have enough free IP addresses for the file system"
    raise ValueError(f"unknown failure kind {kind!r}")


def _source_arn(rng: random.Random, region: str, account: str, resource_type: str) -> str:
    # A small fixed pool per group, so the same resources get restored again and again.
    name = rng.choice(_SOURCE_NAMES[:3])
    pool = random.Random(f"{_SEED}:source:{region}:{account}:{resource_type}:{name}")
    return {
        "EBS": f"arn:aws:ec2:{region}:{account}:volume/{_short_id(pool, 'vol')}",
        "EC2": f"arn:aws:ec2:{region}:{account}:instance/{_short_id(pool, 'i')}",
        "RDS": f"arn:aws:rds:{region}:{account}:db:{name}-db",
        "Aurora": f"arn:aws:rds:{region}:{account}:cluster:{name}-cluster",
        "EFS": f"arn:aws:elasticfilesystem:{region}:{account}:file-system/{_short_id(pool, 'fs')}",
        "DynamoDB": f"arn:aws:dynamodb:{region}:{account}:table/{name}",
        "S3": f"arn:aws:s3:::{name}-{account}-{region}",
        "FSx": f"arn:aws:fsx:{region}:{account}:file-system/{_short_id(pool, 'fs')}",
    }[resource_type]


def _recovery_point_arn(rng: random.Random, region: str, account: str, resource_type: str) -> str:
    if resource_type == "EBS":
        return f"arn:aws:ec2:{region}::snapshot/{_short_id(rng, 'snap')}"
    if resource_type == "EC2":
        return f"arn:aws:ec2:{region}::image/{_short_id(rng, 'ami')}"
    if resource_type == "RDS":
        return f"arn:aws:rds:{region}:{account}:snapshot:awsbackup:job-{_uuid(rng)}"
    if resource_type == "Aurora":
        return f"arn:aws:rds:{region}:{account}:cluster-snapshot:awsbackup:job-{_uuid(rng)}"
    return f"arn:aws:backup:{region}:{account}:recovery-point:{_uuid(rng)}"


def _created_resource_arn(rng: random.Random, region: str, account: str, resource_type: str) -> str:
    suffix = f"{rng.getrandbits(32):08x}"
    return {
        "EBS": f"arn:aws:ec2:{region}:{account}:volume/{_short_id(rng, 'vol')}",
        "EC2": f"arn:aws:ec2:{region}:{account}:instance/{_short_id(rng, 'i')}",
        "RDS": f"arn:aws:rds:{region}:{account}:db:restore-{suffix}",
        "Aurora": f"arn:aws:rds:{region}:{account}:cluster:restore-{suffix}",
        "EFS": f"arn:aws:elasticfilesystem:{region}:{account}:file-system/{_short_id(rng, 'fs')}",
        "DynamoDB": f"arn:aws:dynamodb:{region}:{account}:table/restore-{suffix}",
        "S3": f"arn:aws:s3:::restore-{suffix}-{account}",
        "FSx": f"arn:aws:fsx:{region}:{account}:file-system/{_short_id(rng, 'fs')}",
    }[resource_type]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _as_utc(moment: datetime) -> datetime:
    # Naive datetimes are taken as UTC, the way botocore and the emulator treat them.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _cutoff(today: date, now: datetime | None) -> datetime:
    # Without a clock, noon: a pure function of the day, late enough for the morning's restore tests to be done.
    return _as_utc(now) if now is not None else _midnight(today) + timedelta(hours=12)


def sample_jobs(today: date, counts: Iterable[DailyCount], *, now: datetime | None = None) -> list[RestoreJob]:
    """One RestoreJob per job in ``counts`` (CREATED excluded: it is not a ListRestoreJobs status).

    ``now`` bounds creation/completion times so nothing lies in the future;
    without it, today's jobs are spread over the morning (00:00-12:00 UTC),
    which keeps the result a pure function of the arguments.  The restore
    tests' jobs (``sample_testing_jobs``) stand in for as many counted jobs
    of their region, account, type, day and status.
    """
    cutoff = _cutoff(today, now)
    testing = sample_testing_jobs(cutoff)
    taken = Counter((j.region, j.account_id, j.status, j.resource_type, j.created.date()) for j in testing)
    jobs: list[RestoreJob] = []
    for count in counts:
        if count.state == "CREATED" or count.count <= 0:
            continue
        region, account, resource_type, day = count.region, count.account_id, count.resource_type, count.day
        key = (region, account, count.state, resource_type, day)
        tests = min(count.count, taken[key])
        taken[key] -= tests
        rng = _rng("jobs", region, account, resource_type, day.isoformat(), count.state)
        spike_left, spike_message = 0, ""
        spike = _SPIKES.get((region, account, resource_type))
        if count.state == "FAILED" and (today - day).days == SPIKE_DAYS_AGO and spike is not None:
            spike_left, spike_kind = spike
            # One root cause, one message: the spike's jobs all fail identically.
            spike_rng = _rng("spike", region, account, resource_type)
            spike_message = _failure_message(spike_kind, spike_rng, region, account, resource_type)
        start = _midnight(day)
        latest = min(start + timedelta(days=1), cutoff - timedelta(minutes=1))
        window = max(0, int((latest - start).total_seconds()))
        for _ in range(count.count - tests):
            created = start + timedelta(seconds=rng.randrange(window + 1))
            low, high = _DURATION_MINUTES[resource_type]
            status_message = ""
            created_resource_arn = ""
            completion: datetime | None = None

            if count.state == "COMPLETED":
                completion = created + timedelta(minutes=rng.randint(low, high))
                created_resource_arn = _created_resource_arn(rng, region, account, resource_type)
            elif count.state == "FAILED":
                completion = created + timedelta(minutes=rng.randint(1, 30))
                if spike_left > 0:
                    status_message = spike_message
                    spike_left -= 1
                else:
                    kind = rng.choice(_FAILURE_KINDS[resource_type])
                    status_message = _failure_message(kind, rng, region, account, resource_type)
            elif count.state == "ABORTED":
                completion = created + timedelta(minutes=rng.randint(5, 90))
                status_message = "Restore aborted by user"
            # RUNNING and PENDING jobs have neither completion nor message yet.
            if completion is not None and completion > cutoff:
                # Never finish in the future; clamping (rather than changing the
                # status) keeps the jobs consistent with the counts.
                completion = max(created, cutoff)
            status = count.state
            jobs.append(
                RestoreJob(
                    region=region,
                    account_id=account,
                    job_id=_uuid(rng).upper(),
                    status=status,
                    resource_type=resource_type,
                    created=created,
                    status_message=status_message,
                    recovery_point_arn=_recovery_point_arn(rng, region, account, resource_type),
                    created_resource_arn=created_resource_arn,
                    source_resource_arn=_source_arn(rng, region, account, resource_type),
                    completion=completion,
                )
            )
    return jobs + testing


# --------------------------------------------------------------------------- restore testing

# The caller's restore testing plans, all daily: one healthy, then one per way a restore test goes wrong.
HEALTHY_PLAN: Final = "daily_ebs_restore_test"  # us-east-1: every run restored, validated and cleaned up on time
STALE_PLAN: Final = "daily_ec2_restore_test"  # us-east-1: last ran 3 days ago, though scheduled every midnight
SLOW_PLAN: Final = "daily_rds_restore_test"  # us-east-1: restoring orders-db takes 2.5-4 h, expected 1 h
VALIDATION_PLAN: Final = "nightly_rds_validation"  # eu-west-1: validations fail, time out, hang or never ran
LEAKING_PLAN: Final = "daily_efs_restore_test"  # eu-west-1: one restored file system could not be deleted
FAILING_PLAN: Final = "daily_fsx_restore_test"  # ap-southeast-2: 3 of the last 7 days' restores failed
UNCOVERED_PLAN: Final = "daily_mixed_restore_test"  # ap-southeast-2: its RDS selection restored nothing for 8 days
SLOWEST_SOURCE_ARN: Final = f"arn:aws:rds:us-east-1:{SAMPLE_CALLER_ACCOUNT}:db:orders-db"

_VALIDATED: Final = "Validation script completed successfully"
_BACKUP_ROLE: Final = f"arn:aws:iam::{SAMPLE_CALLER_ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
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
    billing = f"arn:aws:rds:us-east-1:{SAMPLE_CALLER_ACCOUNT}:db:billing-db"
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
    message = _failure_message(kind, rng, "ap-southeast-2", SAMPLE_CALLER_ACCOUNT, "FSx")
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
        (days_ago, _midnight(today - timedelta(days=days_ago)) + timedelta(hours=plan.hour))
        for days_ago in range(HISTORY_DAYS, plan.stopped_days_ago - 1, -1)
    ]
    return [(days_ago, start) for days_ago, start in starts if start <= cutoff]


def sample_testing_plans(now: datetime) -> list[RestoreTestingPlan]:
    """The caller's restore testing plans (see HEALTHY_PLAN and the other names); LastExecutionTime is each one's
    latest run up to ``now``: its daily hour today, or yesterday before that hour (3 days ago for STALE_PLAN)."""
    cutoff = _as_utc(now)
    today = cutoff.date()
    plans: list[RestoreTestingPlan] = []
    for plan in _PLANS:
        updated = plan.updated_days_ago
        plans.append(
            RestoreTestingPlan(
                region=plan.region,
                account_id=SAMPLE_CALLER_ACCOUNT,
                name=plan.name,
                schedule_expression=f"cron(0 {plan.hour} ? * * *)",
                created=_midnight(today - timedelta(days=plan.created_days_ago)) + timedelta(hours=9),
                schedule_timezone="Etc/UTC",
                start_window_hours=plan.start_window_hours,
                last_execution=_runs(plan, cutoff)[-1][1],
                # Edited after its last run, which is where its schedule went wrong.
                last_update=(_midnight(today - timedelta(days=updated)) + timedelta(hours=10)
                             if updated is not None else None),
            )
        )
    return plans


def sample_testing_selections(now: datetime) -> list[RestoreTestingSelection]:
    """Each sample plan's resource selections; UNCOVERED_PLAN has two (EBS, and RDS that restored nothing lately)."""
    today = _as_utc(now).date()
    return [
        RestoreTestingSelection(
            region=plan.region,
            account_id=SAMPLE_CALLER_ACCOUNT,
            plan_name=plan.name,
            name=selection.name,
            protected_resource_type=selection.resource_type,
            created=_midnight(today - timedelta(days=plan.created_days_ago)) + timedelta(hours=9, minutes=5),
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
    cutoff = _as_utc(now)
    arns = {plan.name: plan.arn for plan in sample_testing_plans(cutoff)}
    jobs: list[RestoreJob] = []
    for plan in _PLANS:
        arn = arns[plan.name]
        for days_ago, start in _runs(plan, cutoff):
            rng = _rng("testing", plan.name, start.date().isoformat())
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
    account, resource_type = SAMPLE_CALLER_ACCOUNT, test.resource_type
    # Drawn before the clock is consulted, so a job keeps its identity as it progresses.
    job_id = _uuid(rng).upper()
    recovery_point = _recovery_point_arn(rng, region, account, resource_type)
    source = test.source_arn or _source_arn(rng, region, account, resource_type)
    restored = _created_resource_arn(rng, region, account, resource_type)
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


def sample_emulator(now: datetime | None = None, *, page_size: int = 50) -> BackupEmulator:
    """A (not yet started) emulator loaded with the sample data, seen from the organisation's admin account.

    With ``now`` given the emulator's clock is frozen there; otherwise it follows
    the wall clock (the data is generated for the current UTC day).
    """
    moment = _as_utc(now) if now is not None else datetime.now(UTC)
    today = moment.date()
    counts = sample_counts(today, now=moment)
    return BackupEmulator(
        counts,
        sample_jobs(today, counts, now=moment),
        plans=sample_testing_plans(moment),
        selections=sample_testing_selections(moment),
        caller_account=SAMPLE_CALLER_ACCOUNT,
        org_admin=True,
        page_size=page_size,
        now=(lambda: moment) if now is not None else None,
    )
