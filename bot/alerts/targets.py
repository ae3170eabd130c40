"""Who gets which alerts: the channels (RESTORES_ALERT_CHANNELS and subscriptions), each within its account scope."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import Settings
from bot.domain.access import AccessPolicy, NoScope
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import ALERT_STATES
from bot.domain.results import RestoreJobRow

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class AlertTarget:
    """A channel that wants alerts, optionally only of one resource type, one account or one of the states. The same
    fields as bot.store.subscriptions.AlertSubscription, so stored subscriptions and the environment's channels mix."""

    channel: str
    resource_type: str | None = None
    account: str | None = None
    states: tuple[str, ...] = ALERT_STATES
    static: bool = True  # from the environment (a subscription command cannot remove it)

    @property
    def named_account(self) -> str | None:
        """The one account asked for; ANY (or nothing) means every account the channel sees."""
        return self.account if self.account and ACCOUNT_ID_RE.match(self.account) else None


def static_targets(settings: Settings) -> list[AlertTarget]:
    return [AlertTarget(channel) for channel in settings.alert_channels]


@dataclass(frozen=True)
class ScopedTarget:
    target: AlertTarget
    scope: frozenset[str] | None  # the accounts the channel may see; None: every account

    def wants(self, job: RestoreJobRow) -> bool:
        target = self.target
        if job.status not in target.states:
            return False
        if self.scope is not None and job.account_id not in self.scope:
            return False
        if target.named_account and job.account_id != target.named_account:
            return False
        return not (target.resource_type and job.resource_type.lower() != target.resource_type.lower())


def scoped(targets: list[AlertTarget], policy: AccessPolicy) -> tuple[list[ScopedTarget], dict[str, str]]:
    """Each target with its channel's account scope; a channel left without one while scoping is configured gets
    nothing (fail closed), and so does a target naming an account its channel may not see. Returns the refusals
    per channel too, for the poll's outcome."""
    kept: list[ScopedTarget] = []
    refused: dict[str, str] = {}
    for target in targets:
        try:
            scope = policy.accounts_for(target.channel)
        except NoScope:
            log.error("alerts: channel=%s has no account scope in RESTORES_CHANNEL_ACCOUNTS; it gets no alerts",
                      target.channel)
            refused[target.channel] = "no account scope: add it to RESTORES_CHANNEL_ACCOUNTS"
            continue
        if target.named_account and scope is not None and target.named_account not in scope:
            log.error("alerts: channel=%s asks for account %s outside its scope; that subscription gets nothing",
                      target.channel, target.account)
            refused[target.channel] = f"account {target.account} is outside the channel's scope"
            continue
        kept.append(ScopedTarget(target, scope))
    return kept, refused


def accounts_to_poll(settings: Settings, targets: list[ScopedTarget]) -> tuple[str, ...]:
    """The bot's own account ("": no ByAccountId), RESTORES_ALERT_ACCOUNTS, every scoped channel's accounts and every
    account a subscription names. ListRestoreJobs takes one account a call and no ANY: alerting on a whole
    organisation needs its accounts listed."""
    accounts = {"", *settings.alert_accounts}
    for item in targets:
        accounts.update(item.scope or ())
        if item.target.named_account:
            accounts.add(item.target.named_account)
    return tuple(sorted(accounts))
