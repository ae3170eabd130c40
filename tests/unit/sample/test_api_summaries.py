"""ListRestoreJobSummaries without HTTP: parameter validation, aggregation, windows and who sees which accounts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sample.api_model import AGGREGATION_PERIODS, ApiError
from bot.sample.backup_api import BackupApi
from bot.sample.records import DailyCount
from tests.fakes.aws import expected_sum

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
TODAY = NOW.date()
ME, OTHER = "111122223333", "444455556666"
REGION = "eu-west-1"


def summaries(api: BackupApi, region: str = REGION, **params: str) -> list[dict[str, Any]]:
    """Every row of a query, following NextToken."""
    rows: list[dict[str, Any]] = []
    while True:
        body = api.list_restore_job_summaries(region, params)
        rows.extend(body["RestoreJobSummaries"])
        if "NextToken" not in body:
            return rows
        params["NextToken"] = body["NextToken"]


def midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"State": "any"}, "State"),
        ({"AggregationPeriod": "ONE_WEEK"}, "AggregationPeriod"),
        ({"ResourceType": "EBS volume"}, "ResourceType"),
        ({"AccountId": "12345"}, "AccountId"),
        ({"MaxResults": "0"}, "MaxResults"),
        ({"MaxResults": "501"}, "MaxResults"),
        ({"MaxResults": "ten"}, "MaxResults"),
        ({"NextToken": "x.y"}, "NextToken"),
    ],
)
def test_invalid_summary_parameters_raise_the_services_error(params: dict[str, str], parameter: str) -> None:
    with pytest.raises(ApiError) as caught:
        BackupApi(now=NOW).list_restore_job_summaries(REGION, params)
    assert (caught.value.status, caught.value.error_type) == (400, "InvalidParameterValueException")
    assert f"parameter {parameter}:" in caught.value.message


# --------------------------------------------------------------------------- aggregation and windows


def test_any_gives_a_row_per_value_and_aggregate_all_sums() -> None:
    day = TODAY - timedelta(days=2)
    api = BackupApi(
        [
            DailyCount(REGION, ME, "FAILED", "EBS", day, 2),
            DailyCount(REGION, ME, "FAILED", "RDS", day, 3),
            DailyCount(REGION, OTHER, "COMPLETED", "EBS", day, 5),
            DailyCount("us-east-1", ME, "FAILED", "EBS", day, 100),  # another region
        ],
        page_size=100,
        now=NOW,
    )
    split = summaries(api, AccountId="ANY", State="ANY", ResourceType="ANY")
    assert sorted((r["AccountId"], r["State"], r["ResourceType"], r["Count"]) for r in split) == [
        (ME, "FAILED", "EBS", 2), (ME, "FAILED", "RDS", 3), (OTHER, "COMPLETED", "EBS", 5),
    ]
    [total] = summaries(api, AccountId="AGGREGATE_ALL", State="AGGREGATE_ALL", ResourceType="AGGREGATE_ALL")
    assert (total["AccountId"], total["State"], total["ResourceType"], total["Count"]) == ("AGGREGATE_ALL",) * 3 + (10,)
    by_state = summaries(api, AccountId="AGGREGATE_ALL", State="ANY", ResourceType="AGGREGATE_ALL")
    assert sorted((r["State"], r["Count"]) for r in by_state) == [("COMPLETED", 5), ("FAILED", 5)]


@pytest.mark.parametrize(("period", "days", "rows"), [("ONE_DAY", 1, 14), ("SEVEN_DAYS", 7, 1), ("FOURTEEN_DAYS", 14, 1)])
def test_windows_end_at_the_injected_clocks_midnight(period: str, days: int, rows: int) -> None:
    counts = [DailyCount(REGION, ME, "FAILED", "EBS", TODAY - timedelta(days=d), 1) for d in range(20)]
    api = BackupApi(counts, page_size=100, now=NOW)
    got = summaries(api, AggregationPeriod=period)

    assert len(got) == rows
    assert got[-1]["EndTime"] == midnight(TODAY)  # today is not a complete day yet
    assert all(r["EndTime"] - r["StartTime"] == days * 86400 for r in got)
    assert sum(r["Count"] for r in got) == (14 if period != "SEVEN_DAYS" else 7)

    api.set_now(NOW + timedelta(days=3))  # results follow the clock, never a stale page
    window = 7 if period == "SEVEN_DAYS" else 14
    assert summaries(api, AggregationPeriod=period)[0]["StartTime"] == midnight(TODAY + timedelta(days=3 - window))


COUNTS = st.lists(
    st.builds(
        DailyCount,
        region=st.sampled_from((REGION, "us-east-1")),
        account_id=st.sampled_from((ME, OTHER)),
        state=st.sampled_from(("COMPLETED", "FAILED", "RUNNING")),
        resource_type=st.sampled_from(("EBS", "RDS")),
        day=st.integers(0, 16).map(lambda d: TODAY - timedelta(days=d)),
        count=st.integers(0, 9),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(
    counts=COUNTS,
    state=st.sampled_from(("ANY", "AGGREGATE_ALL", "FAILED")),
    resource_type=st.sampled_from(("ANY", "AGGREGATE_ALL", "RDS")),
    account=st.sampled_from(("ANY", "AGGREGATE_ALL", OTHER, None)),
    period=st.sampled_from(AGGREGATION_PERIODS),
    page_size=st.integers(1, 5),
)
def test_every_row_is_an_independent_sum_of_its_group(
    counts: list[DailyCount], state: str, resource_type: str, account: str | None, period: str, page_size: int
) -> None:
    api = BackupApi(counts, page_size=page_size, now=NOW)
    params = {"State": state, "ResourceType": resource_type, "AggregationPeriod": period}
    if account is not None:
        params["AccountId"] = account
    rows = summaries(api, **params)

    def concrete(value: str) -> str | None:
        return None if value in ("ANY", "AGGREGATE_ALL") else value

    keys = [(r["StartTime"], r["AccountId"], r["State"], r["ResourceType"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    for row in rows:
        start = datetime.fromtimestamp(row["StartTime"], UTC).date()
        end = datetime.fromtimestamp(row["EndTime"], UTC).date()
        assert row["Count"] == expected_sum(
            counts, region=REGION, start=start, end=end,
            state=concrete(row["State"]), resource_type=concrete(row["ResourceType"]),
            account_id=ME if account is None else concrete(row["AccountId"]),
        )
    window = 7 if period == "SEVEN_DAYS" else 14
    assert sum(r["Count"] for r in rows) == expected_sum(
        counts, region=REGION, start=TODAY - timedelta(days=window), end=TODAY,
        state=concrete(state), resource_type=concrete(resource_type),
        account_id=ME if account is None else concrete(account),
    )

