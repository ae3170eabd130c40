"""Alerts from AWS Backup's own events: "Restore Job State Change", forwarded from every account and region of the
organisation to one event bus, whose rule sends them to an SQS queue (RESTORES_ALERT_QUEUE_URL; the templates are
in cloudformation/). The clock long-polls the queue and posts each failed or aborted job through the poll's outbox,
keyed by job as the poll keys it: a job seen by an event and by the safety sweep, or an event delivered twice, is
posted once. A message is deleted only once its alert is recorded (posted, or known posted); a message this code
cannot read is logged and left to the queue's redrive policy, which moves it to the dead-letter queue.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.alerts.poll import AlertPoller, alert_key
from bot.aws.rows import job_row
from bot.domain.ids import ACCOUNT_ID_RE, REGION_RE
from bot.domain.query import ALERT_STATES
from bot.domain.results import RestoreJobRow
from bot.store.alerts import DONE, DROPPED
from bot.store.claims import new_owner

log = logging.getLogger(__name__)

SOURCE = "aws.backup"
DETAIL_TYPE = "Restore Job State Change"
WAIT_SECONDS = 20  # SQS's longest long poll: a quiet queue costs 15 ReceiveMessage calls in 5 minutes
BATCH = 10  # SQS's most messages per ReceiveMessage
# Receives of one message whose job AWS does not list yet (or could not be asked) before its alert is posted with
# what the event itself carries: the queue makes it visible again after its visibility timeout.
LIST_TRIES = 3
JOB_ID_RE = re.compile(r"\A[\w.:/-]{1,100}\Z", re.ASCII)  # the outbox keys region/job id in 160 characters
SETTLED = (DONE, DROPPED)


class Malformed(ValueError):
    """A message that is not an event this code can read; the message (a reason, never its body) says why."""


@dataclass(frozen=True)
class JobEvent:
    """What a "Restore Job State Change" event says about a job: fewer fields than ListRestoreJobs gives."""

    region: str
    account: str
    job_id: str
    status: str
    resource_type: str
    created: datetime
    completed: datetime | None
    status_message: str
    resource_arn: str
    plan_arn: str | None

    @property
    def key(self) -> str:
        return f"{self.region}/{self.job_id}"

    def row(self) -> RestoreJobRow:
        """The job as the alert shows it when AWS does not list it (yet): the event's own fields."""
        return RestoreJobRow(
            region=self.region, account_id=self.account, job_id=self.job_id, status=self.status,
            status_message=self.status_message, resource_type=self.resource_type, created=self.created,
            resource_arn=self.resource_arn, restore_testing_plan_arn=self.plan_arn, completed=self.completed,
        )


def _time(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise Malformed(f"{what} is not a time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Malformed(f"{what} is not an ISO 8601 time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _text(detail: Mapping[str, Any], name: str, limit: int) -> str:
    value = detail.get(name)
    return value[:limit] if isinstance(value, str) else ""


def parse_event(body: str) -> JobEvent | None:
    """The job of an EventBridge event as SQS delivers it (the event itself is the body); None for an event of
    another kind (another source or detail-type: not ours to read). Raises Malformed for anything else."""
    try:
        event = json.loads(body)
    except ValueError:
        raise Malformed("the body is not JSON") from None
    if not isinstance(event, dict):
        raise Malformed("the body is not a JSON object")
    if event.get("source") != SOURCE or event.get("detail-type") != DETAIL_TYPE:
        return None
    detail, account, region = event.get("detail"), event.get("account"), event.get("region")
    if not isinstance(detail, dict):
        raise Malformed("the event has no detail object")
    if not isinstance(account, str) or not ACCOUNT_ID_RE.match(account):
        raise Malformed("the event's account is not a 12-digit account id")
    if not isinstance(region, str) or not REGION_RE.match(region):
        raise Malformed("the event's region is not a region name")
    job_id = detail.get("restoreJobId")
    if not isinstance(job_id, str) or not JOB_ID_RE.match(job_id):
        raise Malformed("the detail has no readable restoreJobId")
    # Restore job events report `status` (AWS Backup's API word); some AWS Backup events say `state`.
    status = detail.get("status", detail.get("state"))
    if not isinstance(status, str) or not status.isalpha() or len(status) > 16:
        raise Malformed("the detail has no readable status")
    created = detail.get("creationDate", detail.get("createdAt", event.get("time")))
    completed = detail.get("completionDate")
    created_by = detail.get("createdBy")
    plan = created_by.get("restoreTestingPlanArn") if isinstance(created_by, dict) else None
    return JobEvent(
        region=region, account=account, job_id=job_id, status=status.upper(),
        resource_type=_text(detail, "resourceType", 50), created=_time(created, "the job's creation"),
        completed=_time(completed, "the job's completion") if completed is not None else _time(event.get("time"),
                                                                                               "the event's time"),
        status_message=_text(detail, "statusMessage", 4000).strip(),
        resource_arn=_text(detail, "createdResourceArn", 2048) or _text(detail, "sourceResourceArn", 2048),
        plan_arn=plan if isinstance(plan, str) and plan else None,
    )


@dataclass
class EventsRun:
    """What one receive did, for the log and the tests."""

    received: int = 0
    alerts: int = 0  # failed or aborted jobs put through the outbox
    deleted: int = 0
    ignored: int = 0  # other events and states, deleted
    malformed: int = 0  # left for the dead-letter queue
    waiting: int = 0  # left in the queue: their alert is not recorded yet (posted by a later receive or the sweep)
    aws_calls: int = 0  # SQS and AWS Backup requests
    posted: dict[str, int] = field(default_factory=dict)


def receive_count(message: Mapping[str, Any]) -> int:
    try:
        return int((message.get("Attributes") or {}).get("ApproximateReceiveCount", "1"))
    except ValueError:
        return 1


class AlertEvents:
    """The queue's consumer inside `python -m bot clock`, on the poller's outbox, clients and targets."""

    def __init__(self, poller: AlertPoller, sqs: Any, queue_url: str, *, wait_seconds: int = WAIT_SECONDS) -> None:
        self.poller = poller
        self.sqs = sqs
        self.queue_url = queue_url
        self.wait_seconds = wait_seconds

    @classmethod
    def build(cls, poller: AlertPoller, queue_url: str, *, endpoint_url: str | None = None) -> AlertEvents:
        """An SQS client of the bot's own session in the queue's region (its URL names it; AWS_ENDPOINT_URL_SQS or
        `endpoint_url` points elsewhere, as for a test). The consumer posts as an owner of its own: it runs beside
        the clock's sweep, and each claim in the outbox names who holds it."""
        host = queue_url.split("/")[2]
        region = host.split(".")[1] if host.startswith("sqs.") else poller.settings.regions[0]
        kwargs: dict[str, Any] = {"region_name": region}
        if endpoint_url:
            kwargs["endpoint_url"] = endpoint_url
        own = copy.copy(poller)
        own.owner = new_owner()
        return cls(own, poller.backup.session().client("sqs", **kwargs), queue_url)

    def scheduled(self) -> EventsRun | None:
        """One receive for the clock: a failure is logged, the messages stay in the queue for the next."""
        try:
            return self.receive()
        except Exception as error:
            log.error("alert events: receiving failed (%s); the messages stay in the queue", type(error).__name__)
            return None

    def receive(self) -> EventsRun:
        """One ReceiveMessage (long-polled) and its messages: alerts posted, then the settled messages deleted."""
        run = EventsRun()
        answer = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=BATCH, WaitTimeSeconds=self.wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        run.aws_calls += 1
        messages: list[dict[str, Any]] = answer.get("Messages") or []
        run.received = len(messages)
        if not messages:
            return run
        settled: list[dict[str, Any]] = []
        jobs: dict[str, list[dict[str, Any]]] = {}  # alert key -> its messages (an event delivered twice: two)
        rows: dict[str, RestoreJobRow] = {}
        watched = set(self.poller.regions.current())
        for message in messages:
            try:
                event = parse_event(str(message.get("Body", "")))
            except Malformed as error:
                run.malformed += 1
                log.error("alert events: message %s is not a restore job event (%s); left in the queue for its "
                          "dead-letter queue (receive %d)", message.get("MessageId"), error, receive_count(message))
                continue
            if event is None or event.status not in ALERT_STATES or event.region not in watched:
                run.ignored += 1
                settled.append(message)
                continue
            row = self._listed(event, receive_count(message), run)
            if row is None:
                run.waiting += 1
                continue
            rows.setdefault(alert_key(row), row)
            jobs.setdefault(alert_key(row), []).append(message)
        if rows:
            outcome, routes = self.poller.post_jobs(list(rows.values()))
            run.alerts, run.posted = len(rows), outcome.posted
            for key, waiting in jobs.items():
                if self._recorded(key, routes.get(key, [])):
                    settled += waiting
                else:
                    run.waiting += len(waiting)
        run.deleted = self._delete(settled, run)
        log.info("alert events: %d received, %d alert(s), %d other(s), %d deleted, %d left waiting, %d malformed",
                 run.received, run.alerts, run.ignored, run.deleted, run.waiting, run.malformed)
        return run

    def _listed(self, event: JobEvent, receives: int, run: EventsRun) -> RestoreJobRow | None:
        """The job as ListRestoreJobs gives it (its restore testing plan, validation, expected time: the event lacks
        them), asked of the bot's own session as the poll asks; after LIST_TRIES receives, the event's own fields.
        None: not listed yet, try again at the message's next receive."""
        params = {"ByAccountId": event.account, "ByStatus": event.status,
                  "ByCreatedAfter": event.created - timedelta(seconds=1),
                  "ByCreatedBefore": event.created + timedelta(seconds=1)}
        try:
            run.aws_calls += 1
            items = self.poller.backup.client(event.region).list_restore_jobs(**params).get("RestoreJobs") or []
            for item in items:
                if item.get("RestoreJobId") == event.job_id:
                    return job_row(event.region, item)
            why = "not listed yet"
        except Exception as error:
            why = type(error).__name__
        if receives < LIST_TRIES:
            log.info("alert events: job %s %s (%s); retried at its next receive", event.key, event.status, why)
            return None
        log.warning("alert events: job %s %s (%s) after %d receives; posted with the event's fields", event.key,
                    event.status, why, receives)
        return event.row()

    def _recorded(self, key: str, channels: Sequence[str]) -> bool:
        """Whether every channel's alert of this job is posted (now or before: a duplicate) or given up on."""
        store = self.poller.store
        return all((d := store.get(key, channel)) is not None and d.status in SETTLED for channel in channels)

    def _delete(self, messages: Sequence[dict[str, Any]], run: EventsRun) -> int:
        deleted = 0
        for start in range(0, len(messages), BATCH):
            batch = messages[start : start + BATCH]
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)]
            run.aws_calls += 1
            answer = self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            deleted += len(answer.get("Successful") or [])
            for failure in answer.get("Failed") or []:
                # Received again later, and settled again without a post (the outbox knows it).
                log.warning("alert events: a message was not deleted (%s)", failure.get("Code"))
        return deleted


def listen(events: AlertEvents, active: Any, stopped: Any, *, pause: float = 1.0) -> None:
    """The clock's listening loop: receive while this clock holds the alerts' lease (`active()`), until `stopped`
    (a threading.Event) is set. A failed receive waits a little before the next, so a missing queue or permission
    does not spin."""
    while not stopped.is_set():
        if not active():
            stopped.wait(pause)
            continue
        started = time.monotonic()
        if events.scheduled() is None:
            stopped.wait(max(pause, 5.0 - (time.monotonic() - started)))
