"""`python -m bot clock` as a real process: catches up once when started late, and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.sample.records import DailyCount
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import REPO

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.dates
def test_clock_process_catches_up_once_and_stops_on_sigterm(fakes: tuple[BackupEmulator, FakeSlack],
                                                           dataset: list[DailyCount], bot_env: dict[str, str],
                                                           tmp_path: Path, now: datetime) -> None:
    _, slack = fakes  # `dataset`: the digest's day summarised by AWS (without its ONE_DAY bucket it is held back)
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
