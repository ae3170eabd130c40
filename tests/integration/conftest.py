"""The integration tier runs what the unit tier may not: loopback servers, child processes, real scheduler threads
and PostgreSQL. Store tests are the unit tier's own, imported, on PostgreSQL only (their SQLite variants run in
tests/unit); without TEST_DATABASE_URL they are skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tiers import drop_database_variant

INTEGRATION = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    drop_database_variant(config, items, INTEGRATION, "sqlite")
