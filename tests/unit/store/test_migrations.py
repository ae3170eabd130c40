"""Schema migrations (bot/store/migrate.py) against SQLite and, when TEST_DATABASE_URL is set, PostgreSQL: the models
match the newest revision (CI fails on a table changed without its migration), a database of the release before
migrations is adopted and keeps every promise, a newer schema is refused and left alone.

Every later change to a table ships its revision, and extends `old_database` / `test_an_old_database_*` below with
what that table promises."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, func, insert, inspect, select

from bot.config import load_settings
from bot.store.alerts import AlertStore
from bot.store.db import create_store_engine
from bot.store.lease import LeaseStore
from bot.store.ledger import Ledger
from bot.store.migrate import (
    SchemaError,
    SchemaTooNew,
    UnknownSchema,
    config,
    ensure_schema,
    migrate,
    status,
)
from bot.store.replay import ReplayGuard
from bot.store.subscriptions import SubscriptionStore
from bot.store.tables import models
from tests.unit.store import previous_release

DAY = date(2026, 11, 25)
TIMESTAMP, SIGNATURE = "1700000000", "v0=seen-before"


def engine_of(url: str) -> Engine:
    return create_store_engine(url)


def differences(engine: Engine, target: MetaData | list[MetaData]) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, target))  # type: ignore[arg-type]


def one_metadata(parts: list[MetaData]) -> MetaData:
    merged = MetaData()
    for part in parts:
        for table in part.sorted_tables:
            table.to_metadata(merged)
    return merged


def test_one_head_and_its_revisions_named_in_order() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config())
    assert len(script.get_heads()) == 1
    assert [rev.revision for rev in script.walk_revisions()][-1] == "0001"


def test_the_models_are_the_newest_revision(database_url: str) -> None:
    """The CI gate: a table, column, index or constraint changed in bot/store without a revision fails here. Write
    the revision (README: Upgrades and rollbacks) until autogenerate finds nothing."""
    engine = engine_of(database_url)
    migrate(engine)
    assert differences(engine, one_metadata(models())) == []


def test_revision_0001_is_the_previous_release_schema(database_url: str) -> None:
    engine = engine_of(database_url)
    migrate(engine, "0001")
    assert differences(engine, previous_release.metadata) == []


def old_database(url: str) -> Engine:
    """A database made and used by the release before migrations: its tables as its create_all made them (no version
    table), a row in each: a posted digest, an alert delivered and one waiting in the outbox with their day's thread,
    a checkpoint, the poller's lease, a subscription from Slack, a request seen."""
    engine = engine_of(url)
    previous_release.metadata.create_all(engine)
    tables = previous_release.metadata.tables
    now = datetime.now(UTC)
    payload = json.dumps({"region": "us-east-1", "job_id": "job-1"})
    with engine.begin() as conn:
        conn.execute(insert(tables["digest_deliveries"]).values(
            channel="C0DIGEST", day=DAY, status="done", owner="old:1:aa", claimed_at=now, posted_at=now,
            message_ts="1700000000.000100", attempts=1))
        delivered = {"job_id": "us-east-1/job-1", "status": "done", "owner": "old:1:aa", "claimed_at": now, "day": DAY,
                     "thread_ts": "1700000000.000200", "message_ts": "1700000000.000300", "attempts": 1}
        waiting = {"job_id": "us-east-1/job-2", "status": "pending", "attempts": 0}
        for alert in (delivered, waiting):
            conn.execute(insert(tables["alert_deliveries"]).values(
                channel="C0ALERTS", kind="job", payload=payload, enqueued_at=now, **alert))
        conn.execute(insert(tables["alert_threads"]).values(
            channel="C0ALERTS", day=DAY, status="done", owner="old:1:aa", claimed_at=now, ts="1700000000.000200",
            shown_count=1, broadcast=False))
        conn.execute(insert(tables["alert_checkpoints"]).values(region="us-east-1", account="", covered_until=now))
        conn.execute(insert(tables["alert_leases"]).values(name="alerts", owner="old:1:aa", renewed_at=now))
        conn.execute(insert(tables["subscriptions"]).values(
            channel="C0SUBS", kind="digest", hour=9, minute=30, tz="Europe/Berlin", subscribed_by="U0USER",
            subscribed_at=now, failures=0))
        fingerprint = hashlib.sha256(f"{TIMESTAMP}:{SIGNATURE}".encode()).hexdigest()
        conn.execute(insert(tables["seen_requests"]).values(fingerprint=fingerprint))
    return engine


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in previous_release.metadata.tables.items()}


def test_an_old_database_is_adopted_and_keeps_every_promise(database_url: str) -> None:
    engine = old_database(database_url)
    before = status(engine)
    assert before.revision is None and len(before.unversioned_tables) == 7
    done = migrate(engine)
    assert done.applied and done.describe().startswith(
        "recognised a database of the release before migrations (7 table(s), columns checked; no row touched)")
    assert status(engine).current
    assert row_counts(engine) == {"digest_deliveries": 1, "alert_deliveries": 2, "alert_threads": 1,
                                  "alert_checkpoints": 1, "alert_leases": 1, "subscriptions": 1, "seen_requests": 1}

    # The digest posted before the upgrade is not posted again.
    ledger = Ledger(engine)
    assert ledger.claim("C0DIGEST", DAY, "new:1:bb") is False
    assert ledger.get("C0DIGEST", DAY).message_ts == "1700000000.000100"  # type: ignore[union-attr]
    # The delivered alert stays delivered; only the one in the outbox is handed out, once, into the day's thread.
    alerts = AlertStore(engine)
    assert [d.job_id for d in alerts.claim("C0ALERTS", "new:1:bb")] == ["us-east-1/job-2"]
    assert alerts.claim("C0ALERTS", "new:1:cc") == []
    assert alerts.claim_thread("C0ALERTS", DAY, "new:1:bb") is False
    assert alerts.thread("C0ALERTS", DAY).ts == "1700000000.000200"  # type: ignore[union-attr]
    assert ("us-east-1", "") in alerts.checkpoints()
    assert LeaseStore(engine).lease_owner("alerts") == "old:1:aa"
    # The subscription made from Slack is still there; the replay is still refused.
    settings = load_settings({"RESTORES_REGIONS": "us-east-1"})
    assert [(s.channel, s.hour, s.minute, s.tz) for s in SubscriptionStore(engine).digest_subscriptions(settings)] \
        == [("C0SUBS", 9, 30, "Europe/Berlin")]
    assert ReplayGuard(engine).first_time(TIMESTAMP, SIGNATURE) is False
    engine.dispose()


def test_an_old_database_missing_tables_gets_them(database_url: str) -> None:
    """The release before migrations created each table on first use: a web-only deployment has no ledger yet."""
    engine = engine_of(database_url)
    previous_release.metadata.tables["seen_requests"].create(engine)
    done = migrate(engine)
    assert done.before.unversioned_tables == ("seen_requests",)
    assert differences(engine, one_metadata(models())) == []


def test_a_table_not_of_the_previous_release_is_refused_and_nothing_written(database_url: str) -> None:
    engine = engine_of(database_url)
    previous_release.metadata.tables["seen_requests"].create(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE seen_requests ADD COLUMN note VARCHAR(10)")
    with pytest.raises(UnknownSchema, match="table seen_requests has columns fingerprint, note, seen_at"):
        migrate(engine)
    assert set(inspect(engine).get_table_names()) == {"seen_requests"}  # no version table, no other table


def test_a_fresh_database_is_created_by_the_migrations(database_url: str) -> None:
    engine = engine_of(database_url)
    done = migrate(engine)
    assert done.describe() == ("empty database: created the schema at revision 0001; applied 0001 (Baseline: the "
                               "schema of the last release before migrations)")
    again = migrate(engine)
    assert not again.changed and again.describe() == "database at revision 0001, the newest: nothing to do"


def newer_release(tmp_path: Path) -> Path:
    """This release's migrations plus a revision 0002 that only a newer release has."""
    from bot.store.migrate import MIGRATIONS

    location = tmp_path / "newer-migrations"
    shutil.copytree(MIGRATIONS, location, ignore=shutil.ignore_patterns("__pycache__"))
    (location / "versions" / "0002_note.py").write_text('''"""Add a note to the subscriptions."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("note", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("note")
''')
    return location


def test_a_newer_schema_is_refused_and_never_written_then_downgraded_by_the_newer_release(
        database_url: str, tmp_path: Path) -> None:
    engine = engine_of(database_url)
    newer = config(newer_release(tmp_path))
    upgraded = migrate(engine, cfg=newer)
    assert upgraded.applied == ("0001 (Baseline: the schema of the last release before migrations)",
                                "0002 (Add a note to the subscriptions)")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO subscriptions (channel, kind, subscribed_by, subscribed_at, failures, note) "
                             "VALUES ('C0SUBS', 'alerts', 'U0USER', CURRENT_TIMESTAMP, 0, 'kept')")

    message = ("the database's schema is at revision 0002, which this release does not know (its newest is 0001): a "
               "newer release upgraded it. Refusing to use it; nothing was written.")
    assert message in status(engine).describe() and not status(engine).known
    for attempt in (lambda: migrate(engine), lambda: ensure_schema(engine), lambda: SubscriptionStore(engine)):
        with pytest.raises(SchemaTooNew) as refused:
            attempt()
        assert message in str(refused.value) and "`python -m bot migrate --to 0001`" in str(refused.value)
    assert status(engine).revision == "0002"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT note FROM subscriptions").scalar_one() == "kept"

    # The rollback: the newer release takes its revision back, then this release uses the database again.
    back = migrate(engine, "0001", cfg=newer)
    assert back.reverted == ("0002 (Add a note to the subscriptions)",)
    assert back.describe() == "downgraded from 0002 to 0001; reverted 0002 (Add a note to the subscriptions)"
    assert SubscriptionStore(engine).of_channel("C0SUBS", load_settings({"RESTORES_REGIONS": "us-east-1"}))
    assert differences(engine, one_metadata(models())) == []


def test_no_migration_to_before_the_first_revision_or_to_an_unknown_one(database_url: str) -> None:
    engine = engine_of(database_url)
    migrate(engine)
    for target in ("base", "0999"):
        with pytest.raises(SchemaError, match=f"no revision '{target}' to migrate to: known are 0001"):
            migrate(engine, target)
    assert status(engine).current


def test_stores_opened_together_on_an_old_database_adopt_it_once(tmp_path: Path) -> None:
    """Threads standing in for processes (the unit tier starts none; tests/e2e/test_migrations.py starts real ones):
    each with its own engine, all at once; one adopts, the others find it done."""
    import threading

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old_database(url).dispose()
    results: list[object] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        engine = engine_of(url)
        barrier.wait()
        try:
            results.append(migrate(engine))
        except BaseException as error:
            results.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sum(1 for r in results if r.changed) == 1  # type: ignore[attr-defined]
    assert row_counts(engine_of(url))["alert_deliveries"] == 2
