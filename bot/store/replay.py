"""The bot's shared state in DATABASE_URL beyond the digest ledger: request signatures already seen (replays)."""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import timedelta

from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, delete, func, insert
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.store.db import create_store_engine, create_tables, db_now_minus

log = logging.getLogger(__name__)

metadata = MetaData()

seen_requests = Table(
    "seen_requests",
    metadata,
    # sha256 of "timestamp:signature": fixed width, and nothing a log or dump could replay.
    Column("fingerprint", String(64), primary_key=True),
    # The database's clock, like the ledger's: hosts' clocks may disagree.
    Column("seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


class StoreUnavailable(RuntimeError):
    """The database could not say whether a request was seen before."""


class ReplayGuard:
    """Refuses a signed Slack request whose (timestamp, signature) was accepted before, by any worker or replica
    sharing DATABASE_URL. Slack signs every request anew, so a second arrival is a replay (a captured `share`
    click sent again would post twice). Rows older than the signature's own validity window are pruned."""

    def __init__(self, engine: Engine, *, keep: timedelta = timedelta(minutes=10), prune_every: int = 200) -> None:
        self.engine = engine
        self.keep = keep
        self.prune_every = prune_every
        self._count = 0
        self._lock = threading.Lock()
        create_tables(engine, metadata)

    @classmethod
    def from_url(cls, url: str) -> ReplayGuard:
        return cls(create_store_engine(url))

    def first_time(self, timestamp: str, signature: str) -> bool:
        fingerprint = hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(seen_requests).values(fingerprint=fingerprint))
        except IntegrityError:
            return False
        except DBAPIError as error:
            raise StoreUnavailable(type(error).__name__) from None
        self._maybe_prune()
        return True

    def _maybe_prune(self) -> None:
        with self._lock:
            self._count += 1
            due = self._count % self.prune_every == 0
        if not due:
            return
        cutoff = db_now_minus(self.engine, self.keep)
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(seen_requests).where(seen_requests.c.seen_at < cutoff))
        except DBAPIError as error:  # pruning can wait for the next turn
            log.warning("pruning seen requests failed: %s", type(error).__name__)
