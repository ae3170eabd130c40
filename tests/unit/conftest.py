"""The unit tier opens no socket and starts no process: the PostgreSQL variants of the store tests (the `database_url`
fixture's "postgresql" parameter) are deselected here and run in tests/integration instead."""

from __future__ import annotations

from pathlib import Path

import pytest

UNIT = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Hooks of a conftest see the whole session's items: only this tier's are filtered.
    deselected = [item for item in items if item.path.is_relative_to(UNIT) and _database(item) == "postgresql"]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        dropped = set(deselected)
        items[:] = [item for item in items if item not in dropped]


def _database(item: pytest.Item) -> object:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database_url") if callspec else None
