"""Alerts for a whole organisation without an account list: the poller `python -m bot poll` builds, given the
organisation's active accounts (the directory's; bot.alerts.targets.ActiveAccounts), against the AWS emulator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts.poll import AlertPoller
from bot.sample.api_model import RESTORE_JOBS_PATH as JOBS_PATH
from bot.sample.api_model import SUMMARIES_PATH
from bot.sample.records import DailyCount
from tests.fakes.aws import BackupEmulator, unavailable
from tests.fakes.slack import FakeSlack
from tests.support import E2E_REGIONS, alert_posts, alerted_jobs, failed_job

pytestmark = pytest.mark.dates

OWN, MEMBER, SUSPENDED, QUIET = "111122223333", "444455556666", "777788889999", "210000000000"
MANY = tuple(f"{300000000000 + n:012d}" for n in range(1000))  # an organisation of 1,000 quiet accounts
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/restores-alerts"


def test_every_active_account_is_polled_and_a_suspended_one_never(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    emulator.load(jobs=[failed_job(now, 1, account=OWN), failed_job(now, 2, account=MEMBER, region="eu-west-1"),
                        failed_job(now, 3, account=SUSPENDED)])
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS")
    poller.organization = lambda: frozenset({OWN, MEMBER})
    run = poller.poll()
    assert run.ok, run.summary()
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1, "alert-00002": 1}
    asked = emulator.calls("/restore-jobs/")
    assert {c.params.get("accountId") for c in asked} == {OWN, MEMBER}  # by id, the own one too; never SUSPENDED
    assert run.calls == len(E2E_REGIONS) * 2 * 2


def test_without_the_directory_the_poll_does_what_it_did_before(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    emulator.load(jobs=[failed_job(now, 1, account=OWN), failed_job(now, 2, account=MEMBER)])
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS")

    def unreadable() -> frozenset[str] | None:
        raise PermissionError("no organizations: rights")

    for directory in (lambda: None, unreadable):
        emulator.reset()
        poller.organization = directory
        assert poller.poll().ok
        assert {c.params.get("accountId", "own") for c in emulator.calls("/restore-jobs/")} == {"own"}
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}


def _yesterday(now: datetime) -> tuple[date, datetime]:
    """AWS's last summarised day (its daily buckets end with yesterday), and its noon: when a job failed there."""
    yesterday = now.date() - timedelta(days=1)
    return yesterday, datetime(yesterday.year, yesterday.month, yesterday.day, 12, tzinfo=UTC)


def _since(poller: AlertPoller, when: datetime) -> None:
    """The event path began at `when` (its first sweep records it)."""
    from bot.alerts.sweep import EVENTS_SINCE

    poller.store.advance(*EVENTS_SINCE, when)


def test_the_sweep_lists_only_the_pairs_aws_counts_failures_for_and_catches_a_lost_event(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    yesterday, noon = _yesterday(now)
    lost = failed_job(noon, 1, account=MEMBER, region="eu-west-1", ago=timedelta(0))  # its event never came
    old = failed_job(noon, 2, account=SUSPENDED, ago=timedelta(0))
    emulator.load(jobs=[lost, old], counts=[
        DailyCount("eu-west-1", MEMBER, "FAILED", "EBS", yesterday, 1),
        DailyCount("us-east-1", SUSPENDED, "FAILED", "EBS", yesterday, 1),  # before it was suspended
    ])
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_ALERT_QUEUE_URL=QUEUE)
    poller.organization = lambda: frozenset({OWN, MEMBER, QUIET, *MANY})
    _since(poller, now - timedelta(days=2))
    run = poller.poll(sweep=True)
    assert run.ok, run.summary()
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    listed = emulator.calls(JOBS_PATH)
    # The bot's own account as every poll does (no ByAccountId), and the one pair AWS counted a failure for.
    assert {c.params.get("accountId", "own") for c in listed} == {"own", MEMBER}
    assert {c.region for c in listed if c.params.get("accountId") == MEMBER} == {"eu-west-1"}
    summaries = emulator.calls(SUMMARIES_PATH)
    assert {(c.params.get("AccountId"), c.params.get("State")) for c in summaries} == {("ANY", "FAILED"), ("ANY", "ABORTED")}
    assert run.calls == len(listed) + len(summaries)
    assert not poller.poll(sweep=True).posted  # read again, posted once


def test_a_quiet_sweep_costs_the_same_whatever_the_size_of_the_organisation(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], tmp_path: Path
) -> None:
    emulator, _ = fakes
    calls = []
    for size in (3, len(MANY)):
        emulator.reset()
        poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_ALERT_QUEUE_URL=QUEUE,
                               DATABASE_URL=f"sqlite:///{tmp_path / f'sweep-{size}.sqlite3'}")
        poller.organization = lambda size=size: frozenset(MANY[:size])  # type: ignore[misc]
        run = poller.poll(sweep=True)
        assert run.ok
        calls.append(run.calls)
    # Per region and state: one summaries chain (one page here) and the bot's own account's ListRestoreJobs.
    assert calls == [len(E2E_REGIONS) * 2 * 2] * 2


def test_the_first_sweep_does_not_alert_on_failures_from_before_the_event_path(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, slack = fakes
    yesterday, noon = _yesterday(now)
    emulator.load(jobs=[failed_job(noon, 1, account=MEMBER, ago=timedelta(0))],
                  counts=[DailyCount("us-east-1", MEMBER, "FAILED", "EBS", yesterday, 1)])
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_ALERT_QUEUE_URL=QUEUE)
    poller.organization = lambda: frozenset({OWN, MEMBER})
    assert poller.poll(sweep=True).ok
    assert alert_posts(slack, "C0ALERTS") == ([], [])
    assert {c.params.get("accountId", "own") for c in emulator.calls(JOBS_PATH)} == {"own"}


def test_a_region_whose_summaries_fail_is_named_and_the_sweep_is_not_ok(
    launch_poller: Callable[..., AlertPoller], fakes: tuple[BackupEmulator, FakeSlack], now: datetime
) -> None:
    emulator, _ = fakes
    emulator.set_fault("eu-west-1", unavailable())
    poller = launch_poller(RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_ALERT_QUEUE_URL=QUEUE)
    run = poller.poll(sweep=True)
    assert not run.ok and "summaries of eu-west-1 (unavailable)" in run.summary()
