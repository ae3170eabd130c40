"""gunicorn's options from Settings: workers and threads as configured, a graceful timeout above the longest answer so a
draining worker is not killed mid-answer, the drain hook, and the options as gunicorn itself reads them (no server
is started)."""

from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import Mock

import pytest

from bot.config import Settings
from bot.web.server import GunicornServer, _drain_worker, gunicorn_options


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
    assert options["worker_class"] == "gthread" and options["worker_exit"] is _drain_worker


def test_json_logs_get_a_config_that_masks_the_secrets() -> None:
    assert "logconfig_dict" not in gunicorn_options(settings())
    config = gunicorn_options(settings(log_format="json", log_level="WARNING"), secrets=["xoxb-1-secret"])["logconfig_dict"]
    assert config["root"]["level"] == "WARNING"
    secrets_filters = [f for f in config["filters"].values() if f.get("secrets") == ["xoxb-1-secret"]]
    assert secrets_filters and all(len(h["filters"]) >= 1 for h in config["handlers"].values())


def test_gunicorn_reads_the_options_and_skips_unset_ones() -> None:
    app = object()
    server = GunicornServer(lambda: app, gunicorn_options(settings(web_concurrency=2, web_threads=9,
                                                                   aws_deadline_seconds=30.0), host="127.0.0.1"))
    assert (server.cfg.workers, server.cfg.threads, server.cfg.graceful_timeout) == (2, 9, 75)
    assert server.cfg.bind == ["127.0.0.1:3000"] and server.cfg.worker_class_str == "gthread"
    assert server.cfg.accesslog is None  # None is left at gunicorn's default (no access log)
    assert server.load() is app


def test_the_exit_hook_drains_the_workers_app() -> None:
    drain = Mock()
    _drain_worker(None, SimpleNamespace(wsgi=SimpleNamespace(drain=drain)))
    drain.assert_called_once_with()


def test_the_exit_hook_ignores_a_worker_without_a_drain() -> None:
    _drain_worker(None, SimpleNamespace(wsgi=None))  # a worker that died before loading the app
    _drain_worker(None, SimpleNamespace(wsgi=SimpleNamespace(drain="not callable")))
