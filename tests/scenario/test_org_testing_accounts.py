"""RESTORES_TESTING_ACCOUNTS naming an OU: restore tests read its active member accounts through their roles (real
boto3 to the STS fake and the emulator, the organisation read through Organizations' operations), never a suspended
one; when the organisation cannot be read, the OU is named as not read and the answer says it is incomplete."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.sample.api_organizations import SampleOrganization
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.fakes.sts import FakeSts, reader_role_arn
from tests.scenario.test_testing_accounts import MEMBER, load_both, service_for, text_of

pytestmark = pytest.mark.dates

TEAM, SUSPENDED = "ou-ab12-team0001", "555566667777"


def organisation(caller: str) -> SampleOrganization:
    return SampleOrganization("o-ab12cd34", "r-ab12", ((TEAM, "Team", "r-ab12"),), (
        (caller, "management", "ACTIVE", "r-ab12"), (MEMBER, "member", "ACTIVE", TEAM),
        (SUSPENDED, "gone", "SUSPENDED", TEAM)))


def test_an_ou_in_testing_accounts_reads_its_active_members(
        fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, _ = fakes
    load_both(emulator, now)
    monkeypatch.setattr(emulator, "organization", organisation(emulator.caller_account))  # the session's emulator:
    monkeypatch.setattr(emulator, "org_admin", True)  # put back after the test
    sts.reset()
    text = text_of(service_for(emulator, sts, monkeypatch, RESTORES_TESTING_ACCOUNTS=TEAM).answer("tests"))
    assert {c.role_arn for c in sts.calls("AssumeRole")} == {reader_role_arn(MEMBER)}  # never the suspended one
    assert "flaky" in text and "Incomplete" not in text and "not read" not in text


def test_an_unreadable_organisation_names_the_ou_as_not_read(
        fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, _ = fakes
    load_both(emulator, now)
    monkeypatch.setattr(emulator, "organization", organisation(emulator.caller_account))
    monkeypatch.setattr(emulator, "organizations_denied", True)
    sts.reset()
    text = text_of(service_for(emulator, sts, monkeypatch, RESTORES_TESTING_ACCOUNTS=TEAM).answer("tests"))
    assert sts.calls("AssumeRole") == []
    assert TEAM in text and "not read" in text and "Incomplete" in text and "organizations:" in text
