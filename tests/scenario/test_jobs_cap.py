"""A drill-down over more jobs than it groups says exactly how many it did not read."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import boto3
import pytest

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.sample.records import RestoreJob
from bot.wiring import Wiring

pytestmark = pytest.mark.dates


def test_jobs_past_the_cap_are_counted_and_named(fakes, now: datetime) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = fakes
    jobs = [RestoreJob(region=region, account_id="111122223333", job_id=f"{region}-{i}", status="FAILED",
                       resource_type="EBS" if i % 4 else "Storage Gateway", created=now - timedelta(minutes=1 + i),
                       status_message="Access denied")
            for region in ("us-east-1", "eu-west-1") for i in range(130)]
    emulator.load(counts=[], jobs=jobs)
    emulator.page_size = 20
    settings = load_settings({"RESTORES_REGIONS": "us-east-1,eu-west-1"})
    service = Wiring(settings, backup=BackupService(
        lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"), endpoint_url=emulator.url,
        max_jobs=50)).answers  # the cap, small enough for a quick test
    answer = service.answer("jobs failed 1d type:EBS", user_id="U1", channel_id="C1")
    text = json.dumps(answer.block_dicts(), ensure_ascii=False)
    ebs = sum(1 for j in jobs if j.resource_type == "EBS")  # counted with the same filter as the kept ones
    assert f"*{ebs} failed restore jobs* · 100 grouped below; {ebs - 100} more counted, not read" in text
    typed = json.dumps(service.answer('jobs failed 1d type:"Storage Gateway"', user_id="U1", channel_id="C1").block_dicts())
    gateway = len(jobs) - ebs  # a type the API cannot filter on: filtered here, before the cap and the count
    assert gateway < 100 and f"*{gateway} failed restore jobs*" in typed and "not read" not in typed
