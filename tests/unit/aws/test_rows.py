"""Response items as the bot's rows: every field where an answer looks for it, the fallbacks AWS's optional members
need, and timestamps as aware UTC datetimes whatever form they arrived in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.aws.rows import as_utc, job_row, summary_row
from bot.domain.results import RestoreJobRow, SummaryRow

CREATED = datetime(2027, 1, 1, 6, 30, 15, tzinfo=UTC)
PLAN = "arn:aws:backup:eu-west-1:111122223333:restore-testing-plan:nightly-1a2b"


def test_as_utc_converts_aware_values_and_reads_naive_ones_as_utc() -> None:
    eastern = CREATED.astimezone(timezone(timedelta(hours=-5)))
    assert as_utc(eastern) == CREATED and as_utc(eastern).tzinfo is UTC
    naive = as_utc(CREATED.replace(tzinfo=None))
    assert naive == CREATED and naive.tzinfo is UTC


def test_as_utc_reads_epoch_seconds_as_numbers_or_text_and_iso_8601() -> None:
    assert as_utc(CREATED.timestamp() + 0.25) == CREATED + timedelta(milliseconds=250)
    assert as_utc(str(int(CREATED.timestamp()))) == CREATED
    assert as_utc("2027-01-01T08:30:15+02:00") == CREATED
    assert as_utc("2027-01-01T08:30:15+02:00").tzinfo is UTC


def test_a_full_list_restore_jobs_item() -> None:
    completed = CREATED + timedelta(minutes=42)
    item = {
        "AccountId": 111122223333, "RestoreJobId": "job-1", "Status": "FAILED", "StatusMessage": "  Access denied\n",
        "ResourceType": "EBS", "CreationDate": CREATED.timestamp(), "CompletionDate": completed.timestamp(),
        "CreatedResourceArn": "arn:aws:ec2:eu-west-1:111122223333:volume/vol-new",
        "SourceResourceArn": "arn:aws:ec2:eu-west-1:111122223333:volume/vol-old",
        "RecoveryPointArn": "arn:aws:ec2:eu-west-1::snapshot/snap-1",
        "CreatedBy": {"RestoreTestingPlanArn": PLAN}, "ValidationStatus": "FAILED",
        "ValidationStatusMessage": "script exited 1", "DeletionStatus": "FAILED", "DeletionStatusMessage": "in use",
        "ExpectedCompletionTimeMinutes": 30,
    }
    assert job_row("eu-west-1", item) == RestoreJobRow(
        region="eu-west-1", account_id="111122223333", job_id="job-1", status="FAILED", status_message="Access denied",
        resource_type="EBS", created=CREATED, resource_arn="arn:aws:ec2:eu-west-1:111122223333:volume/vol-new",
        restore_testing_plan_arn=PLAN, validation_status="FAILED", validation_status_message="script exited 1",
        completed=completed, deletion_status="FAILED", deletion_status_message="in use", expected_minutes=30,
        source_arn="arn:aws:ec2:eu-west-1:111122223333:volume/vol-old",
    )


def test_a_minimal_item_leaves_every_optional_member_empty() -> None:
    row = job_row("us-east-1", {"CreationDate": CREATED})
    assert (row.account_id, row.job_id, row.status, row.status_message, row.resource_arn) == ("", "", "", "", "")
    assert row.restore_testing_plan_arn is None and row.completed is None and row.source_arn is None
    assert row.expected_minutes is None and not row.is_restore_test and row.minutes is None


@pytest.mark.parametrize(
    ("arns", "shown"),
    [
        ({"CreatedResourceArn": "created", "SourceResourceArn": "source", "RecoveryPointArn": "point"}, "created"),
        ({"CreatedResourceArn": "", "SourceResourceArn": "source", "RecoveryPointArn": "point"}, "source"),
        ({"RecoveryPointArn": "point"}, "point"),
        ({}, ""),
    ],
)
def test_the_resource_shown_is_what_the_restore_created_else_its_source_else_the_recovery_point(
    arns: dict[str, str], shown: str
) -> None:
    assert job_row("us-east-1", {"CreationDate": CREATED, **arns}).resource_arn == shown


@pytest.mark.parametrize(("expected", "minutes"), [(30, 30), (12.0, 12), (0, None), (-5, None), ("30", None), (None, None)])
def test_only_a_positive_number_is_an_expected_duration(expected: object, minutes: int | None) -> None:
    assert job_row("us-east-1", {"CreationDate": CREATED, "ExpectedCompletionTimeMinutes": expected}).expected_minutes \
        == minutes


def test_a_completed_job_knows_how_long_it_took() -> None:
    row = job_row("us-east-1", {"CreationDate": CREATED, "CompletionDate": (CREATED + timedelta(minutes=90)).timestamp()})
    assert row.minutes == 90


def test_a_summary_item_with_its_own_region() -> None:
    item = {"Region": "eu-west-1", "AccountId": "111122223333", "State": "FAILED", "ResourceType": "RDS", "Count": 7,
            "StartTime": CREATED.timestamp(), "EndTime": (CREATED + timedelta(days=1)).timestamp()}
    assert summary_row("us-east-1", item) == SummaryRow("eu-west-1", "111122223333", "FAILED", "RDS", 7, CREATED,
                                                        CREATED + timedelta(days=1))


def test_a_summary_item_without_region_or_count_takes_the_asked_region_and_zero() -> None:
    row = summary_row("ap-south-1", {"Region": "", "StartTime": CREATED, "EndTime": CREATED})
    assert (row.region, row.account_id, row.state, row.resource_type, row.count) == ("ap-south-1", "", "", "", 0)


def test_summary_rows_share_one_copy_of_each_repeated_string() -> None:
    def item() -> dict[str, object]:
        # Fresh string objects per item, as each row's JSON brings its own.
        return {"Region": "".join(["eu-", "west-1"]), "AccountId": "".join(["1111", "22223333"]),
                "State": "".join(["FAI", "LED"]), "ResourceType": "".join(["E", "BS"]), "Count": "3",
                "StartTime": CREATED.timestamp(), "EndTime": CREATED.timestamp()}

    first, second = summary_row("x", item()), summary_row("x", item())
    assert first == second and first.count == 3
    assert first.region is second.region and first.account_id is second.account_id
    assert first.state is second.state and first.resource_type is second.resource_type
