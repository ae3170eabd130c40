"""The event path in process: `python -m bot clock` with RESTORES_ALERT_QUEUE_URL on moto's SQS server, the AWS
emulator and the fake Slack. Its thread receives the events while the clock holds the lease; a clock killed (-9) and
started again does not post a job twice when the job's event comes again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.fakes.sqs import MotoSqs, moto_sqs, restore_job_event
from tests.support import BOT_TOKEN, REPO, alert_posts, alerted_jobs, failed_job, wait_for_posts

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sqs() -> Iterator[MotoSqs]:
    with moto_sqs() as server:
        yield server


def _clock(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot", "clock"], cwd=REPO, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)


def _until_empty(sqs: MotoSqs, queue_url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while sqs.depth(queue_url):
        assert time.monotonic() < deadline, f"{sqs.depth(queue_url)} message(s) still in the queue after {timeout} s"
        time.sleep(0.1)


def test_the_clock_posts_each_events_job_once_and_again_once_after_a_kill(
    fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], sqs: MotoSqs, tmp_path: Path
) -> None:
    emulator, slack = fakes
    queue_url, _ = sqs.queue(visibility=2)
    env = dict(bot_env, DATABASE_URL=f"sqlite:///{tmp_path / 'events.sqlite3'}", RESTORES_ALERT_CHANNELS="C0ALERTS",
               RESTORES_ALERT_QUEUE_URL=queue_url, AWS_ENDPOINT_URL_SQS=sqs.url, LOG_LEVEL="INFO",
               # The lease a killed clock leaves lapses after RESTORES_ALERT_INTERVAL, the sweep's interval or not.
               RESTORES_ALERT_INTERVAL="2")
    log = tmp_path / "clock.log"
    job = failed_job(datetime.now(UTC), 1)
    emulator.load(jobs=[job])
    clock = _clock(env, log)
    try:
        sqs.send(queue_url, restore_job_event(job), restore_job_event(job))
        wait_for_posts(slack, "C0ALERTS", 2)  # the day's parent and the reply
        _until_empty(sqs, queue_url)
        os.kill(clock.pid, signal.SIGKILL)
        clock.wait(timeout=10)

        sqs.send(queue_url, restore_job_event(job))  # delivered again, to a clock started again
        clock = _clock(env, log)
        _until_empty(sqs, queue_url)
    finally:
        clock.send_signal(signal.SIGTERM)
        clock.wait(timeout=60)
    assert clock.returncode == 0
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    assert len(alert_posts(slack, "C0ALERTS")[0]) == 1 and len(slack.calls_to("chat.postMessage")) == 2
    text = log.read_text(errors="replace")
    assert text.count("alerts: events from") == 2
    assert "e2e-aws-secret-key-do-not-log" not in text and BOT_TOKEN not in text
