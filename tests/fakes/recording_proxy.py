"""A loopback reverse proxy that records the request headers passing through it, for tests that must know
exactly what a client sent (e.g. the SigV4 ``Authorization`` values the bot sent to AWS, to prove they never
reach its log).

Usage::

    with RecordingProxy(emulator.url) as proxy:
        env["AWS_ENDPOINT_URL_BACKUP"] = proxy.url
        ...
        values = proxy.header_values("authorization")
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["RecordingProxy"]

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], proxy: RecordingProxy) -> None:
        self.proxy = proxy
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Keep test output quiet."""

    def _forward(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP}
        proxy._record({name.lower(): value for name, value in headers.items()})
        connection = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=30)
        try:
            # Host is forwarded unchanged: SigV4 signs it, and the upstream does not care.
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True
        finally:
            connection.close()

    do_GET = _forward  # noqa: N815 - http.server naming
    do_POST = _forward  # noqa: N815
    do_PUT = _forward  # noqa: N815
    do_DELETE = _forward  # noqa: N815


class RecordingProxy:
    """Forwards every request to ``upstream`` (an ``http://host:port`` URL) and records its headers."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1") -> None:
        split = urlsplit(upstream)
        if split.scheme != "http" or not split.hostname or not split.port:
            raise ValueError(f"upstream must be http://host:port, got {upstream!r}")
        self.upstream_host = split.hostname
        self.upstream_port = split.port
        self._host = host
        self._lock = threading.Lock()
        self._headers: list[dict[str, str]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> RecordingProxy:
        if self._server is None:
            server = _Server((self._host, 0), self)
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name="RecordingProxy", daemon=True)
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> RecordingProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("RecordingProxy is not started")
        return f"http://{self._host}:{self._server.server_address[1]}"

    def _record(self, headers: dict[str, str]) -> None:
        with self._lock:
            self._headers.append(headers)

    @property
    def requests(self) -> list[dict[str, str]]:
        """Headers of every request so far (names lower-cased), oldest first."""
        with self._lock:
            return [dict(h) for h in self._headers]

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` seen so far."""
        with self._lock:
            return [h[name.lower()] for h in self._headers if name.lower() in h]
