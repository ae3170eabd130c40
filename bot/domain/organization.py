"""The organisation as AWS Organizations describes it, read at one moment: accounts with their names and states, the
organisational units they sit in, and the lookups the grammar and the scopes ask of it (by name or id, nested OUs
included). Pure: bot.organization reads it from AWS."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Generic, TypeVar

from bot.domain.ids import ACCOUNT_ID_RE

# botocore's model (organizations 2016-11-28): OrganizationalUnitId and RootId, anchored like bot.domain.ids.
OU_ID_RE: Final = re.compile(r"\Aou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\Z")
ROOT_ID_RE: Final = re.compile(r"\Ar-[0-9a-z]{4,32}\Z")
# An account in these states is not polled: AWS Backup has nothing to say of it (Account.State; the older Status had
# ACTIVE, SUSPENDED and PENDING_CLOSURE). Any other state, or none, is polled: an account is never left out unread.
INACTIVE_STATES: Final = frozenset({"SUSPENDED", "PENDING_CLOSURE", "CLOSED"})
CLOSE_MATCHES: Final = 3  # names offered for an unknown one
T = TypeVar("T")


@dataclass(frozen=True)
class OrgAccount:
    id: str
    name: str
    state: str  # Account.State (or the older Status where State is absent)
    parent: str | None  # the root or OU it sits in; None: not placed by this read (it joined while the tree was read)

    @property
    def active(self) -> bool:
        return self.state not in INACTIVE_STATES


@dataclass(frozen=True)
class OrgUnit:
    id: str  # ou-… (or r-… for a root)
    name: str
    parent: str | None  # None: a root


@dataclass(frozen=True)
class Match(Generic[T]):
    """What a name or id named: one (`unique`), several (AWS allows two accounts one name, and one OU name in several
    places), or none (`close`: the nearest names as AWS spells them, for the answer)."""

    query: str
    found: tuple[T, ...] = ()
    close: tuple[str, ...] = ()

    @property
    def unique(self) -> T | None:
        return self.found[0] if len(self.found) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.found) > 1


AccountMatch = Match[OrgAccount]
UnitMatch = Match[OrgUnit]  # several of one name: sorted by their paths


@dataclass(frozen=True)
class Unavailable:
    """Why the organisation could not be read, and the IAM actions that would let it be (empty: not a permission)."""

    reason: str
    grant: tuple[str, ...] = ()
    in_use: bool = True  # False: the account belongs to no organisation (AWSOrganizationsNotInUseException)

    def describe(self) -> str:
        """The reason, and what to grant where."""
        if not self.grant:
            return self.reason
        return (f"{self.reason}; from the management account or a delegated administrator for AWS Organizations, "
                f"grant {', '.join(self.grant)}")


@dataclass(frozen=True)
class Organization:
    """One read of the organisation. `read_at`: AWS's clock at the read (its Date headers), None when not heard."""

    id: str
    management: str | None
    accounts: Mapping[str, OrgAccount]
    units: Mapping[str, OrgUnit]  # roots and OUs by id
    read_at: datetime | None = None
    _children: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        children: dict[str, list[str]] = {}
        for unit in self.units.values():
            if unit.parent is not None:
                children.setdefault(unit.parent, []).append(unit.id)
        self._children.update({k: tuple(v) for k, v in children.items()})

    @property
    def roots(self) -> tuple[OrgUnit, ...]:
        return tuple(u for u in self.units.values() if u.parent is None)

    def active_accounts(self) -> frozenset[str]:
        """Every account that may be polled: suspended, closing and closed ones left out."""
        return frozenset(a.id for a in self.accounts.values() if a.active)

    def names(self) -> dict[str, str]:
        return {a.id: a.name for a in self.accounts.values() if a.name}

    def unit_paths(self) -> dict[str, str]:
        """Every placed account's `path_name`."""
        return {a.id: name for a in self.accounts.values() if (name := self.path_name(a.id))}

    def path(self, node: str) -> tuple[OrgUnit, ...]:
        """The OUs from the top down to `node` (an OU: itself last; an account: the OU it sits in), roots left out;
        () for a root, an account at the root, or an unknown or unplaced one."""
        parent = self.accounts[node].parent if node in self.accounts else node
        chain: list[OrgUnit] = []
        while parent is not None and parent in self.units and len(chain) <= len(self.units):
            unit = self.units[parent]
            if unit.parent is None:
                break
            chain.append(unit)
            parent = unit.parent
        return tuple(reversed(chain))

    def path_name(self, node: str, separator: str = " / ") -> str:
        """`Production / Payments`; the root's name for an account at the root."""
        path = self.path(node)
        if path:
            return separator.join(u.name for u in path)
        parent = self.accounts[node].parent if node in self.accounts else None
        return self.units[parent].name if parent is not None and parent in self.units else ""

    def accounts_under(self, unit: str, *, active_only: bool = False) -> frozenset[str]:
        """The accounts in OU (or root) `unit` and every OU nested under it."""
        seen, todo = {unit}, [unit]
        while todo:
            for child in self._children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return frozenset(a.id for a in self.accounts.values()
                         if a.parent in seen and (a.active or not active_only))

    def find_account(self, text: str) -> AccountMatch:
        """An account by its 12-digit id or its name (case-insensitive, exact)."""
        query = text.strip()
        if ACCOUNT_ID_RE.match(query):
            found = self.accounts.get(query)
            return AccountMatch(query, (found,) if found is not None else ())
        folded = query.casefold()
        matches = tuple(sorted((a for a in self.accounts.values() if a.name.strip().casefold() == folded),
                               key=lambda a: a.id))
        if matches:
            return AccountMatch(query, matches)
        return AccountMatch(query, (), _close(query, (a.name for a in self.accounts.values())))

    def find_unit(self, text: str) -> UnitMatch:
        """An OU (or root) by its id or its name (case-insensitive, exact; one name in several places: all of them)."""
        query = text.strip()
        if OU_ID_RE.match(query) or ROOT_ID_RE.match(query):
            found = self.units.get(query)
            return UnitMatch(query, (found,) if found is not None else ())
        folded = query.casefold()
        matches = tuple(sorted((u for u in self.units.values() if u.name.strip().casefold() == folded),
                               key=lambda u: (self.path_name(u.id), u.id)))
        if matches:
            return UnitMatch(query, matches)
        return UnitMatch(query, (), _close(query, (u.name for u in self.units.values())))


def _close(query: str, names: Iterable[str]) -> tuple[str, ...]:
    """The names that begin with or contain what was typed (`prod` for `Production`), then the nearest spellings
    (`Prodution`); compared case-folded, offered as AWS spells them."""
    spelled = {name.casefold(): name for name in sorted(set(names)) if name}
    folded = query.casefold()
    starts = [name for name in spelled if name.startswith(folded)]
    inside = [name for name in spelled if folded in name and name not in starts]
    near = difflib.get_close_matches(folded, list(spelled), n=CLOSE_MATCHES, cutoff=0.6)
    found = list(dict.fromkeys([*starts, *inside, *near]))[:CLOSE_MATCHES] if folded else near
    return tuple(spelled[name] for name in found)
