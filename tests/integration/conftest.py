"""The integration tier runs what the unit tier may not: loopback servers, child processes, real scheduler threads
and PostgreSQL. Store tests are the unit tier's own, imported, on PostgreSQL only (their SQLite variants run in
tests/unit); without TEST_DATABASE_URL they are skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

INTEGRATION = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Hooks of a conftest see the whole session's items: only this tier's are filtered.
    deselected = [item for item in items if item.path.is_relative_to(INTEGRATION) and _database(item) == "sqlite"]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        dropped = set(deselected)
        items[:] = [item for item in items if item not in dropped]


def _database(item: pytest.Item) -> object:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database_url") if callspec else None
