"""bot.organization.names: names best effort. A readable directory gives every account's name and top-level OU; a
refused, failing or slow one gives ids (NO_NAMES) without raising, and a refused one is asked once, not per answer."""

from __future__ import annotations

import threading
import time
from typing import Any

from botocore.exceptions import ClientError

from bot.domain.accounts import AT_ROOT, NO_NAMES
from bot.domain.organization import OrgAccount, Organization
from bot.organization.directory import OrganizationDirectory
from bot.organization.names import NameSource, top_units
from bot.sample.estate import SAMPLE_MEMBERS
from tests.unit.organization.sample_org import organization_of


def directory(read: Any) -> OrganizationDirectory:
    return OrganizationDirectory(reader=read, background=lambda work: None)


def test_every_member_is_named_with_its_top_level_ou() -> None:
    names = NameSource(directory(lambda _client, _tally: organization_of()))(a for a, *_ in SAMPLE_MEMBERS)
    assert {a: names.name(a) for a, *_ in SAMPLE_MEMBERS} == {a: name for a, name, *_ in SAMPLE_MEMBERS}
    # Payments and Data sit under Production: their top-level OU is Production; the management account is at the root.
    assert names.top("444455556666") == names.top("777788889999") == "Production"
    assert names.top("222233334444") == "Sandbox" and names.top("111122223333") == AT_ROOT
    assert names.unit("444455556666") == "Production / Payments"
    assert names.text("444455556666") == "prod-payments · 4444…6666"


def test_an_account_whose_parent_was_not_read_has_no_top_unit_rather_than_the_root() -> None:
    organization = organization_of()
    unplaced = Organization(organization.id, organization.management,
                            {**organization.accounts, "999999999999": OrgAccount("999999999999", "joined-late",
                                                                                 "ACTIVE", None)},
                            organization.units)
    tops = top_units(unplaced)
    assert "999999999999" not in tops and tops["111122223333"] == AT_ROOT


def test_a_refused_directory_gives_ids_and_is_asked_once() -> None:
    calls: list[int] = []

    def refused(_client: Any, _tally: Any) -> Organization:
        calls.append(1)
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "member"}}, "ListAccounts")

    source = NameSource(directory(refused))
    assert source(["444455556666"]) is NO_NAMES
    assert source(["444455556666"]) is NO_NAMES  # a second answer of the same process
    assert len(calls) == 1
    assert NO_NAMES.text("444455556666") == "444455556666"


def test_a_directory_that_raises_past_its_own_guard_gives_ids() -> None:
    class Broken(OrganizationDirectory):
        def names(self, accounts: Any = ()) -> Any:
            raise RuntimeError("boom")

    assert NameSource(Broken(reader=lambda _c, _t: organization_of()))(["444455556666"]) is NO_NAMES


def test_a_slow_directory_costs_an_answer_its_names_not_its_time() -> None:
    release = threading.Event()

    def slow(_client: Any, _tally: Any) -> Organization:
        release.wait(30)
        return organization_of()

    # The directory hangs until released, so each answer below waits out `wait` whatever its length.
    source = NameSource(directory(slow), wait=0.01)
    try:
        assert source(["444455556666"]) is NO_NAMES  # not ready: ids, at once
        assert source(["444455556666"]) is NO_NAMES  # the read under way is waited for, not started again
    finally:
        release.set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the read ends in its own thread; then the names are there
        if source(["444455556666"]).name("444455556666") == "prod-payments":
            break
    assert source(["444455556666"]).name("444455556666") == "prod-payments"
