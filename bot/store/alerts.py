"""The alerts' state in DATABASE_URL that the poller and delivery share: what each poll covered, an outbox of
(job, channel) alerts claimed before posting, and each channel's thread per UTC day. The alert_leases table is defined
here with the others (one metadata, one set of migrations); the lease itself is bot.store.lease's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import delete, func, insert, select, update

from bot.store.alert_records import Delivery, Outgoing, Thread
from bot.store.claims import STALE_AFTER, claim_columns
from bot.store.db import aware, db_now, db_now_minus
from bot.store.repository import Repository

PENDING = "pending"
CLAIMED = "claimed"
DONE = "done"
DROPPED = "dropped"

JOB = "job"
GAP = "gap"

# Updating a thread's count takes one chat.update; a claim on it older than this was left by a dead process.
UPDATE_STALE_AFTER = timedelta(minutes=2)

metadata = MetaData()

deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(160), nullable=False),  # RestoreJobId, or "gap:<from>" for a catch-up notice
    Column("channel", String(32), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    # What the post shows, as JSON: a delivery can be retried (or taken over) without asking AWS again.
    Column("payload", Text, nullable=False),
    Column("enqueued_at", DateTime(timezone=True), nullable=False),
    Column("owner", String(64), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("day", Date, nullable=True),  # the UTC day whose thread it was posted into
    Column("thread_ts", String(32), nullable=True),  # set before posting, so a takeover knows where to look
    Column("message_ts", String(32), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(64), nullable=True),
    UniqueConstraint("job_id", "channel", name="uq_alert_job_channel"),
    Index("ix_alert_deliveries_channel_status", "channel", "status"),
)

threads = Table(
    "alert_threads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *claim_columns(),
    Column("ts", String(32), nullable=True),
    Column("shown_count", Integer, nullable=False, default=0),  # the count the parent message shows
    Column("broadcast", Boolean, nullable=False, default=False),  # the day's broadcast reply was claimed
    Column("updater", String(64), nullable=True),
    Column("update_claimed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("channel", "day", name="uq_alert_channel_day"),
)

checkpoints = Table(
    "alert_checkpoints",
    metadata,
    Column("region", String(32), primary_key=True),
    Column("account", String(12), primary_key=True),  # "" is the bot's own account
    Column("covered_until", DateTime(timezone=True), nullable=False),
)

leases = Table(
    "alert_leases",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("renewed_at", DateTime(timezone=True), nullable=False),  # the database's clock
)


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row["id"], job_id=row["job_id"], channel=row["channel"], kind=row["kind"], status=row["status"],
        payload=row["payload"], owner=row["owner"], day=row["day"], thread_ts=row["thread_ts"],
        message_ts=row["message_ts"], attempts=row["attempts"],
    )


class AlertStore(Repository):
    """Exactly-once bookkeeping for alerts. Safe across threads and processes sharing one database; every claim time
    and staleness is the database's clock, never a host's."""

    tables = metadata

    def __init__(self, engine: Engine, *, stale_after: timedelta = STALE_AFTER) -> None:
        super().__init__(engine)
        self.stale_after = stale_after

    def _upsert(self, table: Table) -> Any:
        """INSERT … ON CONFLICT for this database (both dialects spell it the same way in SQLAlchemy)."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)

    def clock(self) -> datetime:
        """The database's time now: the alert windows' and checkpoints' "now", as for every claim (a clock host more
        than OVERLAP fast would move the checkpoints past jobs AWS has not finished yet, and they would never be read)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(db_now(self.engine))).scalar_one()
        return aware(datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(UTC)

    def checkpoints(self) -> dict[tuple[str, str], datetime]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(checkpoints)).mappings().all()
        return {
            (row["region"], row["account"]): aware(row["covered_until"]) if row["covered_until"] else datetime.min
            for row in rows
        }

    def advance(self, region: str, account: str, until: datetime) -> None:
        """Everything that completed before `until` in (region, account) is in the outbox. Never moves back: a slower
        poller finishing last cannot undo a faster one's progress."""
        statement = self._upsert(checkpoints).values(region=region, account=account, covered_until=until.astimezone(UTC))
        statement = statement.on_conflict_do_update(
            index_elements=[checkpoints.c.region, checkpoints.c.account],
            set_={"covered_until": statement.excluded.covered_until},
            where=checkpoints.c.covered_until < statement.excluded.covered_until,
        )
        with self.engine.begin() as conn:
            conn.execute(statement)

    def enqueue(self, alerts: Sequence[Outgoing]) -> None:
        """Add alerts; one already known for its (job, channel) is left as it is, whatever its state."""
        if not alerts:
            return
        now = db_now(self.engine)
        with self.engine.begin() as conn:
            for alert in alerts:
                conn.execute(
                    self._upsert(deliveries)
                    .values(job_id=alert.job_id, channel=alert.channel, kind=alert.kind, status=PENDING,
                            payload=alert.payload, enqueued_at=now, attempts=0)
                    .on_conflict_do_nothing(index_elements=[deliveries.c.job_id, deliveries.c.channel])
                )

    def get(self, job_id: str, channel: str) -> Delivery | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(deliveries).where(deliveries.c.job_id == job_id, deliveries.c.channel == channel)
            ).mappings().first()
        return _delivery(row) if row is not None else None

    def deliveries(self, channel: str | None = None) -> list[Delivery]:
        query = select(deliveries).order_by(deliveries.c.id)
        if channel is not None:
            query = query.where(deliveries.c.channel == channel)
        with self.engine.connect() as conn:
            return [_delivery(row) for row in conn.execute(query).mappings()]

    def _claimable(self) -> Any:
        stale = (deliveries.c.status == CLAIMED) & (deliveries.c.claimed_at < db_now_minus(self.engine, self.stale_after))
        return (deliveries.c.status == PENDING) | stale

    def claim(self, channel: str, owner: str) -> list[Delivery]:
        """Take every alert of `channel` that waits (pending, or claimed by a process that died), each with a
        compare-and-set: two pollers racing for one alert cannot both win it."""
        with self.engine.connect() as conn:
            ids = conn.execute(
                select(deliveries.c.id).where(deliveries.c.channel == channel, self._claimable()).order_by(deliveries.c.id)
            ).scalars().all()
        won: list[int] = []
        now = db_now(self.engine)
        for delivery_id in ids:
            with self.engine.begin() as conn:
                result = conn.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id, self._claimable())
                    .values(status=CLAIMED, owner=owner, claimed_at=now, attempts=deliveries.c.attempts + 1)
                )
            if result.rowcount == 1:
                won.append(delivery_id)
        if not won:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(deliveries).where(deliveries.c.id.in_(won), deliveries.c.owner == owner).order_by(deliveries.c.id)
            ).mappings().all()
        return [_delivery(row) for row in rows]

    def assign(self, ids: Iterable[int], owner: str, day: date, thread_ts: str | None) -> None:
        """Record where these alerts are about to be posted, before posting them."""
        with self.engine.begin() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(list(ids)), deliveries.c.owner == owner, deliveries.c.status == CLAIMED)
                .values(day=day, thread_ts=thread_ts)
            )

    def mark_done(self, ids: Iterable[int], owner: str, day: date, message_ts: str | None) -> int:
        """The alerts are posted. Returns how many were still this owner's (a claim lost meanwhile is not)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(list(ids)), deliveries.c.owner == owner, deliveries.c.status == CLAIMED)
                .values(status=DONE, day=day, message_ts=message_ts, last_error=None)
            )
        return int(result.rowcount)

    def release(self, ids: Iterable[int], owner: str, error: str, *, maybe_posted: bool) -> None:
        """Give alerts back after a failed post, for the next poll. When Slack may have taken the post after all (the
        connection failed after sending), the thread stays recorded, so the retry looks there first."""
        values: dict[str, Any] = {"status": PENDING, "owner": None, "last_error": error[:64]}
        if not maybe_posted:
            values["thread_ts"] = None
        with self.engine.begin() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(list(ids)), deliveries.c.owner == owner, deliveries.c.status == CLAIMED)
                .values(**values)
            )

    def drop_expired(self, older_than: timedelta) -> dict[str, int]:
        """Stop retrying alerts that have waited longer than `older_than` (a channel that never accepts them);
        returns how many per channel, for the log."""
        expired = (deliveries.c.status == PENDING) & (deliveries.c.enqueued_at < db_now_minus(self.engine, older_than))
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(deliveries.c.channel, func.count()).where(expired).group_by(deliveries.c.channel)
            ).all()
            if rows:
                conn.execute(update(deliveries).where(expired).values(status=DROPPED))
        return {str(channel): int(count) for channel, count in rows}

    def prune(self, older_than: timedelta) -> int:
        """Forget posted and dropped alerts, and threads, older than `older_than`: a job's (job, channel) key only
        has to outlive the windows that can read it again (the overlap, the catch-up)."""
        cutoff = db_now_minus(self.engine, older_than)
        with self.engine.begin() as conn:
            gone = conn.execute(
                delete(deliveries).where(deliveries.c.status.in_((DONE, DROPPED)), deliveries.c.enqueued_at < cutoff)
            ).rowcount
            conn.execute(delete(threads).where(threads.c.status == DONE, threads.c.claimed_at < cutoff))
        return int(gone)

    def count_done(self, channel: str, day: date) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(
                select(func.count()).select_from(deliveries).where(
                    deliveries.c.channel == channel, deliveries.c.day == day, deliveries.c.kind == JOB,
                    deliveries.c.status == DONE,
                )
            ).scalar_one())

    def thread(self, channel: str, day: date) -> Thread | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(threads).where(threads.c.channel == channel, threads.c.day == day)
            ).mappings().first()
        if row is None:
            return None
        return Thread(
            channel=row["channel"], day=row["day"], status=row["status"], owner=row["owner"],
            claimed_at=aware(row["claimed_at"]) if row["claimed_at"] else datetime.min, ts=row["ts"],
            shown_count=row["shown_count"],
            broadcast=bool(row["broadcast"]),
        )

    def claim_thread(self, channel: str, day: date, owner: str) -> bool:
        """The right to post the day's parent message in `channel`: one caller at a time; a stale claim is taken
        over (its owner died), a posted one never."""
        now = db_now(self.engine)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(threads).values(channel=channel, day=day, status=CLAIMED, owner=owner,
                                                    claimed_at=now, shown_count=0, broadcast=False))
            return True
        except IntegrityError:
            pass
        stale = (threads.c.status == CLAIMED) & (threads.c.claimed_at < db_now_minus(self.engine, self.stale_after))
        with self.engine.begin() as conn:
            result = conn.execute(
                update(threads).where(threads.c.channel == channel, threads.c.day == day, stale)
                .values(owner=owner, claimed_at=now)
            )
        return result.rowcount == 1

    def thread_posted(self, channel: str, day: date, owner: str, ts: str, shown_count: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(threads)
                .where(threads.c.channel == channel, threads.c.day == day, threads.c.owner == owner,
                       threads.c.status == CLAIMED)
                .values(status=DONE, ts=ts, shown_count=shown_count)
            )

    def release_thread(self, channel: str, day: date, owner: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(threads).where(threads.c.channel == channel, threads.c.day == day,
                                               threads.c.owner == owner, threads.c.status == CLAIMED))

    def claim_update(self, channel: str, day: date, owner: str) -> bool:
        """The right to edit the parent's count: the holder re-reads the count after letting go, so an alert marked
        done while it held the right is still counted (by it, or by the next poll)."""
        free = threads.c.updater.is_(None) | (
            threads.c.update_claimed_at < db_now_minus(self.engine, UPDATE_STALE_AFTER)
        )
        with self.engine.begin() as conn:
            result = conn.execute(
                update(threads).where(threads.c.channel == channel, threads.c.day == day, threads.c.status == DONE, free)
                .values(updater=owner, update_claimed_at=db_now(self.engine))
            )
        return result.rowcount == 1

    def finish_update(self, channel: str, day: date, owner: str, shown_count: int | None) -> None:
        values: dict[str, Any] = {"updater": None, "update_claimed_at": None}
        if shown_count is not None:
            values["shown_count"] = shown_count
        with self.engine.begin() as conn:
            conn.execute(
                update(threads).where(threads.c.channel == channel, threads.c.day == day, threads.c.updater == owner)
                .values(**values)
            )

    def claim_broadcast(self, channel: str, day: date) -> bool:
        """The day's one broadcast reply (the one that takes the count past the threshold)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(threads).where(threads.c.channel == channel, threads.c.day == day, threads.c.broadcast.is_(False))
                .values(broadcast=True)
            )
        return result.rowcount == 1

    def release_broadcast(self, channel: str, day: date) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(threads).where(threads.c.channel == channel, threads.c.day == day).values(broadcast=False))
