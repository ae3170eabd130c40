"""What users type to subscribe a channel: `subscribe digest|alerts …`, `unsubscribe digest|alerts`, `subscriptions`."""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from bot.domain.query import (
    ACCOUNT_RE,
    AGGREGATE_ALL,
    ALERT_STATES,
    ANY,
    TYPE_ALIASES,
    Once,
    ParseError,
    State,
    parse_account,
    parse_resource_type,
    shorten,
    squash,
)
from bot.domain.tokens import suggest


class Feed(StrEnum):
    """What a channel can subscribe to from Slack."""

    DIGEST = "digest"
    ALERTS = "alerts"


@dataclass(frozen=True)
class DigestSubscribe:
    """`subscribe digest [HH:MM] [zone]`; None: the configured RESTORES_DIGEST_TIME / RESTORES_DIGEST_TZ."""

    time: tuple[int, int] | None = None
    tz: str | None = None


@dataclass(frozen=True)
class AlertsSubscribe:
    """`subscribe alerts [type:…] [account:…] [state:failed|aborted|both]`; None: every type / every account the
    channel may see."""

    resource_type: str | None = None
    account: str | None = None
    states: tuple[State, ...] = ALERT_STATES


@dataclass(frozen=True)
class Unsubscribe:
    feed: Feed


Subscription = DigestSubscribe | AlertsSubscribe | Unsubscribe


SUBSCRIPTION_VERBS = ("subscribe", "unsubscribe", "subscriptions")
SUBSCRIBE_ACCEPTED = (
    "`subscribe digest [HH:MM] [time zone]` (e.g. `subscribe digest 07:30 Europe/Berlin`), "
    "`subscribe alerts [type:EBS] [account:123456789012] [state:failed|aborted|both]`, "
    "`unsubscribe digest|alerts`, `subscriptions`"
)
TIME_OF_DAY_RE = re.compile(r"\A([01]?[0-9]|2[0-3]):([0-5][0-9])\Z")
TIME_ACCEPTED = "a 24-hour time `HH:MM`, e.g. `07:30` or `18:00`"
ZONE_ACCEPTED = "an IANA time zone name, e.g. `UTC`, `Europe/Berlin`, `America/New_York`"
ALERT_STATE_WORDS: dict[str, tuple[State, ...]] = {
    "failed": (State.FAILED,), "aborted": (State.ABORTED,), "both": ALERT_STATES
}
ALERTS_ACCEPTED = "`type:EBS` (or `ebs`, `rds`, ...), `account:123456789012`, `state:failed|aborted|both`"


SubscriptionKind = Literal["subscribe", "unsubscribe", "subscriptions"]


def parse_subscription(tokens: list[str]) -> tuple[SubscriptionKind, Subscription | None]:
    """`subscribe digest|alerts …`, `unsubscribe digest|alerts`, `subscriptions`: the verb comes first, then what
    it is about; these do not mix with the query words."""
    verb = tokens[0].lower()
    if verb not in SUBSCRIPTION_VERBS:
        misplaced = next(token for token in tokens if token.lower() in SUBSCRIPTION_VERBS)
        raise ParseError(misplaced, "must come first, and does not mix with query words", SUBSCRIBE_ACCEPTED)
    rest = tokens[1:]
    if verb == "subscriptions":
        if rest:
            raise ParseError(rest[0], "does not go with `subscriptions` (it lists what this channel gets)",
                             SUBSCRIBE_ACCEPTED)
        return "subscriptions", None
    to = "to" if verb == "subscribe" else "from"
    if not rest:
        raise ParseError(verb, f"needs what to {verb} {to}: `digest` or `alerts`", SUBSCRIBE_ACCEPTED)
    feed = Feed.__members__.get(rest[0].upper())
    if feed is None:
        raise ParseError(rest[0], f"is not something to {verb} {to} (accepted: `digest`, `alerts`)",
                         SUBSCRIBE_ACCEPTED, suggest(rest[0], [f.value for f in Feed]))
    if verb == "unsubscribe":
        if rest[1:]:
            raise ParseError(rest[1], f"does not go with `unsubscribe {feed.value}`", SUBSCRIBE_ACCEPTED)
        return "unsubscribe", Unsubscribe(feed)
    if feed is Feed.DIGEST:
        return "subscribe", _parse_digest_subscribe(rest[1:])
    return "subscribe", _parse_alerts_subscribe(rest[1:])


def _parse_digest_subscribe(tokens: list[str]) -> DigestSubscribe:
    at: tuple[int, int] | None = None
    tz: str | None = None
    for token in tokens:
        if token[:1].isdigit():
            if at is not None:
                raise ParseError(token, "is a second time: give one", TIME_ACCEPTED)
            at = parse_time_of_day(token)
        else:
            if tz is not None:
                raise ParseError(token, "is a second time zone: give one", ZONE_ACCEPTED)
            tz = parse_time_zone(token)
    return DigestSubscribe(at, tz)


def parse_time_of_day(token: str) -> tuple[int, int]:
    match = TIME_OF_DAY_RE.match(token)
    if not match:
        digits = re.sub(r"[^0-9]", "", token)
        hint = f"{digits[:-2].zfill(2)}:{digits[-2:]}" if len(digits) in (3, 4) else None
        if hint and not TIME_OF_DAY_RE.match(hint):
            hint = None
        raise ParseError(token, "is not a time of day", TIME_ACCEPTED, hint)
    return int(match.group(1)), int(match.group(2))


@functools.cache
def _zones() -> dict[str, str]:
    """IANA zone names by their lower-case form (the bundled tzdata package guarantees the list)."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_time_zone(token: str) -> str:
    """The canonical IANA name; only names from the zone database are accepted (never a path handed to ZoneInfo)."""
    name = _zones().get(token.lower())
    if name is None:
        raise ParseError(token, "is not an IANA time zone", ZONE_ACCEPTED, suggest(token, sorted(_zones().values())))
    return name


def _parse_alerts_subscribe(tokens: list[str]) -> AlertsSubscribe:
    resource_type: str | None = None
    account: str | None = None
    states: tuple[State, ...] = ALERT_STATES
    once = Once(ALERTS_ACCEPTED)

    for token in tokens:
        key, sep, value = token.partition(":")
        key, lowered = key.lower(), token.lower()
        if sep and not value:
            raise ParseError(token, f"has no value after `{shorten(key, 20)}:`", ALERTS_ACCEPTED)
        if (key == "type" and sep) or (not sep and squash(token) in TYPE_ALIASES and lowered not in ALERT_STATE_WORDS):
            once("type", token)
            name = parse_resource_type(value if sep else token, token)
            if name == AGGREGATE_ALL:
                raise ParseError(token, "sums types, but an alert is about one job", ALERTS_ACCEPTED)
            resource_type = None if name == ANY else name
        elif (key == "account" and sep) or ACCOUNT_RE.match(token):
            once("account", token)
            parsed = parse_account(value if sep else token, token)
            if parsed == AGGREGATE_ALL:
                raise ParseError(token, "sums accounts, but an alert is about one job", ALERTS_ACCEPTED)
            account = None if parsed == ANY else parsed
        elif (key == "state" and sep) or lowered in ALERT_STATE_WORDS:
            once("state", token)
            word = value.lower() if sep else lowered
            if word not in ALERT_STATE_WORDS:
                raise ParseError(token, "is not a state alerts are sent for",
                                 "`state:failed`, `state:aborted` or `state:both`", suggest(word, list(ALERT_STATE_WORDS)))
            states = ALERT_STATE_WORDS[word]
        else:
            raise ParseError(token, "does not apply to alerts", ALERTS_ACCEPTED,
                             suggest(token, [*ALERT_STATE_WORDS, "type:", "account:", "state:"]))
    return AlertsSubscribe(resource_type=resource_type, account=account, states=states)
