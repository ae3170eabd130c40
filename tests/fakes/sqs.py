"""SQS for the alerts' event path: moto's server mode (a real SQS implementation: long polling, visibility
timeouts, receive counts, redrive to a dead-letter queue) on a loopback port, and AWS Backup's "Restore Job State
Change" events as EventBridge delivers them to the queue (the event itself is the message body)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3

from bot.sample.records import RestoreJob

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

ACCOUNT = "123456789012"  # moto's own account: the queues' URLs name it


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def restore_job_event(job: RestoreJob, *, status: str | None = None, **detail: Any) -> str:
    """The EventBridge event AWS Backup emits for `job` (the shape of AWS's published example: no restore testing
    plan, validation or expected time in it), as the SQS message body; `detail` adds or replaces detail fields."""
    body = {
        "restoreJobId": job.job_id,
        "backupSizeInBytes": "8589934592",
        "creationDate": _iso(job.created),
        "iamRoleArn": f"arn:aws:iam::{job.account_id}:role/service-role/AWSBackupDefaultServiceRole",
        "percentDone": 0.0,
        "resourceType": job.resource_type,
        "status": status or job.status,
        "statusMessage": job.status_message,
        "createdResourceArn": job.created_resource_arn,
    }
    if job.completion is not None:
        body["completionDate"] = _iso(job.completion)
    body.update(detail)
    return json.dumps({
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Restore Job State Change", "source": "aws.backup",
        "account": job.account_id, "time": _iso(job.completion or job.created), "region": job.region,
        "resources": [job.created_resource_arn] if job.created_resource_arn else [], "detail": body,
    })


class MotoSqs:
    """A started moto server and an SQS client on it; queues made with `queue()`."""

    def __init__(self, server: ThreadedMotoServer, url: str) -> None:
        self.server = server
        self.url = url
        self.client = boto3.client("sqs", region_name="us-east-1", endpoint_url=url, aws_access_key_id="AKIDMOTO",
                                   aws_secret_access_key="moto-secret")

    def queue(self, name: str | None = None, *, visibility: int = 1, max_receives: int = 5) -> tuple[str, str]:
        """A fresh queue (its messages visible again `visibility` s after a receive) whose messages move to its own
        dead-letter queue at their `max_receives`+1-th receive, as the template's redrive policy says. Returns both
        URLs: (queue, dead-letter queue)."""
        name = name or f"restores-alerts-{uuid.uuid4().hex[:8]}"
        dlq = self.client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = self.client.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)})
        url = self.client.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility),
                                                                   "RedrivePolicy": redrive})["QueueUrl"]
        return url, dlq

    def send(self, queue_url: str, *bodies: str) -> None:
        for body in bodies:
            self.client.send_message(QueueUrl=queue_url, MessageBody=body)

    def depth(self, queue_url: str) -> int:
        """Messages in the queue, visible or in flight."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@contextmanager
def moto_sqs() -> Iterator[MotoSqs]:
    from moto.server import ThreadedMotoServer  # here: the event helpers above serve socket-free unit tests too

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # its request lines, one per call, on stderr
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield MotoSqs(server, f"http://{host}:{port}")
    finally:
        server.stop()
