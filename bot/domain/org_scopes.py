"""Account names and organisational units as account ids, for the access policy (bot.domain.access): what
`account:<name>` and `ou:<name|id>` mean, and the accounts of a scope that names OUs. Pure: it asks a `Directory`
(bot.organization.directory.OrganizationDirectory, built by bot.wiring) and reads nothing itself. Every refusal is a
sentence for the Slack user naming what was asked and why; nothing here widens a scope when the directory is silent."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Final, Protocol, TypeVar

from bot.domain.organization import OU_ID_RE, AccountMatch, Match, Organization, OrgUnit, Unavailable, UnitMatch
from bot.domain.query import AGGREGATE_ALL, ANY, RestoreFilter
from bot.domain.query_errors import shorten

LISTED = 5  # accounts or OUs named in one refusal
T = TypeVar("T")


class OutOfScope(ValueError):
    """The request names accounts this channel may not see; the message is written for the Slack user."""


class Unresolved(OutOfScope):
    """`account:<name>` or `ou:<name|id>` names no account (or several), or the organisation cannot be read now: no AWS
    Backup call is made. The message names what was asked, with the close names."""


class NoScope(LookupError):
    """Account scoping is configured and this conversation is neither listed nor covered by a `*` default."""


class ScopeUnavailable(NoScope):
    """A scope names organisational units and the directory cannot say their accounts now: refused, never widened."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Directory(Protocol):
    """What the policy asks of the organisation directory."""

    def current(self) -> Organization | None: ...

    def find_account(self, text: str, *, wait: bool = True) -> AccountMatch | Unavailable: ...

    def find_unit(self, text: str, *, wait: bool = True) -> UnitMatch | Unavailable: ...

    def accounts_under(self, unit: str, *, active_only: bool = False) -> frozenset[str] | Unavailable: ...


def expand(entries: Iterable[str], directory: Directory | None, variable: str, *,
           active_only: bool = False) -> frozenset[str]:
    """Configured account and OU ids as account ids, each OU's as the directory lists them now (nested OUs included),
    so an account moved into an OU joins at the directory's next read and one moved out leaves. Raises
    ScopeUnavailable, naming `variable`, when an OU's accounts cannot be known."""
    accounts: set[str] = set()
    for entry in entries:
        if not OU_ID_RE.match(entry):
            accounts.add(entry)
            continue
        under = directory.accounts_under(entry, active_only=active_only) if directory is not None else Unavailable(
            "this process does not read the organisation")
        if isinstance(under, Unavailable):
            raise ScopeUnavailable(f"{variable} names {entry}, and its accounts cannot be known now: {under.describe()}")
        accounts |= under
    return frozenset(accounts)


def resolve_filter(flt: RestoreFilter, directory: Directory | None) -> RestoreFilter:
    """`account:<name>` as its id; `ou:<name|id>` as its accounts in `visible_accounts` with AccountId=ANY (one chain
    a region, the OU's rows kept where they enter the bot), or, with one of its accounts named, that account. Raises
    Unresolved for an unknown or ambiguous name, an account outside the OU, or an organisation that cannot be read."""
    if flt.account_name is None and flt.unit is None:
        return flt
    if directory is None:
        raise Unresolved(f"{_asked(flt)} needs the organisation directory (AWS Organizations), which this process does "
                         "not read: name accounts by their 12-digit ids.")
    if flt.account_name is not None:
        flt = replace(flt, account=_account_id(flt.account_name, directory))
    if flt.unit is None:
        return flt
    unit = _unit(flt.unit, directory)
    label = _label(directory, unit.id)
    under = directory.accounts_under(unit.id)
    if isinstance(under, Unavailable):
        raise Unresolved(f"The accounts of {label} cannot be known now: {under.describe()}.")
    if flt.account == AGGREGATE_ALL:
        raise Unresolved(f"`account:AGGREGATE_ALL` sums every account; `ou:` answers for {label} alone.")
    if flt.account not in (None, ANY):
        if flt.account not in under:
            raise Unresolved(f"Account {flt.account} is not in {label}.")
        return flt
    if not under:
        raise Unresolved(f"{label} holds no accounts (nested OUs included): nothing to count.")
    # One AccountId=ANY chain a region, as `account:ANY`'s per-account view is: types summed by AWS (a per-type view
    # would need accounts x types rows, many times the pages), the OU's rows kept where they enter the bot.
    resource_type = AGGREGATE_ALL if flt.resource_type == ANY else flt.resource_type
    return replace(flt, account=ANY, visible_accounts=under, resource_type=resource_type)


def unit_label(directory: Directory | None, unit: str) -> str:
    """`OU Production / Payments (ou-…)` as the directory knows it now; the id or name as given when it does not."""
    if directory is None:
        return f"OU {unit}"
    found = directory.find_unit(unit, wait=False)
    if isinstance(found, Unavailable) or found.unique is None:
        return f"OU {unit}"
    return _label(directory, found.unique.id)


def _label(directory: Directory, unit_id: str) -> str:
    organization = directory.current()
    name = organization.path_name(unit_id) if organization is not None else ""
    return f"OU {name} ({unit_id})" if name else f"OU {unit_id}"


def _account_id(name: str, directory: Directory) -> str:
    organization = directory.current()
    return _one(directory.find_account(name), name, "account", lambda a: a.id if organization is None else
                f"{a.id} ({organization.path_name(a.id) or 'root'})").id


def _unit(text: str, directory: Directory) -> OrgUnit:
    return _one(directory.find_unit(text), text, "ou", lambda u: _label(directory, u.id))


# What a refusal calls each kind, and how it asks for one of several.
_KINDS: Final = {"account": ("account", "accounts", "Name one by its 12-digit id."),
                 "ou": ("organisational unit", "organisational units", "Give one by its id: `ou:ou-…`.")}


def _one(found: Match[T] | Unavailable, text: str, key: str, each: Callable[[T], str]) -> T:
    """The one thing a name named, or Unresolved saying why not: the organisation unreadable, several of that name
    (each listed), or none (the close names offered)."""
    what, several, ask = _KINDS[key]
    shown = shorten(text, 50)
    if isinstance(found, Unavailable):
        raise Unresolved(f"The {several} come from AWS Organizations, which cannot be read now ({found.describe()}): "
                         f"`{key}:{shown}` is not answered, and never widened to every account.")
    if found.unique is not None:
        return found.unique
    if found.ambiguous:
        raise Unresolved(f"{len(found.found)} {several} are named “{shown}”: "
                         f"{', '.join(each(x) for x in found.found[:LISTED])}{', …' * (len(found.found) > LISTED)}. {ask}")
    raise Unresolved(f"No {what} is named “{shown}” in the organisation (names are matched whole, any case)."
                     + _close(found.close, key))


def _close(names: tuple[str, ...], key: str) -> str:
    if not names:
        return ""
    return " Close: " + ", ".join(f"`{key}:{shorten(n, 50)}`" if " " not in n else f'`{key}:"{shorten(n, 50)}"`'
                                  for n in names) + "."


def _asked(flt: RestoreFilter) -> str:
    return " and ".join(f"`{key}:{shorten(value, 50)}`" for key, value in
                        (("account", flt.account_name), ("ou", flt.unit)) if value)
