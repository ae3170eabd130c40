"""Schema migrations through real `python -m bot` processes against the loopback fakes, on SQLite and (with
TEST_DATABASE_URL) PostgreSQL: two processes starting at once on a database of the release before migrations migrate
it once and both run without posting again what was posted; `migrate` says what it did; a database newer than the
release stops every process before it writes anything."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.digest.data import digest_day
from bot.store.db import create_store_engine
from bot.store.migrate import status
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import DIGEST_CHANNELS, REPO, posts, settled_now, start_bot
from tests.unit.store import previous_release
from tests.unit.store.test_migrations import old_database

pytestmark = [pytest.mark.e2e, pytest.mark.dates]

ADOPTED = "recognised a database of the release before migrations (7 table(s), columns checked; no row touched)"
NEWER = "the database's schema is at revision 0002, which this release does not know (its newest is 0001)"


def env_for(bot_env: dict[str, str], slack: FakeSlack, database_url: str) -> dict[str, str]:
    return dict(bot_env, RESTORES_DIGEST_CHANNELS=",".join(DIGEST_CHANNELS), DATABASE_URL=database_url,
                SLACK_API_URL=slack.api_url, LOG_LEVEL="INFO")


def bot(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def digests_posted_before_the_upgrade(database_url: str) -> None:
    """The old release posted today's digest to every configured channel and kept a row in every other table (among
them C0SUBS's subscription, whose digest it had not posted)."""
    engine = old_database(database_url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for channel in DIGEST_CHANNELS:
            conn.execute(insert(previous_release.metadata.tables["digest_deliveries"]).values(
                channel=channel, day=digest_day(now), status="done", owner="old:1:aa", claimed_at=now, posted_at=now,
                message_ts="1700000000.000100", attempts=1))
    engine.dispose()


def test_two_processes_at_once_on_an_old_database_migrate_once_and_post_nothing_again(
        fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], database_url: str) -> None:
    _, slack = fakes
    settled_now()  # not across midnight: the digest's day is the one the old release posted
    digests_posted_before_the_upgrade(database_url)
    env = env_for(bot_env, slack, database_url)
    procs = [bot(env, "digest") for _ in range(2)]
    stderrs = []
    for proc in procs:
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0, stderr
        stderrs.append(stderr)
    assert sum(ADOPTED in stderr for stderr in stderrs) == 1, stderrs
    assert sum("database schema: database at revision 0001, the newest: nothing to do" in stderr
               for stderr in stderrs) == 1, stderrs
    # Posted before the upgrade: not again. The channel subscribed from Slack still gets its digest, once.
    assert all("already-posted" in stderr for stderr in stderrs)
    assert [call.params["channel"] for call in posts(slack)] == ["C0SUBS"]
    engine = create_store_engine(database_url)
    assert status(engine).current
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar_one() == 1
    engine.dispose()


def test_migrate_says_what_it_did(bot_env: dict[str, str], database_url: str) -> None:
    old_database(database_url).dispose()
    env = dict(bot_env, DATABASE_URL=database_url)
    first = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert ADOPTED in first.stdout and first.stdout.rstrip().endswith(
        "adopted and upgraded to 0001; applied 0001 (Baseline: the schema of the last release before migrations)")
    second = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=60)
    assert second.returncode == 0 and second.stdout.rstrip().endswith(
        ": database at revision 0001, the newest: nothing to do"), second


def test_serve_upgrades_before_its_workers_start(fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str],
                                                 database_url: str, tmp_path: Path) -> None:
    _, slack = fakes
    old_database(database_url).dispose()
    running = start_bot(env_for(bot_env, slack, database_url), slack, tmp_path)
    try:
        assert running.log_text().count(ADOPTED) == 1
    finally:
        running.stop()
    engine = create_store_engine(database_url)
    assert status(engine).current
    engine.dispose()


def test_a_newer_database_stops_every_process_and_is_not_written(
        fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], database_url: str) -> None:
    _, slack = fakes
    engine = create_store_engine(database_url)
    previous_release.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0002')")
    env = env_for(bot_env, slack, database_url)
    for command in ("digest", "poll", "serve", "migrate"):
        proc = bot(env, command)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 2, (command, stderr)
        assert f"configuration error: {NEWER}" in stderr, (command, stderr)
    assert posts(slack) == []
    assert status(engine).revision == "0002"
    engine.dispose()
