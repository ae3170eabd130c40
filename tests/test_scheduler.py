"""The clock: fires at the configured local time across DST changes, and catches up once when started late."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import create_web_client
from bot.aws.client import BackupService
from bot.config import Settings, load_settings
from bot.digest.clock import add_digest_job, last_fire_time, missed_today
from bot.digest.ledger import Ledger
from bot.digest.run import DigestRunner
from bot.sample.emulator import BackupEmulator, DailyCount
from tests.fakes.slack import FakeSlack
from tests.harness import BOT_TOKEN, REPO

BERLIN = ZoneInfo("Europe/Berlin")


def clock_settings(**env: str) -> Settings:
    base = {"RESTORES_REGIONS": "us-east-1", "RESTORES_DIGEST_CHANNELS": "C0CLOCK1,C0CLOCK2",
            "SLACK_BOT_TOKEN": BOT_TOKEN}
    return load_settings(dict(base, **env), "clock")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 3, 29, 9, 30, tzinfo=BERLIN), datetime(2026, 3, 29, 9, 0, tzinfo=BERLIN)),
        (datetime(2026, 3, 29, 8, 59, tzinfo=BERLIN), datetime(2026, 3, 28, 9, 0, tzinfo=BERLIN)),
        (datetime(2026, 10, 25, 8, 0, tzinfo=UTC), datetime(2026, 10, 25, 9, 0, tzinfo=BERLIN)),  # 09:00 CET
        (datetime(2026, 10, 25, 7, 59, tzinfo=UTC), datetime(2026, 10, 24, 9, 0, tzinfo=BERLIN)),
    ],
)
def test_last_fire_time(now: datetime, expected: datetime) -> None:
    settings = clock_settings(RESTORES_DIGEST_TZ="Europe/Berlin")
    assert last_fire_time(settings, now) == expected


def test_missed_today_only_after_the_digest_time_the_same_day() -> None:
    settings = clock_settings(RESTORES_DIGEST_TZ="Europe/Berlin", RESTORES_DIGEST_TIME="09:00")
    assert missed_today(settings, datetime(2026, 11, 26, 8, 59, tzinfo=BERLIN)) is None
    assert missed_today(settings, datetime(2026, 11, 26, 15, 0, tzinfo=BERLIN)) == datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("day", "utc_offset_hours"),
    [(date(2026, 3, 29), 2), (date(2026, 10, 25), 1), (date(2026, 3, 30), 2)],
    ids=["spring-forward-day", "fall-back-day", "day-after-spring-forward"],
)
def test_job_fires_at_local_time_across_dst(day: date, utc_offset_hours: int) -> None:
    settings = clock_settings(RESTORES_DIGEST_TZ="Europe/Berlin", RESTORES_DIGEST_TIME="09:00")
    fired: list[datetime] = []
    done = threading.Event()

    def job() -> None:
        fired.append(datetime.now(BERLIN))
        done.set()

    start = datetime(day.year, day.month, day.day, 8, 59, 58, tzinfo=BERLIN)
    with time_machine.travel(start, tick=True):
        scheduler = BackgroundScheduler(timezone=BERLIN)
        add_digest_job(scheduler, settings, job)
        scheduler.start()
        try:
            assert done.wait(timeout=10), "the digest job did not fire"
        finally:
            scheduler.shutdown(wait=False)
    (when,) = fired
    assert (when.hour, when.minute) == (9, 0)
    assert when.utcoffset() is not None and when.utcoffset().total_seconds() == utc_offset_hours * 3600  # type: ignore[union-attr]


def _runner(emulator: BackupEmulator, slack: FakeSlack, tmp_path: Path, **env: str) -> DigestRunner:
    settings = clock_settings(SLACK_API_URL=slack.api_url, DATABASE_URL=f"sqlite:///{tmp_path / 'clock.sqlite3'}", **env)
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"),
                           endpoint_url=emulator.url)
    return DigestRunner(settings, backup, create_web_client(settings), Ledger.from_url(settings.database_url))


def test_catch_up_posts_once_when_started_late_the_same_day(fakes: tuple[BackupEmulator, FakeSlack],
                                                           tmp_path: Path) -> None:
    emulator, slack = fakes
    now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    emulator.set_now(now)
    emulator.load(counts=[DailyCount("us-east-1", emulator.caller_account, "FAILED", "EBS", date(2026, 11, 25), 4)])
    runner = _runner(emulator, slack, tmp_path, RESTORES_DIGEST_TIME="09:00")
    assert runner.catch_up(datetime(2026, 11, 26, 8, 0, tzinfo=UTC)) is None  # not due yet
    run = runner.catch_up(now)
    assert run is not None and [o.status for o in run.outcomes] == ["posted", "posted"]
    assert runner.catch_up(now) is None  # a second start the same day: nothing
    assert len([c for c in slack.calls_to("chat.postMessage") if c.ok]) == 2


@pytest.mark.dates
def test_clock_process_catches_up_once_and_stops_on_sigterm(fakes: tuple[BackupEmulator, FakeSlack],
                                                           bot_env: dict[str, str], tmp_path: Path, now: datetime) -> None:
    _, slack = fakes
    # A digest time that has passed today in Berlin (a zone with DST, which CI's clock-shifted runs cross), so a
    # clock started now is late and must catch up.
    local = now.astimezone(BERLIN)
    hour_ago = local - timedelta(hours=1)
    due = f"{hour_ago:%H:%M}" if hour_ago.date() == local.date() else "00:00"
    env = dict(bot_env, SLACK_API_URL=slack.api_url, RESTORES_DIGEST_CHANNELS="C0CLOCK1",
               DATABASE_URL=f"sqlite:///{tmp_path / 'clock.sqlite3'}",
               RESTORES_DIGEST_TIME=due, RESTORES_DIGEST_TZ="Europe/Berlin", LOG_LEVEL="INFO")
    for attempt in range(2):
        proc = subprocess.Popen([sys.executable, "-m", "bot", "clock"], cwd=REPO, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            if attempt == 0:
                slack.wait_for_calls("chat.postMessage", 1, timeout=30)
            else:
                time.sleep(3)
        finally:
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, output
        assert "clock started" in output
    assert len([c for c in slack.calls_to("chat.postMessage") if c.ok]) == 1
