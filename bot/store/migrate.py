"""The database's schema, from the Alembic revisions in bot/store/migrations (configured here, no alembic.ini).

Every process upgrades at start (`ensure_schema`, or `migrate` for `python -m bot migrate`), under a lock so replicas
starting together migrate once: PostgreSQL's advisory lock, SQLite's exclusive transaction, each around the whole
upgrade (DDL is transactional on both: a failed upgrade leaves the previous revision). A database without a version
table is a release before migrations: revision 0001 checks its tables' columns and adopts it. A database at a
revision this release does not know was upgraded by a newer one: it is refused, never written to."""

from __future__ import annotations

import logging
import threading
import weakref
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, inspect, text

# Alembic lists its plugins when imported and says "Context impl ..." at every look at the version table, at INFO;
# `Migration.describe` says what was done.
logging.getLogger("alembic").setLevel(logging.WARNING)

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from alembic.runtime.migration import MigrationContext  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# One key for every process of every release: whoever holds it is the only one changing the schema.
LOCK_KEY = zlib.crc32(b"restores-bot schema migrations")
# The revision before the first: what `--to` may never reach (it would drop every table).
BASE = "base"


class SchemaError(RuntimeError):
    """The database's schema is not one this release may use or upgrade; the message says why and what to do."""


class SchemaTooNew(SchemaError):
    """The database is at a revision this release does not know: a newer release upgraded it."""


class UnknownSchema(SchemaError):
    """Tables without a version table that are not those of the release before migrations."""


def config(script_location: Path = MIGRATIONS) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("path_separator", "os")
    return cfg


_scripts: dict[str, ScriptDirectory] = {}
_scripts_lock = threading.Lock()


def _script(cfg: Config) -> ScriptDirectory:
    """The migrations of `cfg`'s folder, read once per process: every store opened (four per process, more in tests)
    asks, and reading the folder anew imports every revision file again (14 ms each time). The revision map is built
    under the lock, so threads opening stores together share one finished map."""
    location = str(cfg.get_main_option("script_location"))
    with _scripts_lock:
        script = _scripts.get(location)
        if script is None:
            script = ScriptDirectory.from_config(cfg)
            script.get_current_head()  # builds the revision map now, not lazily in whichever thread asks first
            _scripts[location] = script
        return script


def _title(script: ScriptDirectory, revision: str) -> str:
    doc = (script.get_revision(revision).doc or "").strip().splitlines() if revision != BASE else []
    return f"{revision} ({doc[0].split(',')[0].rstrip('.')})" if doc else revision


def _read_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _first_tables(script: ScriptDirectory) -> list[Table]:
    """The tables of the first revision: those a database of the release before migrations may have."""
    first = script.get_revision(script.get_base() or BASE)
    assert first is not None
    return list(first.module.tables().sorted_tables)


def _known(script: ScriptDirectory, revision: str) -> bool:
    return revision in {rev.revision for rev in script.walk_revisions()}


@dataclass(frozen=True)
class Status:
    """Where the database stands: its revision (None: no version table), this release's newest, and, without a
    version table, the bot's tables it has (a release before migrations) — read only, nothing written."""

    revision: str | None
    head: str
    known: bool
    unversioned_tables: tuple[str, ...] = ()

    @property
    def current(self) -> bool:
        return self.revision == self.head

    def describe(self) -> str:
        if self.revision is None and not self.unversioned_tables:
            return f"empty: no table yet; the newest revision is {self.head} (`python -m bot migrate` creates it)"
        if self.revision is None:
            return (f"no version table: {len(self.unversioned_tables)} table(s) of a release before migrations; the "
                    f"newest revision is {self.head} (`python -m bot migrate` adopts and upgrades it)")
        if self.current:
            return f"revision {self.revision}, the newest: current"
        if not self.known:
            return too_new_message(self.revision, self.head)
        return f"revision {self.revision}, behind the newest {self.head} (every process upgrades it at start)"


def too_new_message(revision: str, head: str) -> str:
    return (f"the database's schema is at revision {revision}, which this release does not know (its newest is {head}): "
            f"a newer release upgraded it. Refusing to use it; nothing was written. Run that newer release, or first "
            f"downgrade with it (`python -m bot migrate --to {head}`), then start this one (README: Upgrades and "
            "rollbacks)")


def status(engine: Engine, cfg: Config | None = None) -> Status:
    script = _script(cfg or config())
    head = script.get_current_head()
    assert head is not None, "the migrations have no revision"
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and not Path(database).exists():
        return Status(None, head, True)  # connecting would create the file: a look must not write
    with engine.connect() as conn:
        revision = _read_revision(conn)
        unversioned: tuple[str, ...] = ()
        if revision is None:
            names = {table.name for table in _first_tables(script)}
            unversioned = tuple(sorted(names & set(inspect(conn).get_table_names())))
    return Status(revision, head, revision is None or _known(script, revision), unversioned)


@dataclass(frozen=True)
class Migration:
    """What one `migrate` did: from where to where, the revisions applied (or reverted), and whether another process
    had done it while this one waited for the lock."""

    before: Status
    after: str
    applied: tuple[str, ...] = ()
    reverted: tuple[str, ...] = ()
    done_by_another: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.applied or self.reverted)

    def describe(self) -> str:
        if self.reverted:
            return f"downgraded from {self.before.revision} to {self.after}; reverted {', '.join(self.reverted)}"
        if not self.applied:
            waited = " (another process upgraded it while this one waited for the lock)" if self.done_by_another else ""
            return f"database at revision {self.after}, the newest: nothing to do{waited}"
        applied = ", ".join(self.applied)
        if self.before.revision is not None:
            return f"upgraded from revision {self.before.revision} to {self.after}; applied {applied}"
        if self.before.unversioned_tables:
            return (f"recognised a database of the release before migrations ({len(self.before.unversioned_tables)} "
                    f"table(s), columns checked; no row touched); adopted and upgraded to {self.after}; applied {applied}")
        return f"empty database: created the schema at revision {self.after}; applied {applied}"


# The engines whose database is known to be at the newest revision: a process looks at the version table once.
_current: weakref.WeakSet[Engine] = weakref.WeakSet()
_current_lock = threading.Lock()


@contextmanager
def _exclusive(engine: Engine) -> Iterator[Connection]:
    """One connection in one transaction that only one process at a time gets, committed when the block ends."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            # Released by the commit (or rollback) that ends the transaction, even if this process dies.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            yield conn
        return
    if engine.dialect.name != "sqlite":
        raise SchemaError(f"migrations run on SQLite and PostgreSQL, not {engine.dialect.name}")
    # pysqlite opens transactions itself, and only before DML: in autocommit mode the BEGIN is ours, so the DDL is
    # inside it and EXCLUSIVE keeps a second migrator waiting (busy_timeout) until this one committed.
    with engine.connect() as raw:
        conn = raw.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN EXCLUSIVE")
        try:
            yield conn
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")


def migrate(engine: Engine, to: str | None = None, cfg: Config | None = None) -> Migration:
    """Upgrade the database to `to` (default: this release's newest revision), or downgrade it to an earlier `to`;
    under the lock. Raises SchemaTooNew before writing anything when the database is at a revision unknown here."""
    ours = cfg is None  # this release's migrations (tests bring others)
    cfg = cfg or config()
    script = _script(cfg)
    head = script.get_current_head()
    assert head is not None, "the migrations have no revision"
    target = to or head
    if target == BASE or not _known(script, target):
        raise SchemaError(f"no revision {target!r} to migrate to: known are "
                          f"{', '.join(rev.revision for rev in reversed(list(script.walk_revisions())))}")
    before = status(engine, cfg)
    with _exclusive(engine) as conn:
        revision = _read_revision(conn)
        if revision is not None and not _known(script, revision):
            raise SchemaTooNew(too_new_message(revision, head))
        cfg.attributes["connection"] = conn
        if revision == target:
            done = Migration(before, target, done_by_another=before.revision != revision)
        elif revision is not None and target in _between(script, revision, BASE):
            reverted = tuple(_title(script, rev) for rev in _between(script, revision, target))
            done = Migration(before, target, reverted=reverted)
            command.downgrade(cfg, target)
        else:
            applied = tuple(_title(script, rev) for rev in reversed(_between(script, target, revision or BASE)))
            done = Migration(before, target, applied=applied)
            command.upgrade(cfg, target)
    with _current_lock:
        if ours and target == head:
            _current.add(engine)
        else:
            _current.discard(engine)
    return done


def _between(script: ScriptDirectory, upper: str, lower: str) -> list[str]:
    """The revisions after `lower` up to and including `upper`, newest first."""
    return [rev.revision for rev in script.iterate_revisions(upper, lower) if rev.revision != lower]


def ensure_schema(engine: Engine) -> None:
    """The database at this release's newest revision before a repository uses it: a look at the version table, once
    per engine; an upgrade (under the lock) when it is behind; SchemaTooNew when it is ahead."""
    with _current_lock:
        if engine in _current:
            return
    known = status(engine)
    if known.revision is not None and not known.known:
        raise SchemaTooNew(too_new_message(known.revision, known.head))
    if not known.current:
        done = migrate(engine)
        if done.changed:
            log.info("database schema: %s", done.describe())
    with _current_lock:
        _current.add(engine)
