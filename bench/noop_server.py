"""The ack benchmark's same-run baseline: a do-nothing WSGI app behind the bot's own gunicorn settings.

`python -m bench.noop_server` reads the same environment as `python -m bot serve` (PORT, WEB_CONCURRENCY,
RESTORES_WEB_THREADS, ...) and serves, with `bot.web.server.gunicorn_options` (gthread workers, threads, keepalive,
timeouts), an app that reads the body and answers 200 with an empty body: what an ack costs with no bot behind it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from bot.config import load_settings
from bot.web.server import serve


def do_nothing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]


def main() -> int:
    settings = load_settings(dict(os.environ), "http")
    serve(settings, lambda: do_nothing, host="127.0.0.1")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
