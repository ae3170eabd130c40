"""The STS fake through real boto3 clients: AssumeRole, denials, expiry, GetCallerIdentity, and the assumed role's
credentials reaching the backup emulator as that account."""

from __future__ import annotations

import functools
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.credentials import AssumeRoleCredentialFetcher
from botocore.exceptions import ClientError, ParamValidationError

from bot.sample.records import RestoreJob, RestoreTestingPlan
from tests.fakes.aws import BackupEmulator
from tests.fakes.sts import READER_ROLE, FakeSts, reader_role_arn

ME, MEMBER, OUTSIDER = "111122223333", "444455556666", "999999999999"


class Clock:
    """A clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


def sts_client(fake: FakeSts, access_key: str = "testing", secret: str = "testing", token: str | None = None) -> Any:
    return boto3.client("sts", region_name="us-east-1", endpoint_url=fake.url, aws_access_key_id=access_key,
                        aws_secret_access_key=secret, aws_session_token=token)


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Type"]


def test_assume_role_issues_credentials_for_the_roles_account(sts: FakeSts) -> None:
    role = reader_role_arn(MEMBER)
    answer = sts_client(sts).assume_role(RoleArn=role, RoleSessionName="restores-bot", DurationSeconds=1800)
    creds = answer["Credentials"]
    assert re.fullmatch(rf"ASIA{MEMBER}[0-9A-F]{{8}}", creds["AccessKeyId"])
    assert creds["SecretAccessKey"] and len(creds["SessionToken"]) > 100
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{MEMBER}:assumed-role/{READER_ROLE}/restores-bot"
    assert answer["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert answer["AssumedRoleUser"]["AssumedRoleId"].endswith(":restores-bot")
    [call] = sts.calls("AssumeRole")
    assert (call.role_arn, call.session_name, call.duration_seconds, call.status) == (role, "restores-bot", 1800, 200)
    assert call.access_key == "testing" and sts.calls("GetCallerIdentity") == []


def test_denied_and_unknown_roles_are_access_denied() -> None:
    allowed, denied = reader_role_arn(MEMBER), reader_role_arn("777788889999")
    with FakeSts(roles={allowed: "AROAEXAMPLEID", denied: ""}, denied={denied}) as sts:
        client = sts_client(sts)
        for role in (denied, reader_role_arn(OUTSIDER)):
            with pytest.raises(ClientError) as caught:
                client.assume_role(RoleArn=role, RoleSessionName="bot")
            assert error_of(caught) == (403, "AccessDenied", "Sender")
            message = caught.value.response["Error"]["Message"]
            assert message == (f"User: arn:aws:iam::{ME}:user/restores-bot is not authorized to perform: "
                               f"sts:AssumeRole on resource: {role}")
        granted = client.assume_role(RoleArn=allowed, RoleSessionName="bot")["AssumedRoleUser"]
        assert granted["AssumedRoleId"] == "AROAEXAMPLEID:bot"
        assert [c.status for c in sts.calls("AssumeRole")] == [403, 403, 200]


def test_bad_arguments_are_validation_errors(sts: FakeSts) -> None:
    client = sts_client(sts)
    for kwargs in ({"RoleArn": "arn:aws:iam::bad:role/x-role-name", "RoleSessionName": "bot"},
                   {"RoleArn": reader_role_arn(MEMBER), "RoleSessionName": "bot", "DurationSeconds": 43201}):
        with pytest.raises(ClientError) as caught:
            client.assume_role(**kwargs)
        assert error_of(caught)[:2] == (400, "ValidationError")
    with pytest.raises(ParamValidationError):  # botocore itself checks the minimum
        client.assume_role(RoleArn=reader_role_arn(MEMBER), RoleSessionName="bot", DurationSeconds=899)


def test_expiration_follows_the_clock_and_is_enforced() -> None:
    clock = Clock()
    with FakeSts(roles={reader_role_arn(MEMBER): ""}, clock=clock, duration_default=2700) as sts:
        client = sts_client(sts)
        default = client.assume_role(RoleArn=reader_role_arn(MEMBER), RoleSessionName="bot")["Credentials"]
        assert default["Expiration"] == clock.now + timedelta(seconds=2700)
        creds = client.assume_role(RoleArn=reader_role_arn(MEMBER), RoleSessionName="bot",
                                   DurationSeconds=900)["Credentials"]
        assert creds["Expiration"] == clock.now + timedelta(seconds=900)
        as_role = sts_client(sts, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        assert as_role.get_caller_identity()["Account"] == MEMBER

        clock.now += timedelta(seconds=900)
        with pytest.raises(ClientError) as caught:
            as_role.get_caller_identity()
        assert error_of(caught)[:2] == (403, "ExpiredToken")

        # botocore's own assume-role machinery (what boto3 profiles and the bot use) reads the answer too.
        fetcher = AssumeRoleCredentialFetcher(
            functools.partial(botocore.session.get_session().create_client, endpoint_url=sts.url,
                              region_name="us-east-1"),
            botocore.credentials.Credentials("testing", "testing"),
            reader_role_arn(MEMBER),
            extra_args={"RoleSessionName": "fetched"},
        )
        fetched = fetcher.fetch_credentials()
        assert fetched["access_key"].startswith(f"ASIA{MEMBER}")
        assert fetched["expiry_time"] == (clock.now + timedelta(seconds=2700)).isoformat()


def test_signatures_must_be_sigv4_and_issued_keys_must_sign_correctly(sts: FakeSts) -> None:
    request = urllib.request.Request(sts.url, data=b"Action=GetCallerIdentity&Version=2011-06-15", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 403 and b"<Code>MissingAuthenticationToken</Code>" in caught.value.read()

    creds = sts_client(sts).assume_role(RoleArn=reader_role_arn(MEMBER), RoleSessionName="bot")["Credentials"]
    for secret, token in ((creds["SecretAccessKey"] + "x", creds["SessionToken"]),
                          (creds["SecretAccessKey"], "not-the-token")):
        with pytest.raises(ClientError) as denied:
            sts_client(sts, creds["AccessKeyId"], secret, token).get_caller_identity()
        assert error_of(denied)[0] == 403


def test_get_caller_identity_answers_for_the_signing_key(sts: FakeSts) -> None:
    me = sts_client(sts).get_caller_identity()
    assert (me["Account"], me["Arn"]) == (ME, f"arn:aws:iam::{ME}:user/restores-bot")
    other = sts_client(sts, f"ASIA{OUTSIDER}ABCDEF").get_caller_identity()
    assert other["Account"] == OUTSIDER
    creds = sts_client(sts).assume_role(RoleArn=reader_role_arn(MEMBER), RoleSessionName="who")["Credentials"]
    role = sts_client(sts, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).get_caller_identity()
    assert (role["Account"], role["Arn"]) == (MEMBER, f"arn:aws:sts::{MEMBER}:assumed-role/{READER_ROLE}/who")
    assert role["UserId"].endswith(":who")
    assert [c.action for c in sts.calls()] == ["GetCallerIdentity", "GetCallerIdentity", "AssumeRole",
                                               "GetCallerIdentity"]


def test_a_session_from_assumed_credentials_sees_that_accounts_restore_tests(sts: FakeSts) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    plans = [RestoreTestingPlan("eu-west-1", account, f"plan_of_{account}", "cron(0 5 ? * * *)", now)
             for account in (ME, MEMBER)]
    jobs = [RestoreJob("eu-west-1", account, f"job-{account}", "COMPLETED", "EBS", now - timedelta(hours=2),
                       restore_testing_plan_arn=p.arn) for account, p in zip((ME, MEMBER), plans, strict=True)]
    with BackupEmulator(jobs=jobs, plans=plans) as emulator:
        creds = sts_client(sts).assume_role(RoleArn=reader_role_arn(MEMBER), RoleSessionName="bot")["Credentials"]
        session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"], region_name="eu-west-1")
        member = session.client("backup", endpoint_url=emulator.url)
        [seen] = member.list_restore_testing_plans()["RestoreTestingPlans"]
        assert seen["RestoreTestingPlanName"] == f"plan_of_{MEMBER}"
        [job] = member.list_restore_jobs(ByRestoreTestingPlanArn=seen["RestoreTestingPlanArn"])["RestoreJobs"]
        assert job["AccountId"] == MEMBER

        own = boto3.client("backup", region_name="eu-west-1", endpoint_url=emulator.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        assert [p["RestoreTestingPlanName"] for p in own.list_restore_testing_plans()["RestoreTestingPlans"]] == [
            f"plan_of_{ME}"]
