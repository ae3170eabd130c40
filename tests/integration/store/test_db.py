"""Processes starting together on one new database, raced many times over: the ones that lose the race still start,
and every table is there (switching a new file to WAL failed 1 time in ~40 before it was retried under another process's lock). One round is in
the unit tier (tests/unit/store/test_db.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.store.test_db import start_four_at_once


@pytest.mark.parametrize("round_", range(40))
def test_four_stores_created_at_once_all_start_every_time(tmp_path: Path, round_: int) -> None:
    start_four_at_once(f"sqlite:///{tmp_path / f'race-{round_}.sqlite3'}")
