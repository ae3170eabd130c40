"""The loopback AWS Backup emulator (the HTTP shell) and the tests' fake around it, driven by real boto3 clients."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError, ReadTimeoutError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sample.data import SPIKE_DAYS_AGO, sample_emulator
from bot.sample.estate import SAMPLE_CALLER_ACCOUNT
from bot.sample.records import DailyCount, RestoreJob
from tests.fakes.aws import (  # noqa: F401 - fixture
    BackupEmulator,
    Fault,
    access_denied,
    aws_backup,
    backup_client,
    expected_sum,
    multi_page_counts,
    slow,
    throttling,
    unavailable,
)

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
TODAY = NOW.date()
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
ME, OTHER, THIRD = "111122223333", "444455556666", "777788889999"
TYPES = ("EBS", "RDS", "EFS", "DynamoDB")


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def all_summaries(client: Any, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Follow NextToken by hand (botocore has no paginator for this operation); returns rows and page count."""
    rows: list[dict[str, Any]] = []
    pages = 0
    token: str | None = None
    while True:
        response = client.list_restore_job_summaries(**params, **({"NextToken": token} if token else {}))
        pages += 1
        assert response["AggregationPeriod"] == params.get("AggregationPeriod", "SEVEN_DAYS")
        rows.extend(response["RestoreJobSummaries"])
        token = response.get("NextToken")
        if token is None:
            return rows, pages


@pytest.fixture
def emu(aws_backup: BackupEmulator) -> BackupEmulator:  # noqa: F811 - pytest fixture injection
    aws_backup.set_now(NOW)
    aws_backup.load(counts=multi_page_counts(REGIONS, (ME, OTHER, THIRD), TYPES, days=16, today=TODAY))
    return aws_backup


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[BackupEmulator]:
    # Hypothesis dislikes function-scoped fixtures, so property tests share one server.
    with BackupEmulator(now=lambda: NOW, page_size=3) as emulator:
        yield emulator


# --------------------------------------------------------------------------- regions and pagination


def test_each_region_sees_only_its_own_counts(emu: BackupEmulator) -> None:
    for region in REGIONS:
        rows, _ = all_summaries(backup_client(emu, region), AggregationPeriod="FOURTEEN_DAYS", AccountId="ANY")
        assert rows, region
        assert {row["Region"] for row in rows} == {region}
        assert sum(row["Count"] for row in rows) == expected_sum(
            emu.counts, region=region, start=TODAY - timedelta(days=14), end=TODAY
        )
        assert {r.region for r in emu.calls(region=region)} == {region}
    assert {r.region for r in emu.calls("/audit/restore-job-summaries")} == set(REGIONS)


def test_following_next_token_over_many_pages_adds_up(emu: BackupEmulator) -> None:
    client = backup_client(emu, "eu-west-1")
    rows, pages = all_summaries(client, AggregationPeriod="ONE_DAY", AccountId="ANY")

    assert pages > 10  # page_size=4 against hundreds of rows
    assert all(len(r.params) >= 2 for r in emu.calls(region="eu-west-1"))
    keys = [(r["StartTime"], r["AccountId"], r["State"], r["ResourceType"]) for r in rows]
    assert keys == sorted(keys), "rows must come in a stable order across pages"
    assert len(set(keys)) == len(keys), "no row may repeat across pages"
    for state in ("COMPLETED", "FAILED", "ABORTED"):
        for account in (ME, OTHER, THIRD):
            got = sum(r["Count"] for r in rows if r["State"] == state and r["AccountId"] == account)
            want = expected_sum(
                emu.counts, region="eu-west-1", state=state, account_id=account,
                start=TODAY - timedelta(days=14), end=TODAY,
            )
            assert got == want, (state, account)


def test_max_results_smaller_than_page_size_is_honoured(emu: BackupEmulator) -> None:
    client = backup_client(emu, "us-east-1")
    first = client.list_restore_job_summaries(AggregationPeriod="ONE_DAY", MaxResults=2)
    second = client.list_restore_job_summaries(AggregationPeriod="ONE_DAY", MaxResults=2, NextToken=first["NextToken"])
    big = client.list_restore_job_summaries(AggregationPeriod="ONE_DAY", MaxResults=500)

    assert len(first["RestoreJobSummaries"]) == len(second["RestoreJobSummaries"]) == 2
    assert len(big["RestoreJobSummaries"]) == emu.page_size  # the server's page size caps MaxResults
    assert first["RestoreJobSummaries"] + second["RestoreJobSummaries"] == big["RestoreJobSummaries"]


def test_last_page_has_no_next_token(emu: BackupEmulator) -> None:
    emu.load(counts=[DailyCount("us-east-1", ME, "FAILED", "EBS", TODAY - timedelta(days=1), 3)])
    response = backup_client(emu, "us-east-1").list_restore_job_summaries()
    assert "NextToken" not in response
    assert [r["Count"] for r in response["RestoreJobSummaries"]] == [3]


# --------------------------------------------------------------------------- time windows


def test_one_day_rows_are_utc_midnight_buckets_for_the_prior_14_days(emu: BackupEmulator) -> None:
    rows, _ = all_summaries(backup_client(emu, "us-east-1"), AggregationPeriod="ONE_DAY")

    starts = {r["StartTime"] for r in rows}
    assert starts == {midnight(TODAY - timedelta(days=d)) for d in range(1, 15)}
    for row in rows:
        # botocore turns rest-json epoch seconds into timezone-aware datetimes.
        assert row["StartTime"].utcoffset() is not None
        assert row["EndTime"] - row["StartTime"] == timedelta(days=1)
        day = row["StartTime"].astimezone(UTC).date()
        assert row["Count"] == expected_sum(
            emu.counts, region="us-east-1", account_id=ME, state=row["State"],
            resource_type=row["ResourceType"], start=day, end=day + timedelta(days=1),
        )


@pytest.mark.parametrize(("period", "days"), [("SEVEN_DAYS", 7), ("FOURTEEN_DAYS", 14), (None, 7)])
def test_multi_day_periods_give_one_row_per_group(emu: BackupEmulator, period: str | None, days: int) -> None:
    params = {"AggregationPeriod": period} if period else {}
    emu.page_size = 100
    response = backup_client(emu, "ap-southeast-2").list_restore_job_summaries(**params)
    rows = response["RestoreJobSummaries"]

    assert "NextToken" not in response
    assert response["AggregationPeriod"] == (period or "SEVEN_DAYS")  # absent period is echoed as the default
    assert {(r["StartTime"], r["EndTime"]) for r in rows} == {(midnight(TODAY - timedelta(days=days)), midnight(TODAY))}
    groups = [(r["State"], r["ResourceType"]) for r in rows]
    assert len(groups) == len(set(groups))
    for row in rows:
        assert row["Count"] == expected_sum(
            emu.counts, region="ap-southeast-2", account_id=ME, state=row["State"],
            resource_type=row["ResourceType"], start=TODAY - timedelta(days=days), end=TODAY,
        )


def test_todays_jobs_and_zero_counts_are_not_reported(emu: BackupEmulator) -> None:
    emu.load(
        counts=[
            DailyCount("us-east-1", ME, "RUNNING", "EBS", TODAY, 5),  # today is not a full day yet
            DailyCount("us-east-1", ME, "FAILED", "EFS", TODAY - timedelta(days=2), 0),
            DailyCount("us-east-1", ME, "FAILED", "RDS", TODAY - timedelta(days=15), 4),  # too old
            DailyCount("us-east-1", ME, "COMPLETED", "RDS", TODAY - timedelta(days=14), 2),
        ]
    )
    rows, _ = all_summaries(backup_client(emu, "us-east-1"), AggregationPeriod="FOURTEEN_DAYS")
    assert [(r["State"], r["ResourceType"], r["Count"]) for r in rows] == [("COMPLETED", "RDS", 2)]


# --------------------------------------------------------------------------- grouping


def test_any_splits_and_aggregate_all_sums(emu: BackupEmulator) -> None:
    emu.page_size = 1000
    client = backup_client(emu, "us-east-1")
    start, end = TODAY - timedelta(days=7), TODAY

    by_state = client.list_restore_job_summaries(State="ANY", ResourceType="AGGREGATE_ALL", AccountId="ANY")
    rows = by_state["RestoreJobSummaries"]
    assert {r["State"] for r in rows} == {"COMPLETED", "FAILED", "ABORTED"}
    assert {r["ResourceType"] for r in rows} == {"AGGREGATE_ALL"}
    assert {r["AccountId"] for r in rows} == {ME, OTHER, THIRD}
    for row in rows:
        assert row["Count"] == expected_sum(
            emu.counts, region="us-east-1", state=row["State"], account_id=row["AccountId"], start=start, end=end
        )

    total = client.list_restore_job_summaries(
        State="AGGREGATE_ALL", ResourceType="AGGREGATE_ALL", AccountId="AGGREGATE_ALL"
    )
    [only] = total["RestoreJobSummaries"]
    assert (only["AccountId"], only["State"], only["ResourceType"]) == ("AGGREGATE_ALL",) * 3
    assert only["Count"] == expected_sum(emu.counts, region="us-east-1", start=start, end=end)
    assert only["Count"] == sum(r["Count"] for r in rows)


def test_concrete_filters_are_exact_and_case_sensitive(emu: BackupEmulator) -> None:
    client = backup_client(emu, "eu-west-1")
    response = client.list_restore_job_summaries(State="FAILED", ResourceType="EBS", AccountId=OTHER)
    failed_ebs = response["RestoreJobSummaries"]
    assert [(r["State"], r["ResourceType"], r["AccountId"]) for r in failed_ebs] == [("FAILED", "EBS", OTHER)]
    assert failed_ebs[0]["Count"] == expected_sum(
        emu.counts, region="eu-west-1", state="FAILED", resource_type="EBS", account_id=OTHER,
        start=TODAY - timedelta(days=7), end=TODAY,
    )
    assert client.list_restore_job_summaries(ResourceType="ebs")["RestoreJobSummaries"] == []


def test_absent_account_means_the_callers_own_account(emu: BackupEmulator) -> None:
    rows, _ = all_summaries(backup_client(emu, "us-east-1"), AggregationPeriod="ONE_DAY")
    assert {r["AccountId"] for r in rows} == {ME}
    assert sum(r["Count"] for r in rows) == expected_sum(
        emu.counts, region="us-east-1", account_id=ME, start=TODAY - timedelta(days=14), end=TODAY
    )


def test_member_account_is_silently_restricted_to_itself(emu: BackupEmulator) -> None:
    emu.org_admin = False
    emu.page_size = 1000
    client = backup_client(emu, "us-east-1")
    mine = expected_sum(emu.counts, region="us-east-1", account_id=ME, start=TODAY - timedelta(days=7), end=TODAY)
    everyone = expected_sum(emu.counts, region="us-east-1", start=TODAY - timedelta(days=7), end=TODAY)
    assert mine < everyone  # otherwise the test would prove nothing

    any_rows = client.list_restore_job_summaries(AccountId="ANY")["RestoreJobSummaries"]
    assert {r["AccountId"] for r in any_rows} == {ME}
    assert sum(r["Count"] for r in any_rows) == mine

    [aggregated] = client.list_restore_job_summaries(
        AccountId="AGGREGATE_ALL", State="AGGREGATE_ALL", ResourceType="AGGREGATE_ALL"
    )["RestoreJobSummaries"]
    assert aggregated["Count"] == mine

    assert client.list_restore_job_summaries(AccountId=OTHER)["RestoreJobSummaries"] == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    counts=st.lists(
        st.builds(
            DailyCount,
            region=st.sampled_from(REGIONS),
            account_id=st.sampled_from((ME, OTHER)),
            state=st.sampled_from(("COMPLETED", "FAILED", "RUNNING")),
            resource_type=st.sampled_from(("EBS", "RDS", "S3")),
            day=st.integers(0, 16).map(lambda d: TODAY - timedelta(days=d)),
            count=st.integers(0, 50),
        ),
        max_size=40,
    ),
    state=st.sampled_from(("ANY", "AGGREGATE_ALL", "FAILED", None)),
    resource_type=st.sampled_from(("ANY", "AGGREGATE_ALL", "RDS", None)),
    account=st.sampled_from(("ANY", "AGGREGATE_ALL", OTHER, None)),
    period=st.sampled_from(("ONE_DAY", "SEVEN_DAYS", "FOURTEEN_DAYS")),
)
def test_any_query_adds_up_to_an_independent_sum(
    shared_emulator: BackupEmulator,
    counts: list[DailyCount],
    state: str | None,
    resource_type: str | None,
    account: str | None,
    period: str,
) -> None:
    shared_emulator.load(counts=counts)
    params = {"State": state, "ResourceType": resource_type, "AccountId": account, "AggregationPeriod": period}
    rows, _ = all_summaries(
        backup_client(shared_emulator, "eu-west-1"), **{k: v for k, v in params.items() if v is not None}
    )

    window_days = 7 if period == "SEVEN_DAYS" else 14

    def concrete(value: str | None) -> str | None:
        return None if value in ("ANY", "AGGREGATE_ALL", None) else value

    want = expected_sum(
        counts, region="eu-west-1", state=concrete(state), resource_type=concrete(resource_type),
        account_id=ME if account is None else concrete(account),
        start=TODAY - timedelta(days=window_days), end=TODAY,
    )
    assert sum(r["Count"] for r in rows) == want
    assert all(r["Count"] > 0 for r in rows)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("params", "parameter", "value"),
    [
        ({"State": "BROKEN"}, "State", "BROKEN"),
        ({"State": "any"}, "State", "any"),
        ({"AggregationPeriod": "ONE_WEEK"}, "AggregationPeriod", "ONE_WEEK"),
        ({"ResourceType": "EBS volume"}, "ResourceType", "EBS volume"),
        ({"ResourceType": "x" * 51}, "ResourceType", "x" * 51),
        ({"AccountId": "12345"}, "AccountId", "12345"),
        ({"AccountId": "all"}, "AccountId", "all"),
        ({"MaxResults": 501}, "MaxResults", "501"),
        ({"NextToken": "not-a-token"}, "NextToken", "not-a-token"),
    ],
)
def test_invalid_parameters_are_rejected_like_the_service(
    emu: BackupEmulator, params: dict[str, Any], parameter: str, value: str
) -> None:
    with pytest.raises(ClientError) as caught:
        backup_client(emu, "us-east-1").list_restore_job_summaries(**params)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert parameter in error["Message"] and value in error["Message"]


def test_next_token_is_bound_to_its_query_and_region(emu: BackupEmulator) -> None:
    client = backup_client(emu, "us-east-1")
    token = client.list_restore_job_summaries(AggregationPeriod="ONE_DAY")["NextToken"]

    with pytest.raises(ClientError, match="different query"):
        client.list_restore_job_summaries(AggregationPeriod="ONE_DAY", State="FAILED", NextToken=token)
    with pytest.raises(ClientError, match="different query"):
        backup_client(emu, "eu-west-1").list_restore_job_summaries(AggregationPeriod="ONE_DAY", NextToken=token)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(ClientError, match="not a pagination token"):
        client.list_restore_job_summaries(AggregationPeriod="ONE_DAY", NextToken=forged)
    # The token stays valid for its own query, and MaxResults may change between pages.
    resumed = client.list_restore_job_summaries(AggregationPeriod="ONE_DAY", NextToken=token, MaxResults=1)
    assert len(resumed["RestoreJobSummaries"]) == 1


def test_botocore_checks_only_minimums_client_side(emu: BackupEmulator) -> None:
    client = backup_client(emu, "us-east-1")
    with pytest.raises(ParamValidationError, match="MaxResults"):
        client.list_restore_job_summaries(MaxResults=0)
    assert emu.calls() == []  # never left the client
    with pytest.raises(ClientError):
        client.list_restore_job_summaries(State="NOPE")  # enums are not checked client-side
    assert [r.params for r in emu.calls()] == [{"State": "NOPE"}]


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("fault", "status", "code", "message"),
    [
        (unavailable(), 503, "ServiceUnavailableException", "Service is unavailable"),
        (throttling(), 400, "ThrottlingException", "Rate exceeded"),
        (access_denied(), 403, "AccessDeniedException", "not authorized to perform: backup:ListRestoreJobSummaries"),
        (Fault(status=500, error_type="InternalFailure", message="boom"), 500, "InternalFailure", "boom"),
    ],
)
def test_faults_surface_as_client_errors_without_retries(
    emu: BackupEmulator, fault: Fault, status: int, code: str, message: str
) -> None:
    emu.set_fault("eu-west-1", fault)
    with pytest.raises(ClientError) as caught:
        backup_client(emu, "eu-west-1", attempts=1).list_restore_job_summaries()
    assert caught.value.response["Error"]["Code"] == code
    assert message in caught.value.response["Error"]["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    # Other regions are unaffected.
    assert backup_client(emu, "us-east-1", attempts=1).list_restore_job_summaries()["RestoreJobSummaries"]


def test_botocore_retries_transient_faults_but_not_access_denied(emu: BackupEmulator) -> None:
    emu.set_fault("eu-west-1", unavailable())
    with pytest.raises(ClientError) as caught:
        backup_client(emu, "eu-west-1", attempts=3).list_restore_job_summaries()
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(emu.calls(region="eu-west-1")) == 3

    emu.reset()
    emu.set_fault("eu-west-1", access_denied())
    with pytest.raises(ClientError, match="AccessDenied"):
        backup_client(emu, "eu-west-1", attempts=3).list_restore_job_summaries()
    assert len(emu.calls(region="eu-west-1")) == 1


def test_config_max_attempts_counts_retries_not_attempts(emu: BackupEmulator) -> None:
    # The brief-friendly spelling retries={"max_attempts": 1} still retries once;
    # only total_max_attempts=1 shows the raw error after a single request.
    emu.set_fault("us-east-1", unavailable())
    client = boto3.client(
        "backup", region_name="us-east-1", endpoint_url=emu.url,
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    with pytest.raises(ClientError, match="ServiceUnavailable"):
        client.list_restore_job_summaries()
    assert [r.status for r in emu.calls()] == [503, 503]

    emu.reset()
    emu.set_fault("us-east-1", unavailable())
    with pytest.raises(ClientError, match="ServiceUnavailable"):
        backup_client(emu, "us-east-1", attempts=1).list_restore_job_summaries()
    assert [r.status for r in emu.calls()] == [503]


@pytest.mark.parametrize("fault", [unavailable(times=1), throttling(times=1)], ids=["503", "throttling"])
def test_a_one_off_fault_is_absorbed_by_botocore_retries(emu: BackupEmulator, fault: Fault) -> None:
    emu.set_fault("us-east-1", fault)
    response = backup_client(emu, "us-east-1", attempts=3).list_restore_job_summaries()

    assert response["RestoreJobSummaries"]
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [r.status for r in emu.calls(region="us-east-1")] == [fault.status, 200]
    assert fault.times == 1  # the emulator counts down its own copy


def test_fault_times_counts_down_then_region_recovers(emu: BackupEmulator) -> None:
    emu.set_fault("us-east-1", unavailable(times=2))
    client = backup_client(emu, "us-east-1", attempts=1)
    for _ in range(2):
        with pytest.raises(ClientError):
            client.list_restore_job_summaries()
    assert client.list_restore_job_summaries()["RestoreJobSummaries"]

    emu.set_fault("*", throttling())
    emu.set_fault("eu-west-1", None)
    with pytest.raises(ClientError, match="Throttling"):
        client.list_restore_job_summaries()
    emu.clear_faults()
    assert client.list_restore_job_summaries()["RestoreJobSummaries"]


def test_latency_slows_only_the_faulty_region(emu: BackupEmulator) -> None:
    emu.set_fault("ap-southeast-2", slow(0.3))
    started = time.monotonic()
    assert backup_client(emu, "ap-southeast-2").list_restore_job_summaries()["RestoreJobSummaries"]
    assert time.monotonic() - started >= 0.3

    started = time.monotonic()
    backup_client(emu, "us-east-1").list_restore_job_summaries()
    assert time.monotonic() - started < 0.3


def test_latency_beyond_the_read_timeout_times_out(emu: BackupEmulator) -> None:
    emu.set_fault("eu-west-1", unavailable(latency=1.0))
    client = backup_client(emu, "eu-west-1", attempts=1, read_timeout=0.2, connect_timeout=0.2)
    with pytest.raises(ReadTimeoutError):
        client.list_restore_job_summaries()


def test_requests_are_served_concurrently(emu: BackupEmulator) -> None:
    emu.set_fault("*", slow(0.25))
    clients = [backup_client(emu, region) for region in REGIONS for _ in range(3)]
    started = time.monotonic()
    with ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(lambda c: c.list_restore_job_summaries(), clients))
    assert time.monotonic() - started < 0.25 * 3  # 9 sequential calls would take 2.25 s
    assert all(r["RestoreJobSummaries"] for r in results)


# --------------------------------------------------------------------------- authentication and routing


def raw_get(emu: BackupEmulator, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(emu.url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


FAKE_SIG = "0" * 64


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "MissingAuthenticationTokenException"),
        ("Bearer abc", "IncompleteSignatureException"),
        ("AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/backup/aws4_request", "IncompleteSignatureException"),
        (
            f"AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/s3/aws4_request, "
            f"SignedHeaders=host, Signature={FAKE_SIG}",
            "IncompleteSignatureException",
        ),
    ],
)
def test_requests_without_a_backup_sigv4_signature_are_forbidden(
    emu: BackupEmulator, authorization: str | None, code: str
) -> None:
    status, body = raw_get(
        emu, "/audit/restore-job-summaries?State=ANY", {"Authorization": authorization} if authorization else {}
    )
    assert (status, body["__type"]) == (403, code)
    [recorded] = emu.calls()
    assert recorded.signed is False and recorded.status == 403 and recorded.params == {"State": "ANY"}


def test_unknown_operations_get_404(emu: BackupEmulator) -> None:
    header = (
        "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/backup/aws4_request, "
        f"SignedHeaders=host, Signature={FAKE_SIG}"
    )
    status, body = raw_get(emu, "/backup-jobs/", {"Authorization": header})
    assert (status, body["__type"]) == (404, "UnknownOperationException")
    assert emu.calls()[0].region == "us-east-1"


def test_signatures_are_verified_when_credentials_are_configured() -> None:
    with BackupEmulator(credentials={"AKIDGOOD": "s3cret"}, now=lambda: NOW) as strict:
        def client(key: str, secret: str) -> Any:
            return boto3.client(
                "backup", region_name="eu-west-1", endpoint_url=strict.url,
                aws_access_key_id=key, aws_secret_access_key=secret,
                config=Config(retries={"mode": "standard", "max_attempts": 1}),
            )

        signed_right = client("AKIDGOOD", "s3cret").list_restore_job_summaries(State="FAILED", MaxResults=7)
        assert signed_right["RestoreJobSummaries"] == []
        with pytest.raises(ClientError) as wrong_secret:
            client("AKIDGOOD", "guess").list_restore_job_summaries()
        assert wrong_secret.value.response["Error"]["Code"] == "InvalidSignatureException"
        with pytest.raises(ClientError) as wrong_key:
            client("AKIDBAD", "s3cret").list_restore_job_summaries()
        assert wrong_key.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_fixture_environment_routes_default_clients_to_the_emulator(emu: BackupEmulator) -> None:
    response = boto3.client("backup").list_restore_job_summaries()  # endpoint, region and keys from the env
    assert {r["Region"] for r in response["RestoreJobSummaries"]} == {"us-east-1"}
    assert emu.calls()[0].signed and emu.calls()[0].region == "us-east-1"


def test_stop_is_prompt_with_keep_alive_connections_and_start_is_idempotent() -> None:
    emulator = BackupEmulator(now=lambda: NOW)
    assert emulator.start() is emulator.start()
    client = boto3.client(
        "backup", region_name="us-east-1", endpoint_url=emulator.url,
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    client.list_restore_job_summaries()  # leaves a pooled keep-alive connection open
    emulator.set_fault("us-east-1", slow(30))  # a handler stuck sleeping must not block stop()
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.list_restore_job_summaries)
        time.sleep(0.1)
        started = time.monotonic()
        emulator.stop()
        assert time.monotonic() - started < 1.0
        done, _ = wait([pending], timeout=5)
        assert done  # the sleeping request ended (answered or cut off) instead of hanging for 30 s
    assert not emulator.running
    with pytest.raises(RuntimeError):
        _ = emulator.url
    emulator.stop()  # stopping twice is harmless


# --------------------------------------------------------------------------- ListRestoreJobs


PLAN_ARN = "arn:aws:backup:eu-west-1:111122223333:restore-testing-plan:p"
KMS_MESSAGE = "Access denied to KMS key arn:aws:kms:eu-west-1:111122223333:key/k"


def make_jobs() -> list[RestoreJob]:
    jobs = []
    for i in range(12):
        created = NOW - timedelta(hours=6 * i + 1)
        status = ("COMPLETED", "FAILED", "RUNNING")[i % 3]
        jobs.append(
            RestoreJob(
                region="eu-west-1",
                account_id=ME if i < 10 else OTHER,
                job_id=f"JOB-{i:02d}",
                status=status,
                resource_type="EBS" if i % 2 else "RDS",
                created=created,
                status_message=KMS_MESSAGE if status == "FAILED" else "",
                recovery_point_arn=f"arn:aws:ec2:eu-west-1::snapshot/snap-{i:04d}",
                restore_testing_plan_arn=PLAN_ARN if i % 4 == 0 else None,
                validation_status="SUCCESSFUL" if i % 4 == 0 and status == "COMPLETED" else None,
                completion=None if status == "RUNNING" else created + timedelta(minutes=20),
            )
        )
    jobs.append(RestoreJob("us-east-1", ME, "JOB-US", "FAILED", "EBS", NOW - timedelta(hours=2)))
    return jobs


def test_list_restore_jobs_paginates_newest_first(emu: BackupEmulator) -> None:
    emu.load(jobs=make_jobs())
    pages = list(backup_client(emu, "eu-west-1").get_paginator("list_restore_jobs").paginate())
    jobs = [job for page in pages for job in page["RestoreJobs"]]

    assert len(pages) == 3  # 10 of the caller's jobs at page_size 4
    assert [j["RestoreJobId"] for j in jobs] == [f"JOB-{i:02d}" for i in range(10)]
    assert all(j["AccountId"] == ME for j in jobs)
    by_id = {j["RestoreJobId"]: j for j in jobs}
    assert by_id["JOB-00"]["CreatedBy"] == {"RestoreTestingPlanArn": PLAN_ARN}
    assert by_id["JOB-00"]["ValidationStatus"] == "SUCCESSFUL"
    assert "CreatedBy" not in by_id["JOB-01"]
    assert "CompletionDate" not in by_id["JOB-02"]  # still running
    assert by_id["JOB-01"]["StatusMessage"].startswith("Access denied to KMS key")
    assert by_id["JOB-03"]["CreationDate"] == NOW - timedelta(hours=19)
    assert by_id["JOB-03"]["CompletionDate"] - by_id["JOB-03"]["CreationDate"] == timedelta(minutes=20)


def test_list_restore_jobs_filters(emu: BackupEmulator) -> None:
    emu.load(jobs=make_jobs())
    client = backup_client(emu, "eu-west-1")

    def ids(**params: Any) -> list[str]:
        pages = client.get_paginator("list_restore_jobs").paginate(**params)
        return [j["RestoreJobId"] for page in pages for j in page["RestoreJobs"]]

    assert ids(ByStatus="FAILED") == ["JOB-01", "JOB-04", "JOB-07"]
    assert ids(ByResourceType="EBS", ByStatus="FAILED") == ["JOB-01", "JOB-07"]
    assert ids(ByAccountId=OTHER) == ["JOB-10", "JOB-11"]
    # createdAfter is inclusive, createdBefore exclusive: [NOW-13h, NOW-1h) holds JOB-01 and JOB-02.
    window = {"ByCreatedAfter": NOW - timedelta(hours=13), "ByCreatedBefore": NOW - timedelta(hours=1)}
    assert ids(**window) == ["JOB-01", "JOB-02"]
    # Naive datetimes are sent as UTC by botocore.
    assert ids(ByCreatedAfter=(NOW - timedelta(hours=7)).replace(tzinfo=None)) == ["JOB-00", "JOB-01"]
    assert ids(ByCompleteAfter=NOW - timedelta(hours=19)) == ["JOB-00", "JOB-01", "JOB-03"]
    assert ids(ByRestoreTestingPlanArn=PLAN_ARN) == ["JOB-00", "JOB-04", "JOB-08"]
    assert backup_client(emu, "us-east-1").list_restore_jobs()["RestoreJobs"][0]["RestoreJobId"] == "JOB-US"
    sent = next(r.params for r in emu.calls("/restore-jobs/") if "createdBefore" in r.params)
    # botocore sends querystring timestamps as ISO 8601 in UTC with a "Z" suffix.
    assert (sent["createdAfter"], sent["createdBefore"]) == ("2026-11-25T21:30:00Z", "2026-11-26T09:30:00Z")


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"ByStatus": "CREATED"}, "status"), ({"MaxResults": 1001}, "maxResults"), ({"ByAccountId": "ANY"}, "accountId")],
)
def test_list_restore_jobs_validation(emu: BackupEmulator, params: dict[str, Any], parameter: str) -> None:
    with pytest.raises(ClientError) as caught:
        backup_client(emu, "eu-west-1").list_restore_jobs(**params)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert parameter in caught.value.response["Error"]["Message"]


def test_list_restore_jobs_shares_fault_injection(emu: BackupEmulator) -> None:
    emu.set_fault("eu-west-1", throttling(times=1))
    with pytest.raises(ClientError, match="Rate exceeded"):
        backup_client(emu, "eu-west-1", attempts=1).list_restore_jobs()
    assert backup_client(emu, "eu-west-1", attempts=1).list_restore_jobs()["RestoreJobs"] == []


# --------------------------------------------------------------------------- bundled sample


def test_sample_emulator_serves_the_sample_to_boto3() -> None:
    with sample_emulator(NOW) as emulator:
        assert emulator.caller_account == SAMPLE_CALLER_ACCOUNT and emulator.org_admin
        client = boto3.client(
            "backup", region_name="us-east-1", endpoint_url=emulator.url,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )
        rows, _ = all_summaries(client, AggregationPeriod="ONE_DAY", AccountId="ANY", State="FAILED")
        assert sum(r["Count"] for r in rows) == expected_sum(
            emulator.counts, region="us-east-1", state="FAILED", start=TODAY - timedelta(days=14), end=TODAY
        )
        spike_day = midnight(TODAY - timedelta(days=SPIKE_DAYS_AGO))
        jobs = [
            j
            for page in client.get_paginator("list_restore_jobs").paginate(
                ByAccountId="444455556666", ByStatus="FAILED", ByResourceType="EC2",
                ByCreatedAfter=spike_day, ByCreatedBefore=spike_day + timedelta(days=1),
            )
            for j in page["RestoreJobs"]
        ]
        [spike_row] = [
            r for r in rows
            if r["StartTime"] == spike_day and r["AccountId"] == "444455556666" and r["ResourceType"] == "EC2"
        ]
        assert len(jobs) == spike_row["Count"] >= 7  # drill-down matches the summary
        assert any("Insufficient capacity" in j["StatusMessage"] for j in jobs)
