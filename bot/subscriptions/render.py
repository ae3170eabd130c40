"""What the subscription commands answer: subscribed, unsubscribed, what a channel gets and when, and refusals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.digest.due import next_fire
from bot.domain.ids import USER_RE
from bot.domain.query import COMMAND
from bot.slack.blocks import MAX_FALLBACK_TEXT, Message, clip, context, escape, section
from bot.subscriptions.grammar import AlertsSubscribe, Feed

if TYPE_CHECKING:
    from bot.domain.subscriptions import AlertSubscription, ChannelProblem, ChannelSubscriptions, DigestSubscription

# The environment variable that makes each feed part of the static base, which commands cannot remove.
STATIC_VARIABLE = {Feed.DIGEST: "RESTORES_DIGEST_CHANNELS", Feed.ALERTS: "RESTORES_ALERT_CHANNELS"}
FEED_NAME = {Feed.DIGEST: "the daily restore digest", Feed.ALERTS: "restore alerts"}


def _who(user: str) -> str:
    return f"<@{user}>" if USER_RE.match(user) else escape(user or "someone")


def _plain(text: str, *, in_channel: bool = False) -> Message:
    return Message(text=clip(text, MAX_FALLBACK_TEXT), blocks=(section(text),),
                   response_type="in_channel" if in_channel else "ephemeral")


def digest_time(hour: int, minute: int, tz: str) -> str:
    return f"{hour:02d}:{minute:02d} {escape(tz)}"


def next_digest(subscription: DigestSubscription, now: datetime) -> str:
    at = next_fire(subscription.hour, subscription.minute, subscription.tz, now)
    return f"{at:%a %d %b %H:%M} {escape(at.tzname() or subscription.tz)}"


def _accounts(accounts: Iterable[str]) -> str:
    return ", ".join(sorted(accounts))


def alert_filter(resource_type: str | None, account: str | None, states: Iterable[str],
                 scope: frozenset[str] | None) -> str:
    """An alert subscription in words: which states, types and accounts."""
    named = [str(s) for s in states]
    what = " and ".join(named) + " restores"
    types = f"resource type {escape(resource_type)}" if resource_type else "every resource type"
    if account:
        where = f"account {escape(account)}"
    elif scope is not None:
        where = f"every account this channel sees ({_accounts(scope)})"
    else:
        where = "every account the bot reads"
    return f"{what} · {types} · {where}"


def render_subscribed_digest(subscription: DigestSubscription, user: str, now: datetime,
                             static: DigestSubscription | None, command: str = COMMAND) -> Message:
    at = digest_time(subscription.hour, subscription.minute, subscription.tz)
    text = (
        f":bell: {_who(user)} subscribed this channel to the daily restore digest at *{at}* "
        f"(next: {next_digest(subscription, now)}). `{command} unsubscribe digest` stops it; "
        f"`{command} subscriptions` shows what this channel gets."
    )
    if static is not None:
        text += (
            f"\nThis channel also gets it at {digest_time(static.hour, static.minute, static.tz)} from the bot's "
            f"configuration (`{STATIC_VARIABLE[Feed.DIGEST]}`), which cannot be removed from Slack; each day's digest "
            "is posted once, at whichever time comes first."
        )
    return _plain(text, in_channel=True)


def render_subscribed_alerts(subscription: AlertsSubscribe, user: str, scope: frozenset[str] | None, static: bool,
                             command: str = COMMAND) -> Message:
    described = alert_filter(subscription.resource_type, subscription.account, subscription.states, scope)
    text = (
        f":bell: {_who(user)} subscribed this channel to restore alerts: {described}, posted within "
        f"minutes of a job ending. `{command} unsubscribe alerts` stops them; `{command} subscriptions` shows what "
        "this channel gets."
    )
    if static:
        text += (
            f"\nThis channel also gets every alert from the bot's configuration (`{STATIC_VARIABLE[Feed.ALERTS]}`), "
            "which cannot be removed from Slack."
        )
    return _plain(text, in_channel=True)


def render_unsubscribed(feed: Feed, removed: bool, static: bool, user: str, command: str = COMMAND) -> Message:
    name = FEED_NAME[feed]
    still = (
        f"It still gets {name} from the bot's configuration (`{STATIC_VARIABLE[feed]}`), which cannot be removed "
        "from Slack: ask the bot's admins."
    )
    if removed:
        text = f":no_bell: {_who(user)} unsubscribed this channel from {name}."
        return _plain(text + ("\n" + still if static else ""), in_channel=True)
    if static:
        return _plain(f":information_source: This channel has no subscription to {name} made from Slack. " + still)
    return _plain(
        f":information_source: This channel is not subscribed to {name}; nothing changed. "
        f"`{command} subscriptions` shows what it gets."
    )


def render_subscriptions(subscriptions: ChannelSubscriptions, scope: frozenset[str] | None, now: datetime,
                         command: str = COMMAND) -> Message:
    """What the channel gets and when, static entries marked as not removable from Slack."""
    lines: list[str] = []
    for digest in subscriptions.digest:
        lines.append(
            f"• *Daily restore digest* at {digest_time(digest.hour, digest.minute, digest.tz)} — next "
            f"{next_digest(digest, now)} · {_origin(subscriptions, Feed.DIGEST, digest.static, command)}"
        )
    for alert in subscriptions.alerts:
        lines.append(
            f"• *Restore alerts* for {alert_filter(alert.resource_type, alert.account, alert.states, scope)}, within "
            f"minutes of a job ending · {_origin(subscriptions, Feed.ALERTS, alert.static, command)}"
        )
    if not lines:
        text = (
            ":information_source: This channel gets no digest and no alerts yet. "
            f"`{command} subscribe digest [HH:MM] [time zone]` or `{command} subscribe alerts [type:…] [account:…] "
            "[state:failed|aborted|both]` changes that."
        )
        return _plain(text)
    if len(subscriptions.digest) > 1:
        lines.append("_Each day's digest is posted once, at whichever of these times comes first._")
    seen = f"accounts {_accounts(scope)}" if scope is not None else "every account the bot reads"
    text = "*What this channel gets*\n" + "\n".join(lines)
    return Message(
        text=clip(text, MAX_FALLBACK_TEXT),
        blocks=(section(text), context(f"This channel sees {seen}.")),
    )


def _origin(subscriptions: ChannelSubscriptions, feed: Feed, static: bool, command: str) -> str:
    if static:
        return f"from the bot's configuration (`{STATIC_VARIABLE[feed]}`), cannot be removed from Slack"
    subscriber = subscriptions.subscribers.get(feed.value)
    by = f"subscribed by {_who(subscriber.user)} on {subscriber.since:%d %b %Y}" if subscriber else "subscribed"
    return f"{by} · `{command} unsubscribe {feed.value}`"


def render_no_channel(command: str = COMMAND) -> Message:
    return _plain(
        ":information_source: Subscriptions belong to a Slack channel: run "
        f"`{command} subscribe digest` or `{command} subscribe alerts` in the channel that should get them."
    )


def render_direct_message(command: str = COMMAND) -> Message:
    return _plain(
        ":no_entry: A direct message cannot subscribe to the digest or alerts. Run "
        f"`{command} subscribe digest` or `{command} subscribe alerts` in a channel (for a private one, "
        "`/invite @restores` there first)."
    )


def render_not_admin(command: str = COMMAND) -> Message:
    return _plain(
        ":lock: Only the bot's admins (`RESTORES_ADMIN_USERS`) may change this channel's subscriptions. "
        f"`{command} subscriptions` shows what it gets."
    )


def render_channel_problem(problem: ChannelProblem, command: str = COMMAND) -> Message:
    """Why a subscription was not taken, as Slack told it; nothing was stored."""
    if problem in ("not-visible", "not-member"):
        text = (
            ":lock: I cannot post in this channel: it is private and I am not a member. "
            "Invite @restores first (`/invite @restores`), then subscribe again."
        )
    elif problem == "archived":
        text = ":no_entry: This channel is archived, so it cannot get the digest or alerts; nothing was subscribed."
    elif problem == "direct":
        return render_direct_message(command)
    elif problem == "shared":
        text = (
            ":lock: This channel is shared with another organisation (Slack Connect), so nothing was subscribed: the "
            "digest and alerts name your AWS accounts and their failed restores, and people of other companies read "
            "this channel. The bot's admins can allow shared channels with `RESTORES_ALLOW_SHARED_CHANNELS=true`."
        )
    elif problem == "missing-scope":
        text = (
            ":warning: I may not look this channel up, so nothing was subscribed: the app needs reinstalling with the "
            "scopes in manifest.yml (`channels:read`, `groups:read`). Ask the bot's admins."
        )
    else:
        text = (
            ":warning: Slack could not tell me whether I can post in this channel, so nothing was subscribed. "
            "Try again in a minute."
        )
    return _plain(text)


def static_digest(subscriptions: Iterable[DigestSubscription]) -> DigestSubscription | None:
    return next((s for s in subscriptions if s.static), None)


def static_alerts(subscriptions: Iterable[AlertSubscription]) -> bool:
    return any(s.static for s in subscriptions)
