"""The alerts' event path against a real SQS (moto's server, started here): AWS Backup's "Restore Job State Change"
events in a queue, the consumer the clock runs (real boto3 to SQS and to the AWS emulator, real slack_sdk to the fake
Slack, the poller's outbox in a real database). Each failed job is posted once however often and by whichever path
it arrives, and a message leaves the queue only once its alert is recorded."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.alerts.events import LIST_TRIES, AlertEvents, EventsRun
from bot.alerts.poll import AlertPoller
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.fakes.sqs import MotoSqs, moto_sqs, restore_job_event
from tests.support import PLAN, alert_posts, alerted_jobs, failed_job

OWN = "111122223333"
OTHER = "444455556666"


@pytest.fixture(scope="module")
def sqs() -> Iterator[MotoSqs]:
    with moto_sqs() as server:
        yield server


@pytest.fixture
def queue(sqs: MotoSqs) -> tuple[str, str]:
    return sqs.queue()


@pytest.fixture
def consumer(launch_poller: Callable[..., AlertPoller], sqs: MotoSqs,
             queue: tuple[str, str]) -> Callable[..., AlertEvents]:
    """Consumers as the clock builds them (AlertEvents.build on the poller), on this test's queue and database."""

    def make(**overrides: str) -> AlertEvents:
        env = {"RESTORES_ALERT_CHANNELS": "C0ALERTS", "RESTORES_ALERT_QUEUE_URL": queue[0], **overrides}
        poller = launch_poller(**env)
        events = AlertEvents.build(poller, queue[0], endpoint_url=sqs.url)
        events.wait_seconds = 2  # a message made visible again within the wait is received by the same call
        return events

    return make


def drain(events: AlertEvents, sqs: MotoSqs, *, receives: int = 8) -> list[EventsRun]:
    """Receive until the queue is empty (or `receives` were made): what the clock's loop does."""
    runs = []
    for _ in range(receives):
        runs.append(events.receive())
        if sqs.depth(events.queue_url) == 0:
            break
    return runs


def test_an_event_delivered_twice_is_posted_once_with_what_aws_lists_and_completed_jobs_are_not(
    fakes: tuple[BackupEmulator, FakeSlack], sqs: MotoSqs, consumer: Callable[..., AlertEvents], now: datetime
) -> None:
    emulator, slack = fakes
    failed = failed_job(now, 1, plan_arn=PLAN, reason="subnet")
    other = failed_job(now, 2, account=OTHER, region="eu-west-1", status="ABORTED", reason="aborted")
    done = failed_job(now, 3, status="COMPLETED")
    emulator.load(jobs=[failed, other, done])
    events = consumer(RESTORES_ALERT_CHANNELS="C0ALERTS,C0TEAMB",
                      RESTORES_CHANNEL_ACCOUNTS=f"C0ALERTS=ANY;C0TEAMB={OTHER}")
    # At-least-once delivery: the failed job's event twice (the second arriving in another receive), the others once.
    sqs.send(events.queue_url, restore_job_event(failed), restore_job_event(other), restore_job_event(done))
    first = events.receive()
    sqs.send(events.queue_url, restore_job_event(failed))
    runs = [first, *drain(events, sqs)]

    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1, "alert-00002": 1}
    assert alerted_jobs(slack, "C0TEAMB") == {"alert-00002": 1}  # its scope: one account
    parents, replies = alert_posts(slack, "C0ALERTS")
    assert len(parents) == 1
    tested = next(str(r.params["blocks"]) for r in replies if "alert-00001" in str(r.params["blocks"]))
    # The restore testing plan is not in the event: the job was read from ListRestoreJobs.
    assert "nightly_rds_check-1a2b3c4d" in tested and "ran 12 min" in tested
    assert sqs.depth(events.queue_url) == 0
    assert sum(r.deleted for r in runs) == 4 and sum(r.ignored for r in runs) == 1
    # One ListRestoreJobs per failed job's message, each asking one account by its creation time.
    asked = emulator.calls("/restore-jobs/")
    assert {(c.params.get("accountId"), c.params.get("status")) for c in asked} == {(OWN, "FAILED"), (OTHER, "ABORTED")}


def test_an_event_after_the_sweep_posted_its_job_is_deleted_without_a_post_and_the_reverse(
    fakes: tuple[BackupEmulator, FakeSlack], sqs: MotoSqs, consumer: Callable[..., AlertEvents], now: datetime
) -> None:
    emulator, slack = fakes
    swept, evented = failed_job(now, 1), failed_job(now, 2, reason="subnet", ago=timedelta(seconds=20))
    emulator.load(jobs=[swept])
    events = consumer()
    events.poller.poll()  # the safety sweep sees job 1 first
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    sqs.send(events.queue_url, restore_job_event(swept))
    run = events.receive()
    assert run.alerts == 1 and run.deleted == 1 and not run.posted
    assert sqs.depth(events.queue_url) == 0

    # Job 2's event first, then a sweep that reads it too.
    emulator.load(jobs=[swept, evented])
    sqs.send(events.queue_url, restore_job_event(evented))
    assert events.receive().posted == {"C0ALERTS": 1}
    sweep = events.poller.poll()
    assert sweep.ok and sweep.jobs == 2 and not sweep.posted
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1, "alert-00002": 1}
    assert len(alert_posts(slack, "C0ALERTS")[0]) == 1


class Killed(BaseException):
    """The clock's process ending between recording its post and deleting the message (SIGKILL, a lost host)."""


class DiesBeforeDelete:
    """The consumer's SQS client, dying at DeleteMessageBatch: the alert is posted and recorded, the message kept."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def delete_message_batch(self, **_: Any) -> Any:
        raise Killed


def test_a_clock_killed_between_post_and_delete_does_not_post_again_after_restart(
    fakes: tuple[BackupEmulator, FakeSlack], sqs: MotoSqs, consumer: Callable[..., AlertEvents], now: datetime
) -> None:
    emulator, slack = fakes
    job = failed_job(now, 1)
    emulator.load(jobs=[job])
    dying = consumer()
    dying.sqs = DiesBeforeDelete(dying.sqs)
    sqs.send(dying.queue_url, restore_job_event(job))
    with pytest.raises(Killed):
        dying.receive()
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    assert sqs.depth(dying.queue_url) == 1  # in flight, back in the queue after its visibility timeout

    restarted = consumer()  # a new process: its own poller, owner and clients, the same database and queue
    assert restarted.poller.owner != dying.poller.owner
    runs = drain(restarted, sqs)
    assert sum(r.deleted for r in runs) == 1 and not any(r.posted for r in runs)
    assert sqs.depth(restarted.queue_url) == 0
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    assert len(slack.calls_to("chat.postMessage")) == 2  # the day's parent and the one reply


def test_malformed_messages_are_logged_without_their_body_and_left_for_the_dead_letter_queue(
    fakes: tuple[BackupEmulator, FakeSlack], sqs: MotoSqs, launch_poller: Callable[..., AlertPoller], now: datetime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, slack = fakes
    queue_url, dlq = sqs.queue(max_receives=2)
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_ALERT_QUEUE_URL=queue_url)
    events = AlertEvents.build(poller, queue_url, endpoint_url=sqs.url)
    events.wait_seconds = 2
    secretish = "body-text-not-for-the-log"
    no_id = restore_job_event(failed_job(now, 1), restoreJobId=None, statusMessage=secretish)
    other_kind = restore_job_event(failed_job(now, 2)).replace("Restore Job State Change", "Backup Job State Change")
    sqs.send(queue_url, f"{{not json {secretish}", no_id, other_kind)
    with caplog.at_level(logging.INFO, logger="bot.alerts.events"):
        runs = [events.receive() for _ in range(4)]
    assert sum(r.malformed for r in runs) == 4  # two messages, received twice each
    assert sum(r.ignored for r in runs) == 1  # another kind of event: deleted
    assert sqs.depth(queue_url) == 0 and sqs.depth(dlq) == 2  # the queue's redrive moved them at their 3rd receive
    reasons = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("the body is not JSON" in m for m in reasons)
    assert any("no readable restoreJobId" in m for m in reasons)
    assert all(secretish not in r.getMessage() for r in caplog.records)
    assert alert_posts(slack, "C0ALERTS") == ([], [])


def test_a_job_aws_does_not_list_yet_is_retried_then_posted_with_the_events_fields(
    fakes: tuple[BackupEmulator, FakeSlack], sqs: MotoSqs, consumer: Callable[..., AlertEvents], now: datetime
) -> None:
    _, slack = fakes
    events = consumer()
    job = failed_job(now, 7, reason="subnet")  # never loaded: ListRestoreJobs does not show it
    sqs.send(events.queue_url, restore_job_event(job))
    runs = drain(events, sqs)
    waited = [r for r in runs if r.waiting]
    assert len(waited) == LIST_TRIES - 1 and not any(r.posted for r in waited)
    assert runs[-1].posted == {"C0ALERTS": 1} and sqs.depth(events.queue_url) == 0
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00007": 1}
    [reply] = alert_posts(slack, "C0ALERTS")[1]
    assert "subnet-0abc" in str(reply.params["blocks"]) and "ran 12 min" in str(reply.params["blocks"])


def test_a_message_stays_until_every_channels_alert_is_posted(
    fakes: tuple[BackupEmulator, FakeSlack], sqs: MotoSqs, consumer: Callable[..., AlertEvents], now: datetime
) -> None:
    emulator, slack = fakes
    job = failed_job(now, 1)
    emulator.load(jobs=[job])
    events = consumer(RESTORES_ALERT_CHANNELS="C0ALERTS,C0TEAMB")
    slack.fail_channel("C0TEAMB", "channel_not_found")
    sqs.send(events.queue_url, restore_job_event(job))
    run = events.receive()
    assert run.posted == {"C0ALERTS": 1} and run.waiting == 1 and run.deleted == 0
    assert sqs.depth(events.queue_url) == 1  # C0TEAMB's alert is not posted: the message comes back

    slack.reset()  # the channel takes posts again (and the fake forgets what it recorded)
    runs = drain(events, sqs)
    assert sum(r.deleted for r in runs) == 1 and sqs.depth(events.queue_url) == 0
    assert alerted_jobs(slack, "C0TEAMB") == {"alert-00001": 1}
    assert alert_posts(slack, "C0ALERTS") == ([], [])  # posted before, not again


def _together(*work: Callable[[], object]) -> None:
    """Run each in a thread of its own, released at the same moment."""
    import threading

    start = threading.Barrier(len(work))

    def run(one: Callable[[], object]) -> None:
        start.wait()
        one()

    threads = [threading.Thread(target=run, args=(one,)) for one in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_an_event_and_a_sweep_reading_the_same_job_at_once_post_it_once(
    fakes: tuple[BackupEmulator, FakeSlack], sqs: MotoSqs, consumer: Callable[..., AlertEvents], now: datetime
) -> None:
    import copy

    emulator, slack = fakes
    events = consumer()
    sweeper = copy.copy(events.poller)  # the clock's poller, beside its consumer
    sweeper.owner = "the-clocks-sweep"
    jobs = []
    for n in range(1, 4):
        jobs.append(failed_job(now, n, reason=f"reason {n}", ago=timedelta(seconds=10 * n)))
        emulator.load(jobs=jobs)
        sqs.send(events.queue_url, restore_job_event(jobs[-1]))
        _together(lambda: sweeper.poll(sweep=True), events.receive)
    drain(events, sqs)
    assert alerted_jobs(slack, "C0ALERTS") == {f"alert-0000{n}": 1 for n in range(1, 4)}
    assert len(alert_posts(slack, "C0ALERTS")[0]) == 1 and sqs.depth(events.queue_url) == 0
