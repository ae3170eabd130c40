"""One user cannot starve everyone: answers in flight are limited per user, politely, and another user's answer is
not delayed behind them."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import boto3

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.sample.backup_api import DailyCount
from bot.service import RestoresService

# Not `dates` (CI's libfaketime runs): injected latency waits on timed events, which hang under libfaketime.


def test_a_user_over_the_limit_is_told_to_wait_and_others_are_not_delayed(fakes, today: date) -> None:  # type: ignore[no-untyped-def]
    from tests.fakes.aws import slow

    emulator, _ = fakes
    emulator.load(counts=[DailyCount("us-east-1", "111122223333", "FAILED", "EBS", today.fromordinal(today.toordinal() - 2), 4)])
    emulator.set_fault("*", slow(0.5))
    settings = load_settings({"RESTORES_REGIONS": "us-east-1", "RESTORES_USER_CONCURRENCY": "3", "RESTORES_CACHE_TTL": "0"})
    service = RestoresService(settings, BackupService(
        lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"), endpoint_url=emulator.url))
    with ThreadPoolExecutor(max_workers=24) as pool:
        flood = [pool.submit(service.answer, "failed 7d", user_id="U0FLOOD", channel_id="C1") for _ in range(20)]
        time.sleep(0.1)  # the flood is in flight
        started = time.monotonic()
        other = pool.submit(service.answer, "failed 7d", user_id="U0OTHER", channel_id="C1").result(timeout=30)
        other_seconds = time.monotonic() - started
        answers = [f.result(timeout=60) for f in flood]
    busy = [a for a in answers if "answers in flight already" in a.text]
    assert len(busy) == 17 and len(answers) - len(busy) == 3
    assert "4 jobs" in other.text
    assert other_seconds < 2.0  # one slow page chain, not the flood's queue
    # Once the flood has landed, the user may ask again.
    assert "answers in flight" not in service.answer("failed 7d", user_id="U0FLOOD", channel_id="C1").text
