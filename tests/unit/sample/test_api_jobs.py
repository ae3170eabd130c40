"""ListRestoreJobs without HTTP: one account's jobs, newest first, half-open time bounds, the service's errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.sample.api_model import ApiError
from bot.sample.backup_api import BackupApi
from bot.sample.records import RestoreJob

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
ME, OTHER = "111122223333", "444455556666"
REGION = "eu-west-1"


def job(job_id: str, hours_ago: int, status: str = "COMPLETED", *, account: str = ME, region: str = REGION,
        completed_after: int | None = 1) -> RestoreJob:
    created = NOW - timedelta(hours=hours_ago)
    completion = created + timedelta(hours=completed_after) if completed_after is not None else None
    return RestoreJob(region, account, job_id, status, "EBS", created, completion=completion)


def job_ids(api: BackupApi, **params: str) -> list[str]:
    ids: list[str] = []
    while True:
        body = api.list_restore_jobs(REGION, params)
        ids.extend(j["RestoreJobId"] for j in body["RestoreJobs"])
        if "NextToken" not in body:
            return ids
        params["nextToken"] = body["NextToken"]


def test_restore_jobs_are_one_accounts_newest_first_with_half_open_bounds() -> None:
    api = BackupApi(
        jobs=[job("A", 10), job("B", 5, "FAILED"), job("C", 1, "RUNNING", completed_after=None), job("D", 3, account=OTHER),
              job("E", 2, region="us-east-1")],
        page_size=1,
        now=NOW,
    )
    assert job_ids(api) == ["C", "B", "A"]
    assert job_ids(api, accountId=OTHER) == ["D"]
    assert job_ids(api, status="FAILED") == ["B"]
    after, before = (NOW - timedelta(hours=10)).isoformat(), (NOW - timedelta(hours=1)).isoformat()
    assert job_ids(api, createdAfter=after, createdBefore=before) == ["B", "A"]  # After inclusive, Before exclusive
    assert job_ids(api, completeAfter=(NOW - timedelta(hours=24)).isoformat()) == ["B", "A"]  # running: no completion
    assert job_ids(api, parentJobId="P") == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"status": "CREATED"}, "status"), ({"accountId": "ANY"}, "accountId"), ({"resourceType": "E B S"}, "resourceType"),
     ({"createdAfter": "yesterday"}, "createdAfter"), ({"maxResults": "1001"}, "maxResults")],
)
def test_invalid_job_parameters_raise_the_services_error(params: dict[str, str], parameter: str) -> None:
    with pytest.raises(ApiError) as caught:
        BackupApi(now=NOW).list_restore_jobs(REGION, params)
    assert caught.value.status == 400 and re.search(rf"parameter {parameter}\b", caught.value.message)
