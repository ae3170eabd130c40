"""Trust guards that had no test of their own: channel ids are validated at start-up against the columns that keep
them; a replay is refused by any worker or replica sharing DATABASE_URL; /readyz asks Slack at most once per
interval and never piles probes up behind a hanging Slack; gunicorn's graceful timeout outlasts the longest answer."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, Table

from bot.config import ConfigError, load_settings
from bot.domain.ids import CHANNEL_RE
from bot.store.alerts import deliveries as alert_deliveries
from bot.store.alerts import threads as alert_threads
from bot.store.db import create_store_engine
from bot.store.ledger import deliveries as digest_deliveries
from bot.store.replay import ReplayGuard
from bot.store.subscriptions import subscriptions
from bot.web.front import Readiness
from bot.web.server import gunicorn_options

BASE = {"RESTORES_REGIONS": "us-east-1"}
REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- item 7: ids against column sizes


@pytest.mark.parametrize("table", [digest_deliveries, alert_deliveries, alert_threads, subscriptions],
                         ids=lambda t: t.name)
def test_every_channel_id_the_bot_accepts_fits_the_columns_that_keep_it(table: Table) -> None:
    column_type = table.c.channel.type
    assert isinstance(column_type, String) and column_type.length is not None
    width = column_type.length
    assert CHANNEL_RE.match("C" + "A" * (width - 1)), f"{table.name}.channel holds {width}: such an id must be accepted"
    assert not CHANNEL_RE.match("C" + "A" * width), f"{table.name}.channel holds {width}: a longer id must be refused"


@pytest.mark.parametrize("name", ["RESTORES_DIGEST_CHANNELS", "RESTORES_ALLOWED_CHANNELS", "RESTORES_ALERT_CHANNELS"])
def test_a_channel_id_longer_than_the_column_is_refused_at_start_up(name: str) -> None:
    fits, too_long = "C" + "A" * 31, "C" + "A" * 32
    assert fits in getattr(load_settings(dict(BASE, **{name: fits})), name.removeprefix("RESTORES_").lower())
    with pytest.raises(ConfigError, match=name):
        load_settings(dict(BASE, **{name: too_long}))


def test_a_scope_for_a_channel_id_longer_than_the_column_is_refused_at_start_up() -> None:
    with pytest.raises(ConfigError, match="RESTORES_CHANNEL_ACCOUNTS"):
        load_settings(dict(BASE, RESTORES_CHANNEL_ACCOUNTS="C" + "A" * 32 + "=111122223333"))


# --------------------------------------------------------------------------- item 11: replays across replicas


def test_a_replay_is_refused_by_another_worker_sharing_the_database(database_url: str) -> None:
    """Two guards on one database stand for two workers (or replicas): what one accepted, the other refuses."""
    first_worker = ReplayGuard(create_store_engine(database_url))
    second_worker = ReplayGuard(create_store_engine(database_url))
    try:
        timestamp, signature = str(int(time.time())), "v0=" + "a" * 64
        assert first_worker.first_time(timestamp, signature) is True
        assert second_worker.first_time(timestamp, signature) is False
        assert first_worker.first_time(timestamp, signature) is False
        # Another request (Slack signs each anew) is not a replay.
        assert second_worker.first_time(timestamp, "v0=" + "b" * 64) is True
    finally:
        first_worker.engine.dispose()
        second_worker.engine.dispose()


# --------------------------------------------------------------------------- item 14: /readyz cached


class _Slack:
    """auth.test, counted; it hangs while `release` is not set."""

    def __init__(self, *, hang: bool = False) -> None:
        self.calls = 0
        self.release = threading.Event()
        if not hang:
            self.release.set()
        self._lock = threading.Lock()

    def auth_test(self) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
        self.release.wait(30)
        return {"team_id": "T0TEST"}


def test_readyz_asks_slack_at_most_once_per_interval() -> None:
    slack = _Slack()
    readiness = Readiness(slack, ttl=60.0, wait=2.0)  # type: ignore[arg-type]
    assert [readiness.check() for _ in range(20)] == [(True, "slack auth ok (team T0TEST)")] * 20
    assert slack.calls == 1


def test_probes_do_not_pile_up_behind_a_hanging_slack() -> None:
    slack = _Slack(hang=True)
    # Slack hangs until released (30 s at most), so every probe waits out `wait` whatever its length: a short one
    # decides nothing, it only ends the probes sooner.
    readiness = Readiness(slack, ttl=60.0, wait=0.05)  # type: ignore[arg-type]
    results: list[tuple[bool, str]] = []
    started = time.monotonic()
    probes = [threading.Thread(target=lambda: results.append(readiness.check())) for _ in range(10)]
    for probe in probes:
        probe.start()
    for probe in probes:
        probe.join(5)
    assert time.monotonic() - started < 2.0  # each probe waited `wait`, not for Slack
    assert len(results) == 10 and all(not ready and "has not answered yet" in why for ready, why in results)
    assert slack.calls == 1  # one auth.test in flight, however many probes
    slack.release.set()
    deadline = time.monotonic() + 5
    while readiness.check() != (True, "slack auth ok (team T0TEST)") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert readiness.check()[0] is True and slack.calls == 1


# --------------------------------------------------------------------------- item 15: graceful timeout


@pytest.mark.parametrize("deadline", ["1", "8", "20", "60", "120"])
def test_the_graceful_timeout_outlasts_the_longest_answer(deadline: str) -> None:
    """The longest answer is a drill-down: account discovery, then the jobs (two AWS deadlines), then its post."""
    settings = load_settings(dict(BASE, RESTORES_AWS_DEADLINE=deadline))
    options = gunicorn_options(settings)
    assert options["graceful_timeout"] >= 2 * settings.aws_deadline_seconds + 10
    assert callable(options["worker_exit"])  # the worker drains its answers before it exits (e2e: test_trust_drain)


def test_the_web_process_is_served_with_those_options() -> None:
    procfile = dict(line.split(":", 1) for line in (REPO / "Procfile").read_text().splitlines() if ":" in line)
    assert procfile["web"].strip() == "python -m bot serve"
    assert 'CMD ["python", "-m", "bot", "serve"]' in (REPO / "Dockerfile").read_text()
