"""`python -m bot check`'s Slack part in process: the scopes Slack reports for the token (x-oauth-scopes, as the fake
Slack sends them) against what the bot's features need, through real slack_sdk."""

from __future__ import annotations

import boto3

from bot.aws.client import BackupService
from bot.check import run_check
from bot.config import load_settings
from bot.sample.api_organizations import SAMPLE_ORGANIZATION
from bot.slack.client import create_web_client
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import BOT_TOKEN, SIGNING_SECRET


def check(emulator: BackupEmulator, slack: FakeSlack, **extra: str) -> str:
    settings = load_settings({"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": BOT_TOKEN,
                              "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.api_url, **extra}, "local")
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing"),
                           endpoint_url=emulator.url)
    emulator.organization = SAMPLE_ORGANIZATION  # the bot's account manages one: the directory reads it (issue 20)
    try:
        return run_check(Wiring(settings, backup=backup), lambda: create_web_client(settings)).render()
    finally:
        emulator.organization = None
        backup.close()


def test_check_names_files_write_when_it_is_missing(fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    emulator, slack = fakes
    slack.scopes = tuple(s for s in slack.scopes if s != "files:write")
    out = check(emulator, slack)
    assert "MISSING  scopes files:write: add them (manifest.yml) and reinstall the app" in out
    assert "without files:write the digest and the Chart button show the text sparkline" in out
    assert "1 problem(s) to fix" in out
    assert BOT_TOKEN not in out and SIGNING_SECRET not in out


def test_check_counts_files_write_among_the_scopes_it_needs(fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    emulator, slack = fakes
    out = check(emulator, slack, RESTORES_DIGEST_CHANNELS="C0DIGEST1")
    assert "files:write" in next(line for line in out.splitlines() if line.startswith("  ok       scopes: "))
    assert "restores bot check: all good" in out
    assert "5 account(s), 1 suspended or closed (never polled), 4 OU(s)" in out  # the directory, read


def test_check_names_alert_channels_that_scoping_leaves_without_alerts(fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    emulator, slack = fakes
    out = check(emulator, slack, RESTORES_CHANNEL_ACCOUNTS="C0TEAM=111122223333",
                RESTORES_ALERT_CHANNELS="C0TEAM,C0ONCALL")
    assert "MISSING  alert channels without an account scope get no alerts: C0ONCALL" in out
    assert "C0TEAM" not in out.split("get no alerts:")[1].splitlines()[0]
    scoped = check(emulator, slack, RESTORES_CHANNEL_ACCOUNTS="C0TEAM=111122223333;*=111122223333",
                   RESTORES_ALERT_CHANNELS="C0TEAM,C0ONCALL")
    assert "get no alerts" not in scoped  # a default scope covers it


def test_check_names_the_history_scopes_without_configured_digest_channels(
        fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    emulator, slack = fakes
    slack.scopes = tuple(s for s in slack.scopes if s not in ("channels:history", "groups:history"))
    out = check(emulator, slack)  # no RESTORES_DIGEST_CHANNELS: channels take the digest with `/restores subscribe`
    assert "MISSING  scopes channels:history, groups:history" in out
