"""The sample's protected resources: the KMS spike's restores become ledger-db's, every restored source is protected in
its account and region, the never-restored ones are added, and what they serve fits botocore's backup model."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import botocore.session
import pytest
from botocore.validate import ParamValidator

from bot.sample.api_resources import ProtectedResources
from bot.sample.estate import SAMPLE_CALLER_ACCOUNT
from bot.sample.records import RestoreJob
from bot.sample.resources import (
    CRITICAL,
    LEDGER_DB,
    NEVER_RESTORED,
    PAYMENTS_DB,
    SPIKE_DAYS_AGO,
    sample_protected_resources,
    with_ledger_db,
)

BACKUP = botocore.session.get_session().get_service_model("backup")
ME, OTHER = SAMPLE_CALLER_ACCOUNT, "444455556666"
NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
SPIKE = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)  # SPIKE_DAYS_AGO before NOW's day
KMS = "Access denied to KMS key arn:aws:kms:us-east-1:111122223333:key/abc"
ORDERS = f"arn:aws:rds:us-east-1:{ME}:db:orders-db"


def spike_job(**changes: object) -> RestoreJob:
    job = RestoreJob("us-east-1", ME, "J1", "FAILED", "RDS", SPIKE, status_message=KMS, source_resource_arn=ORDERS,
                     recovery_point_arn="arn:aws:rds:us-east-1:111122223333:snapshot:awsbackup:job-1")
    return replace(job, **changes)  # type: ignore[arg-type]


def test_the_spike_day_is_three_days_before_now() -> None:
    assert SPIKE_DAYS_AGO == 3 and (NOW.date() - SPIKE.date()).days == SPIKE_DAYS_AGO


@pytest.mark.parametrize("now", [NOW, datetime(2026, 11, 26, 0, 0, tzinfo=UTC), datetime(2026, 11, 26, 23, 59, tzinfo=UTC)])
def test_the_spikes_failed_rds_restores_become_ledger_dbs(now: datetime) -> None:
    jobs = [spike_job(), spike_job(job_id="J2", created=datetime(2026, 11, 23, 0, 0, tzinfo=UTC)),
            spike_job(job_id="J3", created=datetime(2026, 11, 23, 23, 59, 59, tzinfo=UTC))]
    moved = with_ledger_db(jobs, now)
    assert [j.source_resource_arn for j in moved] == [LEDGER_DB] * 3
    assert moved == [replace(j, source_resource_arn=LEDGER_DB) for j in jobs]  # nothing else changes


@pytest.mark.parametrize(
    "changes",
    [
        {"created": SPIKE - timedelta(days=1)},  # another day
        {"created": SPIKE + timedelta(days=1)},
        {"status": "COMPLETED", "status_message": ""},
        {"status_message": "Insufficient capacity for instance type m5.2xlarge"},  # not the KMS failure
        {"account_id": OTHER},
        {"region": "eu-west-1"},
        {"resource_type": "Aurora"},
        {"restore_testing_plan_arn": "arn:aws:backup:us-east-1:111122223333:restore-testing-plan:p-1"},  # a test's
    ],
)
def test_other_jobs_keep_their_source(changes: dict[str, object]) -> None:
    billing = spike_job(source_resource_arn=f"arn:aws:rds:us-east-1:{ME}:db:billing-db")  # not renamed for its region
    assert with_ledger_db([billing], NOW) == [replace(billing, source_resource_arn=LEDGER_DB)]  # as the spike's …
    job = replace(billing, **changes)  # type: ignore[arg-type]
    assert with_ledger_db([job], NOW) == [job]  # … but not with this one difference


def test_orders_db_outside_us_east_1_is_named_after_its_region() -> None:
    jobs = [
        spike_job(status="COMPLETED", status_message=""),  # us-east-1's orders-db keeps its name
        spike_job(region="eu-west-1", status="COMPLETED", status_message="",
                  source_resource_arn=f"arn:aws:rds:eu-west-1:{ME}:db:orders-db"),
        spike_job(region="ap-southeast-2", account_id=OTHER,
                  source_resource_arn=f"arn:aws:rds:ap-southeast-2:{OTHER}:db:orders-db"),
        spike_job(region="eu-west-1", source_resource_arn=f"arn:aws:rds:eu-west-1:{ME}:db:billing-db"),
    ]
    assert [j.source_resource_arn for j in with_ledger_db(jobs, NOW)] == [
        ORDERS,
        f"arn:aws:rds:eu-west-1:{ME}:db:orders-eu-west-1",
        f"arn:aws:rds:ap-southeast-2:{OTHER}:db:orders-ap-southeast-2",
        f"arn:aws:rds:eu-west-1:{ME}:db:billing-db",
    ]


# --------------------------------------------------------------------------- sample_protected_resources


def restored_jobs() -> list[RestoreJob]:
    volume = f"arn:aws:ec2:eu-west-1:{OTHER}:volume/vol-0abc"
    return [
        spike_job(status="COMPLETED", status_message=""),
        spike_job(job_id="again"),  # the same source again: one resource
        spike_job(job_id="other-account", account_id=OTHER),  # the same ARN in another account: its own resource
        RestoreJob("eu-west-1", OTHER, "V", "COMPLETED", "EBS", SPIKE, source_resource_arn=volume),
        RestoreJob("eu-west-1", ME, "no-source", "FAILED", "EBS", SPIKE),  # no source: no resource
        RestoreJob("us-east-1", ME, "P", "COMPLETED", "Aurora", SPIKE, source_resource_arn=PAYMENTS_DB),
    ]


def test_every_restored_source_and_the_never_restored_are_protected_once() -> None:
    resources = sample_protected_resources(restored_jobs(), NOW)
    keys = [(r.region, r.account_id, r.arn) for r in resources]
    assert len(keys) == len(set(keys))
    assert set(keys) == {
        ("us-east-1", ME, ORDERS),
        ("us-east-1", OTHER, ORDERS),
        ("eu-west-1", OTHER, f"arn:aws:ec2:eu-west-1:{OTHER}:volume/vol-0abc"),
        ("us-east-1", ME, PAYMENTS_DB),  # restored here, so its job's type wins below
        ("eu-west-1", ME, "arn:aws:s3:::media-archive"),
        ("ap-southeast-2", ME, NEVER_RESTORED[2]),
    }
    by_arn = {(r.account_id, r.arn): r for r in resources}
    assert by_arn[(ME, PAYMENTS_DB)].resource_type == "Aurora"
    assert {(r.arn, r.resource_type, r.name) for r in resources if r.arn in NEVER_RESTORED[1:]} == {
        ("arn:aws:s3:::media-archive", "S3", "media-archive"),
        (NEVER_RESTORED[2], "EFS", "search-index"),
    }
    assert by_arn[(ME, ORDERS)].name == "orders-db"
    assert by_arn[(OTHER, f"arn:aws:ec2:eu-west-1:{OTHER}:volume/vol-0abc")].name == "vol-0abc"


def test_with_no_jobs_only_the_never_restored_are_protected() -> None:
    resources = sample_protected_resources([], NOW)
    assert [(r.region, r.account_id, r.arn, r.resource_type, r.name) for r in resources] == [
        ("us-east-1", ME, PAYMENTS_DB, "RDS", "payments-db"),
        ("eu-west-1", ME, "arn:aws:s3:::media-archive", "S3", "media-archive"),
        ("ap-southeast-2", ME, NEVER_RESTORED[2], "EFS", "search-index"),
    ]


def test_only_ledger_and_payments_are_tagged_critical() -> None:
    jobs = with_ledger_db([spike_job(), *restored_jobs()], NOW)
    resources = sample_protected_resources(jobs, NOW)
    assert {LEDGER_DB, PAYMENTS_DB} == CRITICAL
    tagged = {r.arn for r in resources if r.tags}
    assert tagged == CRITICAL
    assert all(r.tags == (("restore-critical", "true"),) for r in resources if r.arn in CRITICAL)


@pytest.mark.parametrize("now", [NOW, datetime(2026, 11, 26, 1, 0, tzinfo=UTC), datetime(2026, 11, 26, 2, 30, tzinfo=UTC)])
def test_each_was_backed_up_at_the_last_nightly_window_into_its_default_vault(now: datetime) -> None:
    resources = sample_protected_resources(restored_jobs(), now)
    assert resources == sample_protected_resources(restored_jobs(), now)  # drawn, not random
    for r in resources:
        assert r.last_backup is not None
        assert r.last_backup.hour == 2 and r.last_backup.second == 0 and r.last_backup.tzinfo is not None
        assert now - timedelta(days=1) < r.last_backup <= now
        assert r.vault_arn == f"arn:aws:backup:{r.region}:{r.account_id}:backup-vault:Default"
        assert r.last_recovery_point_arn.startswith("arn:aws:") and r.region in r.last_recovery_point_arn
    if now.hour < 2:
        assert {r.last_backup.date() for r in resources if r.last_backup} == {now.date() - timedelta(days=1)}


def test_what_they_serve_fits_the_model() -> None:
    jobs = with_ledger_db([spike_job(), *restored_jobs()], NOW)
    api = ProtectedResources(jobs=jobs, resources=sample_protected_resources(jobs, NOW), now=NOW)
    validator = ParamValidator()
    listed = api.list_protected_resources("us-east-1", None, {})
    report = validator.validate(listed, BACKUP.operation_model("ListProtectedResources").output_shape)
    assert not report.has_errors(), report.generate_report()
    assert {r["ResourceArn"] for r in listed["Results"]} == {ORDERS, PAYMENTS_DB, LEDGER_DB}
    described = api.describe_protected_resource("us-east-1", None, LEDGER_DB)
    report = validator.validate(described, BACKUP.operation_model("DescribeProtectedResource").output_shape)
    assert not report.has_errors(), report.generate_report()
    assert described["ResourceName"] == "ledger-db" and described["LatestRestoreJobCreationDate"] == int(SPIKE.timestamp())
    assert "LatestRestoreExecutionTimeMinutes" not in described  # its restores failed
