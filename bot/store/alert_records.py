"""What an alert is in the alerts' store (bot.store.alerts): the payload a job or a catch-up notice is kept as, so a
delivery can be retried without asking AWS again, and the records the store takes and hands back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.results import RestoreJobRow


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def job_payload(job: RestoreJobRow) -> str:
    """What an alert shows about a job, kept with the delivery."""
    return json.dumps({
        "region": job.region, "account_id": job.account_id, "job_id": job.job_id, "status": job.status,
        "status_message": job.status_message, "resource_type": job.resource_type, "created": _time(job.created),
        "completed": _time(job.completed), "resource_arn": job.resource_arn,
        "restore_testing_plan_arn": job.restore_testing_plan_arn, "validation_status": job.validation_status,
        "validation_status_message": job.validation_status_message, "expected_minutes": job.expected_minutes,
    })


def job_from_payload(payload: str) -> RestoreJobRow:
    data: dict[str, Any] = json.loads(payload)
    completed = data.get("completed")
    return RestoreJobRow(
        region=data["region"], account_id=data["account_id"], job_id=data["job_id"], status=data["status"],
        status_message=data["status_message"], resource_type=data["resource_type"],
        created=datetime.fromisoformat(data["created"]), resource_arn=data["resource_arn"],
        restore_testing_plan_arn=data.get("restore_testing_plan_arn"), validation_status=data.get("validation_status"),
        validation_status_message=data.get("validation_status_message"),
        completed=datetime.fromisoformat(completed) if completed else None, expected_minutes=data.get("expected_minutes"),
    )


def gap_payload(skipped_from: datetime, skipped_to: datetime) -> str:
    return json.dumps({"from": skipped_from.isoformat(), "to": skipped_to.isoformat()})


def gap_from_payload(payload: str) -> tuple[datetime, datetime]:
    data = json.loads(payload)
    return datetime.fromisoformat(data["from"]), datetime.fromisoformat(data["to"])


@dataclass(frozen=True)
class Delivery:
    """One alert for one channel: a job (or a catch-up notice) and where it stands."""

    id: int
    job_id: str
    channel: str
    kind: str
    status: str
    payload: str
    owner: str | None
    day: date | None
    thread_ts: str | None
    message_ts: str | None
    attempts: int

    @property
    def job(self) -> RestoreJobRow:
        return job_from_payload(self.payload)


@dataclass(frozen=True)
class Outgoing:
    """An alert to put in the outbox."""

    job_id: str
    channel: str
    kind: str
    payload: str


@dataclass(frozen=True)
class Thread:
    """A channel's alert thread of one UTC day: the parent message, and the count it shows."""

    channel: str
    day: date
    status: str
    owner: str
    claimed_at: datetime
    ts: str | None
    shown_count: int
    broadcast: bool
