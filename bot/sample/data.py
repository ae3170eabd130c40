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
* a restore testing plan in some accounts whose completed jobs carry a
  validation result.

``sample_jobs`` produces one ``RestoreJob`` per counted job (except CREATED,
which ListRestoreJobs cannot filter on), so drilling down from a count to
the individual jobs always matches.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Final

from bot.sample.backup_api import DailyCount, RestoreJob
from bot.sample.emulator import BackupEmulator

__all__ = [
    "SAMPLE_ACCOUNTS",
    "SAMPLE_CALLER_ACCOUNT",
    "SAMPLE_REGIONS",
    "SAMPLE_RESOURCE_TYPES",
    "SPIKE_DAYS_AGO",
    "sample_counts",
    "sample_emulator",
    "sample_jobs",
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

# Accounts/regions running a restore testing plan, and the types it covers.
_TESTING_PLANS: Final[dict[tuple[str, str], tuple[str, frozenset[str]]]] = {
    ("us-east-1", "111122223333"): ("weekly_restore_test-7f3c2a91", frozenset({"EBS", "RDS", "EC2"})),
    ("eu-west-1", "111122223333"): ("weekly_restore_test-0b8e4d17", frozenset({"EBS", "EFS"})),
    ("ap-southeast-2", "777788889999"): ("nightly_dr_drill-5ac1e6f0", frozenset({"RDS", "EC2"})),
}

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


def sample_counts(today: date) -> list[DailyCount]:
    """Daily restore job counts for the 14 days before ``today``, plus in-flight jobs created today.

    Only non-zero counts are returned.
    """
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


def sample_jobs(today: date, counts: Iterable[DailyCount], *, now: datetime | None = None) -> list[RestoreJob]:
    """One RestoreJob per job in ``counts`` (CREATED excluded: it is not a ListRestoreJobs status).

    ``now`` bounds creation/completion times so nothing lies in the future;
    without it, today's jobs are spread over the morning (00:00-12:00 UTC),
    which keeps the result a pure function of the arguments.
    """
    cutoff = _as_utc(now) if now is not None else _midnight(today) + timedelta(hours=12)
    jobs: list[RestoreJob] = []
    for count in counts:
        if count.state == "CREATED" or count.count <= 0:
            continue
        region, account, resource_type, day = count.region, count.account_id, count.resource_type, count.day
        rng = _rng("jobs", region, account, resource_type, day.isoformat(), count.state)
        plan = _TESTING_PLANS.get((region, account))
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
        for _ in range(count.count):
            created = start + timedelta(seconds=rng.randrange(window + 1))
            low, high = _DURATION_MINUTES[resource_type]
            status_message = ""
            created_resource_arn = ""
            completion: datetime | None = None
            validation_status: str | None = None
            validation_message: str | None = None
            plan_arn: str | None = None
            if plan is not None and resource_type in plan[1] and rng.random() < 0.35:
                plan_arn = f"arn:aws:backup:{region}:{account}:restore-testing-plan:{plan[0]}"

            if count.state == "COMPLETED":
                completion = created + timedelta(minutes=rng.randint(low, high))
                created_resource_arn = _created_resource_arn(rng, region, account, resource_type)
                if plan_arn is not None:
                    roll = rng.random()
                    if roll < 0.8:
                        validation_status, validation_message = "SUCCESSFUL", "Validation script completed successfully"
                    elif roll < 0.92:
                        validation_status = "FAILED"
                        validation_message = rng.choice(
                            (
                                "Validation script exited with code 1: connection refused on port 5432",
                                "Validation script exited with code 2: expected table 'orders' not found",
                                "Health check failed: instance did not pass status checks",
                            )
                        )
                    else:
                        validation_status = "TIMED_OUT"
                        validation_message = "Validation did not complete within the validation window of 2 hours"
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
                status_message = (
                    "Restore aborted by user"
                    if plan_arn is None
                    else "Restore job was aborted because the restore testing plan's start window elapsed"
                )
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
                    restore_testing_plan_arn=plan_arn,
                    validation_status=validation_status,
                    validation_status_message=validation_message,
                    completion=completion,
                )
            )
    return jobs


def sample_emulator(now: datetime | None = None, *, page_size: int = 50) -> BackupEmulator:
    """A (not yet started) emulator loaded with the sample data, seen from the organisation's admin account.

    With ``now`` given the emulator's clock is frozen there; otherwise it follows
    the wall clock (the data is generated for the current UTC day).
    """
    moment = _as_utc(now) if now is not None else datetime.now(UTC)
    today = moment.date()
    counts = sample_counts(today)
    return BackupEmulator(
        counts,
        sample_jobs(today, counts, now=moment),
        caller_account=SAMPLE_CALLER_ACCOUNT,
        org_admin=True,
        page_size=page_size,
        now=(lambda: moment) if now is not None else None,
    )
