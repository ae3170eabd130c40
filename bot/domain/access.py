"""Who may ask, and which AWS accounts a channel may see: the one place allow-lists and scoping are enforced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.config import DEFAULT_SCOPE, Settings
from bot.domain.query import AGGREGATE_ALL, ANY, RestoreFilter
from bot.domain.regions import partitions_of, region_partitions


class OutOfScope(ValueError):
    """The request names accounts this channel may not see; the message is written for the Slack user."""


@dataclass(frozen=True)
class Access:
    allowed: bool
    accounts: frozenset[str] | None = None  # None: every account the bot can see
    # Why not allowed: "allow-list" (user or channel not listed), "no-scope" (scoping is configured and this
    # conversation has none) or "other-team" (the request comes from another workspace or organisation).
    reason: str = ""


class NoScope(LookupError):
    """Account scoping is configured and this conversation is neither listed nor covered by a `*` default."""


class AccessPolicy:
    def __init__(self, settings: Settings, installation_team: Callable[[], str | None] | None = None) -> None:
        self.settings = settings
        # The workspace the app is installed in (SLACK_TEAM_ID, or auth.test's answer); None while unknown.
        self.installation_team = installation_team or (lambda: settings.slack_team_id or None)

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
            return Access(allowed=True, accounts=self.accounts_for(channel_id))
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
            return Access(allowed=True, accounts=self.home_accounts())
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
            return frozenset(settings.home_accounts)
        if settings.channel_accounts or (settings.allowed_channels and not settings.allowed_users):
            raise NoScope("home")
        return None

    def accounts_for(self, channel_id: str) -> frozenset[str] | None:
        """The accounts a conversation may see (None: every account). Fails closed: once any scope is configured,
        a conversation that is not listed (a DM, a new channel) gets the `*` default or nothing at all."""
        mapping = self.settings.channel_accounts
        if not mapping:
            return None
        if channel_id in mapping:
            return mapping[channel_id]
        if DEFAULT_SCOPE in mapping:
            return mapping[DEFAULT_SCOPE]
        raise NoScope(channel_id)

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
        accounts = access.accounts
        if accounts is None:
            return replace(flt, visible_accounts=None)
        listed = ", ".join(sorted(accounts))
        if flt.account == AGGREGATE_ALL:
            raise OutOfScope(
                f"This channel only sees accounts {listed}, so a sum over every account is not available here. "
                "Use `account:ANY` (one row per visible account) or name one of them."
            )
        if flt.account not in (None, ANY) and flt.account not in accounts:
            raise OutOfScope(f"This channel only sees accounts {listed}; account {flt.account} is not one of them.")
        if flt.account in (None, ANY):
            # One visible account: ask for it directly. Several: ask for every account, keep only these.
            account = next(iter(accounts)) if len(accounts) == 1 else ANY
            return replace(flt, account=account, visible_accounts=accounts)
        return replace(flt, visible_accounts=accounts)
