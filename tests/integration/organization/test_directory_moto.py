"""The directory against AWS Organizations as moto serves it (a real server on loopback, started here), read by real
boto3: an organisation of 30 accounts in nested OUs, more than a page of accounts and of OUs under one parent, one
account closed; names, states, paths and nesting exactly as created. An account without an organisation is told so."""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from bot.domain.organization import Unavailable
from bot.organization.directory import OrganizationDirectory, Timing
from bot.organization.probe import directory_probe
from bot.organization.read import PAGE_SIZE
from tests.support import PROXY_VARS

TEAMS = 21  # OUs under one parent: two pages of ListOrganizationalUnitsForParent at 20


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def sessions() -> Callable[[], boto3.session.Session]:
    """Sessions of an AWS account of this test's own: moto keeps each account's organisation apart (its
    x-moto-account-id header), so tests share one server and reset nothing another test (or tier) holds."""
    account = f"{secrets.randbelow(10**12):012d}"

    def mark(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    def session() -> boto3.session.Session:
        made = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                     region_name="us-east-1")
        made.events.register("before-sign.organizations", mark)
        return made

    return session


@dataclass
class Created:
    """What the test made, the oracle the directory is held to."""

    root: str = ""
    management: str = ""
    units: dict[str, tuple[str, str]] = field(default_factory=dict)  # OU id -> (name, parent id)
    accounts: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id -> (name, state, parent id)
    ou: dict[str, str] = field(default_factory=dict)  # a unique OU name -> id

    def under(self, unit: str) -> set[str]:
        inside = {unit}
        while True:
            more = {u for u, (_, parent) in self.units.items() if parent in inside} - inside
            if not more:
                return {a for a, (_, _, parent) in self.accounts.items() if parent in inside}
            inside |= more


def build(url: str, session: Callable[[], boto3.session.Session]) -> tuple[Created, Any]:
    client = session().client("organizations", endpoint_url=url)
    created = Created()
    created.management = client.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    created.root = client.list_roots()["Roots"][0]["Id"]
    created.accounts[created.management] = ("master", "ACTIVE", created.root)

    def unit(name: str, parent: str) -> str:
        ou = client.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]
        created.units[ou] = (name, parent)
        created.ou.setdefault(name, ou)
        return ou

    def account(name: str, parent: str) -> str:
        account_id = client.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"][
            "AccountId"]
        client.move_account(AccountId=account_id, SourceParentId=created.root, DestinationParentId=parent)
        created.accounts[account_id] = (name, "ACTIVE", parent)
        return account_id

    production = unit("Production", created.root)
    payments = unit("Payments", production)
    cards = unit("Cards", payments)
    data = unit("Data", production)
    sandbox = unit("Sandbox", created.root)
    teams = unit("Teams", created.root)
    account("prod-payments", payments)
    account("prod-cards-1", cards)
    account("prod-cards-2", cards)
    account("prod-data", data)
    account("sandbox-dev", sandbox)
    old = account("sandbox-old", sandbox)
    account("shared", sandbox)
    account("shared", data)  # AWS lets two accounts share a name
    for n in range(TEAMS):
        account(f"team-{n:02d}", unit(f"team-{n:02d}", teams))
    client.close_account(AccountId=old)
    created.accounts[old] = ("sandbox-old", "SUSPENDED", sandbox)
    return created, client


@pytest.fixture(scope="module")
def shared(url: str) -> tuple[Created, Callable[[], boto3.session.Session]]:
    """One organisation for the tests that only read it."""
    session = sessions()
    created, _ = build(url, session)
    return created, session


def calls_for(created: Created, page_size: int) -> int:
    """DescribeOrganization, ListRoots, ListAccounts' pages, then per parent ListOrganizationalUnitsForParent's pages
    and one ListChildren (moto answers ListChildren in one page whatever MaxResults)."""
    pages = lambda n: max(1, math.ceil(n / page_size))  # noqa: E731
    parents = [created.root, *created.units]
    return 1 + 1 + pages(len(created.accounts)) + sum(
        pages(sum(p == parent for _, p in created.units.values())) + 1 for parent in parents)


@pytest.mark.parametrize("page_size", [PAGE_SIZE, 3])
def test_names_states_paths_and_nesting_exactly_as_created(
    url: str, shared: tuple[Created, Callable[[], boto3.session.Session]], page_size: int
) -> None:
    created, session = shared
    directory = OrganizationDirectory(session, endpoint_url=url, page_size=page_size)
    org = directory.current()
    assert org is not None and directory.problem is None
    assert len(created.accounts) == 30 and len(created.accounts) > PAGE_SIZE  # ListAccounts needs several pages
    assert {a.id: (a.name, a.state, a.parent) for a in org.accounts.values()} == created.accounts
    assert {u.id: (u.name, u.parent) for u in org.units.values() if u.parent} == created.units
    assert org.management == created.management and [r.id for r in org.roots] == [created.root]
    for name, ou in created.ou.items():
        assert org.accounts_under(ou) == created.under(ou), name
    assert org.accounts_under(created.ou["Production"]) == {
        a for a, (name, _, _) in created.accounts.items() if name in ("prod-payments", "prod-cards-1", "prod-cards-2",
                                                                        "prod-data") or (name == "shared" and
                                                                        created.accounts[a][2] == created.ou["Data"])}
    suspended = {a for a, (_, state, _) in created.accounts.items() if state == "SUSPENDED"}
    assert len(suspended) == 1 and org.active_accounts() == set(created.accounts) - suspended
    cards = next(a for a, (name, _, _) in created.accounts.items() if name == "prod-cards-1")
    assert org.path_name(cards) == "Production / Payments / Cards"
    assert directory.kept_calls == calls_for(created, page_size)
    assert org.read_at is not None


def test_lookups_by_name_and_id(url: str, shared: tuple[Created, Callable[[], boto3.session.Session]]) -> None:
    created, session = shared
    directory = OrganizationDirectory(session, endpoint_url=url, clock=lambda: 0.0)
    found = directory.find_account("PROD-DATA")
    assert not isinstance(found, Unavailable) and found.unique is not None
    assert created.accounts[found.unique.id][0] == "prod-data"
    shared = directory.find_account("shared")
    assert not isinstance(shared, Unavailable) and shared.ambiguous and len(shared.found) == 2
    unit = directory.find_unit("cards")
    assert not isinstance(unit, Unavailable) and unit.unique is not None and unit.unique.id == created.ou["Cards"]
    by_id = directory.find_unit(created.ou["Teams"])
    assert not isinstance(by_id, Unavailable) and by_id.unique is not None and by_id.unique.name == "Teams"
    assert directory.accounts_under(created.ou["Payments"]) == created.under(created.ou["Payments"])
    label = directory.names().label(found.unique.id)
    assert label.startswith("prod-data · ") and label.endswith(found.unique.id[-4:])


def test_an_unknown_name_reads_again_once_then_offers_close_names(url: str) -> None:
    session = sessions()
    created, client = build(url, session)
    now = [0.0]
    directory = OrganizationDirectory(session, endpoint_url=url, clock=lambda: now[0], timing=Timing(unknown=60))
    assert directory.current() is not None and directory.reads == 1
    new = client.create_account(Email="n@example.com", AccountName="new-payments")["CreateAccountStatus"]["AccountId"]
    client.move_account(AccountId=new, SourceParentId=created.root, DestinationParentId=created.ou["Payments"])
    found = directory.find_account("new-payments")  # not in the first read: read again, found
    assert not isinstance(found, Unavailable) and found.unique is not None and found.unique.id == new
    assert directory.reads == 2
    assert new in directory.accounts_under(created.ou["Production"])  # a new account joins its OU's scope
    typo = directory.find_account("prod-paymnets")  # within a minute of the last such read: no read, close names
    assert not isinstance(typo, Unavailable) and typo.found == () and typo.close[0] == "prod-payments"
    assert directory.reads == 2
    now[0] = 61.0
    directory.find_account("prod-paymnets")
    assert directory.reads == 3  # a minute later an unknown name may read again


def test_a_moved_account_follows_its_ou_at_the_next_read(url: str) -> None:
    session = sessions()
    created, client = build(url, session)
    now = [0.0]
    directory = OrganizationDirectory(session, endpoint_url=url, clock=lambda: now[0])
    dev = next(a for a, (name, _, _) in created.accounts.items() if name == "sandbox-dev")
    assert dev not in directory.accounts_under(created.ou["Production"])
    client.move_account(AccountId=dev, SourceParentId=created.ou["Sandbox"], DestinationParentId=created.ou["Data"])
    now[0] = 24 * 3600.0  # a day later: the daily read
    assert dev in directory.accounts_under(created.ou["Production"])
    assert dev not in directory.accounts_under(created.ou["Sandbox"])
    assert directory.reads == 2


def test_an_account_in_no_organisation_keeps_ids_and_says_so(url: str) -> None:
    directory = OrganizationDirectory(sessions(), endpoint_url=url)
    assert directory.current() is None
    problem = directory.unavailable()
    assert problem is not None and problem.in_use is False and problem.grant == ()
    assert directory.names().label("123456789012") == "123456789012"
    assert directory.find_unit("Production") == problem
    assert directory_probe(directory) == [(True, problem.reason)]


def test_the_endpoint_comes_from_aws_endpoint_url_organizations(
    url: str, shared: tuple[Created, Callable[[], boto3.session.Session]], monkeypatch: pytest.MonkeyPatch
) -> None:
    created, session = shared
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", url)
    directory = OrganizationDirectory(session)
    org = directory.current()
    assert org is not None and set(org.accounts) == set(created.accounts)
