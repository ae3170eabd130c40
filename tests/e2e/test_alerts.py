"""Alerts with real processes: `python -m bot poll` as cron runs it, two of them at once, and two `python -m bot clock`
processes of which the active one is killed (-9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import (
    BOT_TOKEN,
    REPO,
    alert_posts,
    alerted_jobs,
    failed_job,
    skip_where_the_database_clock_cannot_move,
    wait_for_posts,
)

pytestmark = pytest.mark.e2e

OTHER = "444455556666"
MENTION = "<!subteam^S0ONCALL>"


def _poll(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "poll"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=90, check=False)


@pytest.mark.dates
def test_poll_posts_each_failure_once_in_the_days_thread_and_updates_its_count(
    fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], tmp_path: Path, now: datetime
) -> None:
    emulator, slack = fakes
    env = dict(bot_env, DATABASE_URL=f"sqlite:///{tmp_path / 'alerts.sqlite3'}", RESTORES_ALERT_MENTION="S0ONCALL",
               RESTORES_ALERT_CHANNELS="C0ALERTS,C0TEAMB", RESTORES_CHANNEL_ACCOUNTS=f"C0ALERTS=ANY;C0TEAMB={OTHER}")
    jobs = [failed_job(now, 1), failed_job(now, 2, account=OTHER, region="eu-west-1", status="ABORTED", reason="aborted")]
    emulator.load(jobs=jobs)

    first = _poll(env)
    assert first.returncode == 0, first.stderr
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1, "alert-00002": 1}
    assert alerted_jobs(slack, "C0TEAMB") == {"alert-00002": 1}  # its scope: one account
    for channel, count in (("C0ALERTS", 2), ("C0TEAMB", 1)):
        [parent], _ = alert_posts(slack, channel)
        assert parent.params["text"] == f"{MENTION} Restore failures today: {count}"
    assert "e2e-aws-secret-key-do-not-log" not in first.stderr and BOT_TOKEN not in first.stderr

    again = _poll(env)
    assert again.returncode == 0, again.stderr
    assert len(slack.calls_to("chat.postMessage")) == 5 and slack.calls_to("chat.update") == []

    # A new failure, and one AWS lists only now though it completed before the first poll ran.
    late = failed_job(now, 4, reason="subnet", ago=timedelta(minutes=2))
    emulator.load(jobs=[*jobs, failed_job(datetime.now(UTC), 3, reason="subnet"), late])
    third = _poll(env)
    assert third.returncode == 0, third.stderr
    assert alerted_jobs(slack, "C0ALERTS") == {f"alert-0000{n}": 1 for n in range(1, 5)}
    parents, replies = alert_posts(slack, "C0ALERTS")
    assert len(parents) == 1 and len(replies) == 3  # jobs 3 and 4 failed for one reason: one reply
    [update] = [c for c in slack.calls_to("chat.update") if c.ok]
    assert update.params["ts"] == parents[0].response["ts"] and update.params["text"].endswith("today: 4")
    assert sum(MENTION in str(c.params) for c in slack.calls_to("chat.postMessage")) == 2  # once a day per channel

    assert _poll(env).returncode == 0
    assert len(slack.calls_to("chat.postMessage")) == 6 and len(slack.calls_to("chat.update")) == 1


@pytest.mark.dates
def test_two_poll_processes_started_together_post_each_job_once(
    fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], database_url: str, now: datetime
) -> None:
    skip_where_the_database_clock_cannot_move(database_url)
    emulator, slack = fakes
    emulator.load(jobs=[failed_job(now, n, reason=f"reason {n % 5}", region=("us-east-1", "eu-west-1")[n % 2])
                        for n in range(1, 31)])
    env = dict(bot_env, DATABASE_URL=database_url, RESTORES_ALERT_CHANNELS="C0ALERTS,C0OTHER")
    procs = [subprocess.Popen([sys.executable, "-m", "bot", "poll"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=90)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    for channel in ("C0ALERTS", "C0OTHER"):
        assert alerted_jobs(slack, channel) == {f"alert-{n:05d}": 1 for n in range(1, 31)}
        parents, _ = alert_posts(slack, channel)
        assert len(parents) == 1


def _wait_for(path: Path, text: str, timeout: float) -> float:
    """The monotonic time at which `text` appeared in the log at `path` (checked every 20 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return time.monotonic()
        time.sleep(0.02)
    raise AssertionError(f"{text!r} not in {path.name} after {timeout} s:\n{path.read_text(errors='replace')[-3000:]}")


def test_a_standby_clock_takes_over_the_alerts_when_the_active_one_is_killed(
    fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    emulator, slack = fakes
    interval = 2
    env = dict(bot_env, DATABASE_URL=database_url, RESTORES_ALERT_CHANNELS="C0ALERTS",
               RESTORES_ALERT_INTERVAL=str(interval), LOG_LEVEL="INFO")
    logs = [tmp_path / "clock-a.log", tmp_path / "clock-b.log"]
    clocks: list[subprocess.Popen[bytes]] = []
    try:
        for log in logs:
            clocks.append(subprocess.Popen([sys.executable, "-m", "bot", "clock"], cwd=REPO, env=env,
                                           stdout=log.open("wb"), stderr=subprocess.STDOUT))
            _wait_for(log, "alerts lease: ", 30)
        active, standby = (0, 1) if "polls now" in logs[0].read_text() else (1, 0)
        assert "standing by" in logs[standby].read_text()

        emulator.load(jobs=[failed_job(datetime.now(UTC), 1)])
        wait_for_posts(slack, "C0ALERTS", 2)  # the day's parent and the reply (a digest elsewhere does not count)

        os.kill(clocks[active].pid, signal.SIGKILL)
        killed = time.monotonic()
        emulator.load(jobs=[failed_job(datetime.now(UTC), 1), failed_job(datetime.now(UTC), 2, reason="subnet")])
        took_over = _wait_for(logs[standby], "polls now", 30)
        wait_for_posts(slack, "C0ALERTS", 3)
        posted = time.monotonic()
        print(f"takeover {took_over - killed:.2f} s, next alert posted {posted - killed:.2f} s after kill -9 "
              f"(interval {interval} s)")
        # The lease lapses an interval after its last renewal; the standby checks every third of an interval.
        assert took_over - killed <= 2 * interval
        assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1, "alert-00002": 1}
        assert len(alert_posts(slack, "C0ALERTS")[0]) == 1
    finally:
        for proc in clocks:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
    assert clocks[standby].returncode == 0


@pytest.mark.dates
def test_poll_whose_posts_slack_took_before_dropping_the_connection_posts_one_parent_and_one_reply(
    fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], tmp_path: Path, now: datetime
) -> None:
    """`python -m bot poll` against a Slack that accepts the thread parent (mentioning on-call) and the reply and
    drops the connection each time: one parent, one mention, one reply, across the polls that follow."""
    from tests.support import age_alerts

    emulator, slack = fakes
    env = dict(bot_env, DATABASE_URL=f"sqlite:///{tmp_path / 'drop.sqlite3'}", RESTORES_ALERT_MENTION="S0ONCALL",
               RESTORES_ALERT_CHANNELS="C0ALERTS")
    emulator.load(jobs=[failed_job(now, 1)])
    slack.drop_after_accepting("chat.postMessage", times=2)
    from bot.store.alerts import AlertStore

    for _ in range(3):
        _poll(env)
        store = AlertStore.from_url(env["DATABASE_URL"])
        age_alerts(store, timedelta(minutes=11))
        store.engine.dispose()
    parents, _ = alert_posts(slack, "C0ALERTS")
    assert len(parents) == 1
    assert sum(MENTION in str(c.params) for c in slack.calls_to("chat.postMessage") if c.ok) == 1
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
