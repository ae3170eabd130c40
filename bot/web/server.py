"""Production HTTP server: gunicorn (threaded workers) serving the bot's WSGI app, embedded in the CLI."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.errors import AppImportError
from gunicorn.workers.gthread import ThreadWorker

from bot.config import ConfigError, Settings

# gunicorn's exit status when a worker could not load the app: here, only a configuration error (GunicornServer.load).
APP_LOAD_ERROR = 4


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Runs `app_factory()` in each worker, so no thread pool is created before the fork."""

    def __init__(self, app_factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self._factory = app_factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self) -> Any:
        try:
            return self._factory()
        except ConfigError as error:
            # gunicorn prints an AppImportError's text alone and stops (exit 4, "App failed to load"); anything else
            # would print the worker's traceback, once per worker, and "Worker failed to boot".
            raise AppImportError("\n".join(f"configuration error: {problem}" for problem in error.problems)) from None


class AcksFirstWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker, with two changes for a burst of slash commands (bench.ack_latency):

    - every connection waiting in the listen queue is accepted in one turn of the loop, not one a turn: between two
      turns the loop waits for the interpreter lock, which the answers of the burst's first commands hold;
    - each request counts as an ack being answered (bot.web.admission.AcksFirst) from its connection's accept to its
      response, not only while the app runs: answers wait until the whole burst is acked, not until a gap between
      two requests that are still in the server's queue.

    gunicorn's `accept`/`enqueue_req` (gthread, gunicorn >= 27) are what this overrides; tests/unit/web/test_server.py
    fails if they move."""

    def accept(self, listener: Any) -> None:
        while self.nr_conns < self.worker_connections:
            before = self.nr_conns
            super().accept(listener)  # EAGAIN (nothing waiting) is swallowed there, and counts nothing
            if self.nr_conns == before:
                return

    def enqueue_req(self, conn: Any) -> None:
        acks = getattr(self.wsgi, "acks", None)
        if acks is None:
            super().enqueue_req(conn)
            return
        acks.arrived()
        try:
            future = self.tpool.submit(self.handle, conn)
        except BaseException:
            acks.left()
            raise

        def done(finished: Any) -> None:
            acks.left()
            self.method_queue.defer(self.finish_request, conn, finished)

        future.add_done_callback(done)


def _drain_worker(_server: Any, worker: Any) -> None:
    """gunicorn's worker_exit hook, in the worker process after it stopped taking requests."""
    drain = getattr(getattr(worker, "wsgi", None), "drain", None)
    if callable(drain):
        drain()


def gunicorn_options(settings: Settings, host: str = "0.0.0.0", secrets: list[str] | None = None) -> dict[str, Any]:
    options = {
        "bind": f"{host}:{settings.port}",
        "workers": settings.web_concurrency,
        # Threads: each ack holds one only for milliseconds, but 40 commands may arrive at once.
        "worker_class": "bot.web.server.AcksFirstWorker",
        "threads": settings.web_threads,
        "timeout": 60,
        # On SIGTERM a worker drains (bot.web.app.create_web_app) before it exits: every acked command still gets its
        # answer. The longest answer is a drill-down (account discovery, then the jobs: two AWS deadlines) plus
        # posting it; the arbiter kills a worker that takes longer than this.
        "graceful_timeout": int(2 * settings.aws_deadline_seconds) + 15,
        "worker_exit": _drain_worker,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "restores-bot",
        # Bodies of Slack requests are small; refuse anything silly before Bolt reads it.
        "limit_request_line": 8190,
        # gunicorn >= 25 opens a control socket at a fixed path; replicas on one host would fight over it.
        "control_socket_disable": True,
    }
    # gunicorn's lines in the bot's own format, plain text or JSON: one format per log.
    from bot.logs import gunicorn_logconfig

    options["logconfig_dict"] = gunicorn_logconfig(settings.log_level, secrets or [], settings.log_format)
    return options


def serve(
    settings: Settings, app_factory: Callable[[], Any], host: str = "0.0.0.0", secrets: list[str] | None = None
) -> None:
    """Run gunicorn until it stops; a worker's configuration error (printed by it) stops it with exit status 2, as the
    configuration errors found before gunicorn starts do."""
    arbiter = os.getpid()
    try:
        GunicornServer(app_factory, gunicorn_options(settings, host, secrets)).run()
    except SystemExit as stop:
        if os.getpid() != arbiter:  # a worker's own exit (it runs inside run() too): the arbiter must see it as is
            raise
        raise SystemExit(2 if stop.code == APP_LOAD_ERROR else stop.code) from None
