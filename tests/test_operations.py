"""Operability: `python -m bot check`, /healthz and /readyz, structured JSON logs, configuration errors."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from bot.sample.emulator import BackupEmulator, access_denied
from tests.fakes.slack import FakeSlack
from tests.harness import BOT_TOKEN, REPO, SIGNING_SECRET, BotProcess


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)


def test_check_all_good(bot_env: dict[str, str], fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    result = run(dict(bot_env, RESTORES_DIGEST_CHANNELS="C0DIGEST1"), "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "restores bot check: all good" in result.stdout
    assert "ok       us-east-1: backup:ListRestoreJobSummaries" in result.stdout
    assert "ok       scopes: commands, chat:write, chat:write.public" in result.stdout
    for secret in (SIGNING_SECRET, BOT_TOKEN, bot_env["AWS_SECRET_ACCESS_KEY"]):
        assert secret not in result.stdout + result.stderr
    assert "SLACK_BOT_TOKEN = xoxb-****" in result.stdout


def test_check_names_what_is_missing(bot_env: dict[str, str], fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    emulator, slack = fakes
    emulator.set_fault("eu-west-1", access_denied(path_prefix="/restore-jobs/",
                                                 message="not authorized to perform: backup:ListRestoreJobs"))
    slack.scopes = ("commands", "chat:write")
    env = dict(bot_env, RESTORES_DIGEST_CHANNELS="C0DIGEST1", SLACK_SIGNING_SECRET="")
    result = run(env, "check")
    assert result.returncode == 1
    out = result.stdout
    assert "MISSING  eu-west-1: backup:ListRestoreJobs: access denied: grant `backup:ListRestoreJobs`" in out
    assert "ok       eu-west-1: backup:ListRestoreJobSummaries" in out
    assert "MISSING  scopes chat:write.public" in out
    assert "MISSING  SLACK_SIGNING_SECRET is not set" in out
    assert "3 problem(s) to fix" in out


def test_check_with_a_rejected_token(bot_env: dict[str, str], fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    result = run(dict(bot_env, SLACK_BOT_TOKEN="xoxb-not-the-right-one"), "check")
    assert result.returncode == 1 and "Slack rejected SLACK_BOT_TOKEN: invalid_auth" in result.stdout
    assert "xoxb-not-the-right-one" not in result.stdout + result.stderr


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_readyz(bot: BotProcess) -> None:
    assert get(bot.url + "/readyz") == (200, "slack auth ok (team T0TEST)\n")


def test_readyz_is_503_while_slack_is_unreachable(launch_bot: Callable[..., BotProcess],
                                                   fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    lonely = launch_bot(SLACK_API_URL="http://127.0.0.1:9/api/")
    assert get(lonely.url + "/healthz")[0] == 200  # alive...
    status, reason = get(lonely.url + "/readyz")  # ...but not ready
    assert status == 503 and "slack unreachable" in reason


def test_json_logs_with_request_id_duration_and_aws_calls(launch_bot: Callable[..., BotProcess],
                                                          fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    json_bot = launch_bot(LOG_FORMAT="json", LOG_LEVEL="INFO")
    json_bot.ask("failed 7d")
    json_bot.ask("faild")
    lines = [line for line in json_bot.log_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is JSON, gunicorn's own included
    answered = [e for e in entries if e["message"] == "answered summary"]
    assert len(answered) == 1 and answered[0]["aws_calls"] == 3 and "aws_ms" in answered[0]
    handled = [e for e in entries if e["message"] == "handled command"]
    assert len(handled) == 2 and all("duration_ms" in e for e in handled)
    assert answered[0]["request_id"] in {e["request_id"] for e in handled}
    assert len({e["request_id"] for e in handled}) == 2


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [("PORT", "http", "PORT='http' is not a whole number"), ("PORT", "70000", "out of range"),
     ("RESTORES_REGIONS", "mars-1", "not an AWS region code"), ("RESTORES_ALLOWED_USERS", "alice", "not a Slack ID"),
     ("RESTORES_CACHE_TTL", "-1", "out of range"), ("LOG_FORMAT", "xml", "LOG_FORMAT='xml' is not accepted"),
     ("SLACK_API_URL", "slack.com", "not an http(s) URL"), ("SLACK_BOT_TOKEN", "xoxp-user", "must be a bot token"),
     ("SLACK_SIGNING_SECRET", "", "missing configuration: SLACK_SIGNING_SECRET"),
     ("RESTORES_CHANNEL_ACCOUNTS", "C0X=1", "12-digit account ids")],
)
def test_serve_refuses_bad_configuration_with_a_clear_message(bot_env: dict[str, str], variable: str, value: str,
                                                              message: str) -> None:
    result = run(dict(bot_env, **{variable: value}), "serve")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
