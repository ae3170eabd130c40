"""`check` refuses what the processes refuse, in their words: each bad setting is fed to `serve`, `clock`, `digest` and
`poll` (their real cmd_* functions, in process, stopped where they would start working) and to `check`; every line a
process refuses with is a REFUSED line of check naming that process, and check names no process that starts."""

from __future__ import annotations

import argparse
from contextlib import nullcontext
from pathlib import Path
from unittest.mock import Mock, PropertyMock, patch

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot import __main__ as cli
from bot.aws.client import BackupService
from bot.check import CHART_SCOPES, DIGEST_SCOPES, REQUIRED_SCOPES, SUBSCRIPTION_SCOPES, CheckReport, run_check
from bot.config import read_settings
from bot.preflight import deployed_modes, refusals
from bot.wiring import Wiring

TOKEN = "xoxb-2222-preflight-token"
SECRET = "preflight-signing-secret-value"
PROCESSES = ("serve", "clock", "digest", "poll")
SCOPES = ",".join(REQUIRED_SCOPES + DIGEST_SCOPES + SUBSCRIPTION_SCOPES + CHART_SCOPES)


class Started(Exception):
    """The process got past its checks and would start working now."""


def slack_client(error: str | None = None) -> WebClient:
    client = Mock(WebClient)
    if error:
        response = SlackResponse(client=None, http_verb="POST", api_url="", req_args={}, status_code=200,
                                 data={"ok": False, "error": error}, headers={})
        client.auth_test.side_effect = SlackApiError(error, response)
    else:
        client.auth_test.return_value = SlackResponse(
            client=None, http_verb="POST", api_url="", req_args={}, status_code=200,
            data={"ok": True, "team_id": "T0TEST", "user_id": "U0BOT"}, headers={"x-oauth-scopes": SCOPES})
    return client


def backup() -> Mock:
    service = Mock(BackupService)
    service.client.return_value = Mock()
    service.identity = None
    service.clock.offset = None
    return service


@pytest.fixture
def base(tmp_path: Path) -> dict[str, str]:
    return {"RESTORES_REGIONS": "us-east-1,eu-west-1", "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}", "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}


def run_process(command: str, env: dict[str, str], slack: WebClient,
                capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What `python -m bot <command>` refuses with (its `configuration error:` lines); [] if it got to work."""
    args = argparse.Namespace(host="127.0.0.1", dry_run=False, sample=False, force=False, channel=None)
    capsys.readouterr()
    with patch.dict("os.environ", env, clear=True), \
            patch.object(cli, "_backup", side_effect=lambda *_a, **_k: nullcontext(backup())), \
            patch("bot.slack.client.create_web_client", return_value=slack), \
            patch("bot.web.server.serve", side_effect=Started), \
            patch.object(Wiring, "digest", side_effect=Started), \
            patch.object(Wiring, "alerts", new_callable=PropertyMock, side_effect=Started):
        try:
            getattr(cli, f"cmd_{command}")(args)
        except Started:
            return []
        except SystemExit as stop:
            assert stop.code == 2, f"{command} stopped with {stop.code}"
        else:
            raise AssertionError(f"{command} neither refused nor started")
    prefix = "configuration error: "
    lines = capsys.readouterr().err.splitlines()
    assert lines and all(line.startswith(prefix) for line in lines), lines
    return [line[len(prefix):] for line in lines]


def run_check_on(env: dict[str, str], slack: WebClient) -> CheckReport:
    with patch.dict("os.environ", env, clear=True):
        settings, _ = read_settings(env)
        return run_check(Wiring(settings, backup=backup()), lambda: slack, env)


# (what is wrong, the variables that make it so, the processes that refuse it)
BAD_SETTINGS: list[tuple[str, dict[str, str], tuple[str, ...]]] = [
    ("user token", {"SLACK_BOT_TOKEN": "xoxp-2222-a-user-token"}, PROCESSES),
    ("no bot token", {"SLACK_BOT_TOKEN": ""}, PROCESSES),
    ("no signing secret", {"SLACK_SIGNING_SECRET": ""}, ("serve",)),
    ("a token as signing secret", {"SLACK_SIGNING_SECRET": "xoxb-2222-pasted-in-the-wrong-box"}, ("serve",)),
    ("bad region", {"RESTORES_REGIONS": "mars-1"}, PROCESSES),
    ("no region", {"RESTORES_REGIONS": ""}, PROCESSES),
    ("bad account list", {"RESTORES_ALERT_ACCOUNTS": "1234,ANY"}, PROCESSES),
    ("bad channel scope", {"RESTORES_CHANNEL_ACCOUNTS": "C0TEAM=1234"}, PROCESSES),
    ("testing accounts without a role", {"RESTORES_TESTING_ACCOUNTS": "444455556666"}, PROCESSES),
    ("digest channel without a scope", {"RESTORES_CHANNEL_ACCOUNTS": "C0TEAM=111122223333",
                                        "RESTORES_DIGEST_CHANNELS": "C0OTHER"}, ("clock", "digest")),
    ("bad number", {"PORT": "http"}, PROCESSES),
    ("bad time zone", {"RESTORES_DIGEST_TZ": "Mars/Olympus"}, PROCESSES),
    ("unusable DATABASE_URL", {"DATABASE_URL": "sqlite:////nonexistent-directory/bot.sqlite3"}, PROCESSES),
    ("Slack rejects the token", {"SLACK_REJECTS": "invalid_auth"}, ("serve", "clock")),
]


@pytest.mark.parametrize(("env_change", "refusing"), [(env, who) for _, env, who in BAD_SETTINGS],
                         ids=[what for what, _, _ in BAD_SETTINGS])
def test_check_refuses_what_each_process_refuses_in_the_same_words(
        base: dict[str, str], env_change: dict[str, str], refusing: tuple[str, ...],
        capsys: pytest.CaptureFixture[str]) -> None:
    env = {**base, **env_change}
    slack = slack_client(env.pop("SLACK_REJECTS", None))
    refused = {command: run_process(command, env, slack, capsys) for command in PROCESSES}
    assert tuple(command for command in PROCESSES if refused[command]) == refusing

    report = run_check_on(env, slack)
    assert report.exit_status == 2
    lines = [line for line in report.lines if line.startswith("  REFUSED  ")]
    for command in refusing:
        for problem in refused[command]:
            [line] = [line for line in lines if line.startswith(f"  REFUSED  {problem} — refused by ")]
            assert command in line.split(" — refused by ")[1].split(", ")
    # and check names no process that starts with this configuration
    for line in lines:
        for command in line.split(" — refused by ")[1].split(", "):
            assert command in refusing, line


def test_a_good_configuration_starts_every_process_and_check_says_so(
        base: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    slack = slack_client()
    assert all(run_process(command, base, slack, capsys) == [] for command in PROCESSES)
    report = run_check_on(base, slack)
    assert report.refused == [] and "  ok       serve, clock, digest, poll accept this configuration" in report.lines


def test_check_lists_every_problem_at_once(base: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    env = {**base, "SLACK_BOT_TOKEN": "xoxp-2222-a-user-token", "SLACK_SIGNING_SECRET": "", "RESTORES_REGIONS": "mars-1",
           "RESTORES_ALERT_ACCOUNTS": "1234", "PORT": "0", "DATABASE_URL": "sqlite:////nonexistent-directory/x.db"}
    report = run_check_on(env, slack_client())
    assert [problem.split(" ")[0].rstrip(":=") for problem in report.refused] == [
        "RESTORES_REGIONS", "PORT=0", "RESTORES_ALERT_ACCOUNTS", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL"]
    assert "  PORT = (refused: see below)" in report.lines  # not the default that stood in for it
    # a process says every one of its own at once too
    assert len(run_process("serve", env, slack_client(), capsys)) == 5  # the database is not opened before the rest


def test_the_processes_a_deployment_runs() -> None:
    assert deployed_modes({}) == ("http", "clock", "digest", "poll")
    assert deployed_modes({"SLACK_APP_TOKEN": "xapp-1"}) == ("socket", "clock", "digest", "poll")
    assert deployed_modes({"SLACK_APP_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "s"})[0] == "http"
    both = refusals({"RESTORES_REGIONS": "us-east-1"}, ("http", "poll"))
    assert [(r.problem.split(" ")[0], r.commands) for r in both] == [
        ("SLACK_BOT_TOKEN", ("serve", "poll")), ("SLACK_SIGNING_SECRET", ("serve",))]

