"""The clock's catch-up, in process: started late the same day, it posts once (real boto3 to the AWS emulator, real
slack_sdk to the fake Slack, a real ledger)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import boto3

from bot.aws.client import BackupService
from bot.digest.run import DigestRunner
from bot.sample.records import DailyCount
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import clock_settings


def _runner(emulator: BackupEmulator, slack: FakeSlack, tmp_path: Path, **env: str) -> DigestRunner:
    settings = clock_settings(SLACK_API_URL=slack.api_url, DATABASE_URL=f"sqlite:///{tmp_path / 'clock.sqlite3'}", **env)
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"),
                           endpoint_url=emulator.url)
    return Wiring(settings, backup=backup).digest()


def test_catch_up_posts_once_when_started_late_the_same_day(fakes: tuple[BackupEmulator, FakeSlack],
                                                           tmp_path: Path) -> None:
    emulator, slack = fakes
    now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    emulator.set_now(now)
    emulator.load(counts=[DailyCount("us-east-1", emulator.caller_account, "FAILED", "EBS", date(2026, 11, 25), 4)])
    runner = _runner(emulator, slack, tmp_path, RESTORES_DIGEST_TIME="09:00")
    assert runner.tick(datetime(2026, 11, 26, 8, 0, tzinfo=UTC)) == []  # not due yet
    (run,) = runner.tick(now)
    assert [o.status for o in run.outcomes] == ["posted", "posted"] and run.day == date(2026, 11, 25)
    restarted = _runner(emulator, slack, tmp_path, RESTORES_DIGEST_TIME="09:00")
    assert restarted.tick(now) == []  # a second start the same day: nothing
    assert len([c for c in slack.calls_to("chat.postMessage") if c.ok]) == 2
