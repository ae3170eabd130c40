"""Restore testing reads against AWS Backup and STS answered in memory (botocore's before-send hook; no socket): the
role ARN in each partition, a role assumed once per account and signed with, plans with their selections and jobs of
every account and region, an account whose role is denied named once while the others are read, a region's own
failure, the per-plan job cap, and the drill-down's jobs of one plan."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from bot.aws import testing
from bot.aws.client import BackupService
from bot.aws.testing import OWN, AccountSessions, RestoreTestingReader, describe_failure, role_arn
from bot.domain.results import AccountFailure, FailureKind
from tests.unit.aws.conftest import Held

OWN_ID, MEMBER, DENIED = "111122223333", "444455556666", "777788889999"
ROLE = "restores-reader"
REGIONS = ("us-east-1", "eu-west-1")
NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)
WINDOW = (NOW - timedelta(days=7), NOW)
OWN_KEY = "AKIAOWNTEST"
PAGE = 2  # items a page, so every listing below runs over several pages
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
CREDENTIAL_RE = re.compile(r"Credential=([A-Z0-9]+)/")


class Raw:
    """The body of a canned HTTP response, as urllib3's would be read."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self) -> Iterator[bytes]:
        yield self.body


def plan_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:backup:{region}:{account}:restore-testing-plan:{name}-0a1b"


@dataclass
class Plan:
    account: str
    region: str
    name: str
    selections: tuple[str, ...] = ()
    jobs: int = 0

    @property
    def arn(self) -> str:
        return plan_arn(self.account, self.region, self.name)


@dataclass
class FakeAws:
    """Plans per (account, region); the account of a request is the one whose key signed it (STS hands out
    ASIA + account). AssumeRole is refused for the roles of `deny`; `broken` (account, region) answers AccessDenied."""

    plans: list[Plan]
    deny: set[str] = field(default_factory=set)
    broken: set[tuple[str, str]] = field(default_factory=set)
    assumed: list[dict[str, str]] = field(default_factory=list)
    requests: list[tuple[str, str, str, dict[str, str]]] = field(default_factory=list)  # account, region, op, params
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        operation = event_name.rsplit(".", 1)[-1]
        url = urlsplit(request.url)
        region = str(url.hostname).split(".")[1]
        if operation == "AssumeRole":
            return self._assume(request, region)
        key = CREDENTIAL_RE.search(request.headers["Authorization"].decode()).group(1)  # type: ignore[union-attr]
        account = OWN_ID if key == OWN_KEY else key[4:16]
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self.lock:
            self.requests.append((account, region, operation, params))
        if (account, region) in self.broken:
            body = {"__type": "AccessDeniedException", "message": "no"}
            return AWSResponse(request.url, 403, {"x-amzn-errortype": "AccessDeniedException"},
                               Raw(json.dumps(body).encode()))
        here = [p for p in self.plans if (p.account, p.region) == (account, region)]
        if operation == "ListRestoreTestingPlans":
            items: list[dict[str, Any]] = [
                {"RestoreTestingPlanArn": p.arn, "RestoreTestingPlanName": p.name, "ScheduleExpression": "cron(0 5 * * ? *)",
                 "CreationTime": (NOW - timedelta(days=90)).timestamp(), "LastExecutionTime": (NOW - timedelta(hours=7)).timestamp()}
                for p in here]
            return self._page(request, "RestoreTestingPlans", items, params.get("NextToken"))
        if operation == "ListRestoreTestingSelections":
            name = unquote(url.path.split("/")[3])
            (plan,) = [p for p in here if p.name == name]
            items = [{"RestoreTestingSelectionName": s, "ProtectedResourceType": "EBS"} for s in plan.selections]
            return self._page(request, "RestoreTestingSelections", items, params.get("NextToken"))
        assert operation == "ListRestoreJobs"
        (plan,) = [p for p in here if p.arn == params["restoreTestingPlanArn"]]
        assert params["createdAfter"] and params["createdBefore"]
        items = [{"AccountId": account, "RestoreJobId": f"{plan.name}-{n}", "Status": "COMPLETED", "ResourceType": "EBS",
                  "CreationDate": (NOW - timedelta(hours=n + 1)).timestamp(), "CreatedBy": {"RestoreTestingPlanArn": plan.arn}}
                 for n in range(plan.jobs)]
        return self._page(request, "RestoreJobs", items, params.get("nextToken"))

    def _page(self, request: Any, member: str, items: list[dict[str, Any]], token: str | None) -> AWSResponse:
        start = int(token or 0)
        page: dict[str, Any] = {member: items[start : start + PAGE]}
        if start + PAGE < len(items):
            page["NextToken"] = str(start + PAGE)
        return AWSResponse(request.url, 200, {}, Raw(json.dumps(page).encode()))

    def _assume(self, request: Any, region: str) -> AWSResponse:
        form = {k: v[0] for k, v in parse_qs(request.body.decode() if isinstance(request.body, bytes) else request.body).items()}
        with self.lock:
            self.assumed.append(dict(form, region=region))
        account = form["RoleArn"].split(":")[4]
        if account in self.deny:
            body = (f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
                    "<Message>not authorized to perform sts:AssumeRole</Message></Error><RequestId>r</RequestId>"
                    "</ErrorResponse>")
            return AWSResponse(request.url, 403, {}, Raw(body.encode()))
        body = (f'<AssumeRoleResponse xmlns="{STS_NS}"><AssumeRoleResult><Credentials>'
                f"<AccessKeyId>ASIA{account}AAAA</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
                "<SessionToken>t</SessionToken><Expiration>2999-01-01T00:00:00Z</Expiration></Credentials>"
                f"<AssumedRoleUser><AssumedRoleId>AROA:{form['RoleSessionName']}</AssumedRoleId>"
                f"<Arn>arn:aws:sts::{account}:assumed-role/{ROLE}/{form['RoleSessionName']}</Arn></AssumedRoleUser>"
                "</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>")
        return AWSResponse(request.url, 200, {}, Raw(body.encode()))

    def calls(self, account: str, operation: str | None = None) -> int:
        return sum(1 for a, _, op, _ in self.requests if a == account and operation in (None, op))


# One loader for every botocore session the tests make, the role sessions the reader makes too: reading botocore's
# model and endpoint files again costs ~50 ms a loader.
pytestmark = pytest.mark.usefixtures("shared_loader")


def backup_for(fake: FakeAws, **options: Any) -> BackupService:
    def session() -> boto3.session.Session:
        core = botocore.session.Session()
        made = boto3.session.Session(aws_access_key_id=OWN_KEY, aws_secret_access_key="s", region_name="us-east-1",
                                     botocore_session=core)
        made.events.register("before-send", fake)  # the bot's own Backup clients and its STS client
        return made

    return BackupService(session, max_workers=4, **options)


def answered(reader: RestoreTestingReader, fake: FakeAws, accounts: tuple[str, ...]) -> RestoreTestingReader:
    """The role sessions' clients made ahead and answered by `fake` too (a role session is a botocore session of its
    own, made by the reader); making a client assumes nothing yet."""
    for account in accounts:
        for region in REGIONS:
            client = reader.sessions.client(account, region)
            if account != OWN:
                client.meta.events.register("before-send", fake)
    return reader


@pytest.fixture
def made() -> Iterator[list[Any]]:
    closing: list[Any] = []
    yield closing
    for thing in closing:
        thing.close()


def reader_for(fake: FakeAws, made: list[Any], accounts: tuple[str, ...], *, role: str | None = ROLE,
               **options: Any) -> RestoreTestingReader:
    backup = backup_for(fake, **options)
    reader = RestoreTestingReader(backup, role=role, home_region="us-east-1", max_workers=4)
    made += [backup, reader]
    return answered(reader, fake, accounts) if role else reader


@pytest.mark.parametrize(
    ("home", "arn"),
    [("eu-west-1", f"arn:aws:iam::{MEMBER}:role/{ROLE}"), ("cn-north-1", f"arn:aws-cn:iam::{MEMBER}:role/{ROLE}"),
     ("us-gov-west-1", f"arn:aws-us-gov:iam::{MEMBER}:role/{ROLE}"), ("xx-nowhere-1", f"arn:aws:iam::{MEMBER}:role/{ROLE}")],
)
def test_the_role_arn_is_in_the_home_region_partition(home: str, arn: str) -> None:
    assert role_arn(MEMBER, ROLE, home) == arn


def test_the_own_account_is_the_bot_client_and_another_needs_a_role(made: list[Any]) -> None:
    backup = backup_for(FakeAws([]))
    made.append(backup)
    sessions = AccountSessions(backup, None, "us-east-1")
    assert sessions.client(OWN, "eu-west-1") is backup.client("eu-west-1")
    with pytest.raises(LookupError, match="RESTORES_TESTING_ROLE"):
        sessions.client(MEMBER, "eu-west-1")


def test_a_role_is_assumed_once_per_account_and_signs_its_requests(made: list[Any]) -> None:
    fake = FakeAws([Plan(MEMBER, "us-east-1", "a"), Plan(MEMBER, "eu-west-1", "b")])
    reader = reader_for(fake, made, (MEMBER,))
    assert fake.assumed == []  # making a client assumes nothing
    result = reader.read((MEMBER,), REGIONS, WINDOW)
    assert result.failures == () and sorted(p.name for p in result.plans) == ["a", "b"]
    [assumed] = fake.assumed  # both regions' clients share the account's credentials
    assert assumed["RoleArn"] == f"arn:aws:iam::{MEMBER}:role/{ROLE}" and assumed["RoleSessionName"] == "restores-bot"
    assert assumed["region"] == "us-east-1"  # STS of the home region
    assert fake.calls(MEMBER) == 6 and fake.calls(OWN_ID) == 0  # the requests were signed with the role's key
    assert reader.sessions.client(MEMBER, "us-east-1") is reader.sessions.client(MEMBER, "us-east-1")


def test_every_account_and_region_is_read_and_a_denied_role_is_one_failure(made: list[Any]) -> None:
    fake = FakeAws(
        [Plan(OWN_ID, "us-east-1", "nightly", selections=("ebs", "rds", "efs"), jobs=3),
         Plan(MEMBER, "us-east-1", "weekly", selections=("ebs",), jobs=1),
         Plan(MEMBER, "eu-west-1", "eu"),
         Plan(DENIED, "us-east-1", "hidden", jobs=5)],
        deny={DENIED},
    )
    reader = reader_for(fake, made, (OWN, MEMBER, DENIED))
    result = reader.read((OWN, MEMBER, DENIED), REGIONS, WINDOW)
    assert result.failures == (AccountFailure(
        DENIED, None, FailureKind.ACCESS_DENIED,
        f"the bot could not assume its role in account {DENIED} (AccessDenied): check the role's trust policy and the "
        "bot's sts:AssumeRole permission"),)
    assert {(p.account_id, p.region, p.name) for p in result.plans} == {
        (OWN_ID, "us-east-1", "nightly"), (MEMBER, "us-east-1", "weekly"), (MEMBER, "eu-west-1", "eu")}
    assert sorted((s.account_id, s.plan_name, s.name) for s in result.selections) == [
        (OWN_ID, "nightly", "ebs"), (OWN_ID, "nightly", "efs"), (OWN_ID, "nightly", "rds"), (MEMBER, "weekly", "ebs")]
    assert sorted(j.job_id for j in result.jobs) == ["nightly-0", "nightly-1", "nightly-2", "weekly-0"]
    assert all(j.restore_testing_plan_arn == plan_arn(j.account_id, j.region, j.job_id.split("-")[0]) for j in result.jobs)
    # Own: plans 1 + selections 2 + jobs 2 in us-east-1, plans 1 in eu-west-1; member: 3 pages in each region.
    assert result.aws_calls == 6 + 6 == len(fake.requests)
    assert fake.calls(DENIED) == 0 and result.accounts == (OWN, MEMBER, DENIED) and result.truncated == ()
    plan = next(p for p in result.plans if p.name == "nightly")
    assert plan.created == NOW - timedelta(days=90) and plan.last_execution == NOW - timedelta(hours=7)


def test_a_region_that_refuses_is_that_region_failure_only(made: list[Any]) -> None:
    fake = FakeAws([Plan(OWN_ID, "us-east-1", "nightly", jobs=1), Plan(MEMBER, "us-east-1", "weekly", jobs=1)],
                   broken={(MEMBER, "eu-west-1")})
    result = reader_for(fake, made, (OWN, MEMBER)).read((OWN, MEMBER), REGIONS, WINDOW)
    assert result.failures == (AccountFailure(
        MEMBER, "eu-west-1", FailureKind.ACCESS_DENIED,
        f"access denied: grant `{testing.TESTING_ACTIONS}` to the bot's IAM role"),)
    assert sorted(p.name for p in result.plans) == ["nightly", "weekly"] and len(result.jobs) == 2


def test_accounts_without_a_role_to_assume_are_each_one_failure(made: list[Any]) -> None:
    fake = FakeAws([Plan(OWN_ID, "eu-west-1", "nightly")])
    result = reader_for(fake, made, (OWN,), role=None).read((OWN, MEMBER, DENIED), REGIONS, WINDOW)
    assert [(f.account_id, f.region, f.kind) for f in result.failures] == [
        (MEMBER, None, FailureKind.NO_CREDENTIALS), (DENIED, None, FailureKind.NO_CREDENTIALS)]
    assert [p.name for p in result.plans] == ["nightly"]


def test_a_plan_jobs_are_cut_at_the_cap_and_the_plan_named_truncated(made: list[Any],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testing, "MAX_PLAN_JOBS", 3)
    fake = FakeAws([Plan(OWN_ID, "us-east-1", "busy", jobs=7), Plan(OWN_ID, "us-east-1", "quiet", jobs=3)])
    result = reader_for(fake, made, (OWN,)).read((OWN,), ("us-east-1",), WINDOW)
    busy, quiet = plan_arn(OWN_ID, "us-east-1", "busy"), plan_arn(OWN_ID, "us-east-1", "quiet")
    assert result.truncated == (busy,)
    assert sum(j.restore_testing_plan_arn == busy for j in result.jobs) == 3
    assert sum(j.restore_testing_plan_arn == quiet for j in result.jobs) == 3


def test_a_region_that_has_not_answered_by_the_deadline_times_out(made: list[Any], held: Held) -> None:
    fake = FakeAws([Plan(OWN_ID, "us-east-1", "nightly"), Plan(OWN_ID, "eu-west-1", "late")])
    reader = reader_for(fake, made, (OWN,), deadline_seconds=0.3)
    # eu-west-1 is held until the read is over (then botocore goes on to the fake's answer); the fan-out's wait ends
    # once only it is left, as it would at the deadline.
    reader.sessions.client(OWN, "eu-west-1").meta.events.register_first("before-send", held.hold)
    try:
        result = reader.read((OWN,), REGIONS, WINDOW)
    finally:
        held.release()
    assert len(held.timeouts) == 1 and held.timeouts[0] <= 0.3  # the fan-out waited by the reader's deadline
    assert result.failures == (AccountFailure(OWN, "eu-west-1", FailureKind.TIMEOUT, "no answer within 0.3 s"),)
    assert [p.name for p in result.plans] == ["nightly"]


def test_plan_jobs_reads_one_plan_in_its_window(made: list[Any]) -> None:
    fake = FakeAws([Plan(MEMBER, "eu-west-1", "weekly", jobs=5)])
    reader = reader_for(fake, made, (MEMBER,))
    jobs, truncated, calls = reader.plan_jobs(MEMBER, "eu-west-1", plan_arn(MEMBER, "eu-west-1", "weekly"), WINDOW)
    assert [j.job_id for j in jobs] == [f"weekly-{n}" for n in range(5)] and not truncated and calls == 3
    first = fake.requests[0][3]
    assert (first["restoreTestingPlanArn"], first["createdAfter"], first["createdBefore"]) == (
        plan_arn(MEMBER, "eu-west-1", "weekly"), "2027-01-03T12:00:00Z", "2027-01-10T12:00:00Z")


def test_describe_failure_tells_a_role_from_a_region() -> None:
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "x"}}, "AssumeRole")
    assert describe_failure(MEMBER, "eu-west-1", denied).region is None
    backup = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "x"}}, "ListRestoreTestingPlans")
    assert describe_failure(MEMBER, "eu-west-1", backup) == AccountFailure(
        MEMBER, "eu-west-1", FailureKind.ACCESS_DENIED, f"access denied: grant `{testing.TESTING_ACTIONS}` to the bot's IAM role")
    assert describe_failure(MEMBER, "eu-west-1", LookupError("no role")) == AccountFailure(
        MEMBER, None, FailureKind.NO_CREDENTIALS, "no role")
