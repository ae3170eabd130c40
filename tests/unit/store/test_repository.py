"""What every store shares (bot.store.repository.Repository): making one brings the database to this release's newest
revision, looking at the version table once per engine, and refuses a database a newer release upgraded without
writing to it; `from_url` opens an engine of its own and hands the rest to the store's constructor. SQLite here; the
`database_url` fixture's PostgreSQL variant is deselected in the unit tier."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, MetaData, inspect, text

from bot.store.alerts import AlertStore
from bot.store.db import create_store_engine
from bot.store.ledger import Ledger
from bot.store.migrate import SchemaTooNew, status
from bot.store.repository import Repository
from bot.store.subscriptions import SubscriptionStore
from bot.store.tables import models


class Bare(Repository):
    """A repository of no table of its own: what the base class does, and nothing a store adds."""

    tables = MetaData()


class Tuned(Repository):
    tables = MetaData()

    def __init__(self, engine: Engine, *, limit: int = 1) -> None:
        super().__init__(engine)
        self.limit = limit


def version(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def set_version(engine: Engine, revision: str) -> None:
    """The database as a newer release left it: a revision this release does not know."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})


def test_making_one_brings_an_empty_database_to_the_newest_revision_once_per_engine(database_url: str) -> None:
    engine = create_store_engine(database_url)
    assert version(engine) is None
    repository = Bare(engine)
    assert repository.engine is engine
    now = status(engine)
    assert now.current and version(engine) == now.head
    # Every store's tables are there, whichever store was made first (one schema, every table).
    names = set(inspect(engine).get_table_names())
    assert {table.name for tables in models() for table in tables.sorted_tables} <= names

    # The version table is looked at once per engine: a newer release's stamp now goes unseen on this engine...
    set_version(engine, "0999")
    assert Bare(engine).engine is engine
    # ...and is refused on any engine opened afterwards, where the look happens.
    fresh = create_store_engine(database_url)
    with pytest.raises(SchemaTooNew, match="revision 0999, which this release does not know"):
        Bare(fresh)
    assert version(fresh) == "0999"
    engine.dispose()
    fresh.dispose()


def test_a_database_a_newer_release_upgraded_is_refused_and_nothing_written(database_url: str) -> None:
    engine = create_store_engine(database_url)
    set_version(engine, "0999")
    for attempt in range(2):  # a refusal is not remembered as current: refused again
        with pytest.raises(SchemaTooNew) as refused:
            Bare(engine)
        assert f"(its newest is {status(engine).head})" in str(refused.value), attempt
        assert "nothing was written" in str(refused.value)
    assert inspect(engine).get_table_names() == ["alembic_version"] and version(engine) == "0999"
    engine.dispose()


def test_from_url_opens_a_store_engine_and_passes_the_rest_to_the_constructor(database_url: str) -> None:
    tuned = Tuned.from_url(database_url, limit=7)
    assert type(tuned) is Tuned and tuned.limit == 7
    assert tuned.engine.url.render_as_string(hide_password=False) == database_url
    if tuned.engine.dialect.name == "sqlite":  # the store engine's own settings (bot.store.db), not create_engine's
        with tuned.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 30000
    assert status(tuned.engine).current

    # A store's own keyword reaches it; one it does not take is refused.
    ledger = Ledger.from_url(database_url, stale_after=timedelta(seconds=5))
    assert type(ledger) is Ledger and ledger.stale_after == timedelta(seconds=5)
    assert ledger.engine is not tuned.engine  # an engine of its own each time
    with pytest.raises(TypeError):
        Bare.from_url(database_url, limit=7)
    tuned.engine.dispose()
    ledger.engine.dispose()


def test_every_store_is_a_repository_over_tables_the_migrations_create() -> None:
    created = {id(tables) for tables in models()}
    for store in (Ledger, SubscriptionStore, AlertStore):
        assert issubclass(store, Repository)
        assert id(store.tables) in created and store.tables.sorted_tables, store.__name__
