"""`check` as strict as the processes, as real processes (issue 23, items 9 and 10): with no configuration it lists
every problem at once; a user token and an unreachable DATABASE_URL are refused by `serve` and by `check` in the same
words; a gunicorn worker's configuration error is one line per problem; `serve` logs one plain-text format without
Bolt's token warning; `ask` and `chart` share their exit statuses."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable

import pytest

from bot.sample.api_organizations import SAMPLE_ORGANIZATION
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import REPO, BotProcess, clean_env, free_port

pytestmark = pytest.mark.e2e

PASSWORD = "pre-flight-db-Secret"
UNREACHABLE_DB = f"postgresql://restores:{PASSWORD}@127.0.0.1:1/restores"
NO_AWS = {"HOME": "/nonexistent", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
          "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1"}


def run(env: dict[str, str], *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


def refusals(stderr: str) -> list[str]:
    prefix = "configuration error: "
    return [line[len(prefix):] for line in stderr.splitlines() if line.startswith(prefix)]


def test_check_with_no_configuration_lists_every_problem_at_once() -> None:
    result = run(clean_env(**NO_AWS), "check")
    assert result.returncode == 2, result.stdout + result.stderr
    refused = [line for line in result.stdout.splitlines() if line.startswith("  REFUSED  ")]
    assert [line.split()[1] for line in refused] == ["no", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
    assert "no AWS region: set RESTORES_REGIONS" in refused[0] and refused[0].endswith(
        "refused by serve, clock, digest, poll")
    assert "  MISSING  the bot's AWS identity could not be read: sts:GetCallerIdentity failed" in result.stdout
    assert "restores bot check: 4 problem(s) to fix, 3 of which stop a process from starting" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("variable", "value"), [("SLACK_BOT_TOKEN", "xoxp-4444-a-user-token"),
                                                 ("DATABASE_URL", UNREACHABLE_DB)])
def test_serve_and_check_refuse_it_in_the_same_words(bot_env: dict[str, str], fakes: tuple[BackupEmulator, FakeSlack],
                                                     variable: str, value: str) -> None:
    env = dict(bot_env, **{variable: value}, PORT=str(free_port()))
    served = run(env, "serve", "--host", "127.0.0.1")
    assert served.returncode == 2, served.stderr
    [problem] = refusals(served.stderr)
    assert problem.startswith(variable) and "Traceback" not in served.stderr
    assert len(served.stderr.splitlines()) < 10  # no traceback, no gunicorn worker booting and failing
    checked = run(env, "check")
    assert checked.returncode == 2, checked.stdout
    assert f"  REFUSED  {problem} — refused by serve, clock, digest, poll" in checked.stdout.splitlines()
    for output in (served.stdout + served.stderr, checked.stdout + checked.stderr):
        assert PASSWORD not in output and "xoxp-4444" not in output
    if variable == "DATABASE_URL":
        assert problem.startswith("DATABASE_URL postgresql+psycopg://restores:***@127.0.0.1:1/restores is not usable ")


def test_check_prints_who_the_bot_runs_as(bot_env: dict[str, str], fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    emulator, _ = fakes
    emulator.organization = SAMPLE_ORGANIZATION  # the management account reads its organisation (issue 20)
    try:
        result = run(dict(bot_env, RESTORES_DIGEST_CHANNELS="C0DIGEST1"), "check")
    finally:
        emulator.organization = None
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^  ok       the bot runs as user restores-bot in account \d{12} "
                     r"\(arn:aws:iam::\d{12}:user/restores-bot\)$", result.stdout, re.MULTILINE), result.stdout
    assert "ok       us-east-1: backup:ListRestoreTestingSelections" in result.stdout
    assert "ok       serve, clock, digest, poll accept this configuration" in result.stdout
    assert "5 account(s), 1 suspended or closed (never polled), 4 OU(s); read at " in result.stdout


WORKER_FAILS = """
import sys
from bot.config import ConfigError, load_settings
from bot.web.server import serve

def factory():
    raise ConfigError("DATABASE_URL sqlite:////gone/bot.sqlite3 is not usable (OperationalError: gone)")

serve(load_settings({"RESTORES_REGIONS": "us-east-1", "PORT": sys.argv[1]}), factory, host="127.0.0.1")
"""


def test_a_workers_configuration_error_stops_gunicorn_with_one_line() -> None:
    result = subprocess.run([sys.executable, "-c", WORKER_FAILS, str(free_port())], cwd=REPO, env=clean_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert refusals(result.stderr) == ["DATABASE_URL sqlite:////gone/bot.sqlite3 is not usable (OperationalError: gone)"]
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) < 15, result.stderr


def test_serve_logs_one_plain_format_and_no_token_warning(launch_bot: Callable[..., BotProcess],
                                                          fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    bot = launch_bot(LOG_FORMAT="text", LOG_LEVEL="INFO")
    bot.ask("failed 7d")
    bot.stop()
    lines = [line for line in bot.log_text().splitlines() if line.strip()]
    shape = re.compile(r"\A\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+ ")
    assert any(" gunicorn.error Booting worker with pid" in line for line in lines)
    assert [line for line in lines if not shape.match(line)] == []
    assert "will be ignored" not in bot.log_text()


@pytest.mark.parametrize(("args", "status"), [
    (("ask", "--sample", "failed", "7d"), 0),
    (("ask", "--sample", "faild"), 2),
    (("ask", "failed", "7d"), 1),  # no credentials: no region could be read
    (("chart", "--sample", "faild", "--output", "/dev/null"), 2),
    (("chart", "failed", "--output", "/dev/null"), 1),
])
def test_ask_and_chart_share_their_exit_statuses(args: tuple[str, ...], status: int) -> None:
    result = run(clean_env(**NO_AWS, AWS_DEFAULT_REGION="us-east-1"), *args)
    assert result.returncode == status, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
