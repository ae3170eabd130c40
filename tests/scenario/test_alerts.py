"""Alerts in process: the poller `python -m bot poll` builds (real boto3 to the AWS emulator, real slack_sdk to the
fake Slack, a real database), polled as the clock would; what only a process shows is in tests/e2e/test_alerts.py."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError

from bot.alerts.poll import AlertPoller
from bot.store.alerts import CLAIMED, DONE, AlertStore
from tests.fakes.aws import BackupEmulator, unavailable
from tests.fakes.slack import FakeSlack
from tests.support import (
    ALERT_JOB_RE,
    BOT_TOKEN,
    E2E_REGIONS,
    PLAN,
    age_alerts,
    alert_posts,
    alerted_jobs,
    failed_job,
    skip_where_the_database_clock_cannot_move,
)

pytestmark = pytest.mark.dates

OWN = "111122223333"
OTHER = "444455556666"
THIRD = "777788889999"
MENTION = "<!subteam^S0ONCALL>"


def test_two_polls_post_one_parent_and_one_reply_per_job_then_nothing(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    jobs = [
        failed_job(now, 1, reason="kms"),
        failed_job(now, 2, region="eu-west-1", reason="subnet", plan_arn=PLAN),
        failed_job(now, 3, status="ABORTED", reason="aborted", region="ap-southeast-2"),
        # Not alerts: completed, still running, or completed before alerts were switched on.
        failed_job(now, 4, status="COMPLETED"),
        failed_job(now, 5, ago=timedelta(hours=3)),
    ]
    emulator.load(jobs=jobs)
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_ALERT_MENTION="S0ONCALL")

    run = poller.poll()
    assert run.ok, run.summary()
    parents, replies = alert_posts(slack, "C0ALERTS")
    assert len(parents) == 1 and len(replies) == 3
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1, "alert-00002": 1, "alert-00003": 1}
    parent = parents[0]
    assert parent.params["text"].startswith(MENTION) and "Restore failures today: 3" in parent.params["text"]
    assert all(r.params["thread_ts"] == parent.response["ts"] for r in replies)
    assert not any(MENTION in str(r.params) for r in replies)
    by_job = {ALERT_JOB_RE.findall(json.dumps(r.params["blocks"]))[0]: r for r in replies}
    tested = str(by_job["alert-00002"].params["blocks"])
    assert "nightly_rds_check-1a2b3c4d" in tested and "eu-west-1" in tested and "ran 12 min" in tested
    assert "subnet-0abc" in tested and OWN in tested
    assert "ABORTED" in by_job["alert-00003"].params["text"]
    # ByStatus per state, ByCompleteAfter/Before per region: 3 regions × 2 states, one page each.
    assert run.calls == len(E2E_REGIONS) * 2

    second = poller.poll()
    assert second.ok and not second.posted
    assert alert_posts(slack, "C0ALERTS") == (parents, replies)
    assert slack.calls_to("chat.update") == []


def test_jobs_failing_for_one_reason_in_one_poll_share_a_reply(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    # The same KMS key problem on three resources in two regions (their ids differ), and one other reason.
    emulator.load(jobs=[failed_job(now, 1), failed_job(now, 2, region="eu-west-1"), failed_job(now, 3),
                        failed_job(now, 4, reason="subnet")])
    launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS").poll()
    _, replies = alert_posts(slack, "C0ALERTS")
    assert len(replies) == 2
    grouped = next(r for r in replies if "3 restore jobs" in r.params["text"])
    assert {"alert-00001", "alert-00002", "alert-00003"} <= set(str(grouped.params["blocks"]).split("`"))
    assert alerted_jobs(slack, "C0ALERTS") == {f"alert-0000{n}": 1 for n in range(1, 5)}


def test_a_new_failure_is_a_new_reply_and_the_parent_count_is_updated_without_a_second_mention(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    emulator.load(jobs=[failed_job(now, 1)])
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_ALERT_MENTION="S0ONCALL")
    poller.poll()
    emulator.load(jobs=[failed_job(now, 1), failed_job(now, 2, reason="subnet", ago=timedelta(seconds=5))])
    run = poller.poll()
    assert run.posted == {"C0ALERTS": 1}
    parents, replies = alert_posts(slack, "C0ALERTS")
    assert len(parents) == 1 and len(replies) == 2
    assert sum(MENTION in str(call.params) for call in parents + replies) == 1
    [edit] = [c for c in slack.calls_to("chat.update") if c.ok]
    assert edit.params["ts"] == parents[0].response["ts"] and "Restore failures today: 2" in edit.params["text"]


def test_scoped_channels_see_only_their_accounts_and_an_unscoped_one_nothing(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator, slack = fakes
    emulator.load(jobs=[failed_job(now, 1, account=OWN), failed_job(now, 2, account=OTHER),
                        failed_job(now, 3, account=THIRD, region="eu-west-1")])
    poller = launch_poller(
        RESTORES_ALERT_CHANNELS="C0TEAMA,C0TEAMB,C0PLATFORM,C0NOSCOPE",
        RESTORES_CHANNEL_ACCOUNTS=f"C0TEAMA={OWN};C0TEAMB={OTHER};C0PLATFORM=ANY",
        RESTORES_ALERT_ACCOUNTS=THIRD,
    )
    with caplog.at_level(logging.ERROR, logger="bot.alerts"):
        run = poller.poll()
    assert alerted_jobs(slack, "C0TEAMA") == {"alert-00001": 1}
    assert alerted_jobs(slack, "C0TEAMB") == {"alert-00002": 1}
    assert alerted_jobs(slack, "C0PLATFORM") == {"alert-00001": 1, "alert-00002": 1, "alert-00003": 1}
    assert alert_posts(slack, "C0NOSCOPE") == ([], [])
    assert "C0NOSCOPE" in run.failed and not run.ok
    assert any("C0NOSCOPE" in r.getMessage() and "no account scope" in r.getMessage() for r in caplog.records)
    # Per region: the bot's own account, the two scoped ones (ByAccountId) and RESTORES_ALERT_ACCOUNTS, per state.
    asked = {c.params.get("accountId", "own") for c in emulator.calls("/restore-jobs/")}
    assert asked == {"own", OWN, OTHER, THIRD}


def test_a_job_that_shows_up_after_a_poll_covered_its_completion_is_posted_once(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS")
    emulator.load(jobs=[failed_job(now, 1, ago=timedelta(seconds=30))])
    poller.poll()
    # AWS lists a job that completed before that poll only now (eventual consistency).
    late = failed_job(now, 2, reason="subnet", ago=timedelta(minutes=2))
    emulator.load(jobs=[failed_job(now, 1, ago=timedelta(seconds=30)), late])
    poller.poll(now + timedelta(minutes=5))
    poller.poll(now + timedelta(minutes=10))
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1, "alert-00002": 1}


def test_catch_up_after_downtime_is_bounded_and_says_what_was_skipped(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_REGIONS="us-east-1")
    poller.store.advance("us-east-1", "", now - timedelta(hours=30))  # the last poll, 30 hours ago
    emulator.load(jobs=[failed_job(now, 1, ago=timedelta(hours=20)), failed_job(now, 2, ago=timedelta(hours=28))])
    run = poller.poll(now)
    assert run.skipped == (now - timedelta(hours=30), now - timedelta(hours=24))
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    parents, _ = alert_posts(slack, "C0ALERTS")
    [gap] = [p for p in parents if "not checked" in p.params["text"]]
    assert "6 h 0 min" in str(gap.params["blocks"])
    poller.poll(now + timedelta(minutes=5))
    assert len([p for p in alert_posts(slack, "C0ALERTS")[0] if "not checked" in p.params["text"]]) == 1


def test_the_reply_that_takes_the_day_past_the_threshold_is_broadcast_once(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_ALERT_BROADCAST_OVER="2")
    loaded = []
    for n, reason in enumerate(["kms", "subnet", "capacity X", "capacity Y"], start=1):
        loaded.append(failed_job(now, n, reason=reason, ago=timedelta(seconds=60 - n)))
        emulator.load(jobs=loaded)
        poller.poll()
    _, replies = alert_posts(slack, "C0ALERTS")
    assert [bool(r.params.get("reply_broadcast")) for r in replies] == [False, False, True, False]


def test_a_poll_that_died_between_post_and_record_is_not_posted_again(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    emulator.load(jobs=[failed_job(now, 1)])

    class DiesAfterPosting(AlertStore):
        def mark_done(self, *args: object, **kwargs: object) -> int:
            raise OperationalError("UPDATE alert_deliveries", {}, Exception("the process was killed here"))

    dying = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", owner="dying")
    crashing = DiesAfterPosting(dying.store.engine)
    launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", store=crashing, owner="dying").poll()
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    [claim] = dying.store.deliveries("C0ALERTS")
    assert claim.status == CLAIMED and claim.thread_ts

    survivor = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", owner="survivor")
    survivor.poll()
    assert survivor.store.deliveries("C0ALERTS")[0].status == CLAIMED  # a fresh claim is its owner's
    age_alerts(survivor.store, timedelta(minutes=11))
    survivor.poll()
    [record] = survivor.store.deliveries("C0ALERTS")
    assert record.status == DONE and record.message_ts == alert_posts(slack, "C0ALERTS")[1][0].response["ts"]
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    assert slack.calls_to("conversations.replies")


@pytest.mark.parametrize("drops", [1, 2])
def test_a_parent_and_a_reply_slack_took_before_the_connection_dropped_are_posted_once(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime, drops: int
) -> None:
    """Slack accepts the day's thread parent (with the on-call mention), then the reply, and drops the connection
    each time before answering: one parent mentioning the group, one reply for the job, across the next polls."""
    emulator, slack = fakes
    emulator.load(jobs=[failed_job(now, 1)])
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_ALERT_MENTION="S0ONCALL")
    slack.drop_after_accepting("chat.postMessage", times=drops)
    for _ in range(3):
        poller.poll()
        age_alerts(poller.store, timedelta(minutes=11))
    parents, _ = alert_posts(slack, "C0ALERTS")
    assert len(parents) == 1 and sum(MENTION in str(c.params) for c in slack.calls_to("chat.postMessage") if c.ok) == 1
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    [record] = poller.store.deliveries("C0ALERTS")
    assert record.status == DONE


def test_slack_rate_limits_are_waited_out_and_a_refusing_channel_gets_its_alerts_later(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    emulator.load(jobs=[failed_job(now, 1)])
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    slack.fail_channel("C0PRIVATE", "not_in_channel")
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS,C0PRIVATE")
    run = poller.poll()
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    assert [c.status for c in slack.calls_to("chat.postMessage")][:2] == [429, 200]
    assert run.failed == {"C0PRIVATE": "not_in_channel: the bot is not a member of this channel: /invite @restores"}

    WebClient(token=BOT_TOKEN, base_url=slack.api_url).conversations_join(channel="C0PRIVATE")  # /invite @restores
    assert poller.poll(now + timedelta(hours=1)).ok  # long after the job's window: it waited in the outbox
    assert alerted_jobs(slack, "C0PRIVATE") == {"alert-00001": 1}
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}


def test_a_region_that_did_not_answer_is_read_again_by_the_next_poll(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    emulator.load(jobs=[failed_job(now, 1), failed_job(now, 2, region="eu-west-1", reason="subnet")])
    emulator.set_fault("eu-west-1", unavailable())
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", AWS_MAX_ATTEMPTS="1")
    run = poller.poll()
    assert not run.ok and run.aws_failures == ["eu-west-1/own account (unavailable)"]
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    emulator.clear_faults()
    # Half an hour later: beyond the overlap, so only the region's unmoved checkpoint brings the job back.
    assert poller.poll(now + timedelta(minutes=30)).ok
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1, "alert-00002": 1}


def test_two_pollers_at_once_post_each_job_once(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime,
    database_url: str,
) -> None:
    skip_where_the_database_clock_cannot_move(database_url)
    emulator, slack = fakes
    emulator.load(jobs=[failed_job(now, n, reason=f"reason {n % 4}", region=E2E_REGIONS[n % 3]) for n in range(1, 25)])
    pollers = [launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS,C0OTHER", DATABASE_URL=database_url, owner=f"p{i}")
               for i in range(2)]
    barrier = threading.Barrier(len(pollers))

    def race(poller: AlertPoller) -> None:
        barrier.wait()
        poller.poll()

    threads = [threading.Thread(target=race, args=(p,)) for p in pollers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for channel in ("C0ALERTS", "C0OTHER"):
        assert alerted_jobs(slack, channel) == {f"alert-{n:05d}": 1 for n in range(1, 25)}
        parents, _ = alert_posts(slack, channel)
        assert len(parents) == 1
    # Whatever the interleaving, the parents end up showing the whole count.
    pollers[0].poll()
    for channel in ("C0ALERTS", "C0OTHER"):
        thread = pollers[0].store.thread(channel, now.date())
        assert thread is not None and thread.shown_count == 24


def test_a_clock_host_running_fifteen_minutes_fast_loses_no_alert(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack]
) -> None:
    """The clock host is 15 minutes fast (more than the polls' 10-minute overlap): a job that AWS lists only after a
    poll, completed a minute before it by AWS's and the database's clocks, is still alerted, because the windows and
    checkpoints follow the database's clock, not the host's."""
    import time_machine

    emulator, slack = fakes
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS")
    real = datetime.now(UTC)
    emulator.set_now(real)
    with time_machine.travel(real + timedelta(minutes=15), tick=True):
        assert poller.poll().ok
        emulator.load(jobs=[failed_job(real, 1, ago=timedelta(minutes=1))])
        assert poller.poll().ok
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
