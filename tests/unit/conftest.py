"""The unit tier opens no socket and starts no process: the PostgreSQL variants of the store tests (the `database_url`
fixture's "postgresql" parameter) are deselected here and run in tests/integration instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tiers import drop_database_variant

UNIT = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    drop_database_variant(config, items, UNIT, "postgresql")



class NotInTheUnitTier(AssertionError):
    """A unit test reached for the network or a process: it belongs in tests/integration."""


@pytest.fixture(autouse=True)
def _no_sockets_or_processes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Enforced, not only promised: connecting or listening on a socket, or starting a process, fails the test."""
    if not request.node.path.is_relative_to(UNIT):
        return
    import socket
    import subprocess

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise NotInTheUnitTier(f"{request.node.nodeid} opened a socket or started a process")

    for name in ("connect", "connect_ex", "bind"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
