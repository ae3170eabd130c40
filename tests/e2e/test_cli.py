"""The CLI as a new user runs it: `ask --sample` and `digest --dry-run --sample` with no AWS or Slack settings."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest

from bot.domain import words
from bot.sample.data import sample_counts
from bot.sample.estate import SAMPLE_CALLER_ACCOUNT, SAMPLE_REGIONS
from bot.sample.testing import (
    FAILING_PLAN,
    HEALTHY_PLAN,
    LEAKING_PLAN,
    SLOW_PLAN,
    STALE_PLAN,
    UNCOVERED_PLAN,
    VALIDATION_PLAN,
)
from tests.support import REPO, clean_env

pytestmark = [pytest.mark.e2e, pytest.mark.dates]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # A shell with no AWS_*, SLACK_* or RESTORES_* variables, and HOME pointing nowhere useful.
    env = clean_env(HOME="/nonexistent", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                    AWS_EC2_METADATA_DISABLED="true")
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)


def test_ask_sample_needs_no_credentials_and_is_exact(today: date) -> None:
    result = run("ask", "--sample", "failed 7d")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Sample data" in out
    # The sample data moves with today: the window and the numbers are those of the day the test runs.
    counts = sample_counts(today)
    expected = sum(c.count for c in counts if c.state == "FAILED" and c.account_id == SAMPLE_CALLER_ACCOUNT
                   and today - timedelta(days=7) <= c.day < today)
    assert expected > 0
    assert f"*{expected:,} failed restore jobs* in {len(SAMPLE_REGIONS)} regions" in out
    start, end = words.days_window(today - timedelta(days=1), 7)
    assert f"*Window:* {words.window_text(start, end)} (the last 7 full UTC days AWS has counted)" in out
    assert f"account {SAMPLE_CALLER_ACCOUNT} (the bot's own)" in out
    assert "Traceback" not in result.stderr


def test_ask_sample_json_is_block_kit() -> None:
    result = run("ask", "--sample", "--json", "daily", "type:EBS", "account:ANY")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["text"].startswith("[sample data]")
    kinds = [b["type"] for b in payload["blocks"]]
    assert kinds[0] == "header" and "actions" in kinds and len(kinds) <= 50
    assert "Per day" in json.dumps(payload["blocks"])


def test_ask_sample_help_and_bad_input() -> None:
    assert "/restores failed 7d" in run("ask", "--sample", "help").stdout
    bad = run("ask", "--sample", "faild")
    assert bad.returncode == 2 and "Did you mean `failed`?" in bad.stdout  # bad input: the answer says why, exit 2


def test_digest_dry_run_sample_posts_nowhere(day: date) -> None:
    result = run("digest", "--dry-run", "--sample")
    assert result.returncode == 0, result.stderr
    assert "Daily restore digest" in result.stdout and "14-day trend" in result.stdout
    # It covers yesterday (UTC), whatever day it runs, with the sample's numbers for that day.
    bad = sum(c.count for c in sample_counts(day + timedelta(days=1))
              if c.day == day and c.state in ("FAILED", "ABORTED") and c.account_id == SAMPLE_CALLER_ACCOUNT)
    assert f"*{bad:,} restore jobs failed or were aborted* on {day:%a} {day.day} {day:%b %Y}" in result.stdout
    assert f"account {SAMPLE_CALLER_ACCOUNT} (the bot's own)" in result.stdout  # its scope names the account by id
    refused = run("digest", "--sample")
    assert refused.returncode == 2 and "--sample only goes with --dry-run" in refused.stderr


def test_ask_without_aws_credentials_explains_instead_of_crashing() -> None:
    result = run("ask", "failed")
    assert result.returncode == 2  # no region configured anywhere
    assert "no AWS region: set RESTORES_REGIONS" in result.stderr
    no_creds = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "failed"], cwd=REPO, capture_output=True, text=True, timeout=60,
        env=clean_env(HOME="/nonexistent", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                      AWS_EC2_METADATA_DISABLED="true", RESTORES_REGIONS="eu-west-1"),
    )
    assert no_creds.returncode == 1  # answered, but nothing could be read
    assert "eu-west-1" in no_creds.stdout and "no usable AWS credentials" in no_creds.stdout


def test_ask_sample_tests_shows_a_plan_of_each_kind() -> None:
    result = run("ask", "--sample", "tests")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Restores are not proven" in out
    lines = {plan: next((line for line in out.splitlines() if f"*{plan}*" in line), "")
             for plan in (FAILING_PLAN, VALIDATION_PLAN, STALE_PLAN, LEAKING_PLAN, SLOW_PLAN, UNCOVERED_PLAN, HEALTHY_PLAN)}
    assert all(lines.values()), lines
    # Worst first, the healthy plan last, on one short line.
    positions = [out.index(line) for line in lines.values()]
    assert positions[-1] == max(positions) and "restores completed" in lines[HEALTHY_PLAN]
    assert "last ran 3 days ago, daily plan" in out
    assert "not deleted" in out and "Coverage: no restore of RDS" in out and "over their target" in out
    assert "Traceback" not in result.stderr
