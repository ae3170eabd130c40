"""What every operation shares, seen through ListRestoreJobSummaries: results follow the caller and the loaded data,
and pagination tokens are bound to their query, region and emulator."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.sample.api_model import ApiError
from bot.sample.backup_api import BackupApi
from bot.sample.records import DailyCount

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
TODAY = NOW.date()
ME, OTHER = "111122223333", "444455556666"
REGION = "eu-west-1"


def midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def total(api: BackupApi, **params: str) -> int:
    """The summed Count of a query's first page (page_size is set so that one page holds every row)."""
    return sum(row["Count"] for row in api.list_restore_job_summaries(REGION, params)["RestoreJobSummaries"])


def test_callers_and_loads_are_never_served_stale_results() -> None:
    day = TODAY - timedelta(days=1)
    api = BackupApi([DailyCount(REGION, ME, "FAILED", "EBS", day, 1), DailyCount(REGION, OTHER, "FAILED", "EBS", day, 2)],
                    page_size=100, now=NOW)
    assert total(api, AccountId="ANY") == 3
    api.org_admin = False  # a member account sees only itself
    assert total(api, AccountId="ANY") == 1
    api.caller_account = OTHER
    assert total(api, AccountId="ANY") == 2
    api.load(counts=[DailyCount(REGION, OTHER, "FAILED", "EBS", day, 7)])
    assert total(api, AccountId="ANY") == 7


def test_tokens_are_bound_to_their_query_region_and_emulator() -> None:
    counts = [DailyCount(r, ME, "FAILED", "EBS", TODAY - timedelta(days=d), 1) for r in (REGION, "us-east-1") for d in range(1, 6)]
    api = BackupApi(counts, page_size=2, now=NOW)
    token = api.list_restore_job_summaries(REGION, {"AggregationPeriod": "ONE_DAY"})["NextToken"]

    for region, params, error in [
        (REGION, {"AggregationPeriod": "ONE_DAY", "State": "FAILED"}, "different query"),
        ("us-east-1", {"AggregationPeriod": "ONE_DAY"}, "different query"),
    ]:
        with pytest.raises(ApiError, match=error):
            api.list_restore_job_summaries(region, dict(params, NextToken=token))
    with pytest.raises(ApiError, match="not a pagination token"):
        BackupApi(counts, now=NOW).list_restore_job_summaries(REGION, {"AggregationPeriod": "ONE_DAY", "NextToken": token})
    page = api.list_restore_job_summaries(REGION, {"AggregationPeriod": "ONE_DAY", "NextToken": token, "MaxResults": "1"})
    assert [r["StartTime"] for r in page["RestoreJobSummaries"]] == [midnight(TODAY - timedelta(days=3))]
