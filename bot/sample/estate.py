"""The sample organisation's names and draws: its accounts and regions, the seed every number comes from, and the
resource ARNs and failure messages its restore jobs carry. Shared by the counts and jobs (bot.sample.data) and the
restore tests (bot.sample.testing)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime
from typing import Final

SAMPLE_REGIONS: Final = ("us-east-1", "eu-west-1", "ap-southeast-2")
SAMPLE_CALLER_ACCOUNT: Final = "111122223333"
SAMPLE_ACCOUNTS: Final = ("111122223333", "444455556666", "777788889999")
SAMPLE_RESOURCE_TYPES: Final = ("EBS", "EC2", "RDS", "Aurora", "EFS", "DynamoDB", "S3", "FSx")
HISTORY_DAYS: Final = 14

# The organisation the sample accounts belong to (served by bot.sample.api_organizations): the management account at
# the root, the two workload accounts in nested OUs under Production, and a Sandbox with an account that has no
# restores and one suspended (never polled). Root -> Production -> Payments, Data; Root -> Sandbox.
SAMPLE_ORGANIZATION_ID: Final = "o-exampleorg1"
SAMPLE_ROOT: Final = "r-ex12"
# (OU id, name, parent id), parents first.
SAMPLE_UNITS: Final = (
    ("ou-ex12-prod0001", "Production", SAMPLE_ROOT),
    ("ou-ex12-paym0001", "Payments", "ou-ex12-prod0001"),
    ("ou-ex12-data0001", "Data", "ou-ex12-prod0001"),
    ("ou-ex12-sand0001", "Sandbox", SAMPLE_ROOT),
)
# (account id, name, state, parent id): every account of SAMPLE_ACCOUNTS, and two without restores.
SAMPLE_MEMBERS: Final = (
    ("111122223333", "management", "ACTIVE", SAMPLE_ROOT),
    ("444455556666", "prod-payments", "ACTIVE", "ou-ex12-paym0001"),
    ("777788889999", "prod-data", "ACTIVE", "ou-ex12-data0001"),
    ("222233334444", "sandbox-dev", "ACTIVE", "ou-ex12-sand0001"),
    ("555566667777", "sandbox-legacy", "SUSPENDED", "ou-ex12-sand0001"),
)

# Changing the seed changes every number in the sample; tests may pin them.
SEED: Final = 20261126

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

_SOURCE_NAMES: Final = ("orders", "billing", "catalog", "auth", "reporting", "search", "ledger", "media")
_INSTANCE_TYPES: Final = ("m5.2xlarge", "r6i.4xlarge", "c6g.8xlarge", "p3.2xlarge", "x2iedn.8xlarge")



def draw(*parts: object) -> random.Random:
    # One generator per (group, day) keeps each number stable even if other
    # groups are added or the iteration order changes.
    return random.Random(":".join(str(p) for p in (SEED, *parts)))


def short_id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}-0{rng.getrandbits(64):016x}"


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def failure_message(kind: str, rng: random.Random, region: str, account: str, resource_type: str) -> str:
    name = rng.choice(_SOURCE_NAMES)
    if kind == "kms":
        return f"Access denied to KMS key arn:aws:kms:{region}:{account}:key/{new_uuid(rng)}"
    if kind == "capacity":
        zone = f"{region}{rng.choice('abc')}"
        return f"Insufficient capacity for instance type {rng.choice(_INSTANCE_TYPES)} in Availability Zone {zone}"
    if kind == "subnet":
        return f"The subnet ID '{short_id(rng, 'subnet')}' does not exist"
    if kind == "security_group":
        return f"The security group '{short_id(rng, 'sg')}' does not exist in VPC '{short_id(rng, 'vpc')}'"
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
        return f"The subnet '{short_id(rng, 'subnet')}' does not have enough free IP addresses for the file system"
    raise ValueError(f"unknown failure kind {kind!r}")


def source_arn(rng: random.Random, region: str, account: str, resource_type: str) -> str:
    # A small fixed pool per group, so the same resources get restored again and again.
    name = rng.choice(_SOURCE_NAMES[:3])
    pool = random.Random(f"{SEED}:source:{region}:{account}:{resource_type}:{name}")
    return {
        "EBS": f"arn:aws:ec2:{region}:{account}:volume/{short_id(pool, 'vol')}",
        "EC2": f"arn:aws:ec2:{region}:{account}:instance/{short_id(pool, 'i')}",
        "RDS": f"arn:aws:rds:{region}:{account}:db:{name}-db",
        "Aurora": f"arn:aws:rds:{region}:{account}:cluster:{name}-cluster",
        "EFS": f"arn:aws:elasticfilesystem:{region}:{account}:file-system/{short_id(pool, 'fs')}",
        "DynamoDB": f"arn:aws:dynamodb:{region}:{account}:table/{name}",
        "S3": f"arn:aws:s3:::{name}-{account}-{region}",
        "FSx": f"arn:aws:fsx:{region}:{account}:file-system/{short_id(pool, 'fs')}",
    }[resource_type]


def recovery_point_arn(rng: random.Random, region: str, account: str, resource_type: str) -> str:
    if resource_type == "EBS":
        return f"arn:aws:ec2:{region}::snapshot/{short_id(rng, 'snap')}"
    if resource_type == "EC2":
        return f"arn:aws:ec2:{region}::image/{short_id(rng, 'ami')}"
    if resource_type == "RDS":
        return f"arn:aws:rds:{region}:{account}:snapshot:awsbackup:job-{new_uuid(rng)}"
    if resource_type == "Aurora":
        return f"arn:aws:rds:{region}:{account}:cluster-snapshot:awsbackup:job-{new_uuid(rng)}"
    return f"arn:aws:backup:{region}:{account}:recovery-point:{new_uuid(rng)}"


def created_resource_arn(rng: random.Random, region: str, account: str, resource_type: str) -> str:
    suffix = f"{rng.getrandbits(32):08x}"
    return {
        "EBS": f"arn:aws:ec2:{region}:{account}:volume/{short_id(rng, 'vol')}",
        "EC2": f"arn:aws:ec2:{region}:{account}:instance/{short_id(rng, 'i')}",
        "RDS": f"arn:aws:rds:{region}:{account}:db:restore-{suffix}",
        "Aurora": f"arn:aws:rds:{region}:{account}:cluster:restore-{suffix}",
        "EFS": f"arn:aws:elasticfilesystem:{region}:{account}:file-system/{short_id(rng, 'fs')}",
        "DynamoDB": f"arn:aws:dynamodb:{region}:{account}:table/restore-{suffix}",
        "S3": f"arn:aws:s3:::restore-{suffix}-{account}",
        "FSx": f"arn:aws:fsx:{region}:{account}:file-system/{short_id(rng, 'fs')}",
    }[resource_type]


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    # Naive datetimes are taken as UTC, the way botocore and the emulator treat them.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
