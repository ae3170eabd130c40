"""The bot's shared state in DATABASE_URL beyond the digest ledger: request signatures already seen (replays)."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, delete, func
from sqlalchemy.exc import DBAPIError

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


# A request waits this long for the thread writing its batch; then it is refused (503), never let through.
WAIT_SECONDS = 30.0


class StoreUnavailable(RuntimeError):
    """The database could not say whether a request was seen before."""


@dataclass
class _Ask:
    """One request waiting for its answer: was its fingerprint new to the database?"""

    fingerprint: str
    done: threading.Event = field(default_factory=threading.Event)
    first: bool = False
    error: str = ""


class ReplayGuard:
    """Refuses a signed Slack request whose (timestamp, signature) was accepted before, by any worker or replica
    sharing DATABASE_URL. Slack signs every request anew, so a second arrival is a replay (a captured `share`
    click sent again would post twice). Rows older than the signature's own validity window are pruned.

    Requests arriving together in one process are written together (group commit): whichever thread gets the
    writer's turn inserts every fingerprint queued by then in one statement and one commit, and each request learns
    from that statement whether its fingerprint was new. The database's primary key still decides, so the answer is
    the same as one transaction per request, across workers and replicas. Why: under a burst, one transaction per
    ack queued 40 acks behind 40 commits, each giving up the GIL several times and waiting to get it back from the
    threads answering earlier commands (bench/README.md: ack_latency)."""

    def __init__(self, engine: Engine, *, keep: timedelta = timedelta(minutes=10), prune_every: int = 200) -> None:
        self.engine = engine
        self.keep = keep
        self.prune_every = prune_every
        self._count = 0
        self._lock = threading.Lock()
        self._queue: list[_Ask] = []
        self._writer = False  # a thread is writing batches now
        self._writing = threading.Lock()  # one write at a time: batches, and pruning
        # The driver's placeholder (sqlite3: ?, psycopg: %s) and errors: an error is an answer (fail closed), never
        # a crash of the writer.
        self._mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._driver_errors: tuple[type[BaseException], ...] = (engine.dialect.loaded_dbapi.Error, DBAPIError)
        create_tables(engine, metadata)

    @classmethod
    def from_url(cls, url: str) -> ReplayGuard:
        return cls(create_store_engine(url))

    def first_time(self, timestamp: str, signature: str) -> bool:
        ask = _Ask(hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest())
        with self._lock:
            self._queue.append(ask)
            leader = not self._writer
            self._writer = True
        if leader:
            # This thread writes what is queued, itself included, then what queued meanwhile, until nothing is left.
            # The others wait on their own event, not in line for a lock: 40 waiters taking a lock in turn cost 40
            # GIL handovers of up to 5 ms each (py-spy under bench.ack_latency: 80% of the ack's time).
            try:
                while True:
                    with self._lock:
                        batch, self._queue = self._queue, []
                        if not batch:
                            self._writer = False
                            break
                    with self._writing:
                        self._write(batch)
            finally:
                self._abandon()
        elif not ask.done.wait(WAIT_SECONDS):
            ask.error = "no answer from the writer"
        if ask.error:
            raise StoreUnavailable(ask.error)
        if ask.first:
            self._maybe_prune()
        return ask.first

    def _abandon(self) -> None:
        """After a writer raised (never a database error: those are answers): the requests still queued fail closed
        and the next request becomes the writer."""
        with self._lock:
            if not self._writer:
                return
            left, self._queue, self._writer = self._queue, [], False
        for ask in left:
            ask.error = "writer failed"
            ask.done.set()

    def _write(self, batch: Sequence[_Ask]) -> None:
        error, inserted = "interrupted", set()
        fingerprints = list(dict.fromkeys(a.fingerprint for a in batch))
        try:
            inserted = self._insert_new(fingerprints)
            error = ""
        except self._driver_errors as failure:
            error = type(failure).__name__
        finally:
            # Whatever happened, every request in the batch gets an answer: an error fails them all closed.
            answered: set[str] = set()
            for ask in batch:
                ask.error = error
                # The same request twice in one batch: the first is new, the second a replay.
                ask.first = not error and ask.fingerprint in inserted and ask.fingerprint not in answered
                answered.add(ask.fingerprint)
                ask.done.set()

    def _insert_new(self, fingerprints: list[str]) -> set[str]:
        """INSERT the fingerprints, skipping those already there; the ones it inserted (RETURNING), in one statement
        and one commit.

        Hand-written SQL on the pool's DB-API connection rather than a SQLAlchemy insert(): a multi-row VALUES
        statement is compiled anew for every batch (its cache key holds the row count), and the writer runs while
        the burst's other acks want the interpreter lock: each step of SQLAlchemy's execution path is another wait
        for it. Measured with bench.ack_latency (bench/README.md). Both SQLite (>= 3.35) and PostgreSQL speak
        `ON CONFLICT DO NOTHING RETURNING`; `seen_at` takes the database's clock from the column's default."""
        # Only placeholders are formatted into the text: the values travel as parameters.
        rows = ", ".join([f"({self._mark})"] * len(fingerprints))
        sql = (f"INSERT INTO seen_requests (fingerprint) VALUES {rows} "  # noqa: S608
               "ON CONFLICT (fingerprint) DO NOTHING RETURNING fingerprint")
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(sql, fingerprints)
                inserted = {row[0] for row in cursor.fetchall()}
            finally:
                cursor.close()
            raw.commit()
            return inserted
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()  # back to the pool

    def _maybe_prune(self) -> None:
        with self._lock:
            self._count += 1
            due = self._count % self.prune_every == 0
        if not due:
            return
        cutoff = db_now_minus(self.engine, self.keep)
        try:
            with self._writing, self.engine.begin() as conn:
                conn.execute(delete(seen_requests).where(seen_requests.c.seen_at < cutoff))
        except DBAPIError as error:  # pruning can wait for the next turn
            log.warning("pruning seen requests failed: %s", type(error).__name__)
