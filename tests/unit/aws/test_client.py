"""BackupService against AWS Backup answered in memory (botocore's before-send hook; no socket): summaries of several
regions and pages summed exactly, a failed or late region named once while the others still count, the page cap,
the drill-down's job cap with the jobs past it counted, and its per-account chains."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse

from bot.aws.client import BackupService
from bot.aws.plan import View
from bot.domain.query import AGGREGATE_ALL, ANY, Period, RestoreFilter, State
from bot.domain.results import FailureKind, JobsQuery, RegionFailure
from tests.unit.aws.conftest import Held

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
START = datetime(2027, 1, 1, tzinfo=UTC)
A1, A2, A3 = "111122223333", "444455556666", "777788889999"

# One request: (region, operation, its query parameters, one value each).
Request = tuple[str, str, dict[str, str]]
# What the fake answers a request with: the pages of its chain (each a list of items), or an error code.
Answer = Callable[[str, str, dict[str, str]], "list[list[dict[str, Any]]] | str"]


class Raw:
    """The body of a canned HTTP response, as urllib3's would be read."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self) -> Iterator[bytes]:
        yield self.body


ITEMS = {"ListRestoreJobSummaries": "RestoreJobSummaries", "ListRestoreJobs": "RestoreJobs"}
TOKENS = {"ListRestoreJobSummaries": "NextToken", "ListRestoreJobs": "nextToken"}


@dataclass
class FakeBackup:
    """AWS Backup in memory: `answer` gives a request's chain of pages (or an error code); the NextToken is the next
    page's index. `gate` (region -> a hold, such as Held.hold) holds a region's requests until it returns."""

    answer: Answer
    requests: list[Request] = field(default_factory=list)
    gate: dict[str, Callable[[], object]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        operation = event_name.rsplit(".", 1)[-1]
        url = urlsplit(request.url)
        region = str(url.hostname).split(".")[1]
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self.lock:
            self.requests.append((region, operation, params))
        if region in self.gate:
            self.gate[region]()
        pages = self.answer(region, operation, params)
        if isinstance(pages, str):
            body = {"__type": pages, "message": f"{pages} in {region}"}
            return AWSResponse(request.url, 400, {"x-amzn-errortype": pages}, Raw(json.dumps(body).encode()))
        index = int(params.get(TOKENS[operation], "0"))
        page: dict[str, Any] = {ITEMS[operation]: pages[index] if pages else []}
        if index + 1 < len(pages):
            page["NextToken"] = str(index + 1)
        if operation == "ListRestoreJobSummaries" and "AggregationPeriod" in params:
            page["AggregationPeriod"] = params["AggregationPeriod"]
        return AWSResponse(request.url, 200, {"x-amzn-requestid": "r-1"}, Raw(json.dumps(page).encode()))

    def calls(self, operation: str, region: str | None = None) -> list[dict[str, str]]:
        return [p for r, op, p in self.requests if op == operation and region in (None, r)]


# One loader for every test's session: reading botocore's model and endpoint files again costs ~50 ms a loader.
pytestmark = pytest.mark.usefixtures("shared_loader")


def service(fake: FakeBackup, **options: Any) -> BackupService:
    def session() -> boto3.session.Session:
        core = botocore.session.Session()
        made = boto3.session.Session(aws_access_key_id="AKIATEST", aws_secret_access_key="s", region_name="us-east-1",
                                     botocore_session=core)
        made.events.register("before-send.backup", fake)  # every client of this session, before any socket
        return made

    options.setdefault("max_workers", 8)
    return BackupService(session, **options)


@pytest.fixture
def close() -> Iterator[list[BackupService]]:
    made: list[BackupService] = []
    yield made
    for backup in made:
        backup.close()


def summary(region: str, state: str, count: int, *, account: str = "", resource_type: str = "EBS",
            day: int = 0) -> dict[str, Any]:
    start = START + timedelta(days=day)
    return {"Region": region, "AccountId": account, "State": state, "ResourceType": resource_type, "Count": count,
            "StartTime": start.timestamp(), "EndTime": (start + timedelta(days=1)).timestamp()}


def job(region: str, n: int, *, account: str = A1, status: str = "FAILED", resource_type: str = "EBS") -> dict[str, Any]:
    return {"AccountId": account, "RestoreJobId": f"{region}-{account}-{n}", "Status": status,
            "ResourceType": resource_type, "CreationDate": (START + timedelta(minutes=n)).timestamp()}


def by_type_pages(region: str, pages: int, per_page: int) -> list[list[dict[str, Any]]]:
    """`pages` pages of FAILED rows, the n-th row counting n + 1 jobs."""
    return [[summary(region, "FAILED", p * per_page + i + 1) for i in range(per_page)] for p in range(pages)]


def test_summaries_of_every_region_and_page_are_summed_exactly(close: list[BackupService]) -> None:
    pages = {"us-east-1": by_type_pages("us-east-1", 3, 4), "eu-west-1": by_type_pages("eu-west-1", 2, 5),
             "ap-southeast-2": by_type_pages("ap-southeast-2", 1, 1)}
    fake = FakeBackup(lambda region, op, params: pages[region])
    backup = service(fake)
    close.append(backup)
    result = backup.restore_job_summaries(RestoreFilter(state=State.FAILED, period=Period.SEVEN_DAYS, regions=REGIONS))
    assert result.failures == () and result.truncated == ()
    assert sum(r.count for r in result.rows) == sum(range(1, 13)) + sum(range(1, 11)) + 1 == 134
    assert {region: sum(r.count for r in result.rows if r.region == region) for region in REGIONS} == {
        "us-east-1": 78, "eu-west-1": 55, "ap-southeast-2": 1}
    # One chain a region serves every view (the bot's own account): each page asked once, the token followed.
    assert result.aws_calls == 6 == len(fake.requests)
    assert [p.get("NextToken") for p in fake.calls("ListRestoreJobSummaries", "us-east-1")] == [None, "1", "2"]
    assert fake.calls("ListRestoreJobSummaries", "eu-west-1")[0] == {
        "State": "FAILED", "ResourceType": ANY, "AggregationPeriod": "SEVEN_DAYS", "MaxResults": "500"}
    assert result.by_type_rows == result.rows and result.by_account_rows == result.rows
    assert result.answered_regions == REGIONS


def test_a_region_denied_is_a_typed_failure_and_the_other_regions_still_count(close: list[BackupService]) -> None:
    def answer(region: str, op: str, params: dict[str, str]) -> list[list[dict[str, Any]]] | str:
        return "AccessDeniedException" if region == "eu-west-1" else by_type_pages(region, 2, 3)

    backup = service(FakeBackup(answer))
    close.append(backup)
    result = backup.restore_job_summaries(RestoreFilter(state=State.FAILED, regions=REGIONS))
    assert result.failures == (RegionFailure("eu-west-1", FailureKind.ACCESS_DENIED,
                                             "access denied: grant `backup:ListRestoreJobSummaries` to the bot's IAM role"),)
    assert {r.region for r in result.rows} == {"us-east-1", "ap-southeast-2"}
    assert sum(r.count for r in result.rows) == 2 * sum(range(1, 7))
    assert result.answered_regions == ("us-east-1", "ap-southeast-2")


def test_a_region_whose_second_chain_fails_is_named_once_and_none_of_its_rows_count(close: list[BackupService]) -> None:
    """Over every account the per-account view has a chain of its own; a region that failed it shows in no view."""

    def answer(region: str, op: str, params: dict[str, str]) -> list[list[dict[str, Any]]] | str:
        if params.get("AccountId") == ANY:  # the per-account chain
            return "InvalidParameterValueException" if region == "us-east-1" else [[summary(region, "FAILED", 2, account=A1)]]
        return [[summary(region, "FAILED", 5)], [summary(region, "ABORTED", 1)]]

    backup = service(FakeBackup(answer))
    close.append(backup)
    result = backup.restore_job_summaries(RestoreFilter(state=State.ANY, account=ANY, regions=REGIONS))
    assert [(f.region, f.kind) for f in result.failures] == [("us-east-1", FailureKind.INVALID_PARAMETER)]
    assert {r.region for r in result.rows} == {r.region for r in result.by_account_rows} == {"eu-west-1", "ap-southeast-2"}
    assert sum(r.count for r in result.rows) == 12 and sum(r.count for r in result.by_account_rows) == 4
    assert result.account_rows is not None and result.type_rows is not None


def test_views_cut_to_a_channel_accounts_and_to_a_type_the_api_cannot_filter(close: list[BackupService]) -> None:
    def answer(region: str, op: str, params: dict[str, str]) -> list[list[dict[str, Any]]]:
        return [[summary(region, "FAILED", 1, account=A1, resource_type="SAP HANA on Amazon EC2"),
                 summary(region, "FAILED", 10, account=A2, resource_type="SAP HANA on Amazon EC2"),
                 summary(region, "FAILED", 100, account=A1, resource_type="EBS")]]

    fake = FakeBackup(answer)
    backup = service(fake)
    close.append(backup)
    flt = RestoreFilter(state=State.FAILED, resource_type="SAP HANA on Amazon EC2", account=ANY, regions=("us-east-1",),
                        visible_accounts=frozenset({A1}))
    result = backup.restore_job_summaries(flt)
    assert [r.count for r in result.rows] == [1]
    assert [r.count for r in result.by_account_rows] == [1] and [r.count for r in result.by_type_rows] == [1]
    # Neither the accounts nor the type could be summed by AWS: every chain keeps both.
    assert {(p["AccountId"], p["ResourceType"]) for p in fake.calls("ListRestoreJobSummaries")} == {(ANY, ANY)}


def test_a_sum_over_types_has_no_per_type_view(close: list[BackupService]) -> None:
    backup = service(FakeBackup(lambda region, op, params: [[summary(region, "FAILED", 3, resource_type=AGGREGATE_ALL)]]))
    close.append(backup)
    result = backup.restore_job_summaries(RestoreFilter(resource_type=AGGREGATE_ALL, regions=("us-east-1",)),
                                          (View.TOTALS, View.BY_TYPE))
    assert result.type_rows is None and [r.count for r in result.rows] == [3]


def test_the_page_cap_keeps_what_was_read_and_marks_the_region_truncated(close: list[BackupService]) -> None:
    pages = {"us-east-1": by_type_pages("us-east-1", 5, 2), "eu-west-1": by_type_pages("eu-west-1", 2, 2)}
    backup = service(FakeBackup(lambda region, op, params: pages[region]), max_pages=2)
    close.append(backup)
    result = backup.restore_job_summaries(RestoreFilter(state=State.FAILED, regions=("us-east-1", "eu-west-1")))
    assert result.truncated == ("us-east-1",) and result.failures == ()
    assert sum(r.count for r in result.rows if r.region == "us-east-1") == 1 + 2 + 3 + 4
    assert result.aws_calls == 4


def test_a_region_that_has_not_answered_by_the_deadline_times_out_and_the_rest_count(close: list[BackupService],
                                                                                     held: Held) -> None:
    # eu-west-1's requests are held until the answer is over; the fan-out's wait ends once only they are left, as it
    # would at the deadline.
    fake = FakeBackup(lambda region, op, params: by_type_pages(region, 1, 2), gate={"eu-west-1": held.hold})
    backup = service(fake, deadline_seconds=0.3)
    close.append(backup)
    try:
        result = backup.restore_job_summaries(RestoreFilter(state=State.FAILED, regions=("us-east-1", "eu-west-1")))
    finally:
        held.release()
    assert len(held.timeouts) == 1 and held.timeouts[0] <= 0.3  # the fan-out waited by the answer's deadline
    assert result.failures == (RegionFailure("eu-west-1", FailureKind.TIMEOUT, "no answer within 0.3 s"),)
    assert {r.region for r in result.rows} == {"us-east-1"} and sum(r.count for r in result.rows) == 3


def test_summary_chains_keep_the_period_aws_answered_and_ask_shared_chains_once(close: list[BackupService]) -> None:
    fake = FakeBackup(lambda region, op, params: [[summary(region, params["State"], 2)]])
    backup = service(fake)
    close.append(backup)
    chains = {"a": {"State": "FAILED", "AggregationPeriod": "ONE_DAY"},
              "b": {"AggregationPeriod": "ONE_DAY", "State": "FAILED"},
              "c": {"State": "ABORTED", "AggregationPeriod": "ONE_DAY"}}
    answer = backup.summary_chains(("us-east-1", "eu-west-1"), chains)
    assert answer.period is Period.ONE_DAY
    assert answer.calls == 4 == len(fake.requests)  # a and b are one chain
    assert [r.state for r in answer.rows["a"]] == [r.state for r in answer.rows["b"]] == ["FAILED", "FAILED"]
    assert [r.region for r in answer.rows["c"]] == ["us-east-1", "eu-west-1"]


def test_a_cached_region_answer_costs_no_call(close: list[BackupService]) -> None:
    fake = FakeBackup(lambda region, op, params: by_type_pages(region, 2, 1))
    backup = service(fake, cache_ttl=60)
    close.append(backup)
    flt = RestoreFilter(state=State.FAILED, regions=("us-east-1",))
    first, second = backup.restore_job_summaries(flt), backup.restore_job_summaries(flt)
    assert first.aws_calls == 2 and second.aws_calls == 0 and len(fake.requests) == 2
    assert second.rows == first.rows


def jobs_query(regions: tuple[str, ...] = ("us-east-1",), **fields: Any) -> JobsQuery:
    return JobsQuery(regions=regions, created_after=START, created_before=START + timedelta(days=7), **fields)


def test_jobs_past_max_jobs_are_counted_per_region_not_kept(close: list[BackupService]) -> None:
    sizes = {"us-east-1": (4, 4, 2), "eu-west-1": (2,)}

    def answer(region: str, op: str, params: dict[str, str]) -> list[list[dict[str, Any]]]:
        n = iter(range(100))
        return [[job(region, next(n)) for _ in range(size)] for size in sizes[region]]

    fake = FakeBackup(answer)
    backup = service(fake, max_jobs=3)
    close.append(backup)
    result = backup.list_restore_jobs(jobs_query(("us-east-1", "eu-west-1"), status=State.FAILED))
    assert sorted(j.job_id for j in result.jobs) == ["eu-west-1-111122223333-0", "eu-west-1-111122223333-1",
                                                     "us-east-1-111122223333-0", "us-east-1-111122223333-1",
                                                     "us-east-1-111122223333-2"]
    assert result.not_read == 10 - 3 and result.not_read_exact
    assert result.truncated == ("us-east-1",) and result.aws_calls == 4
    assert [j.created for j in result.jobs] == sorted((j.created for j in result.jobs), reverse=True)
    first = fake.calls("ListRestoreJobs", "us-east-1")[0]
    assert first["status"] == "FAILED" and "accountId" not in first and "resourceType" not in first


def test_local_filters_apply_before_the_cap_so_the_count_past_it_is_of_the_same_jobs(close: list[BackupService]) -> None:
    def answer(region: str, op: str, params: dict[str, str]) -> list[list[dict[str, Any]]]:
        return [[job(region, n, account=A1 if n % 2 else A2, resource_type="SAP HANA on Amazon EC2" if n % 3 else "EBS")
                 for n in range(12)]]

    backup = service(FakeBackup(answer), max_jobs=2)
    close.append(backup)
    result = backup.list_restore_jobs(jobs_query(local_resource_type="SAP HANA on Amazon EC2",
                                                 visible_accounts=frozenset({A1})))
    matching = [n for n in range(12) if n % 2 and n % 3]  # 1, 5, 7, 11
    assert len(result.jobs) == 2 and result.not_read == len(matching) - 2
    assert all(j.account_id == A1 and j.resource_type == "SAP HANA on Amazon EC2" for j in result.jobs)


def test_a_denied_drill_down_names_list_restore_jobs(close: list[BackupService]) -> None:
    def answer(region: str, op: str, params: dict[str, str]) -> list[list[dict[str, Any]]] | str:
        return "AccessDeniedException" if region == "eu-west-1" else [[job(region, 1)]]

    backup = service(FakeBackup(answer))
    close.append(backup)
    result = backup.list_restore_jobs(jobs_query(("us-east-1", "eu-west-1")))
    assert result.failures == (RegionFailure("eu-west-1", FailureKind.ACCESS_DENIED,
                                             "access denied: grant `backup:ListRestoreJobs` to the bot's IAM role"),)
    assert [j.region for j in result.jobs] == ["us-east-1"]


def test_one_chain_per_account_and_only_in_the_regions_that_have_jobs_of_it(close: list[BackupService]) -> None:
    def answer(region: str, op: str, params: dict[str, str]) -> list[list[dict[str, Any]]]:
        account = params["accountId"]
        return [[job(region, n, account=account) for n in range(2)], [job(region, 9, account=account)]]

    fake = FakeBackup(answer)
    backup = service(fake)
    close.append(backup)
    query = jobs_query(REGIONS, accounts=(A1, A2, A3), accounts_by_region={"us-east-1": (A1, A2), "eu-west-1": (A3,)})
    result = backup.list_restore_jobs(query)
    assert fake.calls("ListRestoreJobs", "ap-southeast-2") == []
    assert sorted(p["accountId"] for p in fake.calls("ListRestoreJobs", "us-east-1")) == [A1, A1, A2, A2]
    assert {p["accountId"] for p in fake.calls("ListRestoreJobs", "eu-west-1")} == {A3}
    assert len(result.jobs) == 9 and result.aws_calls == 6 and result.failures == () and result.unlisted == ()
    assert {(j.region, j.account_id) for j in result.jobs} == {("us-east-1", A1), ("us-east-1", A2), ("eu-west-1", A3)}


def test_accounts_not_started_once_the_region_holds_max_jobs_are_named_unlisted(close: list[BackupService]) -> None:
    accounts = tuple(f"{n:012d}" for n in range(1, 11))
    fake = FakeBackup(lambda region, op, params: [[job(region, 1, account=params["accountId"])]])
    backup = service(fake, max_jobs=2, max_workers=1)  # one account at a time: which ones are read is certain
    close.append(backup)
    result = backup.list_restore_jobs(jobs_query(accounts=accounts))
    assert sorted(j.account_id for j in result.jobs) == list(accounts[:2])
    assert result.unlisted == tuple(("us-east-1", a) for a in accounts[2:])
    assert len(fake.requests) == 2 and result.aws_calls == 2 and result.not_read == 0


def test_an_account_past_the_cap_in_a_concurrent_batch_is_counted_or_unlisted_never_lost(
    close: list[BackupService],
) -> None:
    accounts = tuple(f"{n:012d}" for n in range(1, 11))
    fake = FakeBackup(lambda region, op, params: [[job(region, n, account=params["accountId"]) for n in range(3)]])
    backup = service(fake, max_jobs=4)
    close.append(backup)
    result = backup.list_restore_jobs(jobs_query(accounts=accounts))
    assert len(result.jobs) == 4
    listed = {j.account_id for j in result.jobs}
    unlisted = {a for _, a in result.unlisted}
    assert set(accounts[8:]) <= unlisted and not listed & unlisted
    # Every job of every account is kept, counted past the cap, or belongs to an account named as not listed.
    assert len(result.jobs) + result.not_read + 3 * len(unlisted) == 3 * len(accounts)


def test_completed_jobs_per_region_and_account_and_a_failed_pair_left_out(close: list[BackupService]) -> None:
    def answer(region: str, op: str, params: dict[str, str]) -> list[list[dict[str, Any]]] | str:
        account = params.get("accountId", "")
        if (region, account, params["status"]) == ("eu-west-1", A2, "ABORTED"):
            return "AccessDeniedException"
        return [[job(region, n, account=account or A1, status=params["status"]) for n in range(2)], [job(region, 7)]]

    fake = FakeBackup(answer)
    backup = service(fake)
    close.append(backup)
    window = (START, START + timedelta(hours=1))
    pairs = {("us-east-1", ""): window, ("eu-west-1", A2): window}
    done = backup.completed_restore_jobs(pairs, ("FAILED", "ABORTED"))
    assert set(done.jobs) == {("us-east-1", "")} and len(done.jobs[("us-east-1", "")]) == 6
    assert set(done.failures) == {("eu-west-1", A2)}
    assert done.failures[("eu-west-1", A2)].kind is FailureKind.ACCESS_DENIED
    assert done.calls == 6  # two pages of each chain that answered (the failed pair's FAILED chain too)
    own = fake.calls("ListRestoreJobs", "us-east-1")
    assert "accountId" not in own[0] and {p["status"] for p in own} == {"FAILED", "ABORTED"}
    assert all(p["accountId"] == A2 for p in fake.calls("ListRestoreJobs", "eu-west-1"))
