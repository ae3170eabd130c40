"""When each channel's digest is due: its own time of day in its own zone (DST included), as the clock's tick asks."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from bot.domain.subscriptions import DigestSubscription

log = logging.getLogger(__name__)


def last_fire(hour: int, minute: int, tz: str, now: datetime) -> datetime:
    """The most recent hour:minute in zone `tz` at or before `now`. A time skipped by a DST change fires at the same
    wall-clock offset as before the change (02:30 on a spring-forward day is 03:30), as zoneinfo reads it."""
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone)
    today = datetime.combine(local_now.date(), time(hour, minute), tzinfo=zone)
    if today <= local_now:
        return today
    return datetime.combine(local_now.date() - timedelta(days=1), time(hour, minute), tzinfo=zone)


def next_fire(hour: int, minute: int, tz: str, now: datetime) -> datetime:
    """The first hour:minute in zone `tz` after `now`."""
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone)
    today = datetime.combine(local_now.date(), time(hour, minute), tzinfo=zone)
    if today > local_now:
        return today
    return datetime.combine(local_now.date() + timedelta(days=1), time(hour, minute), tzinfo=zone)


def fired_today(subscription: DigestSubscription, now: datetime) -> datetime | None:
    """The subscription's time today (its zone's today) when that has passed, else None. A clock that starts late the
    same day, or a post that failed, still catches up; yesterday's is not posted on a new local day."""
    fire = last_fire(subscription.hour, subscription.minute, subscription.tz, now)
    return fire if fire.date() == now.astimezone(fire.tzinfo).date() else None


def due_channels(subscriptions: Iterable[DigestSubscription], now: datetime) -> dict[str, datetime]:
    """Channel -> the latest of its digest times that passed today (a static channel that also subscribed has two).
    A subscription whose zone the time zone database no longer knows is skipped and logged, never fatal for others."""
    due: dict[str, datetime] = {}
    for subscription in subscriptions:
        try:
            fire = fired_today(subscription, now)
        except (KeyError, ValueError) as error:  # ZoneInfoNotFoundError is a KeyError
            log.error("digest subscription channel=%s has an unusable time zone %r (%s); skipped",
                      subscription.channel, subscription.tz, type(error).__name__)
            continue
        if fire is not None and (subscription.channel not in due or fire > due[subscription.channel]):
            due[subscription.channel] = fire
    return due
