"""The bundled sample's organisation, read by the directory with real boto3 over HTTP from the emulator: every sample
account named and placed, nested OUs, the suspended account left out of polling; a member account is refused and the
directory says what to grant."""

from __future__ import annotations

import math
from collections.abc import Iterator

import boto3
import pytest

from bot.domain.organization import Unavailable
from bot.organization.directory import OrganizationDirectory
from bot.organization.probe import directory_probe
from bot.organization.read import ACTIONS
from bot.sample.api_organizations import spread_organization
from bot.sample.data import sample_emulator
from bot.sample.emulator import BackupEmulator
from bot.sample.estate import SAMPLE_ACCOUNTS, SAMPLE_MEMBERS, SAMPLE_ROOT, SAMPLE_UNITS


def session() -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id="sample", aws_secret_access_key="sample",
                                 region_name="us-east-1")


@pytest.fixture
def emulator() -> Iterator[BackupEmulator]:
    with sample_emulator(page_size=2) as running:
        yield running


def test_the_directory_reads_the_sample_organisation_page_by_page(emulator: BackupEmulator) -> None:
    directory = OrganizationDirectory(session, endpoint_url=emulator.url)
    org = directory.current()
    assert org is not None and directory.problem is None
    assert {a.id: (a.name, a.state, a.parent) for a in org.accounts.values()} == {
        m[0]: (m[1], m[2], m[3]) for m in SAMPLE_MEMBERS}
    assert set(SAMPLE_ACCOUNTS) <= org.active_accounts()
    assert org.active_accounts() == {m[0] for m in SAMPLE_MEMBERS if m[2] == "ACTIVE"}
    assert org.accounts_under("ou-ex12-prod0001") == {"444455556666", "777788889999"}
    assert org.path_name("444455556666") == "Production / Payments"
    assert directory.names().label("777788889999") == "prod-data · 7777…9999"
    assert directory.names().unit("777788889999") == "Production / Data"
    assert directory.names() is directory.names()  # made once a read
    # Every list paged at the emulator's 2 a page: DescribeOrganization, ListRoots, ListAccounts, then per parent
    # ListOrganizationalUnitsForParent and ListChildren (an empty list is still one call).
    parents = [SAMPLE_ROOT] + [u[0] for u in SAMPLE_UNITS]
    pages = lambda n: max(1, math.ceil(n / 2))  # noqa: E731
    expected = 1 + 1 + pages(len(SAMPLE_MEMBERS)) + sum(
        pages(sum(u[2] == p for u in SAMPLE_UNITS)) + pages(sum(m[3] == p for m in SAMPLE_MEMBERS)) for p in parents)
    assert directory.kept_calls == expected == 15
    assert org.read_at is not None  # AWS's clock, from the emulator's Date header
    fine, words = directory_probe(directory)[0]
    assert fine and "5 account(s), 1 suspended or closed" in words and "4 OU(s)" in words


def test_a_member_account_is_refused_and_told_what_to_grant(emulator: BackupEmulator) -> None:
    emulator.org_admin = False
    directory = OrganizationDirectory(session, endpoint_url=emulator.url)
    assert directory.current() is None
    problem = directory.unavailable()
    assert problem is not None and problem.grant == ACTIONS and "AccessDeniedException" in problem.reason
    assert directory.names().label("444455556666") == "444455556666"  # ids, no error
    assert directory.active_accounts() is None
    assert directory.find_account("prod-data") == problem
    assert directory.accounts_under("ou-ex12-prod0001") == problem  # an OU scope is refused, never widened
    [(fine, words)] = directory_probe(directory)
    assert not fine and all(action in words for action in ACTIONS)


def test_an_emulator_serving_no_organisation_refuses_the_listing(emulator: BackupEmulator) -> None:
    emulator.organization = None
    directory = OrganizationDirectory(session, endpoint_url=emulator.url)
    assert directory.current() is None
    problem = directory.problem
    assert problem is not None and problem.grant == ACTIONS and "organizations:ListRoots" in problem.reason


def test_directory_for_the_bots_own_session_reads_the_sample_as_ask_sample_would(emulator: BackupEmulator) -> None:
    from bot.aws.client import BackupService
    from bot.organization.directory import directory_for

    backup = BackupService(session, endpoint_url=emulator.url)
    try:
        directory = directory_for(backup)
        assert directory.names().label("444455556666") == "prod-payments · 4444…6666"
        directory.refresh()  # a second read on the same session
        assert directory.reads == 2 and directory.current() is not None
        unit = directory.find_unit("Production")
        assert not isinstance(unit, Unavailable) and unit.unique is not None
        assert directory.accounts_under(unit.unique.id) == {"444455556666", "777788889999"}
    finally:
        backup.close()


def test_an_organisation_of_a_thousand_accounts_is_read_exactly() -> None:
    accounts = [f"{n:012d}" for n in range(200_000_000_000, 200_000_001_001)]
    spread = spread_organization(accounts, per_team=20, suspended_every=50)
    with BackupEmulator(caller_account=accounts[0], page_size=1000) as emulator:
        emulator.organization = spread
        directory = OrganizationDirectory(session, endpoint_url=emulator.url)
        org = directory.current()
    assert org is not None
    assert {a.id: (a.name, a.state, a.parent) for a in org.accounts.values()} == {
        m[0]: (m[1], m[2], m[3]) for m in spread.members}
    assert len(org.active_accounts()) == 1001 - 20
    production = next(u for u in org.units.values() if u.name == "Production")
    assert org.accounts_under(production.id) == {m[0] for m in spread.members if m[3] in {
        u[0] for u in spread.units if u[2] == production.id}}
    parents = 1 + len(spread.units)  # each: one page of OUs (at most 13) and one of accounts (at most 20)
    assert directory.kept_calls == 1 + 1 + math.ceil(1001 / 20) + 2 * parents == 163
