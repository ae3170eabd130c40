"""One read of the organisation from AWS Organizations: DescribeOrganization, ListRoots, ListAccounts, then the tree
from each root down (ListOrganizationalUnitsForParent for the OUs and their names, ListChildren for the accounts in
each), every list followed through NextToken by bot.aws.pages (the project's one page loop: a botocore paginator
checks no deadline and counts no calls).

Sequential on purpose: Organizations' request rate is low and shared with everything else the organisation runs, and
the read happens once a day; 1,000 accounts in 50 OUs is ~150 calls."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from bot.aws.pages import Pages
from bot.domain.organization import OrgAccount, Organization, OrgUnit

# What reading the organisation needs, in the order `read_organization` calls them (check and the README name them).
ACTIONS: Final = (
    "organizations:DescribeOrganization",
    "organizations:ListRoots",
    "organizations:ListAccounts",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListChildren",
)
PAGE_SIZE: Final = 20  # MaxResults: the most Organizations gives a page (botocore's model: 1..20)
READ_SECONDS: Final = 300.0  # a whole read's deadline


@dataclass
class Calls:
    """What a read cost (a Tally for bot.aws.pages); `action`: the one being asked when it stopped."""

    calls: int = 0
    action: str = ""


def read_organization(client: Any, *, page_size: int = PAGE_SIZE, deadline_seconds: float = READ_SECONDS,
                      tally: Calls | None = None, read_at: datetime | None = None) -> Organization:
    """The organisation as `client` (a boto3 Organizations client of the management or a delegated administrator
    account) sees it now. Raises what botocore raises (the directory turns it into Unavailable) or DeadlineExceeded."""
    tally = tally if tally is not None else Calls()
    deadline = time.monotonic() + deadline_seconds

    def pages(action: str, call: Any, **params: Any) -> Pages:
        tally.action = f"organizations:{action}"
        return Pages(call, dict(params, MaxResults=page_size), deadline, tally)

    tally.action = ACTIONS[0]
    described = client.describe_organization()["Organization"]
    tally.calls += 1
    roots = [OrgUnit(str(r["Id"]), str(r.get("Name") or "Root"), None)
             for page in pages("ListRoots", client.list_roots) for r in page.get("Roots", ())]
    listed = {str(a["Id"]): a for page in pages("ListAccounts", client.list_accounts) for a in page.get("Accounts", ())}
    units: dict[str, OrgUnit] = {r.id: r for r in roots}
    placed: dict[str, str] = {}
    todo = deque(r.id for r in roots)
    while todo:
        parent = todo.popleft()
        for page in pages("ListOrganizationalUnitsForParent", client.list_organizational_units_for_parent,
                          ParentId=parent):
            for ou in page.get("OrganizationalUnits", ()):
                unit = OrgUnit(str(ou["Id"]), str(ou.get("Name") or ou["Id"]), parent)
                if unit.id not in units:  # an OU moved while the tree was read is seen once
                    units[unit.id] = unit
                    todo.append(unit.id)
        for page in pages("ListChildren", client.list_children, ParentId=parent, ChildType="ACCOUNT"):
            for child in page.get("Children", ()):
                placed.setdefault(str(child["Id"]), parent)
    accounts = {
        account_id: OrgAccount(account_id, str(entry.get("Name") or ""), _state(entry), placed.get(account_id))
        for account_id, entry in listed.items()
    }
    # An account placed in the tree but created after ListAccounts answered: known by id, its name at the next read.
    accounts.update({i: OrgAccount(i, "", "", parent) for i, parent in placed.items() if i not in accounts})
    tally.action = ""
    management = described.get("MasterAccountId")
    return Organization(str(described.get("Id") or ""), str(management) if management else None, accounts, units,
                        read_at)


def _state(entry: dict[str, Any]) -> str:
    # Account.Status is retired (September 2026) in favour of State; an answer may carry either.
    return str(entry.get("State") or entry.get("Status") or "")
