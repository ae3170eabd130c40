"""The bot's database (DATABASE_URL): one way to build an engine, and the database's own clock as SQL."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, func, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.sql.elements import ColumnElement


def create_store_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # WAL lets a reader and a writer work at once; several processes share the file.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            _use_wal(cursor)
            # In WAL, NORMAL syncs at checkpoints instead of on every commit (an fsync inside every ack). A commit is
            # still atomic and seen at once by every process on the host, and survives the process crashing; only a
            # power loss may undo the last commits (bench/README.md: ack_latency).
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args(url))


# A database host that drops packets (a firewall, a wrong address) would otherwise hold `check` and every process's
# start until the kernel's TCP timeout (minutes): each connection attempt gives up after this many seconds.
CONNECT_TIMEOUT_SECONDS = 10


def connect_args(url: str) -> dict[str, Any]:
    """The driver's connection arguments for a server database: a connect timeout, unless the URL sets its own."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return {}


def _use_wal(cursor: Any, wait: float = 30.0) -> None:
    """Switch the file to WAL (it stays so: later connections only look). Switching needs the lock a connection
    starting to write holds, and SQLite answers "database is locked" at once instead of waiting for it (its busy
    handler is skipped to avoid a deadlock): processes opening a new database together try again for `wait` s."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def db_now(engine: Engine) -> ColumnElement[Any]:
    """The database's clock, as SQL. Claims and their staleness are judged by one clock, whatever the clocks of
    the hosts that write them say (a host 11 minutes ahead must not take over a 1-second-old claim)."""
    if engine.dialect.name == "sqlite":
        # SQLite keeps timestamps as UTC text; this is the format SQLAlchemy writes and reads.
        return func.strftime("%Y-%m-%d %H:%M:%f000", "now")
    return func.now()


def aware(value: datetime) -> datetime:
    """A timestamp read back from the database as an aware UTC datetime: SQLite hands back naive datetimes even for
    timezone=True columns, and only UTC is ever stored."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def db_now_minus(engine: Engine, age: timedelta) -> ColumnElement[Any]:
    """The database's clock minus `age`, as SQL."""
    if engine.dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H:%M:%f000", "now", f"-{age.total_seconds():.3f} seconds")
    return func.now() - age


def create_tables(engine: Engine, metadata: MetaData) -> None:
    """The tables of `metadata`, as the migrations make them: the database brought to this release's newest revision
    (bot.store.migrate.ensure_schema, once per engine, under the migrations' lock). No table is created any other way,
    so a database made here is the database an upgrade makes."""
    from bot.store.migrate import ensure_schema

    ensure_schema(engine)
    missing = [table.name for table in metadata.sorted_tables if not inspect(engine).has_table(table.name)]
    if missing:
        raise RuntimeError(f"the newest revision lacks the table(s) {', '.join(missing)}: a table without its migration")
