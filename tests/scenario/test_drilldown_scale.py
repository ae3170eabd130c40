"""A drill-down over many accounts: accounts with the most jobs first, several at once, and every account it did
not list named with what AWS's summaries count for it (ByAccountId takes one account a call)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from bot.answers.controls import ActionValue
from bot.aws.client import ACCOUNTS_AT_ONCE, MAX_JOBS, BackupService
from bot.config import load_settings
from bot.domain.query import Period, RestoreFilter, State
from bot.sample.records import DailyCount, RestoreJob
from bot.wiring import Wiring
from tests.fakes.aws import slow

REGION = "eu-west-1"


def org(emulator, accounts: int, now: datetime) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Account i has i + 1 failed restore jobs yesterday, summarised by AWS as such."""
    yesterday = now - timedelta(days=1)
    sizes = {f"{210000000000 + i:012d}": i + 1 for i in range(accounts)}
    jobs = [RestoreJob(region=REGION, account_id=account, job_id=f"{account}-{n}", status="FAILED", resource_type="EBS",
                       created=yesterday - timedelta(seconds=n), status_message="Access denied")
            for account, size in sizes.items() for n in range(size)]
    counts = [DailyCount(REGION, account, "FAILED", "EBS", yesterday.date(), size) for account, size in sizes.items()]
    emulator.load(counts=counts, jobs=jobs)
    return sizes


def drill(emulator, now: datetime, *, deadline: float = 10, max_jobs: int = MAX_JOBS) -> str:  # type: ignore[no-untyped-def]
    settings = load_settings({"RESTORES_REGIONS": REGION, "AWS_MAX_ATTEMPTS": "1"})
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"),
                           endpoint_url=emulator.url, deadline_seconds=deadline, max_jobs=max_jobs)
    day = datetime.combine((now - timedelta(days=1)).date(), datetime.min.time(), UTC)
    value = ActionValue(RestoreFilter(state=State.FAILED, period=Period.ONE_DAY, account="ANY", regions=(REGION,)),
                        (day, day + timedelta(days=1)))
    answer = Wiring(settings, backup=backup).answers.answer_jobs(value, user_id="U1", channel_id="C1")
    return answer.text + json.dumps(answer.block_dicts(), ensure_ascii=False)


@pytest.mark.dates
def test_past_the_cap_no_more_accounts_are_asked_and_the_rest_are_named_with_their_counts(  # type: ignore[no-untyped-def]
        fakes, now: datetime) -> None:
    emulator, _ = fakes
    sizes = org(emulator, 30, now)
    text = drill(emulator, now, max_jobs=25)
    ranked = sorted(sizes, key=lambda a: -sizes[a])
    asked = {c.params.get("accountId") for c in emulator.calls("/restore-jobs")}
    # The biggest accounts, one batch of them at once; none after the cap was reached.
    assert asked == set(ranked[:ACCOUNTS_AT_ONCE])
    read = sum(sizes[a] for a in ranked[:ACCOUNTS_AT_ONCE])
    rest = ranked[ACCOUNTS_AT_ONCE:]
    assert f"*at least {read:,} failed restore jobs* · 25 grouped below" in text
    assert f"{len(rest)} accounts in {REGION} not listed" in text
    assert f"summaries count {sum(sizes[a] for a in rest):,} failed jobs there" in text
    assert text.startswith("incomplete: at least")


def test_accounts_not_started_in_time_are_named_not_a_region_timeout(fakes, now: datetime) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = fakes
    sizes = org(emulator, 6 * ACCOUNTS_AT_ONCE, now)
    emulator.page_size = 1000  # one call an account
    emulator.set_fault(REGION, slow(0.4, path_prefix="/restore-jobs"))
    # Half of the 4 s is spent during the 5th batch of 0.4 s: no 6th is started (fewer under load, never all 6).
    text = drill(emulator, now, deadline=4)
    asked = {c.params.get("accountId") for c in emulator.calls("/restore-jobs")}
    assert ACCOUNTS_AT_ONCE <= len(asked) < len(sizes)
    rest = [a for a in sizes if a not in asked]
    assert f"{len(rest)} accounts in {REGION} not listed" in text
    assert f"summaries count {sum(sizes[a] for a in rest):,} failed jobs there" in text
    assert f"*at least {sum(sizes[a] for a in asked):,} failed restore jobs*" in text
    assert "did not answer" not in text and "timed out" not in text
    # Every account asked was among the biggest: the ones left out are the smallest.
    assert max(sizes[a] for a in rest) < min(sizes[a] for a in asked)
