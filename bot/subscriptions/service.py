"""`/restores subscribe|unsubscribe|subscriptions`: the rules (admins, DMs, the channel's account scope, whether the
bot can post there), then the SubscriptionStore; Slack-agnostic, like RestoresService that calls it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.answers.grammar import ParsedCommand
from bot.answers.notices import render_out_of_scope
from bot.config import Settings
from bot.domain.access import Access
from bot.domain.query import COMMAND
from bot.domain.subscriptions import ChannelCheck, ChannelProblem, DigestSubscription
from bot.slack.blocks import Message
from bot.store.subscriptions import SubscriptionStore
from bot.subscriptions.grammar import AlertsSubscribe, DigestSubscribe, Feed, Unsubscribe
from bot.subscriptions.render import (
    render_channel_problem,
    render_direct_message,
    render_no_channel,
    render_not_admin,
    render_subscribed_alerts,
    render_subscribed_digest,
    render_subscriptions,
    render_unsubscribed,
    static_digest,
)

log = logging.getLogger(__name__)


class SubscriptionCommands:
    def __init__(self, settings: Settings, store: Callable[[], SubscriptionStore]) -> None:
        """`store` gives the table, opened on first use (bot.wiring): `ask` and the answers that do not subscribe
        never touch the database."""
        self.settings = settings
        self.store = store

    def answer(
        self,
        parsed: ParsedCommand,
        access: Access,
        *,
        user_id: str,
        channel_id: str,
        channel_check: ChannelCheck | None,
        command: str = COMMAND,
        now: datetime | None = None,
    ) -> Message:
        """Allow-lists and the workspace were checked by the caller (`access`); the rest is checked here, in the
        order a user can act on: where, who, what, then whether Slack lets the bot post there."""
        now = now or datetime.now(UTC)
        if not channel_id:
            return render_no_channel(command)
        if channel_id.startswith("D"):
            return render_direct_message(command)
        settings = self.settings
        if parsed.kind == "subscriptions":
            return render_subscriptions(self.store().of_channel(channel_id, settings), access.accounts, now, command)
        if settings.admin_users and user_id not in settings.admin_users:
            log.info("subscription change refused: not an admin", extra={"user": user_id, "channel": channel_id})
            return render_not_admin(command)
        request = parsed.subscription
        if isinstance(request, Unsubscribe):
            removed = self.store().unsubscribe(channel_id, request.feed.value)
            static = channel_id in (settings.digest_channels if request.feed is Feed.DIGEST else settings.alert_channels)
            log.info("unsubscribed %s", request.feed.value,
                     extra={"user": user_id, "channel": channel_id, "removed": removed})
            return render_unsubscribed(request.feed, removed, static, user_id, command)
        scope = access.accounts
        if isinstance(request, AlertsSubscribe) and request.account and scope is not None and request.account not in scope:
            return render_out_of_scope(
                f"This channel only sees accounts {', '.join(sorted(scope))}; account {request.account} is not one of "
                "them, so it cannot get alerts about it."
            )
        if channel_check is not None:
            problem = channel_check(channel_id)
            if problem is ChannelProblem.SHARED and settings.allow_shared_channels:
                problem = None  # the operator allows Slack Connect channels (RESTORES_ALLOW_SHARED_CHANNELS)
            if problem is not None:
                log.info("subscription refused: %s", problem.value, extra={"user": user_id, "channel": channel_id})
                return render_channel_problem(problem, command)
        if isinstance(request, DigestSubscribe):
            hour, minute = request.time or (settings.digest_hour, settings.digest_minute)
            tz = request.tz or settings.digest_tz
            self.store().subscribe_digest(channel_id, hour, minute, tz, user_id)
            log.info("subscribed digest at %02d:%02d %s", hour, minute, tz, extra={"user": user_id, "channel": channel_id})
            subscription = DigestSubscription(channel_id, hour, minute, tz, static=False)
            configured = static_digest(
                DigestSubscription(c, settings.digest_hour, settings.digest_minute, settings.digest_tz, True)
                for c in settings.digest_channels if c == channel_id
            )
            return render_subscribed_digest(subscription, user_id, now, configured, command)
        assert isinstance(request, AlertsSubscribe)
        states = tuple(state.value for state in request.states)
        self.store().subscribe_alerts(channel_id, request.resource_type, request.account, states, user_id)
        log.info("subscribed alerts type=%s account=%s states=%s", request.resource_type, request.account,
                 ",".join(states), extra={"user": user_id, "channel": channel_id})
        return render_subscribed_alerts(request, user_id, access.accounts, channel_id in settings.alert_channels, command)
