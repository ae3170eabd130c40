"""AWS Organizations' listing operations as the directory reads them (JSON 1.1, `X-Amz-Target`), over one
organisation: ListRoots, ListAccounts, ListOrganizationalUnitsForParent, ListChildren and ListAccountsForParent, paged
with NextToken and MaxResults (1..20) as botocore's model (organizations 2016-11-28) says; a token is bound to the
query that issued it. Only the management account lists (a member is refused, as AWS refuses it)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from bot.sample.api_model import ApiError, epoch
from bot.sample.estate import SAMPLE_MEMBERS, SAMPLE_ORGANIZATION_ID, SAMPLE_ROOT, SAMPLE_UNITS

__all__ = [
    "ORGANIZATIONS_TARGET_PREFIX", "SAMPLE_ORGANIZATION", "OrganizationsApi", "SampleOrganization", "denied",
    "spread_organization",
]

ORGANIZATIONS_TARGET_PREFIX: Final = "AWSOrganizationsV20161128."  # botocore's targetPrefix
MAX_RESULTS: Final = 20  # the model's MaxResults: 1..20
_PARENT_RE: Final = re.compile(r"\A(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})\Z")
_CHILD_TYPES: Final = ("ACCOUNT", "ORGANIZATIONAL_UNIT")
_JOINED: Final = datetime(2024, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SampleOrganization:
    """An organisation to serve: (OU id, name, parent id) parents first; (account id, name, state, parent id)."""

    id: str
    root: str
    units: Sequence[tuple[str, str, str]]
    members: Sequence[tuple[str, str, str, str]]

    def parents(self) -> set[str]:
        return {self.root} | {unit[0] for unit in self.units}


SAMPLE_ORGANIZATION: Final = SampleOrganization(SAMPLE_ORGANIZATION_ID, SAMPLE_ROOT, SAMPLE_UNITS, SAMPLE_MEMBERS)


def spread_organization(accounts: Sequence[str], *, per_team: int = 20, suspended_every: int = 50,
                        management: str | None = None) -> SampleOrganization:
    """A large organisation for benchmarks and tests: Root -> four OUs -> team OUs (`team-NNN`) of `per_team` accounts
    each, in the order given (names `acct-NNNN`); every `suspended_every`-th account SUSPENDED; `management` (default:
    the first account) at the root."""
    top = ("Production", "Staging", "Development", "Sandbox")
    root = "r-bench"
    units: list[tuple[str, str, str]] = [(f"ou-bench-top{n:05d}", name, root) for n, name in enumerate(top)]
    members: list[tuple[str, str, str, str]] = []
    management = management or (accounts[0] if accounts else None)
    others = [a for a in accounts if a != management]
    if management is not None:
        members.append((management, "management", "ACTIVE", root))
    for index, account in enumerate(others):
        team = index // per_team
        if index % per_team == 0:
            units.append((f"ou-bench-{team:08d}", f"team-{team:03d}", units[team % len(top)][0]))
        state = "SUSPENDED" if suspended_every and (index + 1) % suspended_every == 0 else "ACTIVE"
        members.append((account, f"acct-{index:04d}", state, f"ou-bench-{team:08d}"))
    return SampleOrganization("o-bench00001", root, tuple(units), tuple(members))


def denied() -> ApiError:
    return ApiError(400, "AccessDeniedException", "You don't have permissions to access this resource.")


class OrganizationsApi:
    """The listing operations over `organization`, seen from its management account `management`."""

    def __init__(self, organization: SampleOrganization, management: str, page_size: int) -> None:
        self.organization = organization
        self.management = management
        self.page_size = page_size

    def answer(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        org = self.organization
        if operation == "ListRoots":
            rows: list[dict[str, Any]] = [{"Id": org.root, "Arn": self._arn("root", org.root), "Name": "Root",
                                           "PolicyTypes": []}]
            return self._page(operation, body, "Roots", rows)
        if operation == "ListAccounts":
            return self._page(operation, body, "Accounts", [self._account(m) for m in org.members])
        if operation == "ListAccountsForParent":
            parent = self._parent(body)
            return self._page(operation, body, "Accounts", [self._account(m) for m in org.members if m[3] == parent])
        if operation == "ListOrganizationalUnitsForParent":
            parent = self._parent(body)
            units = [{"Id": u[0], "Arn": self._arn("ou", u[0]), "Name": u[1]} for u in org.units if u[2] == parent]
            return self._page(operation, body, "OrganizationalUnits", units)
        if operation == "ListChildren":
            parent = self._parent(body)
            kind = body.get("ChildType")
            if kind not in _CHILD_TYPES:
                raise _invalid(f"ChildType must be one of {', '.join(_CHILD_TYPES)}")
            ids = [m[0] for m in org.members if m[3] == parent] if kind == "ACCOUNT" else \
                [u[0] for u in org.units if u[2] == parent]
            return self._page(operation, body, "Children", [{"Id": i, "Type": kind} for i in ids])
        raise ApiError(400, "UnknownOperationException", f"The emulator does not serve organizations:{operation}")

    def _arn(self, kind: str, node: str) -> str:
        return f"arn:aws:organizations::{self.management}:{kind}/{self.organization.id}/{node}"

    def _account(self, member: tuple[str, str, str, str]) -> dict[str, Any]:
        account, name, state, _ = member
        return {"Id": account, "Arn": self._arn("account", account), "Email": f"{name}@example.com", "Name": name,
                # Status, retired in September 2026, as the older answers carried it beside State.
                "Status": "ACTIVE" if state == "ACTIVE" else "SUSPENDED", "State": state,
                "JoinedMethod": "CREATED", "JoinedTimestamp": epoch(_JOINED)}

    def _parent(self, body: dict[str, Any]) -> str:
        parent = body.get("ParentId")
        if not isinstance(parent, str) or not _PARENT_RE.match(parent):
            raise _invalid("ParentId must be a root (r-…) or OU (ou-…-…) id")
        if parent not in self.organization.parents():
            raise ApiError(400, "ParentNotFoundException",
                           "We can't find a root or OU with the ParentId that you specified.")
        return parent

    def _page(self, operation: str, body: dict[str, Any], key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        size = body.get("MaxResults", MAX_RESULTS)
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_RESULTS:
            raise _invalid(f"MaxResults must be an integer between 1 and {MAX_RESULTS}")
        query = _digest(operation, {k: v for k, v in body.items() if k not in ("NextToken", "MaxResults")})
        start = _redeem(body["NextToken"], query) if "NextToken" in body else 0
        end = start + min(size, self.page_size)
        answer: dict[str, Any] = {key: rows[start:end]}
        if end < len(rows):
            answer["NextToken"] = base64.urlsafe_b64encode(json.dumps({"o": end, "q": query}).encode()).decode()
        return answer


def _digest(operation: str, params: dict[str, Any]) -> str:
    material = json.dumps([operation, params], sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(material).hexdigest()[:16]


def _redeem(token: object, query: str) -> int:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(str(token).encode()))
    except (ValueError, TypeError):
        decoded = None
    if not isinstance(decoded, dict) or decoded.get("q") != query or not isinstance(decoded.get("o"), int) \
            or decoded["o"] < 0:
        raise _invalid("NextToken was not issued for this request")
    return int(decoded["o"])


def _invalid(message: str) -> ApiError:
    return ApiError(400, "InvalidInputException", message)
