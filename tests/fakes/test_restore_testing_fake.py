"""The emulator's restore testing operations, and the caller account read from the access key, through real boto3."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from bot.sample.api_model import (
    DELETION_STATUSES,
    TESTING_MAX_RESULTS,
    TESTING_PARAMETERS,
    TESTING_PLANS_PATH,
    VALIDATION_STATUSES,
)
from bot.sample.data import sample_emulator
from bot.sample.emulator import BackupEmulator as Emulator
from bot.sample.estate import SAMPLE_CALLER_ACCOUNT
from bot.sample.records import DailyCount, RestoreJob, RestoreTestingPlan, RestoreTestingSelection
from bot.sample.testing import (
    FAILING_PLAN,
    HEALTHY_PLAN,
    LEAKING_PLAN,
    SLOW_PLAN,
    SLOWEST_SOURCE_ARN,
    STALE_PLAN,
    UNCOVERED_PLAN,
    VALIDATION_PLAN,
)
from tests.fakes.aws import BackupEmulator, aws_backup, backup_client  # noqa: F401 - fixture

ME, OTHER = "111122223333", "444455556666"
OTHER_KEY = f"ASIA{OTHER}0A1B2C3D"  # the shape of the keys the STS fake issues for a role in OTHER
NOW = datetime.now(UTC).replace(microsecond=0)  # nothing here depends on the day; the sample follows the clock


def client_as(emulator: Emulator, region: str, access_key: str, **config: Any) -> Any:
    return boto3.client(
        "backup", region_name=region, endpoint_url=emulator.url, aws_access_key_id=access_key,
        aws_secret_access_key="secret", aws_session_token="token", config=Config(**config) if config else None,
    )


def plan(region: str, account: str, name: str, **fields: Any) -> RestoreTestingPlan:
    return RestoreTestingPlan(region, account, name, "cron(0 5 ? * * *)", NOW - timedelta(days=30), **fields)


def all_plans(client: Any, **params: Any) -> tuple[list[dict[str, Any]], int]:
    pages = list(client.get_paginator("list_restore_testing_plans").paginate(**params))
    return [p for page in pages for p in page["RestoreTestingPlans"]], len(pages)


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_paths_names_and_bounds_are_botocores() -> None:
    model = botocore.session.get_session().get_service_model("backup")
    expected_uris = {
        "ListRestoreTestingPlans": TESTING_PLANS_PATH,
        "GetRestoreTestingPlan": TESTING_PLANS_PATH + "/{RestoreTestingPlanName}",
        "ListRestoreTestingSelections": TESTING_PLANS_PATH + "/{RestoreTestingPlanName}/selections",
    }
    for operation, uri in expected_uris.items():
        op = model.operation_model(operation)
        assert (op.http["method"], op.http["requestUri"]) == ("GET", uri)
    for operation in ("ListRestoreTestingPlans", "ListRestoreTestingSelections"):
        members = model.operation_model(operation).input_shape.members
        query = sorted(m.serialization["name"] for m in members.values() if m.serialization.get("location") == "querystring")
        assert query == sorted(TESTING_PARAMETERS)
        assert members["MaxResults"].metadata["max"] == TESTING_MAX_RESULTS
    job = model.operation_model("ListRestoreJobs").output_shape.members["RestoreJobs"].member.members
    assert tuple(job["ValidationStatus"].enum) == VALIDATION_STATUSES
    assert tuple(job["DeletionStatus"].enum) == DELETION_STATUSES


def test_plans_page_through_boto3_with_the_services_shapes(aws_backup: BackupEmulator) -> None:  # noqa: F811
    mine = [plan("us-east-1", ME, f"plan_{i:02d}") for i in range(11)]
    detailed = plan("us-east-1", ME, "detailed", schedule_timezone="Europe/Paris", start_window_hours=3,
                    last_execution=NOW - timedelta(hours=5), last_update=NOW - timedelta(days=2))
    elsewhere = [plan("eu-west-1", ME, "plan_eu"), plan("us-east-1", OTHER, "plan_other")]
    aws_backup.load(plans=[*reversed(mine), detailed, *elsewhere])
    client = backup_client(aws_backup, "us-east-1")

    rows, pages = all_plans(client)
    expected = sorted(p.name for p in [*mine, detailed])
    assert [r["RestoreTestingPlanName"] for r in rows] == expected
    assert pages == 3  # 12 plans, 4 a page (the emulator's page size caps MaxResults)
    assert all_plans(client, PaginationConfig={"PageSize": 5})[1] == 3
    first = client.list_restore_testing_plans(MaxResults=2)
    assert len(first["RestoreTestingPlans"]) == 2 and "NextToken" in first

    [row] = [r for r in rows if r["RestoreTestingPlanName"] == "detailed"]
    assert row == {
        "CreationTime": NOW - timedelta(days=30),
        "LastExecutionTime": NOW - timedelta(hours=5),
        "LastUpdateTime": NOW - timedelta(days=2),
        "RestoreTestingPlanArn": detailed.arn,
        "RestoreTestingPlanName": "detailed",
        "ScheduleExpression": "cron(0 5 ? * * *)",
        "ScheduleExpressionTimezone": "Europe/Paris",
        "StartWindowHours": 3,
    }
    assert re.fullmatch(r"arn:aws:backup:us-east-1:111122223333:restore-testing-plan:detailed-[0-9a-f]{8,}", detailed.arn)
    assert plan("us-east-1", ME, "detailed").arn == detailed.arn  # stable, not random
    bare = next(r for r in rows if r["RestoreTestingPlanName"] == "plan_00")
    assert set(bare) == {"CreationTime", "RestoreTestingPlanArn", "RestoreTestingPlanName", "ScheduleExpression"}
    assert [r["RestoreTestingPlanName"] for r in all_plans(backup_client(aws_backup, "eu-west-1"))[0]] == ["plan_eu"]
    assert aws_backup.calls(TESTING_PLANS_PATH, region="us-east-1")[0].params == {}


def test_get_plan_and_its_selections(aws_backup: BackupEmulator) -> None:  # noqa: F811
    # A name botocore must percent-encode in the path, so the emulator has to decode it.
    odd = plan("eu-west-1", ME, "dr+drill 2", arn="arn:aws:backup:eu-west-1:111122223333:restore-testing-plan:x-1")
    extras: list[dict[str, Any]] = [{"validation_window_hours": 2}, {}, {"iam_role_arn": "arn:aws:iam::1:role/r"},
                                    {}, {}, {}]
    selections = [
        RestoreTestingSelection("eu-west-1", ME, "dr+drill 2", f"sel_{i}", "EBS" if i % 2 else "RDS", NOW, **extra)
        for i, extra in enumerate(extras)
    ]
    other_plan = RestoreTestingSelection("eu-west-1", ME, "another", "not_mine", "EFS", NOW)
    aws_backup.load(plans=[odd, plan("eu-west-1", ME, "another")], selections=[*reversed(selections), other_plan])
    client = backup_client(aws_backup, "eu-west-1")

    got = client.get_restore_testing_plan(RestoreTestingPlanName="dr+drill 2")["RestoreTestingPlan"]
    assert got["RestoreTestingPlanArn"] == odd.arn and got["RestoreTestingPlanName"] == "dr+drill 2"
    assert got["CreationTime"] == NOW - timedelta(days=30) and got["ScheduleExpression"] == "cron(0 5 ? * * *)"
    assert set(got["RecoveryPointSelection"]) >= {"Algorithm", "IncludeVaults", "RecoveryPointTypes"}

    pages = list(client.get_paginator("list_restore_testing_selections").paginate(RestoreTestingPlanName="dr+drill 2"))
    rows = [s for page in pages for s in page["RestoreTestingSelections"]]
    assert len(pages) == 2
    assert [r["RestoreTestingSelectionName"] for r in rows] == [f"sel_{i}" for i in range(6)]
    assert rows[0] == {
        "CreationTime": NOW,
        "IamRoleArn": "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole",
        "ProtectedResourceType": "RDS",
        "RestoreTestingPlanName": "dr+drill 2",
        "RestoreTestingSelectionName": "sel_0",
        "ValidationWindowHours": 2,
    }
    assert rows[2]["IamRoleArn"] == "arn:aws:iam::1:role/r" and "ValidationWindowHours" not in rows[1]
    one = client.list_restore_testing_selections(RestoreTestingPlanName="dr+drill 2", MaxResults=1)
    assert len(one["RestoreTestingSelections"]) == 1 and "NextToken" in one


def test_missing_plans_are_404_and_max_results_is_validated(aws_backup: BackupEmulator) -> None:  # noqa: F811
    aws_backup.load(plans=[plan("us-east-1", ME, "mine"), plan("us-east-1", OTHER, "theirs")])
    client = backup_client(aws_backup, "us-east-1", attempts=1)
    missing: list[Callable[[], Any]] = [
        lambda: client.get_restore_testing_plan(RestoreTestingPlanName="absent"),
        lambda: client.list_restore_testing_selections(RestoreTestingPlanName="absent"),
        lambda: client.get_restore_testing_plan(RestoreTestingPlanName="theirs"),  # another account's
        lambda: backup_client(aws_backup, "eu-west-1", attempts=1).get_restore_testing_plan(
            RestoreTestingPlanName="mine"),  # another region's
    ]
    for call in missing:
        with pytest.raises(ClientError) as caught:
            call()
        assert error_of(caught) == (404, "ResourceNotFoundException")
    assert client.list_restore_testing_selections(RestoreTestingPlanName="mine")["RestoreTestingSelections"] == []

    for kwargs in ({}, {"RestoreTestingPlanName": "mine"}):
        operation = client.list_restore_testing_selections if kwargs else client.list_restore_testing_plans
        with pytest.raises(ClientError) as caught:
            operation(MaxResults=TESTING_MAX_RESULTS + 1, **kwargs)  # botocore checks only the minimum
        assert error_of(caught) == (400, "InvalidParameterValueException")
        assert "MaxResults" in caught.value.response["Error"]["Message"]
        with pytest.raises(ParamValidationError):
            operation(MaxResults=0, **kwargs)
        unchecked = client_as(aws_backup, "us-east-1", "testing", parameter_validation=False,
                              retries={"total_max_attempts": 1})
        with pytest.raises(ClientError) as caught:
            getattr(unchecked, operation.__name__)(MaxResults=0, **kwargs)
        assert error_of(caught) == (400, "InvalidParameterValueException")
    with pytest.raises(ClientError) as caught:
        client.list_restore_testing_plans(NextToken="forged.token")
    assert error_of(caught) == (400, "InvalidParameterValueException")


def test_the_caller_account_comes_from_the_access_key(aws_backup: BackupEmulator) -> None:  # noqa: F811
    aws_backup.load(
        plans=[plan("us-east-1", ME, "mine"), plan("us-east-1", OTHER, "theirs")],
        selections=[RestoreTestingSelection("us-east-1", OTHER, "theirs", "vols", "EBS", NOW)],
        jobs=[RestoreJob("us-east-1", account, f"job-{account}", "COMPLETED", "EBS", NOW - timedelta(hours=1))
              for account in (ME, OTHER)],
    )
    default = backup_client(aws_backup, "us-east-1")
    assumed = client_as(aws_backup, "us-east-1", OTHER_KEY)
    stranger = client_as(aws_backup, "us-east-1", "ASIA999999999999FFFF")

    assert [p["RestoreTestingPlanName"] for p in all_plans(default)[0]] == ["mine"]
    assert [p["RestoreTestingPlanName"] for p in all_plans(assumed)[0]] == ["theirs"]
    assert all_plans(stranger)[0] == []
    assert [s["RestoreTestingSelectionName"] for s in assumed.list_restore_testing_selections(
        RestoreTestingPlanName="theirs")["RestoreTestingSelections"]] == ["vols"]
    with pytest.raises(ClientError):
        default.list_restore_testing_selections(RestoreTestingPlanName="theirs")
    # ListRestoreJobs without ByAccountId lists the signing account's jobs.
    assert [j["AccountId"] for j in default.list_restore_jobs()["RestoreJobs"]] == [ME]
    assert [j["AccountId"] for j in assumed.list_restore_jobs()["RestoreJobs"]] == [OTHER]
    # A token is the caller's: another account cannot page through it.
    aws_backup.load(plans=[plan("us-east-1", ME, f"p{i}") for i in range(6)])
    token = default.list_restore_testing_plans()["NextToken"]
    with pytest.raises(ClientError) as caught:
        assumed.list_restore_testing_plans(NextToken=token)
    assert error_of(caught) == (400, "InvalidParameterValueException")


def test_member_accounts_are_never_the_organisation(aws_backup: BackupEmulator) -> None:  # noqa: F811
    yesterday = NOW.date() - timedelta(days=1)
    aws_backup.load(counts=[DailyCount("us-east-1", ME, "FAILED", "EBS", yesterday, 2),
                            DailyCount("us-east-1", OTHER, "FAILED", "EBS", yesterday, 3)])

    def total(client: Any) -> int:
        rows = client.list_restore_job_summaries(AccountId="ANY")["RestoreJobSummaries"]
        return sum(r["Count"] for r in rows)

    assert total(backup_client(aws_backup, "us-east-1")) == 5  # the default identity is the org admin
    assert total(client_as(aws_backup, "us-east-1", OTHER_KEY)) == 3


def test_restore_jobs_by_plan_carry_deletion_and_expected_time(aws_backup: BackupEmulator) -> None:  # noqa: F811
    tested = plan("eu-west-1", ME, "efs_test")
    created = NOW - timedelta(hours=3)
    leaked = RestoreJob(
        "eu-west-1", ME, "LEAKED", "COMPLETED", "EFS", created, completion=created + timedelta(minutes=40),
        restore_testing_plan_arn=tested.arn, validation_status="SUCCESSFUL", validation_status_message="ok",
        deletion_status="FAILED", deletion_status_message="could not delete fs-1", expected_completion_minutes=30,
    )
    plain = RestoreJob("eu-west-1", ME, "PLAIN", "COMPLETED", "EFS", created, restore_testing_plan_arn=tested.arn)
    untested = RestoreJob("eu-west-1", ME, "UNTESTED", "COMPLETED", "EFS", created)
    aws_backup.load(jobs=[leaked, plain, untested], plans=[tested])
    client = backup_client(aws_backup, "eu-west-1")

    rows = {j["RestoreJobId"]: j for j in client.list_restore_jobs(ByRestoreTestingPlanArn=tested.arn)["RestoreJobs"]}
    assert set(rows) == {"LEAKED", "PLAIN"}
    assert rows["LEAKED"]["DeletionStatus"] == "FAILED"
    assert rows["LEAKED"]["DeletionStatusMessage"] == "could not delete fs-1"
    assert rows["LEAKED"]["ExpectedCompletionTimeMinutes"] == 30
    assert rows["LEAKED"]["CreatedBy"] == {"RestoreTestingPlanArn": tested.arn}
    assert rows["LEAKED"]["CompletionDate"] - rows["LEAKED"]["CreationDate"] == timedelta(minutes=40)
    absent = {"DeletionStatus", "DeletionStatusMessage", "ExpectedCompletionTimeMinutes", "ValidationStatus"}
    assert not absent & set(rows["PLAIN"])
    assert aws_backup.calls("/restore-jobs")[0].params == {"restoreTestingPlanArn": tested.arn}


def test_the_sample_serves_its_restore_testing_story() -> None:
    with sample_emulator(NOW) as emulator:
        today = NOW.date()

        def client(region: str) -> Any:
            return client_as(emulator, region, "sample")

        def jobs_of(region: str, arn: str) -> list[dict[str, Any]]:
            pages = client(region).get_paginator("list_restore_jobs").paginate(ByRestoreTestingPlanArn=arn)
            return [j for page in pages for j in page["RestoreJobs"]]

        plans = {p["RestoreTestingPlanName"]: (region, p)
                 for region in ("us-east-1", "eu-west-1", "ap-southeast-2") for p in all_plans(client(region))[0]}
        assert {name: region for name, (region, _) in plans.items()} == {
            HEALTHY_PLAN: "us-east-1", STALE_PLAN: "us-east-1", SLOW_PLAN: "us-east-1",
            VALIDATION_PLAN: "eu-west-1", LEAKING_PLAN: "eu-west-1",
            FAILING_PLAN: "ap-southeast-2", UNCOVERED_PLAN: "ap-southeast-2",
        }
        assert all(p["ScheduleExpression"].startswith("cron(0 ") for _, p in plans.values())
        jobs = {name: jobs_of(region, p["RestoreTestingPlanArn"]) for name, (region, p) in plans.items()}
        assert all(j["AccountId"] == SAMPLE_CALLER_ACCOUNT for js in jobs.values() for j in js)

        def before_today(name: str) -> list[dict[str, Any]]:
            return [j for j in jobs[name] if j["CreationDate"].date() < today]

        healthy = plans[HEALTHY_PLAN][1]
        assert healthy["ScheduleExpression"] == "cron(0 5 ? * * *)" and healthy["LastExecutionTime"].hour == 5
        assert timedelta(0) <= NOW - healthy["LastExecutionTime"] < timedelta(days=1)
        assert {(j["Status"], j["ValidationStatus"], j["DeletionStatus"]) for j in before_today(HEALTHY_PLAN)} == {
            ("COMPLETED", "SUCCESSFUL", "SUCCESSFUL")}
        assert all(j["CompletionDate"] - j["CreationDate"] <= timedelta(minutes=j["ExpectedCompletionTimeMinutes"])
                   for j in before_today(HEALTHY_PLAN))

        stale = plans[STALE_PLAN][1]
        assert timedelta(days=3) <= NOW - stale["LastExecutionTime"] < timedelta(days=4)
        assert max(j["CreationDate"] for j in jobs[STALE_PLAN]).date() == today - timedelta(days=3)

        validations = [j.get("ValidationStatus") for j in before_today(VALIDATION_PLAN)
                       if j["CreationDate"].date() >= today - timedelta(days=7)]
        assert sorted(map(str, validations)) == sorted(
            ["VALIDATING", "FAILED", "SUCCESSFUL", "TIMED_OUT", "None", "FAILED", "SUCCESSFUL"])
        assert all(j.get("ValidationStatusMessage") for j in jobs[VALIDATION_PLAN]
                   if j.get("ValidationStatus") in ("FAILED", "TIMED_OUT"))

        [leak] = [j for j in jobs[LEAKING_PLAN] if j.get("DeletionStatus") == "FAILED"]
        assert leak["CreationDate"].date() == today - timedelta(days=2) and "DeleteFileSystem" in leak[
            "DeletionStatusMessage"] and leak["CreatedResourceArn"]

        finished = [j for j in jobs[SLOW_PLAN] if "CompletionDate" in j]
        slowest = max(finished, key=lambda j: j["CompletionDate"] - j["CreationDate"])
        assert slowest["SourceResourceArn"] == SLOWEST_SOURCE_ARN
        assert all(j["CompletionDate"] - j["CreationDate"] > timedelta(minutes=j["ExpectedCompletionTimeMinutes"])
                   for j in finished if j["SourceResourceArn"] == SLOWEST_SOURCE_ARN)

        failed = [j for j in jobs[FAILING_PLAN] if j["Status"] == "FAILED"]
        assert sorted((today - j["CreationDate"].date()).days for j in failed) == [1, 2, 5]
        assert all(j["StatusMessage"] and "ValidationStatus" not in j for j in failed)

        uncovered_region = plans[UNCOVERED_PLAN][0]
        selections = client(uncovered_region).list_restore_testing_selections(
            RestoreTestingPlanName=UNCOVERED_PLAN)["RestoreTestingSelections"]
        assert sorted(s["ProtectedResourceType"] for s in selections) == ["EBS", "RDS"]
        recent = {j["ResourceType"] for j in jobs[UNCOVERED_PLAN] if NOW - j["CreationDate"] < timedelta(days=7)}
        assert recent == {"EBS"}
        assert any(j["ResourceType"] == "RDS" for j in jobs[UNCOVERED_PLAN])
