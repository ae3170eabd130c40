"""Who may ask, and which AWS accounts a channel may see: the one place allow-lists and scoping are enforced, and
where the organisation's words (`account:<name>`, `ou:<name|id>`, OU ids in the configured scopes) become account ids,
with the organisation directory, before any AWS call. Fails closed: a scope defined by OUs is refused, never widened,
while the directory cannot be read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from bot.config import DEFAULT_SCOPE, Settings
from bot.domain.org_scopes import (
    Directory,
    NoScope,
    OutOfScope,
    ScopeUnavailable,
    Unresolved,
    expand,
    resolve_filter,
    unit_label,
)
from bot.domain.organization import OU_ID_RE
from bot.domain.query import AGGREGATE_ALL, ANY, RestoreFilter
from bot.domain.regions import partitions_of, region_partitions

__all__ = ["Access", "AccessPolicy", "NoScope", "OutOfScope", "ScopeUnavailable", "TestingAccounts", "Unresolved"]

# RESTORES_TESTING_ACCOUNTS as the accounts to read now, and (OU id, why) for each OU not resolved: what
# AccessPolicy.testing_accounts returns, for restore testing and recoverability.
TestingAccounts = Callable[[], tuple[tuple[str, ...], tuple[tuple[str, str], ...]]]


@dataclass(frozen=True)
class Access:
    allowed: bool
    accounts: frozenset[str] | None = None  # None: every account the bot can see
    # Why not allowed: "allow-list" (user or channel not listed), "no-scope" (scoping is configured and this
    # conversation has none), "other-team" (the request comes from another workspace or organisation) or "directory"
    # (the scope is defined by organisational units and the organisation cannot be read now: `detail` says why).
    reason: str = ""
    detail: str = ""
    scope_words: str = ""  # the scope as configured (`ou-… and 111122223333`), for refusals: not 300 ids


class AccessPolicy:
    def __init__(self, settings: Settings, installation_team: Callable[[], str | None] | None = None, *,
                 directory: Directory | None = None) -> None:
        self.settings = settings
        # The workspace the app is installed in (SLACK_TEAM_ID, or auth.test's answer); None while unknown.
        self.installation_team = installation_team or (lambda: settings.slack_team_id or None)
        # The organisation (bot.organization.directory, built by bot.wiring); None: names and OUs are refused.
        self.directory = directory

    def check(self, *, user_id: str, channel_id: str, teams: tuple[str, ...] | None = None) -> Access:
        """The request's workspace, the allow-lists (empty = everyone), then the channel's account scope.

        `teams` are the workspace ids Slack put on the request (the team, and the user's own team: in a Slack
        Connect channel another organisation's user carries theirs). Allow-lists name users and channels of this
        workspace; a request from another one is refused, and so are a request that names no workspace and any request
        while the installation's own workspace is unknown (fail closed). `teams=None`: not a request from Slack (the
        CLI)."""
        settings = self.settings
        if teams is not None:  # None: a local caller (the CLI); every request from Slack passes what it carried
            home = self.installation_team()
            if home is None or not teams or any(team != home for team in teams):
                return Access(allowed=False, reason="other-team")
        allowed = not (settings.allowed_users and user_id not in settings.allowed_users) and not (
            settings.allowed_channels and channel_id not in settings.allowed_channels
        )
        if not allowed:
            return Access(allowed=False, reason="allow-list")
        try:
            return Access(allowed=True, accounts=self.accounts_for(channel_id),
                          scope_words=self._scope_words(self._channel_entries(channel_id)))
        except ScopeUnavailable as error:
            return Access(allowed=False, reason="directory", detail=error.why)
        except NoScope:
            return Access(allowed=False, reason="no-scope")

    def check_home(self, *, user_id: str, teams: tuple[str, ...]) -> Access:
        """The App Home tab (and its buttons): the workspace and the user allow-list as for any request, then the Home's
        own account scope. The tab is not a conversation, so no channel entry applies; an event without a workspace is
        refused (fail closed)."""
        home = self.installation_team()
        if not teams or home is None or any(team != home for team in teams):
            return Access(allowed=False, reason="other-team")
        if self.settings.allowed_users and user_id not in self.settings.allowed_users:
            return Access(allowed=False, reason="allow-list")
        try:
            return Access(allowed=True, accounts=self.home_accounts(), scope_words=self._scope_words(
                self.settings.home_accounts if self.settings.home_accounts != (ANY,) else None))
        except ScopeUnavailable as error:
            return Access(allowed=False, reason="directory", detail=error.why)
        except NoScope:
            return Access(allowed=False, reason="no-scope")

    def home_accounts(self) -> frozenset[str] | None:
        """The accounts the Home tab shows (None: every account). RESTORES_HOME_ACCOUNTS when set. Unset, it fails
        closed wherever the operator restricted the bot: once channels are scoped (RESTORES_CHANNEL_ACCOUNTS), or once
        only channels are allow-listed (RESTORES_ALLOWED_CHANNELS without RESTORES_ALLOWED_USERS: nobody said who may
        see numbers outside those channels). The `*` default is a conversation's scope, not the Home tab's."""
        settings = self.settings
        if settings.home_accounts == (ANY,):
            return None
        if settings.home_accounts:
            return expand(settings.home_accounts, self.directory, "RESTORES_HOME_ACCOUNTS")
        if settings.channel_accounts or (settings.allowed_channels and not settings.allowed_users):
            raise NoScope("home")
        return None

    def accounts_for(self, channel_id: str) -> frozenset[str] | None:
        """The accounts a conversation may see (None: every account). Fails closed: once any scope is configured,
        a conversation that is not listed (a DM, a new channel) gets the `*` default or nothing at all."""
        entries = self._channel_entries(channel_id)
        return None if entries is None else expand(entries, self.directory, "RESTORES_CHANNEL_ACCOUNTS")

    def _channel_entries(self, channel_id: str) -> frozenset[str] | None:
        """The channel's scope as configured: account and OU ids (None: every account)."""
        mapping = self.settings.channel_accounts
        if not mapping:
            return None
        if channel_id in mapping:
            return mapping[channel_id]
        if DEFAULT_SCOPE in mapping:
            return mapping[DEFAULT_SCOPE]
        raise NoScope(channel_id)

    def resolve_each(self, entries: Iterable[str], variable: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """`entries` (account ids and OU ids) as account ids, OU by OU: each OU's active accounts as the directory
        lists them now, and (OU id, why) for each OU whose accounts cannot be known now. One OU the directory cannot
        say leaves out its own accounts only: the ids and the other OUs are still resolved."""
        entries = tuple(entries)
        ids = {e for e in entries if not OU_ID_RE.match(e)}
        unread: list[tuple[str, str]] = []
        for unit in sorted(e for e in entries if OU_ID_RE.match(e)):
            try:
                ids |= expand((unit,), self.directory, variable, active_only=True)
            except ScopeUnavailable as error:
                unread.append((unit, error.why))
        return tuple(sorted(ids)), tuple(unread)

    def testing_accounts(self) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """RESTORES_TESTING_ACCOUNTS as account ids to read, and (OU id, why) for each OU whose accounts cannot be known
        now: named as not read, never silently left out."""
        return self.resolve_each(self.settings.testing_accounts, "RESTORES_TESTING_ACCOUNTS")

    def _scope_words(self, entries: Iterable[str] | None) -> str:
        """The scope in words when it names OUs (`the accounts of OU Production (ou-…) and account 1111…`); "" when it
        names accounts only (the refusals list them)."""
        ids = sorted(entries or ())
        units = [unit_label(self.directory, e) for e in ids if OU_ID_RE.match(e)]
        if not units:
            return ""
        accounts = [e for e in ids if not OU_ID_RE.match(e)]
        words = [f"the accounts of {', '.join(units)}"]
        if accounts:
            words.append(f"account{'s' * (len(accounts) > 1)} {', '.join(accounts[:10])}"
                         + (f" and {len(accounts) - 10} more" if len(accounts) > 10 else ""))
        return " and ".join(words)

    def scope(self, flt: RestoreFilter, access: Access) -> RestoreFilter:
        """The filter as this channel may run it; raise OutOfScope for accounts it may not see, or for regions
        outside the partition(s) of the configured regions (a button value names its own regions)."""
        allowed = partitions_of(self.settings.regions)
        foreign = [r for r in flt.regions if region_partitions().get(r, "aws") not in allowed]
        if foreign:
            raise OutOfScope(
                f"Region {', '.join(foreign)} is outside the AWS partition this bot answers for "
                f"({', '.join(sorted(allowed))})."
            )
        flt = resolve_filter(replace(flt, visible_accounts=None), self.directory)  # names and OUs: before any AWS call
        accounts = access.accounts
        if flt.unit is not None and flt.visible_accounts is not None:
            # `ou:`: one AccountId=ANY chain, the OU's rows kept where they enter the bot; never wider than the channel.
            outside = flt.visible_accounts - accounts if accounts is not None else frozenset()
            if outside:
                listed = access.scope_words or "accounts " + ", ".join(sorted(accounts or ()))
                raise OutOfScope(f"This channel only sees {listed}; "
                                 f"{unit_label(self.directory, flt.unit)} also holds {len(outside)} account(s) it may "
                                 f"not see ({', '.join(sorted(outside)[:5])}{', …' * (len(outside) > 5)}).")
            return flt
        if accounts is None:
            return flt
        listed = access.scope_words or "accounts " + ", ".join(sorted(accounts))
        if flt.account == AGGREGATE_ALL:
            raise OutOfScope(
                f"This channel only sees {listed}, so a sum over every account is not available here. "
                "Use `account:ANY` (one row per visible account) or name one of them."
            )
        if flt.account not in (None, ANY) and flt.account not in accounts:
            raise OutOfScope(f"This channel only sees {listed}; account {flt.account} is not one of them.")
        if flt.account in (None, ANY):
            # One visible account: ask for it directly. Several: ask for every account, keep only these.
            account = next(iter(accounts)) if len(accounts) == 1 else ANY
            return replace(flt, account=account, visible_accounts=accounts)
        return replace(flt, visible_accounts=accounts)
