"""The emulator's protected resource operations through real boto3: botocore's paths and names, AWS's shapes, paging
bound to the query, the caller's own resources only, a resource's jobs agreeing with ListRestoreJobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

from bot.sample.api_resources import GET_RESOURCES_TARGET, RESOURCES_MAX_RESULTS, RESOURCES_PATH, recovery_point_created
from bot.sample.data import sample_emulator
from bot.sample.resources import LEDGER_DB, NEVER_RESTORED
from tests.fakes.aws import BackupEmulator, aws_backup, backup_client  # noqa: F401 - fixture
from tests.fakes.resources import estate

ME, OTHER = "111122223333", "444455556666"
NOW = datetime.now(UTC).replace(microsecond=0)


def as_other(emulator: BackupEmulator, region: str) -> Any:
    return boto3.client("backup", region_name=region, endpoint_url=emulator.url,
                        aws_access_key_id=f"ASIA{OTHER}0A1B2C3D", aws_secret_access_key="s", aws_session_token="t")


def pages(client: Any, operation: str, **params: Any) -> list[dict[str, Any]]:
    return list(client.get_paginator(operation).paginate(**params))


def test_paths_and_names_are_botocores() -> None:
    model = botocore.session.get_session().get_service_model("backup")
    uris = {op: model.operation_model(op).http["requestUri"] for op in
            ("ListProtectedResources", "DescribeProtectedResource", "ListRestoreJobsByProtectedResource")}
    assert uris == {"ListProtectedResources": RESOURCES_PATH, "DescribeProtectedResource": "/resources/{resourceArn}",
                    "ListRestoreJobsByProtectedResource": "/resources/{resourceArn}/restore-jobs/"}
    assert model.operation_model("ListProtectedResources").input_shape.members["MaxResults"].metadata["max"] \
        == RESOURCES_MAX_RESULTS


def test_resources_page_by_account_and_region(aws_backup: BackupEmulator) -> None:  # noqa: F811
    data = estate(NOW, (ME, OTHER), ("us-east-1", "eu-west-1"), 10)
    aws_backup.load(jobs=data.jobs)
    aws_backup.api.load_resources(data.resources)
    mine = [r for r in data.resources if (r.account_id, r.region) == (ME, "us-east-1")]
    read = pages(backup_client(aws_backup, "us-east-1"), "list_protected_resources")
    assert len(read) == 3  # 10 resources, 4 a page
    rows = [row for page in read for row in page["Results"]]
    assert [row["ResourceArn"] for row in rows] == sorted(r.arn for r in mine)
    first = next(r for r in mine if r.arn == rows[0]["ResourceArn"])
    assert rows[0] == {"ResourceArn": first.arn, "ResourceType": first.resource_type, "ResourceName": first.name,
                       "LastBackupTime": first.last_backup, "LastRecoveryPointArn": first.last_recovery_point_arn,
                       "LastBackupVaultArn": first.vault_arn}
    theirs = [row["ResourceArn"] for page in pages(as_other(aws_backup, "eu-west-1"), "list_protected_resources")
              for row in page["Results"]]
    assert theirs == sorted(r.arn for r in data.resources if (r.account_id, r.region) == (OTHER, "eu-west-1"))


def test_describe_and_jobs_agree_with_list_restore_jobs(aws_backup: BackupEmulator) -> None:  # noqa: F811
    data = estate(NOW, (ME,), ("us-east-1",), 10, jobs_per_story=5)
    aws_backup.load(jobs=data.jobs)
    aws_backup.api.load_resources(data.resources)
    client = backup_client(aws_backup, "us-east-1")
    arn = next(a for a, story in data.stories.items() if story == "completed")
    mine = sorted((j for j in data.jobs if j.source_resource_arn == arn), key=lambda j: j.created, reverse=True)
    read = pages(client, "list_restore_jobs_by_protected_resource", ResourceArn=arn)
    assert len(read) == 2
    rows = [row for page in read for row in page["RestoreJobs"]]
    assert [row["RestoreJobId"] for row in rows] == [j.job_id for j in mine]
    assert rows[0]["RecoveryPointCreationDate"] == recovery_point_created(mine[0])
    described = client.describe_protected_resource(ResourceArn=arn)
    assert described["LatestRestoreJobCreationDate"] == mine[0].created
    assert described["LatestRestoreExecutionTimeMinutes"] == 40
    failed = pages(client, "list_restore_jobs_by_protected_resource", ResourceArn=arn, ByStatus="FAILED")
    assert [row for page in failed for row in page["RestoreJobs"]] == []
    never = next(a for a, story in data.stories.items() if story == "never")
    assert "LatestRestoreJobCreationDate" not in client.describe_protected_resource(ResourceArn=never)


def test_unknown_resources_and_other_accounts_are_not_found(aws_backup: BackupEmulator) -> None:  # noqa: F811
    data = estate(NOW, (ME,), ("us-east-1",), 2)
    aws_backup.api.load_resources(data.resources)
    for client, arn in ((backup_client(aws_backup, "us-east-1"), "arn:aws:rds:us-east-1:111122223333:db:nope"),
                        (as_other(aws_backup, "us-east-1"), data.resources[0].arn),
                        (backup_client(aws_backup, "eu-west-1"), data.resources[0].arn)):
        with pytest.raises(ClientError) as caught:
            client.describe_protected_resource(ResourceArn=arn)
        assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_tagged_resources_page_through_the_tagging_api(aws_backup: BackupEmulator) -> None:  # noqa: F811
    data = estate(NOW, (ME, OTHER), ("us-east-1",), 32)
    aws_backup.api.load_resources(data.resources)
    tagging = boto3.client("resourcegroupstaggingapi", region_name="us-east-1", endpoint_url=aws_backup.url,
                           aws_access_key_id="x", aws_secret_access_key="y")
    assert tagging.meta.service_model.metadata["targetPrefix"] + ".GetResources" == GET_RESOURCES_TARGET
    read = pages(tagging, "get_resources", TagFilters=[{"Key": "restore-critical", "Values": ["true"]}],
                 ResourcesPerPage=1)
    assert len(read) == 2  # 2 tagged resources of the caller (the 7th and the 32nd), 1 a page
    found = [m["ResourceARN"] for page in read for m in page["ResourceTagMappingList"]]
    assert found == sorted(r.arn for r in data.resources if r.account_id == ME and ("restore-critical", "true") in r.tags)
    assert read[0]["ResourceTagMappingList"][0]["Tags"] == [{"Key": "restore-critical", "Value": "true"}]
    untagged = pages(tagging, "get_resources", TagFilters=[{"Key": "restore-critical", "Values": ["false"]}])
    assert [m for page in untagged for m in page["ResourceTagMappingList"]] == []
    teams = pages(tagging, "get_resources", TagFilters=[{"Key": "team"}])
    assert len([m for page in teams for m in page["ResourceTagMappingList"]]) == 30  # a key alone matches any value


def test_a_token_is_bound_to_its_query(aws_backup: BackupEmulator) -> None:  # noqa: F811
    data = estate(NOW, (ME,), ("us-east-1",), 10)
    aws_backup.api.load_resources(data.resources)
    client = backup_client(aws_backup, "us-east-1")
    token = client.list_protected_resources()["NextToken"]
    with pytest.raises(ClientError) as caught:
        client.list_restore_jobs_by_protected_resource(ResourceArn=data.resources[0].arn, NextToken=token)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_the_sample_tells_its_story() -> None:
    with sample_emulator(NOW) as emulator:
        client = boto3.client("backup", region_name="us-east-1", endpoint_url=emulator.url,
                              aws_access_key_id="x", aws_secret_access_key="y")
        arns = {row["ResourceArn"] for page in pages(client, "list_protected_resources") for row in page["Results"]}
        assert LEDGER_DB in arns and NEVER_RESTORED[0] in arns
        ledger = [row for page in pages(client, "list_restore_jobs_by_protected_resource", ResourceArn=LEDGER_DB)
                  for row in page["RestoreJobs"]]
        assert ledger and {row["Status"] for row in ledger} == {"FAILED"}
        assert all("KMS" in row["StatusMessage"] for row in ledger)
        never = pages(client, "list_restore_jobs_by_protected_resource", ResourceArn=NEVER_RESTORED[0])
        assert [row for page in never for row in page["RestoreJobs"]] == []
        orders = [r for r in emulator.api.resources if r.name == "orders-db" and r.account_id == ME]
        assert [r.region for r in orders] == ["us-east-1"]  # `resource orders-db` names one of the bot's own
        assert recovery_point_created(emulator.jobs[0]) <= emulator.jobs[0].created
        assert NOW - timedelta(days=1) < max(r.last_backup for r in orders if r.last_backup) <= NOW
