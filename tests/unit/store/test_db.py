"""The database engine: tables created by processes starting together (the ones that lose the race still end with every
table), and a server database that does not answer."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import inspect

from bot.store.alerts import AlertStore
from bot.store.alerts import metadata as alert_tables
from bot.store.db import CONNECT_TIMEOUT_SECONDS, connect_args, create_store_engine


def start_four_at_once(url: str) -> None:
    """Four processes' stores opened on one new database at the same moment: none fails, every table is there."""
    errors: list[BaseException] = []

    def start() -> None:
        try:
            AlertStore.from_url(url)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    tables = set(inspect(create_store_engine(url)).get_table_names())
    assert {table.name for table in alert_tables.sorted_tables} <= tables


def test_four_stores_created_at_once_all_start(tmp_path: Path) -> None:
    """Once here; the race, run many times over (switching a new file to WAL failed 1 time in ~40 before it was retried), is
    tests/integration/store/test_db.py."""
    start_four_at_once(f"sqlite:///{tmp_path / 'race.sqlite3'}")


def test_a_server_database_gives_up_connecting_after_a_timeout_unless_the_url_sets_one() -> None:
    assert connect_args("postgresql+psycopg://restores@db.internal/restores") == {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    assert connect_args("postgresql+psycopg://restores@db.internal/restores?connect_timeout=3") == {}
    assert connect_args("sqlite:///restores.sqlite3") == {}
