"""The replay guard on a real database (SQLite here, PostgreSQL in tests/integration): a (timestamp, signature) is
accepted once by any guard sharing the database, and old fingerprints are pruned on the guard's turn."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, update

from bot.store.db import create_store_engine, db_now_minus
from bot.store.replay import ReplayGuard, StoreUnavailable, seen_requests


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_store_engine(database_url)
    yield engine
    engine.dispose()


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(seen_requests)).scalar_one())


def test_a_request_is_accepted_once_by_every_guard_on_the_database(engine: Engine) -> None:
    first, second = ReplayGuard(engine), ReplayGuard(engine)
    assert first.first_time("1700000000", "v0=" + "a" * 64) is True
    assert second.first_time("1700000000", "v0=" + "a" * 64) is False
    assert first.first_time("1700000000", "v0=" + "a" * 64) is False
    # The same signature at another timestamp, or another signature at the same one, is another request.
    assert second.first_time("1700000001", "v0=" + "a" * 64) is True
    assert first.first_time("1700000000", "v0=" + "b" * 64) is True


def test_only_a_fingerprint_is_kept_not_the_signature(engine: Engine) -> None:
    ReplayGuard(engine).first_time("1700000000", "v0=secret-signature")
    with engine.connect() as conn:
        [fingerprint] = conn.execute(select(seen_requests.c.fingerprint)).scalars().all()
    assert len(fingerprint) == 64 and "secret" not in fingerprint and "1700000000" not in fingerprint


def test_fingerprints_older_than_the_window_are_pruned_on_every_nth_request(engine: Engine) -> None:
    guard = ReplayGuard(engine, keep=timedelta(minutes=10), prune_every=3)
    guard.first_time("1", "old")
    with engine.begin() as conn:  # seen 11 minutes ago, by the database's clock
        conn.execute(update(seen_requests).values(seen_at=db_now_minus(engine, timedelta(minutes=11))))
    guard.first_time("2", "fresh")
    assert _rows(engine) == 2  # the second request is not the guard's turn to prune
    guard.first_time("3", "fresh")
    assert _rows(engine) == 2  # the third is: the old one went, the two fresh ones stay
    assert guard.first_time("1", "old") is True  # a replay older than the window is the signature check's to refuse


def test_a_database_that_cannot_answer_is_said_so_not_taken_for_a_replay(engine: Engine) -> None:
    guard = ReplayGuard(engine)
    with engine.begin() as conn:
        seen_requests.drop(conn)
    with pytest.raises(StoreUnavailable):
        guard.first_time("1700000000", "v0=x")
