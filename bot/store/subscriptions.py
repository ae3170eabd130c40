"""Which channels get the digest and the alerts: the static base from the environment plus what channels subscribed
to from Slack (table `subscriptions` in DATABASE_URL), and channels that Slack says are gone."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import delete, insert, select, update

from bot.config import DIGEST_TIME_RE, Settings
from bot.domain.ids import CHANNEL_RE
from bot.domain.subscriptions import (
    ALERT_STATES,
    ALERTS,
    DIGEST,
    GONE_AFTER,
    GONE_ERRORS,
    KINDS,
    AlertSubscription,
    ChannelSubscriptions,
    DigestSubscription,
    Subscriber,
)
from bot.store.db import aware, db_now
from bot.store.repository import Repository

log = logging.getLogger(__name__)

metadata = MetaData()

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    # digest: when, in the channel's own zone.
    Column("hour", Integer, nullable=True),
    Column("minute", Integer, nullable=True),
    Column("tz", String(64), nullable=True),
    # alerts: NULL = every resource type / every account the channel may see; states comma-separated.
    Column("resource_type", String(64), nullable=True),
    Column("account", String(32), nullable=True),
    Column("states", String(32), nullable=True),
    Column("subscribed_by", String(64), nullable=False),
    Column("subscribed_at", DateTime(timezone=True), nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_error", String(64), nullable=True),
    UniqueConstraint("channel", "kind", name="uq_subscription_channel_kind"),
)


def _check_channel(channel: str) -> None:
    if not CHANNEL_RE.match(channel):
        raise ValueError(f"{channel!r} is not a Slack channel id")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")


class SubscriptionStore(Repository):
    """The subscriptions table. Safe across threads and processes sharing one database (the web app writes, the
    clock and the alert poller read)."""

    tables = metadata

    def subscribe_digest(self, channel: str, hour: int, minute: int, tz: str, user: str) -> None:
        """Set the channel's digest time (a second subscribe replaces the first)."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        _check_channel(channel)
        if not DIGEST_TIME_RE.match(f"{hour}:{minute:02d}"):
            raise ValueError(f"{hour}:{minute} is not a time of day")
        try:
            ZoneInfo(tz)
        except ZoneInfoNotFoundError:
            raise ValueError(f"{tz!r} is not an IANA time zone") from None
        self._upsert(channel, DIGEST, user, hour=hour, minute=minute, tz=tz)

    def subscribe_alerts(
        self, channel: str, resource_type: str | None, account: str | None, states: tuple[str, ...], user: str
    ) -> None:
        """Set the channel's alert filter (a second subscribe replaces the first)."""
        _check_channel(channel)
        if not states or not set(states) <= set(ALERT_STATES):
            raise ValueError(f"alert states {states!r} are not a non-empty subset of {ALERT_STATES}")
        ordered = ",".join(s for s in ALERT_STATES if s in states)
        self._upsert(channel, ALERTS, user, resource_type=resource_type, account=account, states=ordered)

    def _upsert(self, channel: str, kind: str, user: str, **values: Any) -> None:
        fields = {
            "hour": None, "minute": None, "tz": None, "resource_type": None, "account": None, "states": None,
            **values,
            "subscribed_by": user[:64],
            "subscribed_at": db_now(self.engine),
            "failures": 0,
            "last_error": None,
        }
        key = (subscriptions.c.channel == channel) & (subscriptions.c.kind == kind)
        # Update, else insert; a concurrent insert of the same (channel, kind) makes ours fail, and then the update
        # applies. Separate transactions: PostgreSQL aborts a transaction at its first IntegrityError.
        for _ in range(2):
            with self.engine.begin() as conn:
                if conn.execute(update(subscriptions).where(key).values(**fields)).rowcount:
                    return
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(subscriptions).values(channel=channel, kind=kind, **fields))
                return
            except IntegrityError:
                continue
        raise RuntimeError(f"could not store the {kind} subscription of {channel}")

    def unsubscribe(self, channel: str, kind: str) -> bool:
        """Drop the channel's stored subscription of this kind; False if there was none (static ones stay)."""
        _check_kind(kind)
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(subscriptions).where(subscriptions.c.channel == channel, subscriptions.c.kind == kind)
            )
        return bool(result.rowcount)

    def digest_subscriptions(self, settings: Settings) -> list[DigestSubscription]:
        """Static (RESTORES_DIGEST_CHANNELS at RESTORES_DIGEST_TIME in RESTORES_DIGEST_TZ) and stored, by channel. A
        static channel that also subscribed appears twice, once with each time: the first due posts the day's
        digest, the ledger keeps it to one."""
        static = [
            DigestSubscription(c, settings.digest_hour, settings.digest_minute, settings.digest_tz, True)
            for c in settings.digest_channels
        ]
        stored = [self._digest(row) for row in self._rows(DIGEST)]
        return sorted(static + [s for s in stored if s is not None], key=lambda s: (s.channel, not s.static))

    def alert_subscriptions(self, settings: Settings) -> list[AlertSubscription]:
        """Static (RESTORES_ALERT_CHANNELS: every type and account the channel may see, both states) and stored."""
        static = [AlertSubscription(c, None, None, ALERT_STATES, True) for c in settings.alert_channels]
        stored = [self._alert(row) for row in self._rows(ALERTS)]
        return sorted(static + [s for s in stored if s is not None], key=lambda s: (s.channel, not s.static))

    def of_channel(self, channel: str, settings: Settings) -> ChannelSubscriptions:
        """What one channel gets (for `/restores subscriptions`), with who set each stored subscription."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(subscriptions).where(subscriptions.c.channel == channel)).mappings().all()
        digest = [DigestSubscription(channel, settings.digest_hour, settings.digest_minute, settings.digest_tz, True)]
        digest = digest if channel in settings.digest_channels else []
        alerts = [AlertSubscription(channel, None, None, ALERT_STATES, True)] if channel in settings.alert_channels else []
        subscribers: dict[str, Subscriber] = {}
        for row in rows:
            parsed = self._digest(row) if row["kind"] == DIGEST else self._alert(row)
            if isinstance(parsed, DigestSubscription):
                digest.append(parsed)
            elif isinstance(parsed, AlertSubscription):
                alerts.append(parsed)
            if parsed is not None:
                subscribers[row["kind"]] = Subscriber(row["subscribed_by"], aware(row["subscribed_at"]))
        return ChannelSubscriptions(channel, tuple(digest), tuple(alerts), subscribers)

    def record_delivery_failure(self, channel: str, kind: str, error: str) -> bool:
        """Count a post that failed because the channel is gone (channel_not_found, not_in_channel, is_archived); other
        errors (rate limits, Slack down) neither count nor reset the count. True when this failure dropped the
        subscription: the GONE_AFTER-th in a row. Callers decide what one failure is (the digest counts at most one a
        channel and day, so its retries within a day do not add up)."""
        _check_kind(kind)
        if error not in GONE_ERRORS:
            return False
        key = (subscriptions.c.channel == channel) & (subscriptions.c.kind == kind)
        with self.engine.begin() as conn:
            counted = conn.execute(
                update(subscriptions).where(key).values(failures=subscriptions.c.failures + 1, last_error=error[:64])
            ).rowcount
        if not counted:
            return False  # static, or not subscribed: nothing to drop
        # Whoever's delete takes the row reports the drop: two processes counting at once cannot both say so.
        with self.engine.begin() as conn:
            dropped = conn.execute(delete(subscriptions).where(key, subscriptions.c.failures >= GONE_AFTER)).rowcount
        if dropped:
            log.warning(
                "unsubscribed channel=%s from %s: Slack answered %s %d times in a row (the channel was deleted or "
                "archived, or the bot was removed from it)",
                channel, kind, error, GONE_AFTER,
            )
        return bool(dropped)

    def record_delivery_success(self, channel: str, kind: str) -> None:
        _check_kind(kind)
        with self.engine.begin() as conn:
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.channel == channel, subscriptions.c.kind == kind, subscriptions.c.failures > 0)
                .values(failures=0, last_error=None)
            )

    def _rows(self, kind: str) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(subscriptions).where(subscriptions.c.kind == kind)).mappings().all())

    @staticmethod
    def _digest(row: Any) -> DigestSubscription | None:
        if row["hour"] is None or row["minute"] is None or not row["tz"]:
            log.error("subscription row %s (channel %s) has no digest time; ignored", row["id"], row["channel"])
            return None
        return DigestSubscription(row["channel"], int(row["hour"]), int(row["minute"]), str(row["tz"]), False)

    @staticmethod
    def _alert(row: Any) -> AlertSubscription | None:
        states = tuple(s for s in ALERT_STATES if s in str(row["states"] or "").split(","))
        if not states:
            log.error("subscription row %s (channel %s) has no alert states; ignored", row["id"], row["channel"])
            return None
        return AlertSubscription(row["channel"], row["resource_type"], row["account"], states, False)
