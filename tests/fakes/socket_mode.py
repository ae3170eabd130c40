"""Loopback fake of Slack's Socket Mode WebSocket server, for real Socket Mode clients (slack_sdk's builtin one).

Usage::

    with FakeSocketMode() as socket_mode, FakeSlack() as slack:
        slack.set_socket_mode_url(socket_mode.new_url)     # apps.connections.open hands out a fresh ticket each time
        ...                                                # start the app with slack.app_token and slack.api_url
        [first] = socket_mode.wait_for_connections(1)
        envelope_id = socket_mode.push_slash_command("failed 7d", response_url=slack.response_url("cmd-1"))
        ack = socket_mode.wait_for_ack(envelope_id, timeout=3)
        socket_mode.disconnect("refresh_requested")        # the client should open a second connection
        socket_mode.wait_for_connections(2)

The protocol, as Slack documents it (docs.slack.dev "Using Socket Mode") and as slack_sdk's own tests mock it:
on connect the server sends ``{"type": "hello", "num_connections": ..., "debug_info": {...},
"connection_info": {"app_id": ...}}``; it delivers ``{"envelope_id", "type", "payload",
"accepts_response_payload"}`` envelopes; the client acknowledges each with ``{"envelope_id": ...}`` (plus
``"payload"`` when it answers in the ack) within 3 seconds; ``{"type": "disconnect", "reason":
"refresh_requested" | "warning" | "link_disabled", "debug_info": {...}}`` asks the client to fetch a new URL with
``apps.connections.open`` and reconnect.

The WebSocket side is the ``websockets`` library's threaded server (RFC 6455 framing, handshake, ping/pong and
close handshake done by a well-kept implementation); this module only adds Slack's messages and the recording.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

__all__ = ["FakeSocketMode", "SentEnvelope", "SocketConnection", "SocketMessage"]

# Socket Mode connections refresh every few hours; Slack says so in hello's debug_info (seconds).
APPROXIMATE_CONNECTION_TIME = 18060


@dataclass(frozen=True)
class SocketConnection:
    """One accepted WebSocket connection. ``index`` counts connections from 1 in the order they opened (hello sent)."""

    index: int
    path: str
    ticket: str | None
    opened: float


@dataclass(frozen=True)
class SocketMessage:
    """One text message a client sent on connection ``connection``; ``data`` is the decoded JSON object
    (``{"_raw": text}`` when it was not one)."""

    connection: int
    data: dict[str, Any]
    raw: str
    time: float

    @property
    def envelope_id(self) -> str | None:
        value = self.data.get("envelope_id")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class SentEnvelope:
    """One envelope the fake delivered, with when and on which connection."""

    envelope_id: str
    connection: int
    envelope: dict[str, Any]
    time: float


@dataclass
class _Live:
    info: SocketConnection
    ws: ServerConnection
    closed: float | None = field(default=None)


class FakeSocketMode:
    """A Socket Mode WebSocket server on a loopback port (see module docstring).

    Knobs: ``app_id`` (in hello and the URLs), ``send_hello`` (False: connect silently, a broken Slack),
    ``ping_interval`` (server-side WebSocket pings, None = none, the default: the client pings on its own),
    ``close_timeout`` (how long a server-side close waits for the client's close frame; slack_sdk's builtin
    client never sends one).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        app_id: str = "A0TEST",
        send_hello: bool = True,
        ping_interval: float | None = None,
        close_timeout: float = 1.0,
    ) -> None:
        self.app_id = app_id
        self.send_hello = send_hello
        self._host = host
        self._requested_port = port
        self._ping_interval = ping_interval
        self._close_timeout = close_timeout
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition(threading.RLock())
        self._next_index = 0
        self._live: dict[int, _Live] = {}
        self._connections: list[_Live] = []
        self._messages: list[SocketMessage] = []
        self._sent: list[SentEnvelope] = []
        self._tickets: list[str] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSocketMode:
        """Start serving on a thread (idempotent); return self."""
        if self._server is None:
            server = serve(
                self._handle,
                self._host,
                self._requested_port,
                compression=None,
                ping_interval=self._ping_interval,
                close_timeout=self._close_timeout,
                server_header="FakeSocketMode/1.0",
            )
            thread = threading.Thread(target=server.serve_forever, name="FakeSocketMode", daemon=True)
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop accepting, close every open connection (code 1001) and wait for the handlers (idempotent)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        """The bound port (only after start())."""
        if self._server is None:
            raise RuntimeError("FakeSocketMode is not started")
        return int(self._server.socket.getsockname()[1])

    def new_url(self) -> str:
        """A fresh ``ws://`` URL with its own ticket, shaped like Slack's ``wss://.../link/?ticket=...&app_id=...``.

        Hand this method (not a URL) to ``FakeSlack.set_socket_mode_url`` so each apps.connections.open issues one.
        """
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets.append(ticket)
        return f"ws://{self._host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    @property
    def tickets(self) -> list[str]:
        """Tickets issued by new_url(), oldest first."""
        with self._cond:
            return list(self._tickets)

    # ------------------------------------------------------------------ recorded traffic

    @property
    def connections(self) -> list[SocketConnection]:
        """Every connection so far (open or closed), oldest first."""
        with self._cond:
            return [live.info for live in self._connections]

    @property
    def open_connections(self) -> list[SocketConnection]:
        """Connections still open, oldest first."""
        with self._cond:
            return [live.info for live in self._connections if live.closed is None]

    def closed_at(self, index: int) -> float | None:
        """When connection ``index`` closed (time.time()), or None while it is open."""
        with self._cond:
            return self._by_index(index).closed

    @property
    def messages(self) -> list[SocketMessage]:
        """Every message clients sent, oldest first (a copy)."""
        with self._cond:
            return list(self._messages)

    @property
    def acks(self) -> list[SocketMessage]:
        """Messages that carry an ``envelope_id`` (acknowledgements), oldest first."""
        return [m for m in self.messages if m.envelope_id is not None]

    @property
    def sent(self) -> list[SentEnvelope]:
        """Envelopes delivered so far, oldest first."""
        with self._cond:
            return list(self._sent)

    def wait_for_connections(self, n: int = 1, timeout: float = 10.0) -> list[SocketConnection]:
        """Block until at least ``n`` connections have opened (hello sent); return them all.

        Raises AssertionError saying what was seen on timeout.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._connections) >= n, timeout=timeout):
                raise AssertionError(
                    f"expected {n} Socket Mode connection(s) within {timeout}s, got {len(self._connections)}; "
                    f"tickets issued: {len(self._tickets)}"
                )
            return [live.info for live in self._connections]

    def wait_for_close(self, index: int, timeout: float = 10.0) -> float:
        """Block until connection ``index`` has closed; return when it closed. AssertionError on timeout."""
        with self._cond:
            live = self._by_index(index)
            if not self._cond.wait_for(lambda: live.closed is not None, timeout=timeout):
                raise AssertionError(f"Socket Mode connection {index} still open after {timeout}s")
            assert live.closed is not None
            return live.closed

    def wait_for_ack(self, envelope_id: str, timeout: float = 3.0) -> SocketMessage:
        """Block until the client acknowledged ``envelope_id``; return the ack. AssertionError (with the messages
        seen) on timeout. Slack's own deadline for an ack is 3 seconds, the default here."""

        def ack() -> SocketMessage | None:
            return next((m for m in self._messages if m.envelope_id == envelope_id), None)

        with self._cond:
            if not self._cond.wait_for(lambda: ack() is not None, timeout=timeout):
                seen = [(m.connection, m.raw[:200]) for m in self._messages]
                raise AssertionError(f"no ack for envelope {envelope_id!r} within {timeout}s; messages seen: {seen!r}")
            found = ack()
            assert found is not None
            return found

    def reset(self) -> None:
        """Forget recorded messages and envelopes (connections stay as they are)."""
        with self._cond:
            self._messages.clear()
            self._sent.clear()

    # ------------------------------------------------------------------ sending

    def push(self, envelope: dict[str, Any], *, connection: int | None = None) -> str:
        """Deliver ``envelope`` (an ``envelope_id`` is added if missing) on connection ``connection`` (default: the
        newest open one); return its envelope_id."""
        envelope = dict(envelope)
        envelope_id = str(envelope.setdefault("envelope_id", str(uuid.uuid4())))
        with self._cond:
            live = self._target(connection)
            self._sent.append(SentEnvelope(envelope_id, live.info.index, envelope, time.time()))
        live.ws.send(json.dumps(envelope))
        return envelope_id

    def push_slash_command(
        self,
        text: str,
        *,
        response_url: str,
        command: str = "/restores",
        user_id: str = "U0USER",
        user_name: str = "alice",
        channel_id: str = "C0CHAN",
        channel_name: str = "ops",
        team_id: str = "T0TEST",
        trigger_id: str = "123.456.socket",
        envelope_id: str | None = None,
        connection: int | None = None,
    ) -> str:
        """Deliver a ``slash_commands`` envelope (payload fields as Slack sends them, all strings); return its id."""
        payload = {
            "token": "fake-verification-token",
            "team_id": team_id,
            "team_domain": "test",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "payload": payload,
            "type": "slash_commands",
            "accepts_response_payload": True,
        }
        return self.push(envelope, connection=connection)

    def disconnect(self, reason: str = "refresh_requested", *, connection: int | None = None) -> None:
        """Send ``{"type": "disconnect", "reason": reason}`` (Slack's reasons: refresh_requested, warning,
        link_disabled) on ``connection`` (default: the newest open one). The connection stays open: the client is
        expected to open a new one and drop this one itself."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        with self._cond:
            live = self._target(connection)
        live.ws.send(json.dumps(message))

    def close(self, connection: int | None = None, *, code: int = 1001, reason: str = "") -> None:
        """Close ``connection`` (default: the newest open one) from the server side with a close frame."""
        with self._cond:
            live = self._target(connection)
        live.ws.close(code, reason)

    # ------------------------------------------------------------------ plumbing

    def _by_index(self, index: int) -> _Live:
        for live in self._connections:
            if live.info.index == index:
                return live
        raise AssertionError(f"no Socket Mode connection {index}; there are {len(self._connections)}")

    def _target(self, index: int | None) -> _Live:
        if index is not None:
            return self._by_index(index)
        open_ones = [live for live in self._connections if live.closed is None]
        if not open_ones:
            raise AssertionError(f"no open Socket Mode connection (of {len(self._connections)} so far)")
        return open_ones[-1]

    def _hello(self, num_connections: int) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": APPROXIMATE_CONNECTION_TIME,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _handle(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else ""
        ticket = (parse_qs(urlsplit(path).query).get("ticket") or [None])[0]
        with self._cond:
            self._next_index += 1
            index = self._next_index
            num_connections = 1 + sum(1 for live in self._connections if live.closed is None)
        live: _Live | None = None
        try:
            if self.send_hello:
                ws.send(json.dumps(self._hello(num_connections)))
            live = _Live(SocketConnection(index, path, ticket, time.time()), ws)
            with self._cond:
                self._connections.append(live)
                self._cond.notify_all()
            for raw in ws:
                text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8", "replace")
                try:
                    loaded = json.loads(text)
                except ValueError:
                    loaded = None
                data = loaded if isinstance(loaded, dict) else {"_raw": text}
                with self._cond:
                    self._messages.append(SocketMessage(index, data, text, time.time()))
                    self._cond.notify_all()
        except ConnectionClosed:
            pass  # the client went away without a close handshake (slack_sdk's builtin client always does)
        finally:
            with self._cond:
                if live is not None:
                    live.closed = time.time()
                self._cond.notify_all()
