"""The emulator's Organizations listing: botocore's shapes, paging bound to its query, the service's errors."""

from __future__ import annotations

import botocore.session
import pytest

from bot.sample.api_model import ApiError
from bot.sample.api_organizations import (
    MAX_RESULTS,
    ORGANIZATIONS_TARGET_PREFIX,
    SAMPLE_ORGANIZATION,
    OrganizationsApi,
    spread_organization,
)
from bot.sample.estate import SAMPLE_ACCOUNTS, SAMPLE_CALLER_ACCOUNT, SAMPLE_MEMBERS, SAMPLE_ROOT, SAMPLE_UNITS

MODEL = botocore.session.get_session().get_service_model("organizations")
OPERATIONS = {"ListRoots": "Roots", "ListAccounts": "Accounts", "ListAccountsForParent": "Accounts",
              "ListOrganizationalUnitsForParent": "OrganizationalUnits", "ListChildren": "Children"}


def api(page_size: int = 2) -> OrganizationsApi:
    return OrganizationsApi(SAMPLE_ORGANIZATION, SAMPLE_CALLER_ACCOUNT, page_size)


def every_page(service: OrganizationsApi, operation: str, **body: object) -> list[list[dict[str, object]]]:
    pages, token = [], None
    while True:
        answer = service.answer(operation, dict(body, NextToken=token) if token else dict(body))
        pages.append(answer[OPERATIONS[operation]])
        token = answer.get("NextToken")
        if token is None:
            return pages


def test_names_and_limits_are_botocores() -> None:
    assert MODEL.metadata["targetPrefix"] + "." == ORGANIZATIONS_TARGET_PREFIX
    assert MODEL.shape_for("MaxResults").metadata["max"] == MAX_RESULTS
    for operation, key in OPERATIONS.items():
        assert set(MODEL.operation_model(operation).output_shape.members) == {key, "NextToken"}
    account = MODEL.shape_for("Account")
    assert set(api().answer("ListAccounts", {})["Accounts"][0]) <= set(account.members)
    assert {m[2] for m in SAMPLE_MEMBERS} <= set(account.members["State"].enum)


def test_the_sample_organisation_names_every_sample_account_with_one_suspended() -> None:
    members = {m[0]: m for m in SAMPLE_MEMBERS}
    assert set(SAMPLE_ACCOUNTS) <= set(members)
    assert [m[1] for m in SAMPLE_MEMBERS if m[2] == "SUSPENDED"] == ["sandbox-legacy"]
    parents = {SAMPLE_ROOT} | {u[0] for u in SAMPLE_UNITS}
    assert all(m[3] in parents for m in SAMPLE_MEMBERS) and all(u[2] in parents for u in SAMPLE_UNITS)


def test_accounts_come_in_pages_each_account_once() -> None:
    pages = every_page(api(page_size=2), "ListAccounts")
    assert [len(p) for p in pages] == [2, 2, 1]
    listed = [a for page in pages for a in page]
    assert [(a["Id"], a["Name"], a["State"]) for a in listed] == [(m[0], m[1], m[2]) for m in SAMPLE_MEMBERS]
    assert every_page(api(page_size=50), "ListAccounts", MaxResults=3) == [listed[:3], listed[3:]]


def test_children_and_ous_of_a_parent() -> None:
    service = api(page_size=20)
    units = every_page(service, "ListOrganizationalUnitsForParent", ParentId="ou-ex12-prod0001")
    assert [u["Name"] for page in units for u in page] == ["Payments", "Data"]
    children = every_page(service, "ListChildren", ParentId="ou-ex12-sand0001", ChildType="ACCOUNT")
    assert [c["Id"] for page in children for c in page] == ["222233334444", "555566667777"]
    roots = every_page(service, "ListRoots")
    assert [r["Id"] for page in roots for r in page] == [SAMPLE_ROOT]


@pytest.mark.parametrize(("operation", "body", "code"), [
    ("ListAccounts", {"MaxResults": 21}, "InvalidInputException"),
    ("ListAccounts", {"MaxResults": 0}, "InvalidInputException"),
    ("ListAccounts", {"NextToken": "forged"}, "InvalidInputException"),
    ("ListChildren", {"ParentId": "ou-ex12-prod0001", "ChildType": "POLICY"}, "InvalidInputException"),
    ("ListChildren", {"ParentId": "nonsense", "ChildType": "ACCOUNT"}, "InvalidInputException"),
    ("ListOrganizationalUnitsForParent", {"ParentId": "ou-ex12-none0000"}, "ParentNotFoundException"),
    ("CreateAccount", {}, "UnknownOperationException"),
])
def test_what_the_service_refuses(operation: str, body: dict[str, object], code: str) -> None:
    with pytest.raises(ApiError) as refused:
        api().answer(operation, body)
    assert refused.value.error_type == code


def test_a_token_serves_only_the_query_that_issued_it() -> None:
    service = api(page_size=1)
    token = service.answer("ListChildren", {"ParentId": "ou-ex12-sand0001", "ChildType": "ACCOUNT"})["NextToken"]
    with pytest.raises(ApiError, match="NextToken"):
        service.answer("ListChildren", {"ParentId": "r-ex12", "ChildType": "ACCOUNT", "NextToken": token})


def test_a_spread_organisation_places_every_account_in_nested_ous() -> None:
    accounts = [f"{n:012d}" for n in range(100_000_000_000, 100_000_001_001)]  # 1,001: a management account + 1,000
    org = spread_organization(accounts, per_team=20, suspended_every=50)
    members = {m[0]: m for m in org.members}
    assert list(members) == accounts and members[accounts[0]][3] == org.root
    assert sum(m[2] == "SUSPENDED" for m in org.members) == 20
    top = {u[0] for u in org.units if u[2] == org.root}
    teams = [u for u in org.units if u[2] in top]
    assert len(top) == 4 and len(teams) == 50 and all(sum(m[3] == t[0] for m in org.members) == 20 for t in teams)
    service = OrganizationsApi(org, accounts[0], page_size=20)
    listed = every_page(service, "ListAccounts")
    assert len(listed) == 51 and sum(len(p) for p in listed) == 1001
    production = every_page(service, "ListOrganizationalUnitsForParent", ParentId="ou-bench-top00000")
    assert [len(p) for p in production] == [13]  # teams 0, 4, 8, … 48
