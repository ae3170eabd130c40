"""Operability as real processes: `python -m bot check` (and its exit status), and `serve` refusing bad configuration."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.sample.api_organizations import SAMPLE_ORGANIZATION
from tests.fakes.aws import BackupEmulator, access_denied
from tests.fakes.slack import FakeSlack
from tests.fakes.sts import READER_ROLE, FakeSts, reader_role_arn
from tests.support import BOT_TOKEN, REPO, SIGNING_SECRET

pytestmark = pytest.mark.e2e


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)


def test_check_all_good(bot_env: dict[str, str], fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    fakes[0].organization = SAMPLE_ORGANIZATION  # the management account reads its organisation (issue 20)
    result = run(dict(bot_env, RESTORES_DIGEST_CHANNELS="C0DIGEST1"), "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "restores bot check: all good" in result.stdout
    assert "ok       organisation o-exampleorg1: 5 account(s), 1 suspended or closed (never polled), 4 OU(s)" \
        in result.stdout
    assert "ok       us-east-1: backup:ListRestoreJobSummaries" in result.stdout
    assert "ok       scopes: commands, chat:write, chat:write.public, channels:history, groups:history" in result.stdout
    for secret in (SIGNING_SECRET, BOT_TOKEN, bot_env["AWS_SECRET_ACCESS_KEY"]):
        assert secret not in result.stdout + result.stderr
    assert "SLACK_BOT_TOKEN = xoxb-****" in result.stdout


def test_check_names_what_is_missing(bot_env: dict[str, str], fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    emulator, slack = fakes
    emulator.organization = SAMPLE_ORGANIZATION  # the directory is fine: the problems counted are the ones set here
    emulator.set_fault("eu-west-1", access_denied(path_prefix="/restore-jobs/",
                                                 message="not authorized to perform: backup:ListRestoreJobs"))
    slack.scopes = ("commands", "chat:write")
    env = dict(bot_env, RESTORES_DIGEST_CHANNELS="C0DIGEST1", SLACK_SIGNING_SECRET="")
    result = run(env, "check")
    assert result.returncode == 2  # serve would refuse to start without its signing secret
    out = result.stdout
    assert "MISSING  eu-west-1: backup:ListRestoreJobs: access denied: grant `backup:ListRestoreJobs`" in out
    assert "ok       eu-west-1: backup:ListRestoreJobSummaries" in out
    assert "MISSING  scopes chat:write.public" in out
    assert "REFUSED  SLACK_SIGNING_SECRET is not set (Basic Information > App Credentials > Signing Secret) — refused " \
           "by serve" in out
    assert "3 problem(s) to fix, 1 of which stop a process from starting" in out


def test_check_with_a_rejected_token(bot_env: dict[str, str], fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    result = run(dict(bot_env, SLACK_BOT_TOKEN="xoxb-not-the-right-one"), "check")
    assert result.returncode == 2
    assert "REFUSED  SLACK_BOT_TOKEN was rejected by Slack (invalid_auth) — refused by serve, clock" in result.stdout
    assert "xoxb-not-the-right-one" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [("PORT", "http", "PORT='http' is not a whole number"), ("PORT", "70000", "out of range"),
     ("RESTORES_REGIONS", "mars-1", "not an AWS region code"), ("RESTORES_ALLOWED_USERS", "alice", "not a Slack ID"),
     ("RESTORES_CACHE_TTL", "-1", "out of range"), ("LOG_FORMAT", "xml", "LOG_FORMAT='xml' is not accepted"),
     ("SLACK_API_URL", "slack.com", "not an http(s) URL"), ("SLACK_BOT_TOKEN", "xoxp-user", "must be a bot token"),
     ("SLACK_SIGNING_SECRET", "", "configuration error: SLACK_SIGNING_SECRET is not set"),
     ("RESTORES_CHANNEL_ACCOUNTS", "C0X=1", "12-digit account ids")],
)
def test_serve_refuses_bad_configuration_with_a_clear_message(bot_env: dict[str, str], variable: str, value: str,
                                                              message: str) -> None:
    result = run(dict(bot_env, **{variable: value}), "serve")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_check_probes_restore_testing_and_each_testing_account(
        bot_env: dict[str, str], fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts) -> None:
    emulator, _ = fakes
    emulator.organization = SAMPLE_ORGANIZATION  # the directory is fine: the problems counted are the ones set here
    emulator.set_fault("ap-southeast-2", access_denied(path_prefix="/restore-testing/",
                                                       message="not authorized to perform: backup:ListRestoreTestingPlans"))
    env = dict(bot_env, RESTORES_DIGEST_CHANNELS="C0DIGEST1", AWS_ENDPOINT_URL_STS=sts.url,
               RESTORES_TESTING_ACCOUNTS="444455556666,999900001111", RESTORES_TESTING_ROLE=READER_ROLE)
    result = run(env, "check")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "ok       us-east-1: backup:ListRestoreTestingPlans" in out
    assert "MISSING  ap-southeast-2: backup:ListRestoreTestingPlans: access denied: grant " \
           "`backup:ListRestoreTestingPlans`" in out
    assert f"ok       444455556666: assumed {reader_role_arn('444455556666')}; backup:ListRestoreTestingPlans" in out
    assert "MISSING  999900001111: the bot could not assume its role in account 999900001111 (AccessDenied)" in out
    # The selections of a region whose restore testing calls are denied are denied too; us-east-1's are allowed.
    assert "ok       us-east-1: backup:ListRestoreTestingSelections" in out
    assert "MISSING  ap-southeast-2: backup:ListRestoreTestingSelections: access denied" in out
    assert "3 problem(s) to fix" in out
    assert "Traceback" not in result.stderr
