"""Shared fixtures: the loopback AWS Backup emulator, the fake Slack, the bot as a real server and in this process, the
per-test clock, the ledger database. Fixtures only: helpers and constants live in tests/support.py."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from bot.sample.records import DailyCount
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.fakes.sts import FakeSts, reader_role_arn
from tests.support import (
    BOT_TOKEN,
    E2E_REGIONS,
    PROXY_VARS,
    REPO,
    AppBot,
    BotProcess,
    alert_poller,
    bot_environment,
    load_dataset,
    restores_service,
    settled_now,
    start_app_bot,
    start_bot,
)

if TYPE_CHECKING:
    from bot.alerts.poll import AlertPoller
    from bot.answers.service import RestoresService
    from bot.store.alerts import AlertStore
    from bot.store.ledger import Ledger

pytest_plugins = ["tests.fakes.aws"]

# Hypothesis profiles. The default keeps a plain test run quick; `hardening` is the long fuzz run
# (`python -m pytest -p no:cacheprovider --hypothesis-profile=hardening -m hardening`), at least 10,000
# examples per property.
settings.register_profile("default", deadline=None)
settings.register_profile("hardening", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> object:
    """Collecting imports the bot, boto3, Bolt, SQLAlchemy and every test module: some 350,000 objects that live as long
    as the run. The cyclic collector would scan them over and over while they pile up (16 full collections, 1.3 s of
    the unit tier's collection) and at every full collection after (0.1-0.3 s each): it is paused while they are
    built, then they are kept out of its scans (gc.freeze), as the bot's own processes do once warm
    (bot/web/app.py). Reference counting still frees whatever a test drops."""
    import gc

    gc.disable()
    try:
        return (yield)
    finally:
        gc.enable()
        gc.collect()
        gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def _no_proxies() -> None:
    for name in PROXY_VARS:
        os.environ.pop(name, None)


@pytest.fixture(scope="session")
def emulator() -> Iterator[BackupEmulator]:
    with BackupEmulator(page_size=4) as emu:
        yield emu


@pytest.fixture(scope="session")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=BOT_TOKEN) as fake:
        yield fake


@pytest.fixture(scope="session")
def bot_env(emulator: BackupEmulator, slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return bot_environment(
        emulator.url,
        slack.api_url,
        tmp_path_factory.mktemp("aws"),
        AWS_MAX_ATTEMPTS="2",
        RESTORES_REGIONS=",".join(E2E_REGIONS),
        RESTORES_AWS_DEADLINE="8",
        # Tests load new data between commands; the cache has its own tests with a dedicated bot.
        RESTORES_CACHE_TTL="0",
        LOG_LEVEL="DEBUG",
    )


@pytest.fixture(scope="session")
def launch_bot(bot_env: dict[str, str], slack: FakeSlack,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., BotProcess]]:
    started: list[BotProcess] = []
    log_dir = tmp_path_factory.mktemp("bot-logs")

    def launch(**overrides: str) -> BotProcess:
        bot = start_bot(dict(bot_env, **overrides), slack, log_dir)
        started.append(bot)
        return bot

    yield launch
    for bot in started:
        bot.stop()


@pytest.fixture(scope="session")
def _bot(launch_bot: Callable[..., BotProcess]) -> BotProcess:
    return launch_bot()


@pytest.fixture
def now() -> datetime:
    """This test's "now": the wall clock, which the bot's processes and the emulator read too, kept clear of a UTC
    midnight for the length of a test. Expected figures come from it, never from the day a test was written."""
    return settled_now()


@pytest.fixture
def today(now: datetime) -> date:
    return now.date()


@pytest.fixture
def day(today: date) -> date:
    """The digest's day: the latest complete UTC day."""
    return today - timedelta(days=1)


@pytest.fixture
def sts() -> Iterator[FakeSts]:
    """A started STS fake in which tests.fakes.sts.READER_ROLE may be assumed in the sample's member accounts
    444455556666 and 777788889999, and no other role anywhere; clients reach it with ``endpoint_url=sts.url``."""
    with FakeSts(roles={reader_role_arn(account): "" for account in ("444455556666", "777788889999")}) as fake:
        yield fake


@pytest.fixture
def fakes(emulator: BackupEmulator, slack: FakeSlack) -> tuple[BackupEmulator, FakeSlack]:
    """Both session fakes, emptied, the emulator on the wall clock like the bot, for this test."""
    emulator.reset()
    emulator.load(counts=[], jobs=[], plans=[], selections=[])
    emulator.set_now(None)
    emulator.page_size = 4
    slack.reset()
    return emulator, slack


@pytest.fixture
def dataset(fakes: tuple[BackupEmulator, FakeSlack], today: date) -> list[DailyCount]:
    """The three-region data set (tests.support.load_dataset) in the emptied emulator."""
    emulator, _ = fakes
    return load_dataset(emulator, today)


@pytest.fixture
def bot(_bot: BotProcess, fakes: tuple[BackupEmulator, FakeSlack]) -> BotProcess:
    """The shared bot server, with both fakes emptied for this test."""
    return _bot


@pytest.fixture(scope="session")
def _service(bot_env: dict[str, str]) -> Iterator[RestoresService]:
    service = restores_service(bot_env)
    yield service
    service.backup.close()


@pytest.fixture
def service(_service: RestoresService, fakes: tuple[BackupEmulator, FakeSlack]) -> RestoresService:
    """The application service the bot runs (same environment as `bot`), real boto3 over HTTP to the session
    emulator; both fakes emptied for this test."""
    return _service


@pytest.fixture
def launch_app_bot(bot_env: dict[str, str], slack: FakeSlack) -> Iterator[Callable[..., AppBot]]:
    """Starts the bot in this process with `bot_env` plus overrides (allow-lists, scopes, a cache TTL); stopped after
    the test."""
    started: list[AppBot] = []

    def launch(**overrides: str) -> AppBot:
        bot = start_app_bot(dict(bot_env, **overrides), slack)
        started.append(bot)
        return bot

    yield launch
    for bot in started:
        bot.stop()


@pytest.fixture(scope="session")
def _app_bot(bot_env: dict[str, str], slack: FakeSlack) -> Iterator[AppBot]:
    bot = start_app_bot(bot_env, slack)
    yield bot
    bot.stop()


@pytest.fixture
def app_bot(_app_bot: AppBot, fakes: tuple[BackupEmulator, FakeSlack]) -> AppBot:
    """The shared in-process bot (same environment as `bot`), with both fakes emptied for this test."""
    return _app_bot


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty ledger database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL ledger tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    from bot.store.alerts import metadata as alerts
    from bot.store.db import create_store_engine
    from bot.store.ledger import metadata
    from bot.store.replay import metadata as replays
    from bot.store.subscriptions import metadata as subscriptions

    engine = create_store_engine(url)
    # Every table the bot keeps, so nothing of an earlier test (a subscription, a claim) acts in this one; and the
    # migrations' version table, so the next store finds an empty database and migrates it (bot/store/migrate.py).
    for tables in (metadata, alerts, subscriptions, replays):
        tables.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()
    return url


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    from bot.store.ledger import Ledger

    instance = Ledger.from_url(database_url)
    yield instance
    instance.engine.dispose()


@pytest.fixture
def launch_poller(bot_env: dict[str, str], fakes: tuple[BackupEmulator, FakeSlack],
                  tmp_path: Path) -> Iterator[Callable[..., AlertPoller]]:
    """Alert pollers as `python -m bot poll` builds them from `bot_env` plus overrides, on this test's own database
    (a SQLite file in tmp_path unless DATABASE_URL is overridden), with both fakes emptied; closed after the test.
    `store=` and `owner=` make several pollers share one AlertStore or tell them apart."""
    started: list[AlertPoller] = []

    def launch(*, store: AlertStore | None = None, owner: str | None = None, **overrides: str) -> AlertPoller:
        env = {**bot_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'alerts.sqlite3'}", **overrides}
        poller = alert_poller(env, store=store, owner=owner)
        started.append(poller)
        return poller

    yield launch
    for poller in started:
        poller.backup.close()
        poller.store.engine.dispose()


@pytest.fixture
def alert_store(database_url: str) -> Iterator[AlertStore]:
    """The alerts' tables in a fresh database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""
    from bot.store.alerts import AlertStore

    store = AlertStore.from_url(database_url)
    yield store
    store.engine.dispose()
