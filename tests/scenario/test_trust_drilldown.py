"""A drill-down across accounts never misses jobs silently: what it could not read is named in the answer."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from bot.answers.controls import ActionValue
from bot.answers.service import RestoresService
from bot.aws.client import BackupService
from bot.config import load_settings
from bot.domain.query import Period, RestoreFilter, State
from bot.sample.records import DailyCount, RestoreJob
from bot.wiring import Wiring

pytestmark = pytest.mark.dates

A, B = "111122223333", "444455556666"
REGIONS = ("us-east-1", "eu-west-1")


def service_for(emulator, **env: str) -> RestoresService:  # type: ignore[no-untyped-def]
    settings = load_settings({"RESTORES_REGIONS": ",".join(REGIONS), "AWS_MAX_ATTEMPTS": "1", **env})
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"),
                           endpoint_url=emulator.url, deadline_seconds=10)
    return Wiring(settings, backup=backup).answers


def failed(region: str, account: str, created: datetime, n: int) -> RestoreJob:
    return RestoreJob(region=region, account_id=account, job_id=f"{region}-{account}-{n}", status="FAILED",
                      resource_type="EBS", created=created, status_message="Access denied")


def load(emulator, jobs: list[RestoreJob], summarised: list[RestoreJob]) -> None:  # type: ignore[no-untyped-def]
    counts: dict[tuple[str, str, date], int] = {}
    for job in summarised:
        key = (job.region, job.account_id, job.created.date())
        counts[key] = counts.get(key, 0) + 1
    emulator.load(counts=[DailyCount(r, a, "FAILED", "EBS", d, n) for (r, a, d), n in counts.items()], jobs=jobs)


def text_of(message) -> str:  # type: ignore[no-untyped-def]
    return message.text + json.dumps(message.block_dicts(), ensure_ascii=False)


def test_a_throttled_account_summary_is_named_not_silent(fakes, now: datetime) -> None:  # type: ignore[no-untyped-def]
    from tests.fakes.aws import throttling

    emulator, _ = fakes
    yesterday = now - timedelta(days=1)
    jobs = [failed("us-east-1", A, yesterday, 1), failed("eu-west-1", B, yesterday, 2)]
    load(emulator, jobs, jobs)
    emulator.set_fault("eu-west-1", throttling(path_prefix="/audit/"))
    day = datetime.combine(yesterday.date(), datetime.min.time(), UTC)
    value = ActionValue(RestoreFilter(state=State.FAILED, period=Period.ONE_DAY, account="ANY", regions=REGIONS),
                        (day, day + timedelta(days=1)))
    answer = service_for(emulator).answer_jobs(value, user_id="U1", channel_id="C1")
    text = text_of(answer)
    assert "Incomplete" in text and "eu-west-1: the accounts with jobs could not be listed" in text
    assert "*at least 1 failed restore job*" in text and answer.text.startswith("incomplete")


def test_jobs_created_today_and_old_windows_say_what_they_cannot_cover(fakes, now: datetime) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = fakes
    # B's only job was created today: no summary mentions B yet.
    today_job = failed("us-east-1", B, now - timedelta(minutes=5), 3)
    old = failed("us-east-1", A, now - timedelta(days=2), 4)
    load(emulator, [today_job, old], [old])
    service = service_for(emulator)
    answer = text_of(service.answer("jobs failed 1d account:ANY", user_id="U1", channel_id="C1"))
    assert "jobs created today are listed only for accounts with jobs in the last 14 days" in answer
    start = datetime.combine(now.date() - timedelta(days=20), datetime.min.time(), UTC)
    value = ActionValue(RestoreFilter(state=State.FAILED, account="ANY", regions=REGIONS), (start, start + timedelta(days=7)))
    older = text_of(service.answer_jobs(value, user_id="U1", channel_id="C1"))
    assert "are listed only for accounts with jobs in the last 14 days" in older


def test_a_scoped_channel_lists_each_of_its_accounts_even_without_summaries(fakes, now: datetime) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = fakes
    today_job = failed("us-east-1", B, now - timedelta(minutes=5), 5)
    load(emulator, [today_job], [])
    service = service_for(emulator, RESTORES_CHANNEL_ACCOUNTS=f"C0TEAM={A},{B}")
    answer = service.answer("jobs failed 1d account:ANY", user_id="U1", channel_id="C0TEAM")
    text = text_of(answer)
    assert "*1 failed restore job*" in text and "Incomplete" not in text
    assert emulator.calls("/audit/") == []  # no discovery needed: the scope names the accounts
    assert {c.params.get("accountId") for c in emulator.calls("/restore-jobs")} == {A, B}


def test_each_region_is_asked_only_for_the_accounts_with_jobs_there(fakes, now: datetime) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = fakes
    yesterday = now - timedelta(days=1)
    jobs = [failed("us-east-1", A, yesterday, 1), failed("eu-west-1", B, yesterday, 2), failed("eu-west-1", A, yesterday, 3)]
    load(emulator, jobs, jobs)
    day = datetime.combine(yesterday.date(), datetime.min.time(), UTC)
    value = ActionValue(RestoreFilter(state=State.FAILED, period=Period.ONE_DAY, account="ANY", regions=REGIONS),
                        (day, day + timedelta(days=1)))
    answer = service_for(emulator).answer_jobs(value, user_id="U1", channel_id="C1")
    assert "*3 failed restore jobs*" in text_of(answer)
    asked = {(c.region, c.params.get("accountId")) for c in emulator.calls("/restore-jobs")}
    assert asked == {("us-east-1", A), ("eu-west-1", A), ("eu-west-1", B)}  # not B in us-east-1
