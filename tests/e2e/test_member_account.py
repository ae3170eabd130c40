"""Defect 3 of "Trust, round two" as processes: `python -m bot digest --dry-run`, `ask` and `check` against the
emulator in member mode (org_admin=False: AccountId=ANY shows only the caller's jobs; sts:GetCallerIdentity and
organizations:DescribeOrganization answered by the same emulator through AWS_ENDPOINT_URL_STS / _ORGANIZATIONS)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sample.api_identity import MEMBER_MANAGEMENT
from bot.sample.records import DailyCount
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import DIGEST_CHANNELS, REPO

pytestmark = [pytest.mark.e2e, pytest.mark.dates]

CALLER = "111122223333"
NOTE = f"AWS shows only account {CALLER} to this bot"


@pytest.fixture
def member(fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount]) -> Iterator[BackupEmulator]:
    """The emulator in member mode, on a day when only the other accounts failed (the bot's own completed)."""
    emulator, _ = fakes
    emulator.load(counts=[c for c in dataset if c.account_id != CALLER or c.state == "COMPLETED"])
    emulator.org_admin = False
    try:
        yield emulator
    finally:
        emulator.org_admin = True
        emulator.organizations_denied = False


def bot(bot_env: dict[str, str], slack: FakeSlack, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(bot_env, RESTORES_DIGEST_CHANNELS=",".join(DIGEST_CHANNELS), RESTORES_DIGEST_ACCOUNT="ANY",
               DATABASE_URL=f"sqlite:///{tmp_path / 'member.sqlite3'}", SLACK_API_URL=slack.api_url)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)


def test_the_digest_dry_run_of_a_member_account_names_it_and_is_no_all_clear(
        member: BackupEmulator, fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], tmp_path: Path) -> None:
    _, slack = fakes
    result = bot(bot_env, slack, tmp_path, "digest", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert NOTE in result.stdout and MEMBER_MANAGEMENT in result.stdout
    assert "all clear" not in result.stdout.lower().replace("not an all clear", "")
    member.org_admin = True  # the control: the management account's digest of the same day
    whole = bot(bot_env, slack, tmp_path, "digest", "--dry-run")
    assert "AWS shows only" not in whole.stdout and "failed or were aborted" in whole.stdout


def test_ask_org_wide_from_a_member_account_says_so(
        member: BackupEmulator, fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], tmp_path: Path) -> None:
    _, slack = fakes
    result = bot(bot_env, slack, tmp_path, "ask", "failed 7d account:ANY")
    assert result.returncode == 0, result.stderr
    assert NOTE in result.stdout
    # A member account may not read the organisation: its accounts are shown by id, and the answer is whole.
    every_state = bot(bot_env, slack, tmp_path, "ask", "7d account:ANY")
    assert every_state.returncode == 0, every_state.stderr
    assert f"*{CALLER} · us-east-1* — " in every_state.stdout, every_state.stdout
    assert "By OU" not in every_state.stdout and "Traceback" not in every_state.stderr
    assert every_state.stderr.count("organisation not read") == 1, every_state.stderr  # one attempt, then ids


def test_check_names_the_member_account_and_a_missing_organizations_permission(
        member: BackupEmulator, fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], tmp_path: Path) -> None:
    _, slack = fakes
    result = bot(bot_env, slack, tmp_path, "check")
    assert (f"account {CALLER} is not the organisation's management account ({MEMBER_MANAGEMENT})"
            in result.stdout), result.stdout + result.stderr
    # The directory: Organizations answers DescribeOrganization to a member and refuses the listing, as AWS does.
    assert ("MISSING  AWS Organizations refused organizations:ListRoots (AccessDeniedException): the bot runs in a "
            "member account, or its role lacks the permission; from the management account or a delegated "
            "administrator for AWS Organizations, grant organizations:DescribeOrganization, organizations:ListRoots, "
            "organizations:ListAccounts") in result.stdout, result.stdout
    assert "until then accounts are shown by id and OU scopes are refused" in result.stdout
    member.organizations_denied = True
    denied = bot(bot_env, slack, tmp_path, "check")
    assert "MISSING  account 111122223333: whether it is the organisation's management account could not be told: " \
           "grant organizations:DescribeOrganization" in denied.stdout, denied.stdout
    assert "MISSING  AWS Organizations refused organizations:DescribeOrganization (AccessDeniedException)" \
           in denied.stdout, denied.stdout
