"""The sample's protected resources: every resource its restore jobs restored, and a few that were never restored.

The story, relative to ``now``:

* ``orders-db`` (RDS, us-east-1, the caller's account) is restored and validated by the restore tests every day;
* ``ledger-db`` (RDS, us-east-1) is the one the KMS spike hit: its only restores failed (the spike's jobs are its);
* ``payments-db`` (RDS, us-east-1), ``media-archive`` (S3, eu-west-1) and ``search-index`` (EFS, ap-southeast-2)
  are backed up every night and were never restored;
* ``payments-db`` and ``ledger-db`` are tagged ``restore-critical=true``;
* every other resource the sample's jobs restored (a small pool per account, region and type) is protected too.

Restore job counts are unchanged: the spike's jobs only get ledger-db as their source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

from bot.domain.recoverability import CRITICAL_TAG
from bot.sample.api_resources import ProtectedResourceRecord
from bot.sample.estate import SAMPLE_CALLER_ACCOUNT, draw, midnight, recovery_point_arn
from bot.sample.records import RestoreJob

__all__ = ["CRITICAL", "LEDGER_DB", "NEVER_RESTORED", "sample_protected_resources", "with_ledger_db"]

_ME: Final = SAMPLE_CALLER_ACCOUNT
LEDGER_DB: Final = f"arn:aws:rds:us-east-1:{_ME}:db:ledger-db"
PAYMENTS_DB: Final = f"arn:aws:rds:us-east-1:{_ME}:db:payments-db"
NEVER_RESTORED: Final = (
    PAYMENTS_DB,
    "arn:aws:s3:::media-archive",
    f"arn:aws:elasticfilesystem:ap-southeast-2:{_ME}:file-system/fs-0search-index",
)
_NEVER_RESTORED_AT: Final = {  # ARN -> (region, type, name): an S3 ARN names neither region nor account
    PAYMENTS_DB: ("us-east-1", "RDS", "payments-db"),
    "arn:aws:s3:::media-archive": ("eu-west-1", "S3", "media-archive"),
    NEVER_RESTORED[2]: ("ap-southeast-2", "EFS", "search-index"),
}
CRITICAL: Final = frozenset({PAYMENTS_DB, LEDGER_DB})  # tagged restore-critical=true
SPIKE_DAYS_AGO: Final = 3  # bot.sample.data's spike (tests/fakes/test_resources_fake.py fails if they part)


def with_ledger_db(jobs: Iterable[RestoreJob], now: datetime) -> list[RestoreJob]:
    """The jobs, with the KMS spike's failed RDS restores in us-east-1 (the caller's account) restoring ledger-db, and
    the other regions' orders-db named after their region, so `orders-db` names one resource."""
    spike_day = (midnight(now.date()) - timedelta(days=SPIKE_DAYS_AGO)).date()

    def spike(job: RestoreJob) -> bool:
        return (job.region, job.account_id, job.resource_type, job.status) == ("us-east-1", _ME, "RDS", "FAILED") \
            and job.created.date() == spike_day and "KMS" in job.status_message and not job.restore_testing_plan_arn

    def source(job: RestoreJob) -> str:
        if spike(job):
            return LEDGER_DB
        if job.region != "us-east-1" and job.source_resource_arn.endswith(":db:orders-db"):
            return job.source_resource_arn.replace(":db:orders-db", f":db:orders-{job.region}")  # one orders-db
        return job.source_resource_arn

    return [replace(job, source_resource_arn=source(job)) for job in jobs]


def sample_protected_resources(jobs: Iterable[RestoreJob], now: datetime) -> list[ProtectedResourceRecord]:
    """A protected resource for every source the jobs restored (in its account and region), and the never-restored."""
    seen: dict[tuple[str, str, str], str] = {}
    for job in jobs:
        if job.source_resource_arn:
            seen.setdefault((job.region, job.account_id, job.source_resource_arn), job.resource_type)
    for arn, (region, resource_type, _) in _NEVER_RESTORED_AT.items():
        seen.setdefault((region, _ME, arn), resource_type)
    return [_resource(region, account, arn, resource_type, now) for (region, account, arn), resource_type in seen.items()]


def _resource(region: str, account: str, arn: str, resource_type: str, now: datetime) -> ProtectedResourceRecord:
    rng = draw("protected", region, account, arn)
    backup = now.replace(hour=2, minute=rng.randrange(60), second=0, microsecond=0)
    if backup > now:
        backup -= timedelta(days=1)
    name = _NEVER_RESTORED_AT.get(arn, ("", "", ""))[2] or arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    return ProtectedResourceRecord(
        region=region,
        account_id=account,
        arn=arn,
        resource_type=resource_type,
        name=name,
        last_backup=backup,
        last_recovery_point_arn=recovery_point_arn(rng, region, account, resource_type),
        vault_arn=f"arn:aws:backup:{region}:{account}:backup-vault:Default",
        tags=(CRITICAL_TAG,) if arn in CRITICAL else (),
    )
