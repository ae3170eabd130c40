"""Reading AWS Backup's "Restore Job State Change" events (bot/alerts/events.py) and the clock's listening loop;
the consumer itself runs against a real SQS in tests/integration/alerts/test_events.py."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.alerts.events import JobEvent, Malformed, listen, parse_event
from bot.config import ConfigError, load_settings
from tests.fakes.sqs import restore_job_event
from tests.support import PLAN, failed_job

NOW = datetime(2026, 11, 28, 14, 30, 12, 345000, tzinfo=UTC)


def test_a_restore_job_event_gives_its_job_as_the_alert_would_show_it() -> None:
    job = failed_job(NOW, 1, region="eu-west-1", account="444455556666", reason="subnet")
    event = parse_event(restore_job_event(job))
    assert isinstance(event, JobEvent)
    assert (event.region, event.account, event.job_id, event.status) == ("eu-west-1", "444455556666", "alert-00001",
                                                                          "FAILED")
    assert event.key == "eu-west-1/alert-00001"
    assert event.created == job.created.replace(microsecond=345000) and event.completed == job.completion
    row = event.row()
    assert row.resource_type == "EBS" and "subnet-0abc" in row.status_message
    assert row.resource_arn == job.created_resource_arn and not row.is_restore_test


def test_the_state_word_a_plan_and_a_missing_completion_are_read() -> None:
    job = failed_job(NOW, 2)
    body = json.loads(restore_job_event(job, status="ABORTED", createdBy={"restoreTestingPlanArn": PLAN}))
    body["detail"]["state"] = body["detail"].pop("status").lower()
    del body["detail"]["completionDate"]
    event = parse_event(json.dumps(body))
    assert event is not None and event.status == "ABORTED" and event.plan_arn == PLAN
    assert event.completed == NOW - timedelta(minutes=1)  # the event's own time
    assert event.row().is_restore_test


def test_events_of_another_kind_are_not_ours_to_read() -> None:
    body = json.loads(restore_job_event(failed_job(NOW, 1)))
    assert parse_event(json.dumps(dict(body, **{"detail-type": "Backup Job State Change"}))) is None
    assert parse_event(json.dumps(dict(body, source="aws.ec2"))) is None


def _with(**changes: Any) -> str:
    body = json.loads(restore_job_event(failed_job(NOW, 1)))
    for name, value in changes.items():
        if name.startswith("detail_"):
            body["detail"][name[7:]] = value
        else:
            body[name] = value
    return json.dumps(body)


@pytest.mark.parametrize(("body", "reason"), [
    ("{not json", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    (_with(detail="text"), "no detail object"),
    (_with(account="1234"), "account is not a 12-digit"),
    (_with(region="../etc"), "region is not a region name"),
    (_with(detail_restoreJobId=None), "no readable restoreJobId"),
    (_with(detail_restoreJobId="a b <c>"), "no readable restoreJobId"),
    (_with(detail_restoreJobId="x" * 101), "no readable restoreJobId"),
    (_with(detail_status="FAILED; DROP"), "no readable status"),
    (_with(detail_creationDate="yesterday"), "creation is not an ISO 8601 time"),
    (_with(detail_completionDate=12), "completion is not a time"),
])
def test_a_malformed_message_says_what_is_wrong_and_never_quotes_the_body(body: str, reason: str) -> None:
    with pytest.raises(Malformed) as raised:
        parse_event(body)
    assert reason in str(raised.value)
    assert "alert-00001" not in str(raised.value) and "kms" not in str(raised.value)


class Events:
    """Receives counted; the `fail` first ones fail (scheduled() gives None for a failure, as the real one)."""

    def __init__(self, stopped: threading.Event, stop_after: int, fail: int = 0) -> None:
        self.stopped, self.stop_after, self.fail, self.calls = stopped, stop_after, fail, 0

    def scheduled(self) -> object | None:
        self.calls += 1
        if self.calls >= self.stop_after:
            self.stopped.set()
        return None if self.calls <= self.fail else object()


class NoWait(threading.Event):
    """A stop event whose waits return at once and are counted: the loop's pauses, not timed here."""

    waits: list[float]

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0.0)
        return self.is_set()


def test_the_clock_listens_only_while_it_holds_the_lease_and_pauses_after_a_failure() -> None:
    stopped = NoWait()
    stopped.waits = []
    events = Events(stopped, stop_after=3, fail=1)
    holds = iter([False, False, True, True, True])
    listen(events, lambda: next(holds), stopped)  # type: ignore[arg-type]
    assert events.calls == 3
    assert stopped.waits[:2] == [1.0, 1.0]  # standing by: no receive
    assert len(stopped.waits) == 3 and stopped.waits[2] >= 1.0  # after the failed receive, before the next


def test_the_queue_setting_takes_a_standard_queue_url_and_a_sweep_interval() -> None:
    env = {"RESTORES_REGIONS": "us-east-1"}
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/restores-alerts"
    settings = load_settings({**env, "RESTORES_ALERT_QUEUE_URL": url, "RESTORES_ALERT_SWEEP_INTERVAL": "2h"})
    assert settings.alert_queue_url == url and settings.alert_sweep_seconds == 7200
    assert load_settings(env).alert_queue_url is None and load_settings(env).alert_sweep_seconds == 3600
    for bad in ("restores-alerts", f"{url}.fifo", "https://sqs.eu-west-1.amazonaws.com/1234/q"):
        with pytest.raises(ConfigError, match=r"RESTORES_ALERT_QUEUE_URL=.* is not a standard SQS queue URL"):
            load_settings({**env, "RESTORES_ALERT_QUEUE_URL": bad})
