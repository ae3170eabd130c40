"""Production HTTP server: gunicorn (threaded workers) serving the bot's WSGI app, embedded in the CLI."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.errors import AppImportError

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
        "worker_class": "gthread",
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
