"""Digest delivery ledger: one row per (channel, digest day), claimed before posting, marked done after."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import delete, insert, select, update

from bot.store.claims import STALE_AFTER, claim_columns
from bot.store.db import aware, db_now, db_now_minus
from bot.store.repository import Repository

log = logging.getLogger(__name__)

CLAIMED = "claimed"
DONE = "done"


metadata = MetaData()

deliveries = Table(
    "digest_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *claim_columns(),
    Column("posted_at", DateTime(timezone=True), nullable=True),
    Column("message_ts", String(32), nullable=True),
    Column("attempts", Integer, nullable=False, default=1),
    UniqueConstraint("channel", "day", name="uq_digest_channel_day"),
)


@dataclass(frozen=True)
class LedgerEntry:
    """One channel's digest of one day, as the ledger holds it."""

    channel: str
    day: date
    status: str
    owner: str
    claimed_at: datetime
    posted_at: datetime | None
    message_ts: str | None
    attempts: int



class Ledger(Repository):
    """Exactly-once bookkeeping for digest posts. Safe across threads and processes sharing one database."""

    tables = metadata

    def __init__(self, engine: Engine, *, stale_after: timedelta = STALE_AFTER) -> None:
        super().__init__(engine)
        self.stale_after = stale_after

    def get(self, channel: str, day: date) -> LedgerEntry | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(deliveries).where(deliveries.c.channel == channel, deliveries.c.day == day))
                .mappings()
                .first()
            )
        if row is None:
            return None
        return LedgerEntry(
            channel=row["channel"],
            day=row["day"],
            status=row["status"],
            owner=row["owner"],
            claimed_at=aware(row["claimed_at"]),
            posted_at=aware(row["posted_at"]) if row["posted_at"] else None,
            message_ts=row["message_ts"],
            attempts=row["attempts"],
        )

    def is_done(self, channel: str, day: date) -> bool:
        delivery = self.get(channel, day)
        return delivery is not None and delivery.status == DONE

    def done_on(self, day: date) -> set[str]:
        """The channels whose digest of `day` is posted: one query for the clock's minute tick, however many channels."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(deliveries.c.channel).where(deliveries.c.day == day, deliveries.c.status == DONE)
            ).all()
        return {row[0] for row in rows}

    def claim(self, channel: str, day: date, owner: str, *, force: bool = False) -> bool:
        """Take the right to post (channel, day). True for exactly one caller at a time.

        A done row is only re-claimed with force; a claimed row only once it is stale (its owner died). Claim
        times and staleness are the database's clock, never the caller's.
        """
        now = db_now(self.engine)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(deliveries).values(
                        channel=channel, day=day, status=CLAIMED, owner=owner, claimed_at=now, attempts=1
                    )
                )
            return True
        except IntegrityError:
            pass
        # The row exists: take it over with a compare-and-set, so two racing callers cannot both win.
        stale = deliveries.c.status == CLAIMED
        stale = stale & (deliveries.c.claimed_at < db_now_minus(self.engine, self.stale_after))
        condition = (deliveries.c.status == DONE) | stale if force else stale
        with self.engine.begin() as conn:
            result = conn.execute(
                update(deliveries)
                .where(deliveries.c.channel == channel, deliveries.c.day == day, condition)
                # posted_at/message_ts stay: a forced re-post that fails must not forget the first post.
                .values(status=CLAIMED, owner=owner, claimed_at=now, attempts=deliveries.c.attempts + 1)
            )
        if result.rowcount == 1:
            log.info("claimed digest channel=%s day=%s (taken over, force=%s)", channel, day, force)
            return True
        return False

    def mark_done(self, channel: str, day: date, owner: str, message_ts: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.channel == channel, deliveries.c.day == day, deliveries.c.owner == owner)
                .values(status=DONE, posted_at=db_now(self.engine), message_ts=message_ts)
            )

    def release(self, channel: str, day: date, owner: str) -> None:
        """Give a claim back after a failed post, so the next run tries again at once.

        A row that had been posted before (a failed forced re-post) goes back to done instead.
        """
        owned = (deliveries.c.channel == channel) & (deliveries.c.day == day) & (deliveries.c.owner == owner)
        with self.engine.begin() as conn:
            conn.execute(
                update(deliveries)
                .where(owned, deliveries.c.status == CLAIMED, deliveries.c.posted_at.is_not(None))
                .values(status=DONE)
            )
            conn.execute(
                delete(deliveries).where(
                    deliveries.c.channel == channel,
                    deliveries.c.day == day,
                    deliveries.c.owner == owner,
                    deliveries.c.status == CLAIMED,
                )
            )
