"""gunicorn's options from Settings: workers and threads as configured, a graceful timeout above the longest answer so a
draining worker is not killed mid-answer, the drain hook, and the options as gunicorn itself reads them (no server
is started)."""

from __future__ import annotations

import inspect
import logging
import logging.config
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from unittest.mock import Mock

import pytest
from gunicorn.errors import AppImportError
from gunicorn.workers.gthread import ThreadWorker

from bot.config import ConfigError, Settings
from bot.web.admission import AcksFirst
from bot.web.server import AcksFirstWorker, GunicornServer, _drain_worker, gunicorn_options


def settings(**overrides: object) -> Settings:
    return Settings(regions=("us-east-1",), **overrides)  # type: ignore[arg-type]


@pytest.mark.parametrize("deadline", [1.0, 20.0, 57.5, 120.0])
def test_the_graceful_timeout_outlasts_the_longest_answer(deadline: float) -> None:
    # A drill-down: account discovery, then the jobs (two AWS deadlines), then posting the answer.
    options = gunicorn_options(settings(aws_deadline_seconds=deadline))
    assert isinstance(options["graceful_timeout"], int)
    assert options["graceful_timeout"] > 2 * deadline + 5


def test_workers_threads_and_bind_come_from_settings() -> None:
    options = gunicorn_options(settings(web_concurrency=3, web_threads=7, port=4123), host="127.0.0.1")
    assert (options["workers"], options["threads"], options["bind"]) == (3, 7, "127.0.0.1:4123")
    assert options["worker_class"] == "bot.web.server.AcksFirstWorker" and options["worker_exit"] is _drain_worker


@pytest.mark.parametrize(("fmt", "formatter"), [("json", "bot.logs.JsonFormatter"), ("text", "bot.logs.TextFormatter")])
def test_gunicorns_lines_get_the_bots_format_and_masking(fmt: str, formatter: str) -> None:
    config = gunicorn_options(settings(log_format=fmt, log_level="WARNING"), secrets=["xoxb-1-secret"])["logconfig_dict"]
    assert config["root"]["level"] == "WARNING"
    assert [f["()"] for f in config["formatters"].values()] == [formatter]
    secrets_filters = [f for f in config["filters"].values() if f.get("secrets") == ["xoxb-1-secret"]]
    assert secrets_filters and all(len(h["filters"]) >= 1 for h in config["handlers"].values())


def test_plain_text_gunicorn_lines_read_like_the_bots(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logging.config.dictConfig(gunicorn_options(settings(log_format="text"))["logconfig_dict"])
        logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 42)
        logging.getLogger("bot.web").info("drained answers in flight in %.1f s", 0.2)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("gunicorn.error").handlers[:] = []
    lines = capsys.readouterr().err.splitlines()
    shape = re.compile(r"\A\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO (gunicorn\.error|bot\.web) ")
    assert len(lines) == 2 and all(shape.match(line) for line in lines), lines


def test_a_workers_configuration_error_is_its_lines_alone() -> None:
    def failing() -> object:
        raise ConfigError("DATABASE_URL sqlite:////gone/x.db is not usable (OperationalError: gone)", "PORT='x' bad")

    with pytest.raises(AppImportError) as raised:
        GunicornServer(failing, gunicorn_options(settings())).load()
    assert str(raised.value) == ("configuration error: DATABASE_URL sqlite:////gone/x.db is not usable "
                                 "(OperationalError: gone)\nconfiguration error: PORT='x' bad")
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_gunicorn_reads_the_options_and_skips_unset_ones() -> None:
    app = object()
    server = GunicornServer(lambda: app, gunicorn_options(settings(web_concurrency=2, web_threads=9,
                                                                   aws_deadline_seconds=30.0), host="127.0.0.1"))
    assert (server.cfg.workers, server.cfg.threads, server.cfg.graceful_timeout) == (2, 9, 75)
    assert server.cfg.bind == ["127.0.0.1:3000"] and server.cfg.worker_class is AcksFirstWorker
    assert server.cfg.accesslog is None  # None is left at gunicorn's default (no access log)
    assert server.load() is app


def test_the_exit_hook_drains_the_workers_app() -> None:
    drain = Mock()
    _drain_worker(None, SimpleNamespace(wsgi=SimpleNamespace(drain=drain)))
    drain.assert_called_once_with()


def test_the_exit_hook_ignores_a_worker_without_a_drain() -> None:
    _drain_worker(None, SimpleNamespace(wsgi=None))  # a worker that died before loading the app
    _drain_worker(None, SimpleNamespace(wsgi=SimpleNamespace(drain="not callable")))


def test_gunicorns_gthread_still_has_what_the_acks_first_worker_overrides() -> None:
    # AcksFirstWorker overrides gthread's accept(listener) and enqueue_req(conn) and uses its pool and method queue:
    # a gunicorn that renames them must fail here, not silently serve without the acks counted.
    assert list(inspect.signature(ThreadWorker.accept).parameters) == ["self", "listener"]
    assert list(inspect.signature(ThreadWorker.enqueue_req).parameters) == ["self", "conn"]
    for name in ("handle", "finish_request", "get_thread_pool"):
        assert callable(getattr(ThreadWorker, name))
    source = inspect.getsource(ThreadWorker)
    assert "self.tpool" in source and "self.method_queue.defer" in source and "self.nr_conns" in source


def _worker(acks: AcksFirst | None, handle: object) -> tuple[AcksFirstWorker, list[tuple[object, ...]]]:
    worker = object.__new__(AcksFirstWorker)  # no process, no socket: only what enqueue_req and accept use
    worker.wsgi = SimpleNamespace(acks=acks) if acks is not None else object()
    worker.handle = handle
    worker.tpool = ThreadPoolExecutor(max_workers=2)
    finished: list[tuple[object, ...]] = []
    worker.method_queue = SimpleNamespace(defer=lambda fn, *args: finished.append((fn, *args)))
    worker.finish_request = "finish"
    worker.nr_conns, worker.worker_connections = 0, 1000
    return worker, finished


def test_a_request_counts_as_an_ack_from_its_accept_until_its_response_is_written() -> None:
    acks, started, release = AcksFirst(), threading.Event(), threading.Event()

    def handle(conn: object) -> bool:
        started.set()
        release.wait(5)
        return True

    worker, finished = _worker(acks, handle)
    worker.enqueue_req("conn-1")
    assert acks.in_flight() == 1  # counted at once, before a pool thread picked it up
    assert started.wait(5)
    assert acks.in_flight() == 1 and finished == []
    release.set()
    worker.tpool.shutdown(wait=True)
    assert acks.in_flight() == 0
    assert [entry[:2] for entry in finished] == [("finish", "conn-1")]  # gunicorn still finishes the request


def test_a_request_that_fails_in_the_server_is_not_counted_forever() -> None:
    acks = AcksFirst()

    def handle(conn: object) -> bool:
        raise OSError("connection reset")

    worker, finished = _worker(acks, handle)
    worker.enqueue_req("conn-1")
    worker.tpool.shutdown(wait=True)
    assert acks.in_flight() == 0 and len(finished) == 1


def test_without_acks_to_count_the_worker_is_gthread() -> None:
    worker, finished = _worker(None, lambda conn: True)
    worker.enqueue_req("conn-1")
    worker.tpool.shutdown(wait=True)
    assert [entry[:2] for entry in finished] == [("finish", "conn-1")]


def test_every_waiting_connection_is_accepted_in_one_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    waiting = ["c1", "c2", "c3"]

    def accept_one(self: AcksFirstWorker, listener: object) -> None:  # gthread's: one connection, EAGAIN swallowed
        if waiting:
            waiting.pop(0)
            self.nr_conns += 1

    monkeypatch.setattr(ThreadWorker, "accept", accept_one)
    worker, _ = _worker(AcksFirst(), lambda conn: True)
    worker.accept(listener=object())
    assert waiting == [] and worker.nr_conns == 3
    waiting += ["c4", "c5"]
    worker.worker_connections = 4  # never past gunicorn's limit of connections
    worker.accept(listener=object())
    assert worker.nr_conns == 4 and waiting == ["c5"]
