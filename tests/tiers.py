"""What each tier runs of the store tests parametrised over `database_url` (sqlite, postgresql): the unit tier the
SQLite side, the integration tier the PostgreSQL side, each test written once."""

from __future__ import annotations

from pathlib import Path

import pytest


def drop_database_variant(config: pytest.Config, items: list[pytest.Item], tier: Path, database: str) -> None:
    """Deselect the tests under `tier` whose `database_url` parameter is `database`. A conftest's hooks see the
    whole session's items: only this tier's are touched."""
    deselected = [item for item in items if item.path.is_relative_to(tier) and _database(item) == database]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        dropped = set(deselected)
        items[:] = [item for item in items if item not in dropped]


def _database(item: pytest.Item) -> object:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database_url") if callspec else None
