"""The replay guard under a burst: requests arriving together are written together (group commit), and the promise
holds as with one transaction each: every request is accepted exactly once by all the guards (workers) sharing the
database, a replay in the same burst is refused, and a database that cannot answer fails the whole batch closed.
SQLite here; tests/integration/store/test_replay_burst.py runs them on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.store.db import create_store_engine
from bot.store.replay import ReplayGuard, StoreUnavailable, seen_requests


@pytest.fixture
def engines(database_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one database: two workers' (or replicas') own connections."""
    first, second = create_store_engine(database_url), create_store_engine(database_url)
    yield first, second
    first.dispose()
    second.dispose()


def _together(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call at once (released by a barrier); an exception is returned in the call's place."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_burst_across_two_workers_accepts_every_request_exactly_once(engines: tuple[Engine, Engine]) -> None:
    guards = [ReplayGuard(engines[0]), ReplayGuard(engines[1])]
    # 20 requests, each sent 3 times (twice to one worker, once to the other), 60 arrivals at once.
    arrivals = [(request, guards[copy % 2]) for request in range(20) for copy in range(3)]
    results = _together([lambda r=r, g=g: (r, g.first_time("1700000000", f"v0={r:064x}")) for r, g in arrivals])
    accepted = Counter(request for request, first in results if first is True)
    assert accepted == Counter(range(20))
    assert all(not isinstance(result, Exception) for result in results)


def test_a_replay_of_a_request_in_the_same_batch_is_refused(engines: tuple[Engine, Engine]) -> None:
    guard = ReplayGuard(engines[0])
    results = _together([lambda: guard.first_time("1700000000", "v0=same")] * 8)
    assert sorted(results, key=str) == [False] * 7 + [True]


def test_a_database_that_cannot_answer_fails_every_request_of_the_burst_closed(engines: tuple[Engine, Engine]) -> None:
    guard = ReplayGuard(engines[0])
    with engines[0].begin() as conn:
        seen_requests.drop(conn)
    results = _together([lambda i=i: guard.first_time("1700000000", f"v0={i}") for i in range(10)])
    assert all(isinstance(result, StoreUnavailable) for result in results)


def test_sqlite_is_in_wal_with_normal_sync_and_a_commit_is_seen_at_once_by_another_engine(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    writer, reader = create_store_engine(url), create_store_engine(url)
    try:
        with writer.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 1  # NORMAL
        assert ReplayGuard(writer).first_time("1700000000", "v0=a") is True
        assert ReplayGuard(reader).first_time("1700000000", "v0=a") is False
    finally:
        writer.dispose()
        reader.dispose()
