"""The schema of the last release before migrations (main at 4d15941), frozen: every table the bot kept, as that
release's `create_all` made them. The upgrade tests build an old database from this copy, so they keep meaning
"a database of that release" whatever later revisions do to the models. Never edit it; a later release that needs
its own starting point freezes another copy beside it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

metadata = MetaData()


def _claim() -> list[Column[object]]:
    return [
        Column("channel", String(32), nullable=False),
        Column("day", Date, nullable=False),
        Column("status", String(16), nullable=False),
        Column("owner", String(64), nullable=False),
        Column("claimed_at", DateTime(timezone=True), nullable=False),
    ]


Table(
    "digest_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_claim(),
    Column("posted_at", DateTime(timezone=True), nullable=True),
    Column("message_ts", String(32), nullable=True),
    Column("attempts", Integer, nullable=False, default=1),
    UniqueConstraint("channel", "day", name="uq_digest_channel_day"),
)

Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(160), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("payload", Text, nullable=False),
    Column("enqueued_at", DateTime(timezone=True), nullable=False),
    Column("owner", String(64), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("day", Date, nullable=True),
    Column("thread_ts", String(32), nullable=True),
    Column("message_ts", String(32), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(64), nullable=True),
    UniqueConstraint("job_id", "channel", name="uq_alert_job_channel"),
    Index("ix_alert_deliveries_channel_status", "channel", "status"),
)

Table(
    "alert_threads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_claim(),
    Column("ts", String(32), nullable=True),
    Column("shown_count", Integer, nullable=False, default=0),
    Column("broadcast", Boolean, nullable=False, default=False),
    Column("updater", String(64), nullable=True),
    Column("update_claimed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("channel", "day", name="uq_alert_channel_day"),
)

Table(
    "alert_checkpoints",
    metadata,
    Column("region", String(32), primary_key=True),
    Column("account", String(12), primary_key=True),
    Column("covered_until", DateTime(timezone=True), nullable=False),
)

Table(
    "alert_leases",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("renewed_at", DateTime(timezone=True), nullable=False),
)

Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("hour", Integer, nullable=True),
    Column("minute", Integer, nullable=True),
    Column("tz", String(64), nullable=True),
    Column("resource_type", String(64), nullable=True),
    Column("account", String(32), nullable=True),
    Column("states", String(32), nullable=True),
    Column("subscribed_by", String(64), nullable=False),
    Column("subscribed_at", DateTime(timezone=True), nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_error", String(64), nullable=True),
    UniqueConstraint("channel", "kind", name="uq_subscription_channel_kind"),
)

Table(
    "seen_requests",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
