"""Defect 3 of "Trust, round two" in process: the bot as bot.wiring builds it (its boto3 clients found by
AWS_ENDPOINT_URL_BACKUP / _STS / _ORGANIZATIONS, as in production) against the emulator in member mode
(org_admin=False: AccountId=ANY answers only the caller's jobs, DescribeOrganization names another management
account). The digest and `/restores failed 7d account:ANY` say "AWS shows only account X to this bot", never all clear;
in management mode both are unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.sample.api_identity import MEMBER_MANAGEMENT
from bot.sample.records import DailyCount
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import BOT_TOKEN, DIGEST_CHANNELS, E2E_REGIONS

pytestmark = pytest.mark.dates

CALLER = "111122223333"  # the emulator's caller; the data set's other accounts have failures too
NOTE = f"AWS shows only account {CALLER} to this bot"


@pytest.fixture
def wiring(fakes: tuple[BackupEmulator, FakeSlack], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Wiring]:
    emulator, slack = fakes
    for name in ("BACKUP", "STS", "ORGANIZATIONS"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{name}", emulator.url)
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_EC2_METADATA_DISABLED", "true")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    settings = load_settings({
        "RESTORES_REGIONS": ",".join(E2E_REGIONS), "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url,
        "RESTORES_DIGEST_CHANNELS": ",".join(DIGEST_CHANNELS), "RESTORES_DIGEST_ACCOUNT": "ANY",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}", "RESTORES_AWS_DEADLINE": "10",
    }, "digest")
    parts = Wiring(settings)
    try:
        yield parts
    finally:
        parts.close()
        emulator.org_admin = True
        emulator.management_account = None


def digest_text(parts: Wiring, now: datetime) -> str:
    run = parts.digest(posting=False).run(now=now, dry_run=True)
    assert run.message is not None
    return json.dumps(run.message.block_dicts(), ensure_ascii=False) + run.message.text


def test_the_member_accounts_digest_says_aws_shows_only_its_account_and_no_all_clear(
        wiring: Wiring, fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount], now: datetime) -> None:
    emulator, _ = fakes
    # Only the other accounts failed; the bot's own completed its restores (what AWS shows a member: a quiet day).
    emulator.load(counts=[c for c in dataset if c.account_id != CALLER or c.state == "COMPLETED"])
    emulator.org_admin = False
    text = digest_text(wiring, now)
    assert NOTE in text and MEMBER_MANAGEMENT in text
    assert "all clear" not in text.replace("not an all clear", "").lower() and ":white_check_mark:" not in text


def test_the_management_accounts_digest_is_unchanged(
        wiring: Wiring, fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount], now: datetime) -> None:
    text = digest_text(wiring, now)
    assert "AWS shows only" not in text and "restore jobs failed or were aborted" in text


def test_an_org_wide_answer_from_a_member_account_says_so(
        wiring: Wiring, fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount]) -> None:
    emulator, _ = fakes
    emulator.org_admin = False
    message = wiring.answers.answer("failed 7d account:ANY")
    text = json.dumps(message.block_dicts(), ensure_ascii=False)
    assert NOTE in text and NOTE in message.text
    accounts = {row for row in ("444455556666", "777788889999") if f"{row} · " in text}
    assert accounts == set()  # AWS showed the member nothing of them: the note is what says so


def test_a_delegated_administrator_is_not_the_management_account_and_sees_the_organisation(
        wiring: Wiring, fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount], now: datetime) -> None:
    emulator, _ = fakes
    emulator.management_account = MEMBER_MANAGEMENT  # AWS Backup still answers for the organisation: delegated
    text = json.dumps(wiring.answers.answer("failed 7d account:ANY").block_dicts(), ensure_ascii=False)
    assert "AWS shows only" not in text and "444455556666 · " in text
    assert "AWS shows only" not in digest_text(wiring, now)


def test_a_member_accounts_drill_down_says_so(
        wiring: Wiring, fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount], today: date) -> None:
    emulator, _ = fakes
    emulator.org_admin = False
    message = wiring.answers.answer("failed 7d account:ANY jobs")
    assert NOTE in json.dumps(message.block_dicts(), ensure_ascii=False)
