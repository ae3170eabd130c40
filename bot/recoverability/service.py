"""`/restores resource` and `/restores coverage`: which accounts to read for a query and a channel's scope (refused
before any AWS call when the channel may not see one), then the reads, the verdicts and the rendering."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.aws.resources import ResourceReader
from bot.aws.testing import OWN
from bot.config import Settings
from bot.domain.access import OutOfScope, TestingAccounts
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import COMMAND
from bot.domain.recoverability import CoverageRead, Lookup, ProtectedResource
from bot.recoverability.controls import HistoryValue
from bot.recoverability.grammar import CoverageQuery, ResourceQuery
from bot.recoverability.render import render_coverage, render_history, render_lookup, render_resource
from bot.recoverability.verdicts import cover
from bot.slack.blocks import Message

log = logging.getLogger(__name__)

# Why an account asked for is not read (after its name, before reassure()'s "not read").
NOT_CONFIGURED = ("not in RESTORES_TESTING_ACCOUNTS: the bot reads protected resources in its own account and, "
                  "through RESTORES_TESTING_ROLE, in those")
NO_DIRECTORY = ("the organisation's other accounts (`account:ANY` asks for every account, and the organisation "
                "directory could not be read to name them)")


@dataclass(frozen=True)
class Reach:
    """The accounts a question asks for, as the bot can read them: `read` (OWN: the bot's own), `unread` (asked and
    not readable by the bot: ids) and `gaps` (what else was asked and cannot be read, in words)."""

    read: tuple[str, ...]
    unread: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()


def _refuse(visible: frozenset[str], account: str) -> OutOfScope:
    return OutOfScope(f"This channel only sees accounts {', '.join(sorted(visible))}; account {account} is not one "
                      "of them.")


class Recoverability:
    """One protected resource's recoverability, and the restore coverage of many, over one ResourceReader."""

    def __init__(self, settings: Settings, reader: ResourceReader, *, sample: bool = False,
                 account_names: Callable[[Iterable[str]], AccountNames] = lambda _accounts: NO_NAMES,
                 testing_accounts: TestingAccounts | None = None,
                 organisation: Callable[[], frozenset[str] | None] = lambda: None) -> None:
        """`account_names`: the accounts' names for what is shown (bot.organization.names, best effort).
        `organisation`: the organisation's active accounts (None: the directory cannot be read), for `account:ANY`."""
        self.settings = settings
        self.reader = reader
        self.sample = sample
        self.account_names = account_names
        # RESTORES_TESTING_ACCOUNTS as ids now, its OUs resolved (AccessPolicy.testing_accounts, built by bot.wiring).
        self.testing_accounts = testing_accounts or (lambda: (settings.testing_accounts, ()))
        self.organisation = organisation

    def _names(self, *accounts: Iterable[str]) -> AccountNames:
        return self.account_names({a for group in accounts for a in group if ACCOUNT_ID_RE.match(a)})

    def accounts(self, wanted: str | None, visible: frozenset[str] | None, *,
                 every: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(accounts to read, words for the accounts that should be read and cannot): see reach()."""
        reach = self.reach(wanted, visible, every=every)
        return reach.read, self._unread_words(reach)

    def reach(self, wanted: str | None, visible: frozenset[str] | None, *, every: bool = False) -> Reach:
        """The bot's own account (OWN) and RESTORES_TESTING_ACCOUNTS, cut to `wanted` and to the channel's scope; those
        of the scope the bot cannot read are `unread`. `every` (`account:ANY` in a channel that sees every account): the
        organisation's other accounts are unread too, never silently left out. Raises OutOfScope for a wanted account
        the channel may not see, before anything is read."""
        if wanted is not None and visible is not None and wanted not in visible:
            raise _refuse(visible, wanted)
        configured, units = self.testing_accounts()
        own = self.reader.own_id()
        if wanted is not None:
            if wanted in configured:
                return Reach((wanted,))
            if not own or wanted == own:
                return Reach((OWN,))
            return Reach((), (wanted,))
        mine = (OWN,) if visible is None or not own or own in visible else ()
        others = tuple(a for a in configured if a != own and (visible is None or a in visible))
        asked = visible
        gaps = tuple(f"the accounts of {unit} ({why})" for unit, why in units)
        if every and visible is None:
            asked = self.organisation()
            gaps += (NO_DIRECTORY,) if asked is None else ()
        unread = tuple(sorted((asked or frozenset()) - set(configured) - {own}))
        return Reach((*mine, *others), unread, gaps)

    def _unread_words(self, reach: Reach) -> tuple[str, ...]:
        """The accounts not read as one phrase, by name and id (reassure() adds "not read")."""
        if not reach.unread:
            return reach.gaps
        names = self._names(reach.unread)
        listed = ", ".join(names.label(a) for a in reach.unread)
        return (f"account{'s' * (len(reach.unread) > 1)} {listed} ({NOT_CONFIGURED})", *reach.gaps)

    def _shown(self, accounts: Iterable[str]) -> tuple[str, ...]:
        """Accounts as shown: the bot's own (OWN) by its id when known."""
        own = self.reader.own_id()
        return tuple(dict.fromkeys(own if a == OWN and own else a for a in accounts))

    def close(self) -> None:
        self.reader.close()

    def answer(self, query: ResourceQuery | CoverageQuery, visible: frozenset[str] | None,
               command: str = COMMAND) -> Message:
        """`resource` or `coverage`, as the channel (`visible`: its accounts, None: every one) may see it."""
        if isinstance(query, ResourceQuery):
            return self.answer_resource(query, visible, command)
        return self.answer_coverage(query, visible, command)

    # ----------------------------------------------------------------- resource

    def answer_resource(self, query: ResourceQuery, visible: frozenset[str] | None, command: str = COMMAND) -> Message:
        now = datetime.now(UTC)
        accounts, unread = self.accounts(query.account, visible, every=query.every)
        if query.is_arn and query.account and query.regions and len(query.regions) == 1:
            resource = ProtectedResource(query.account, query.regions[0], query.target, "")
            if not accounts:  # an account the bot cannot read: nothing is asked
                return render_lookup(Lookup(query.target, (), (query.account,), query.regions, unread), query,
                                     sample=self.sample, command=command, names=self._names((query.account,)),
                                     own=self.reader.own_id())
            return self._report(resource, accounts[0], query, now, command)
        lookup = self.reader.find(query.target, accounts, query.regions) if accounts else \
            Lookup(query.target, (), (), query.regions)
        matches = tuple(r for r in lookup.matches if _seen(r, query.account, visible))
        exact = tuple(r for r in matches if r.arn == query.target or r.label.lower() == query.target.lower())
        lookup = replace(lookup, matches=exact if len(exact) == 1 else matches, not_read=lookup.not_read + unread,
                         accounts=self._shown(accounts) or tuple(a for a in (query.account,) if a))
        log.info("resource lookup matches=%d calls=%d", len(lookup.matches), lookup.calls)
        if len(lookup.matches) != 1:
            return render_lookup(lookup, query, sample=self.sample, command=command,
                                 names=self._names(lookup.accounts, (r.account_id for r in lookup.matches)),
                                 own=self.reader.own_id())
        found = lookup.matches[0]
        read_as = found.account_id if found.account_id in self.testing_accounts()[0] else OWN
        return self._report(found, read_as, query, now, command, calls=lookup.calls)

    def _report(self, resource: ProtectedResource, read_as: str, query: ResourceQuery, now: datetime, command: str,
                calls: int = 0) -> Message:
        report = self.reader.report(resource, read_as)
        if report.missing:  # AWS said it is not a protected resource there
            lookup = Lookup(query.target, (), (resource.account_id or read_as,), (resource.region,), (), report.calls)
            return render_lookup(lookup, query, sample=self.sample, command=command, names=self._names(lookup.accounts),
                                 own=self.reader.own_id())
        report = replace(report, calls=report.calls + calls)
        log.info("resource answered jobs=%d calls=%d not_read=%d", len(report.jobs), report.calls, len(report.not_read))
        return render_resource(report, query, now=now, sample=self.sample, command=command,
                               names=self._names((resource.account_id,)), own=self.reader.own_id())

    def history(self, value: HistoryValue, visible: frozenset[str] | None) -> Message:
        """The restore history button: the resource's account is checked against the channel's scope again."""
        accounts, unread = self.accounts(value.account, visible)
        query = ResourceQuery(value.arn, is_arn=True, account=value.account, regions=(value.region,))
        names = self._names((value.account,))
        if not accounts:
            return render_lookup(Lookup(value.arn, (), (value.account,), (value.region,), unread), query,
                                 sample=self.sample, names=names, own=self.reader.own_id())
        report = self.reader.report(ProtectedResource(value.account, value.region, value.arn, ""), accounts[0])
        if report.missing:  # AWS said it is not a protected resource there
            lookup = Lookup(value.arn, (), (value.account,), (value.region,), (), report.calls)
            return render_lookup(lookup, query, sample=self.sample, names=names, own=self.reader.own_id())
        return render_history(report, now=datetime.now(UTC), sample=self.sample, names=names, own=self.reader.own_id())

    # ----------------------------------------------------------------- coverage

    def coverage(self, query: CoverageQuery, visible: frozenset[str] | None, now: datetime | None = None) -> CoverageRead:
        now = now or datetime.now(UTC)
        reach = self.reach(query.account, visible, every=query.every)
        window = (now - timedelta(days=query.days), now)
        read = self.reader.coverage(reach.read, query.regions, window)
        kept = [r for r in read.resources if _seen(r, query.account, visible)
                and (query.resource_type is None or r.resource_type == query.resource_type)]
        unplaced = visible is not None and any(not r.account_id for r in read.resources)
        notes = ("resources in the bot's own account whose ARN names no account (it could not tell its own id)",) \
            if unplaced else ()
        # The accounts asked for, read or not: the headline says which were not.
        return replace(read, resources=tuple(kept), not_read=read.not_read + self._unread_words(reach) + notes,
                       accounts=self._shown((*reach.read, *reach.unread)))

    def answer_coverage(self, query: CoverageQuery, visible: frozenset[str] | None, command: str = COMMAND) -> Message:
        read = self.coverage(query, visible)
        verdict = cover(read)
        log.info("coverage answered resources=%d proven=%d calls=%d elapsed_ms=%d", verdict.total.resources,
                 verdict.total.proven, read.calls, round(read.elapsed * 1000))
        return render_coverage(read, verdict, query, sample=self.sample, command=command,
                               names=self._names(read.accounts, (r.account_id for r in read.resources)),
                               own=self.reader.own_id())


def _seen(resource: ProtectedResource, account: str | None, visible: frozenset[str] | None) -> bool:
    """Whether a resource read may be shown: in the account asked for, and one the channel may see (fails closed: a
    resource whose account is not known is not shown to a scoped channel)."""
    if account is not None and resource.account_id != account:
        return False
    return visible is None or resource.account_id in visible
