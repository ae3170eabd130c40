"""One read of the organisation, over botocore's Stubber (the real client's parameter validation, no socket): every
list followed through NextToken, an empty page with a token followed too, State preferred to the retired Status."""

from __future__ import annotations

import functools
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from bot.aws.errors import DeadlineExceeded
from bot.organization.read import Calls, read_organization

ROOT, PROD, DATA = "r-ab12", "ou-ab12-prod0001", "ou-ab12-data0001"


@functools.cache
def client() -> Any:
    """One client for every test (each stubs it afresh): making one costs a few tenths of a second."""
    return boto3.session.Session(aws_access_key_id="k", aws_secret_access_key="s",
                                 region_name="us-east-1").client("organizations")


def account(account_id: str, name: str, **state: str) -> dict[str, Any]:
    return {"Id": account_id, "Name": name, **state}


def stubbed(stub: Stubber, page_size: int = 20) -> None:
    stub.add_response("describe_organization", {"Organization": {"Id": "o-ab12cd34", "MasterAccountId": "111111111111"}})
    stub.add_response("list_roots", {"Roots": [{"Id": ROOT, "Name": "Root"}]}, {"MaxResults": page_size})
    stub.add_response("list_accounts", {"Accounts": [account("111111111111", "management", State="ACTIVE"),
                                                     account("222222222222", "prod-a", Status="SUSPENDED")],
                                        "NextToken": "t1"}, {"MaxResults": page_size})
    # AWS may answer an empty page that still has a NextToken: the read goes on.
    stub.add_response("list_accounts", {"Accounts": [], "NextToken": "t2"}, {"MaxResults": page_size, "NextToken": "t1"})
    stub.add_response("list_accounts", {"Accounts": [account("333333333333", "prod-b", State="CLOSED", Status="SUSPENDED")]},
                      {"MaxResults": page_size, "NextToken": "t2"})
    stub.add_response("list_organizational_units_for_parent", {"OrganizationalUnits": [{"Id": PROD, "Name": "Production"}],
                                                               "NextToken": "u1"}, {"ParentId": ROOT, "MaxResults": page_size})
    stub.add_response("list_organizational_units_for_parent", {"OrganizationalUnits": []},
                      {"ParentId": ROOT, "MaxResults": page_size, "NextToken": "u1"})
    stub.add_response("list_children", {"Children": [{"Id": "111111111111", "Type": "ACCOUNT"}]},
                      {"ParentId": ROOT, "ChildType": "ACCOUNT", "MaxResults": page_size})
    stub.add_response("list_organizational_units_for_parent", {"OrganizationalUnits": [{"Id": DATA, "Name": "Data"}]},
                      {"ParentId": PROD, "MaxResults": page_size})
    stub.add_response("list_children", {"Children": [{"Id": "222222222222", "Type": "ACCOUNT"}]},
                      {"ParentId": PROD, "ChildType": "ACCOUNT", "MaxResults": page_size})
    stub.add_response("list_organizational_units_for_parent", {"OrganizationalUnits": []},
                      {"ParentId": DATA, "MaxResults": page_size})
    # 444444444444 joined after ListAccounts answered: placed, known by id, named at the next read.
    stub.add_response("list_children", {"Children": [{"Id": "333333333333", "Type": "ACCOUNT"},
                                                     {"Id": "444444444444", "Type": "ACCOUNT"}]},
                      {"ParentId": DATA, "ChildType": "ACCOUNT", "MaxResults": page_size})


def test_every_page_of_every_list_is_read() -> None:
    organizations = client()
    tally = Calls()
    with Stubber(organizations) as stub:
        stubbed(stub)
        org = read_organization(organizations, tally=tally)
        stub.assert_no_pending_responses()
    assert tally.calls == 12 and tally.action == ""
    assert org.id == "o-ab12cd34" and org.management == "111111111111"
    assert {a.id: (a.name, a.state, a.parent) for a in org.accounts.values()} == {
        "111111111111": ("management", "ACTIVE", ROOT),
        "222222222222": ("prod-a", "SUSPENDED", PROD),
        "333333333333": ("prod-b", "CLOSED", DATA),  # State wins over the retired Status
        "444444444444": ("", "", DATA),
    }
    assert {u.id: (u.name, u.parent) for u in org.units.values()} == {
        ROOT: ("Root", None), PROD: ("Production", ROOT), DATA: ("Data", PROD)}
    assert org.active_accounts() == {"111111111111", "444444444444"}
    assert org.accounts_under(PROD) == {"222222222222", "333333333333", "444444444444"}


def test_the_page_size_is_sent_as_maxresults() -> None:
    organizations = client()
    with Stubber(organizations) as stub:
        stubbed(stub, page_size=7)
        read_organization(organizations, page_size=7)
        stub.assert_no_pending_responses()


def test_a_refusal_names_the_action_being_asked() -> None:
    organizations = client()
    tally = Calls()
    with Stubber(organizations) as stub:
        stub.add_response("describe_organization", {"Organization": {"Id": "o-ab12cd34"}})
        stub.add_response("list_roots", {"Roots": [{"Id": ROOT, "Name": "Root"}]})
        stub.add_client_error("list_accounts", "AccessDeniedException", http_status_code=400)
        with pytest.raises(Exception, match="AccessDenied"):
            read_organization(organizations, tally=tally)
    assert tally.action == "organizations:ListAccounts" and tally.calls == 2


def test_a_read_past_its_deadline_stops() -> None:
    organizations = client()
    with Stubber(organizations) as stub:
        stub.add_response("describe_organization", {"Organization": {"Id": "o-ab12cd34"}})
        with pytest.raises(DeadlineExceeded):
            read_organization(organizations, deadline_seconds=-1)
