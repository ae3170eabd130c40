"""Who gets which alerts: the channels (RESTORES_ALERT_CHANNELS and subscriptions), each within its account scope."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings
from bot.domain.access import AccessPolicy, NoScope, ScopeUnavailable
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import ALERT_STATES
from bot.domain.results import RestoreJobRow

log = logging.getLogger(__name__)

# The organisation's active accounts as its directory lists them (suspended and closed ones left out), or None when
# the directory cannot be read (a member account, no organizations: rights): alerts then cover what they did before.
ActiveAccounts = Callable[[], frozenset[str] | None]


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
        except ScopeUnavailable as error:  # an OU scope the directory cannot say now: refused, never widened
            log.error("alerts: channel=%s gets no alerts now: %s", target.channel, error.why)
            refused[target.channel] = error.why
            continue
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


def listed_accounts(settings: Settings, policy: AccessPolicy) -> frozenset[str]:
    """RESTORES_ALERT_ACCOUNTS as account ids: each OU named there as its active accounts, nested OUs included, as the
    directory lists them now (an account moved in is polled from the next read on). An OU the directory cannot say is
    left out and logged, never widened to every account; the ids and the other OUs listed beside it are still polled."""
    ids, unread = policy.resolve_each(settings.alert_accounts, "RESTORES_ALERT_ACCOUNTS")
    for _unit, why in unread:
        log.error("alerts: %s; those accounts are not polled", why)
    return frozenset(ids)


def accounts_to_poll(
    settings: Settings, targets: list[ScopedTarget], active: frozenset[str] | None = None,
    listed: frozenset[str] | None = None,
) -> tuple[str, ...]:
    """The accounts a poll lists, ListRestoreJobs taking one account a call and no ANY: RESTORES_ALERT_ACCOUNTS, or
    without it every active account of the organisation (`active`), plus every scoped channel's accounts and every
    account a subscription names. The bot's own account is "" (no ByAccountId) unless the directory lists it. An
    account the readable directory does not list as active (suspended, closed, not a member) is never asked."""
    whole_organisation = not settings.alert_accounts and bool(active)
    # `listed`: RESTORES_ALERT_ACCOUNTS with its OUs resolved (listed_accounts); without it, its account ids alone.
    listed = listed if listed is not None else frozenset(a for a in settings.alert_accounts if ACCOUNT_ID_RE.match(a))
    accounts = set(active or ()) if whole_organisation else set(listed)
    for item in targets:
        accounts.update(item.scope or ())
        if item.target.named_account:
            accounts.add(item.target.named_account)
    if active:
        left_out = accounts - active
        if left_out:
            log.info("alerts: not polling %d account(s) the organisation does not list as active: %s",
                     len(left_out), ", ".join(sorted(left_out)))
        accounts &= active
    # The whole organisation includes the bot's own account (a member) by its id: not asked twice.
    return tuple(sorted(accounts if whole_organisation else {"", *accounts}))
