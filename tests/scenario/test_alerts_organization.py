"""Alerts for a whole organisation without an account list: the poller `python -m bot poll` builds, given the
organisation's active accounts (the directory's; bot.alerts.targets.ActiveAccounts), against the AWS emulator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from bot.alerts.poll import AlertPoller
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import E2E_REGIONS, alerted_jobs, failed_job

pytestmark = pytest.mark.dates

OWN, MEMBER, SUSPENDED = "111122223333", "444455556666", "777788889999"


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
