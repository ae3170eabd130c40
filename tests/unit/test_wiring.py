"""The composition root: each part built once per process even when threads ask together, one engine for every table of
DATABASE_URL, an unusable DATABASE_URL as a ConfigError that names it and never its password, and the answers built
without opening the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import Mock, patch

import pytest
from slack_sdk import WebClient

from bot.aws.client import BackupService
from bot.config import ConfigError, Settings, load_settings
from bot.store import db
from bot.wiring import Wiring

PASSWORD = "hunter2-Secret"


def settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"RESTORES_REGIONS": "us-east-1,eu-west-1", "SLACK_BOT_TOKEN": "xoxb-unit-token",
                          "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}", **env})


def wiring(tmp_path: Path, **env: str) -> Wiring:
    return Wiring(settings(tmp_path, **env), backup=Mock(BackupService), web_client=Mock(WebClient))


def together(ask: Callable[[], Any], n: int = 8) -> list[Any]:
    """`ask()` on n threads released at once; what each got."""
    barrier, got = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        barrier.wait(5)
        got[i] = ask()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return got


def slowly(build: Callable[..., Any], calls: list[object]) -> Callable[..., Any]:
    """`build`, counted, and slow enough that threads without a lock would all build."""

    def built(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        time.sleep(0.02)
        return build(*args, **kwargs)

    return built


def test_the_engine_is_built_once_when_eight_threads_ask_together(tmp_path: Path) -> None:
    calls: list[object] = []
    with patch.object(db, "create_store_engine", slowly(db.create_store_engine, calls)):
        parts = wiring(tmp_path)
        engines = together(lambda: parts.engine)
    assert len(calls) == 1 and all(engine is engines[0] for engine in engines)
    engines[0].dispose()


def test_a_table_and_the_backup_client_are_built_once_under_threads(tmp_path: Path) -> None:
    calls: list[object] = []
    backups: list[object] = []
    with patch.object(db, "create_store_engine", slowly(db.create_store_engine, calls)), \
            patch("bot.aws.client.BackupService", slowly(lambda **_: Mock(BackupService), backups)):
        parts = Wiring(settings(tmp_path))
        ledgers = together(lambda: parts.ledger)
        clients = together(lambda: parts.backup)
    assert len(calls) == 1 and all(ledger is ledgers[0] for ledger in ledgers)
    assert len(backups) == 1 and all(client is clients[0] for client in clients)
    parts.engine.dispose()


def test_every_table_shares_one_engine(tmp_path: Path) -> None:
    calls: list[object] = []
    with patch.object(db, "create_store_engine", slowly(db.create_store_engine, calls)):
        parts = wiring(tmp_path)
        stores = [parts.ledger, parts.subscription_store, parts.alert_store, parts.lease_store, parts.replays]
    assert len(calls) == 1
    assert all(store.engine is parts.engine for store in stores)
    parts.engine.dispose()


@pytest.mark.parametrize("url", [
    f"postgresql+nodriver://bot:{PASSWORD}@db.example/restores",  # no such driver: fails before any connection
    "sqlite:////nonexistent-directory/bot.sqlite3",
    f"bot:{PASSWORD}@db.example/restores",  # not a URL at all (Settings built without load_settings)
])
def test_an_unusable_database_url_is_a_config_error_naming_it(url: str) -> None:
    parts = Wiring(Settings(regions=("us-east-1",), database_url=url), backup=Mock(BackupService))
    with pytest.raises(ConfigError) as raised:
        _ = parts.ledger
    message = str(raised.value)
    assert message.startswith("DATABASE_URL ") and " is not usable (" in message and PASSWORD not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no driver traceback attached


def test_a_driver_message_longer_than_a_line_is_cut(tmp_path: Path) -> None:
    def failing(_url: str) -> Any:
        raise RuntimeError("first line\n" + "second line " * 50)

    with patch.object(db, "create_store_engine", failing), pytest.raises(ConfigError) as raised:
        _ = wiring(tmp_path).alert_store
    assert str(raised.value) == f"DATABASE_URL sqlite:///{tmp_path / 'bot.sqlite3'} is not usable (RuntimeError: first line)"


def test_asking_never_opens_the_database(tmp_path: Path) -> None:
    opened = Mock(side_effect=AssertionError("the database was opened"))
    with patch.object(db, "create_store_engine", opened):
        parts = wiring(tmp_path)
        for part in (parts.answers, parts.regions, parts.policy, parts.tests, parts.subscriptions,
                     parts.digest(posting=False)):
            assert part is not None
    opened.assert_not_called()
    assert not (tmp_path / "bot.sqlite3").exists()


def test_given_parts_are_used_not_rebuilt(tmp_path: Path) -> None:
    backup, client = Mock(BackupService), Mock(WebClient)
    parts = Wiring(settings(tmp_path), backup=backup, web_client=client)
    assert parts.backup is backup and parts.web_client is client
    assert parts.testing_reader is parts.testing_reader and parts.answers is parts.answers
    assert parts.digest(posting=True) is not parts.digest(posting=False)
    parts.engine.dispose()


def test_close_lets_go_of_what_was_built_and_nothing_else(tmp_path: Path) -> None:
    parts = wiring(tmp_path)
    parts.close()  # nothing but the given backup client was built
    parts.backup.close.assert_called_once_with()
    assert parts.web_client.mock_calls == []


def test_a_driver_message_quoting_the_password_is_masked(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://bot:{PASSWORD}@db.example/restores"

    def failing(_url: str) -> Any:
        raise RuntimeError(f"password {PASSWORD} refused for {url}")

    parts = Wiring(Settings(regions=("us-east-1",), database_url=url), backup=Mock(BackupService))
    with patch.object(db, "create_store_engine", failing), pytest.raises(ConfigError) as raised:
        _ = parts.ledger
    assert str(raised.value).startswith("DATABASE_URL postgresql+psycopg://bot:***@db.example/restores is not usable "
                                        "(RuntimeError: password **** refused for postgresql+psycopg://bot:****@")
    assert PASSWORD not in str(raised.value)


def test_every_surface_gets_the_one_directorys_names(tmp_path: Path) -> None:
    """One directory a process (built on first use), its names handed to answers, restore tests, Home, resource and
    coverage, the digest and export; the alerts poll its active accounts. A terminal waits for the one read, Slack a
    moment."""
    from bot.organization.directory import OrganizationDirectory
    from bot.organization.names import CLI_WAIT, SERVING_WAIT
    from tests.unit.organization.sample_org import organization_of

    read = []

    def reader(_client: Any, _tally: Any) -> Any:
        read.append(1)
        return organization_of()

    directory = OrganizationDirectory(reader=reader, background=lambda work: None)
    parts = Wiring(settings(tmp_path), backup=Mock(BackupService), web_client=Mock(WebClient), directory=directory)
    assert parts.directory is directory and parts.names.directory is directory and parts.names.wait == CLI_WAIT
    assert Wiring(settings(tmp_path), backup=Mock(BackupService), serving=True).names.wait == SERVING_WAIT
    names = parts.names
    for service in (parts.answers, parts.tests, parts.home, parts.recoverability, parts.digest(posting=False)):
        assert service.account_names is names, type(service).__name__
    assert parts.answers.exports is parts.exports
    assert parts.exports.account_name("444455556666") == "prod-payments"
    assert parts.exports.organisation() == organization_of().active_accounts()
    poller = parts.alerts
    assert poller.account_names is names and poller.organization is not None
    assert poller.organization() == organization_of().active_accounts()
    assert len(read) == 1
