"""What a channel is subscribed to (the daily digest, alerts) and why a conversation cannot take a subscription: the
words and types shared by the subscriptions table (bot.store.subscriptions), the feature (bot.subscriptions) and the
digest's and alerts' schedules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.query import ALERT_STATES

__all__ = [
    "ALERTS", "ALERT_STATES", "DIGEST", "GONE_AFTER", "GONE_ERRORS", "KINDS", "AlertSubscription", "ChannelCheck",
    "ChannelProblem", "ChannelSubscriptions", "DigestSubscription", "Subscriber",
]

DIGEST = "digest"
ALERTS = "alerts"
KINDS = (DIGEST, ALERTS)
# What Slack answers when a channel is no longer there for the bot: deleted, archived, or the bot was removed.
GONE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
# Consecutive "gone" outcomes after which a subscription made from Slack is dropped. A static channel is only logged.
GONE_AFTER = 3


@dataclass(frozen=True)
class DigestSubscription:
    """A channel's daily digest at hour:minute in zone `tz`; static: from RESTORES_DIGEST_CHANNELS (not removable
    from Slack)."""

    channel: str
    hour: int
    minute: int
    tz: str
    static: bool


@dataclass(frozen=True)
class AlertSubscription:
    """A channel's alerts. resource_type / account None: every type / every account the channel's scope lets it see
    (bot.domain.access applies the scope when alerts are delivered). states ⊆ ALERT_STATES. static: from
    RESTORES_ALERT_CHANNELS."""

    channel: str
    resource_type: str | None
    account: str | None
    states: tuple[str, ...]
    static: bool


@dataclass(frozen=True)
class Subscriber:
    """Who made a stored subscription, and when (the last time it was set)."""

    user: str
    since: datetime


@dataclass(frozen=True)
class ChannelSubscriptions:
    """Everything one channel gets, static entries included."""

    channel: str
    digest: tuple[DigestSubscription, ...]
    alerts: tuple[AlertSubscription, ...]
    subscribers: dict[str, Subscriber]  # kind -> who set the stored one


class ChannelProblem(StrEnum):
    """Why the bot cannot take a subscription for a conversation, as Slack tells it (bot.slack.channels asks)."""

    NOT_VISIBLE = "not-visible"  # channel_not_found: a private channel the bot is not in (or no such channel)
    NOT_MEMBER = "not-member"  # a private channel the bot can see but is not a member of
    ARCHIVED = "archived"
    DIRECT = "direct"  # a DM or group DM
    MISSING_SCOPE = "missing-scope"  # the app was installed without channels:read / groups:read
    SHARED = "shared"  # Slack Connect (or pending): people of other organisations read it; the operator decides
    UNCHECKED = "unchecked"  # Slack could not answer (down, rate-limited): refused rather than guessed


# Given a channel id: None when the bot can post there, else why not. Built by the composition root from the bot's
# Slack client; there is none in the CLI.
ChannelCheck = Callable[[str], ChannelProblem | None]


