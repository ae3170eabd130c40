"""Restore tests in other accounts: the bot assumes RESTORES_TESTING_ROLE in each (real boto3 to the STS fake), keeps
the credentials until shortly before they expire, and names an account whose role it could not assume."""

from __future__ import annotations

import json
from datetime import datetime

import boto3
import pytest

from bot.answers.service import RestoresService
from bot.aws.client import BackupService
from bot.config import load_settings
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.fakes.sts import READER_ROLE, FakeSts, reader_role_arn
from tests.support import E2E_REGIONS, plan_data

pytestmark = pytest.mark.dates

MEMBER, DENIED = "444455556666", "999900001111"


def service_for(emulator: BackupEmulator, sts: FakeSts, monkeypatch: pytest.MonkeyPatch, **env: str) -> RestoresService:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)  # how botocore finds the loopback STS, as in production
    settings = load_settings({"RESTORES_REGIONS": ",".join(E2E_REGIONS), "AWS_MAX_ATTEMPTS": "1",
                              "RESTORES_TESTING_ACCOUNTS": f"{MEMBER},{DENIED}", "RESTORES_TESTING_ROLE": READER_ROLE,
                              **env})
    backup = BackupService(
        lambda: boto3.session.Session(aws_access_key_id="AKIDBOT", aws_secret_access_key="t", region_name="us-east-1"),
        endpoint_url=emulator.url, deadline_seconds=10)
    return Wiring(settings, backup=backup).answers


def text_of(message) -> str:  # type: ignore[no-untyped-def]
    return message.text + json.dumps(message.block_dicts(), ensure_ascii=False)


def load_both(emulator: BackupEmulator, now: datetime) -> None:
    own, member = plan_data(now, emulator.caller_account), plan_data(now, MEMBER)
    emulator.load(plans=own.plans + member.plans, selections=own.selections + member.selections,
                  jobs=own.jobs + member.jobs)


def test_a_denied_role_is_named_and_the_other_accounts_plans_are_shown(
        fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, _ = fakes
    load_both(emulator, now)
    sts.reset()
    service = service_for(emulator, sts, monkeypatch)
    text = text_of(service.answer("tests", user_id="U1", channel_id="C1"))
    assert f"*flaky* · eu-west-1 · {MEMBER}" in text  # read through the assumed role
    assert f"*flaky* · eu-west-1 · {emulator.caller_account}" in text  # and the bot's own account
    assert f"account {DENIED}* not read" in text and "could not assume its role" in text
    assert "Incomplete" in text
    assume = sts.calls("AssumeRole")
    assert {c.role_arn for c in assume if c.status == 200} == {reader_role_arn(MEMBER)}
    # (The emulator shows the member's plans only to requests signed with a key STS issued for its role.)

    # A second answer reuses the credentials: no new AssumeRole for the member account.
    before = len([c for c in sts.calls("AssumeRole") if c.role_arn == reader_role_arn(MEMBER)])
    assert before == 1
    service.answer("tests 14d", user_id="U1", channel_id="C1")
    assert len([c for c in sts.calls("AssumeRole") if c.role_arn == reader_role_arn(MEMBER)]) == 1


def test_credentials_close_to_expiry_are_refreshed(
        fakes: tuple[BackupEmulator, FakeSlack], now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, _ = fakes
    load_both(emulator, now)
    # 14-minute sessions: inside botocore's 15-minute refresh window from the start, so every use refreshes.
    with FakeSts(roles={reader_role_arn(MEMBER): ""}, duration_default=14 * 60) as short:
        service = service_for(emulator, short, monkeypatch)
        first = text_of(service.answer("tests", user_id="U1", channel_id="C1"))
        assert f"· {MEMBER}" in first
        once = len([c for c in short.calls("AssumeRole") if c.status == 200])
        service.answer("tests", user_id="U1", channel_id="C1")
        assert len([c for c in short.calls("AssumeRole") if c.status == 200]) > once >= 1


def test_a_scoped_channel_reads_only_its_accounts(
        fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, _ = fakes
    load_both(emulator, now)
    sts.reset()
    service = service_for(emulator, sts, monkeypatch, RESTORES_CHANNEL_ACCOUNTS=f"C0TEAM={MEMBER}")
    text = text_of(service.answer("tests", user_id="U1", channel_id="C0TEAM"))
    assert f"· {MEMBER}" in text and f"· {emulator.caller_account}" not in text
    assert DENIED not in text  # not this channel's account: not read, not named
    assert {c.role_arn for c in sts.calls("AssumeRole")} == {reader_role_arn(MEMBER)}
    refused = text_of(service.answer(f"tests account:{emulator.caller_account}", user_id="U1", channel_id="C0TEAM"))
    assert "only sees accounts" in refused
