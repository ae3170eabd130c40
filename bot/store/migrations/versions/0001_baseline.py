"""Baseline: the schema of the last release before migrations, every table as its `create_all` made them.

Revision 0001, the first. A database of that release (tables, no version table) is adopted here: each of its tables
must have exactly the columns below (else nothing is written and the upgrade stops), and only the tables it lacks
are created; its rows are never touched."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def tables() -> sa.MetaData:
    """This revision's tables, frozen here: later revisions change them with operations, never by editing this."""
    metadata = sa.MetaData()

    def claim() -> list[sa.Column[object]]:
        return [
            sa.Column("channel", sa.String(32), nullable=False),
            sa.Column("day", sa.Date, nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("owner", sa.String(64), nullable=False),
            sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        ]

    sa.Table(
        "digest_deliveries", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *claim(),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.UniqueConstraint("channel", "day", name="uq_digest_channel_day"),
    )
    sa.Table(
        "alert_deliveries", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(160), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("day", sa.Date, nullable=True),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.UniqueConstraint("job_id", "channel", name="uq_alert_job_channel"),
        sa.Index("ix_alert_deliveries_channel_status", "channel", "status"),
    )
    sa.Table(
        "alert_threads", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *claim(),
        sa.Column("ts", sa.String(32), nullable=True),
        sa.Column("shown_count", sa.Integer, nullable=False),
        sa.Column("broadcast", sa.Boolean, nullable=False),
        sa.Column("updater", sa.String(64), nullable=True),
        sa.Column("update_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("channel", "day", name="uq_alert_channel_day"),
    )
    sa.Table(
        "alert_checkpoints", metadata,
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("account", sa.String(12), primary_key=True),
        sa.Column("covered_until", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "alert_leases", metadata,
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "subscriptions", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("hour", sa.Integer, nullable=True),
        sa.Column("minute", sa.Integer, nullable=True),
        sa.Column("tz", sa.String(64), nullable=True),
        sa.Column("resource_type", sa.String(64), nullable=True),
        sa.Column("account", sa.String(32), nullable=True),
        sa.Column("states", sa.String(32), nullable=True),
        sa.Column("subscribed_by", sa.String(64), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.UniqueConstraint("channel", "kind", name="uq_subscription_channel_kind"),
    )
    sa.Table(
        "seen_requests", metadata,
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    return metadata


def upgrade() -> None:
    from bot.store.migrate import UnknownSchema

    bind = op.get_bind()
    inspector = sa.inspect(bind)
    wanted = tables().sorted_tables
    present = [table for table in wanted if inspector.has_table(table.name)]
    for table in present:  # every check before any write: a mismatch leaves the database as it was
        found = {column["name"] for column in inspector.get_columns(table.name)}
        expected = {column.name for column in table.columns}
        if found != expected:
            raise UnknownSchema(
                f"table {table.name} has columns {', '.join(sorted(found))}; revision 0001 expects "
                f"{', '.join(sorted(expected))}: not a database of this bot, or changed by hand"
            )
    for table in wanted:
        if table not in present:
            table.create(bind)


def downgrade() -> None:
    for table in reversed(tables().sorted_tables):
        op.drop_table(table.name)
