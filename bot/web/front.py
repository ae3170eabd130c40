"""The whole HTTP surface: POST /slack/events (size, signature, encoding and shape checked before Bolt sees a
request, so malformed or forged requests get a 4xx, never a 500 with a traceback), /healthz and /readyz."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.errors import slack_error_code
from bot.web.admission import AcksFirst

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW = 5 * 60  # seconds; Slack's rule against replays
MAX_BODY_BYTES = 1 << 20  # Slack's largest payloads (block_actions with a full message) are tens of KB
StartResponse = Callable[..., Any]


class BadRequest(ValueError):
    pass


def parse_slack_body(text: str, content_type: str) -> dict[str, Any]:
    """Slash commands are form fields; interactivity is a form field `payload` holding a JSON object.

    Bolt's own parser treats any body containing the letters "payload" as interactivity, which drops a
    `/restores payload` command on the floor; this one looks for the field itself."""
    if content_type.startswith("application/json") or text.startswith("{"):
        body = _json_object(text)
    else:
        params = dict(parse_qsl(text, keep_blank_values=True))
        body = _json_object(params["payload"]) if "payload" in params else params
    return body


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # deeply nested brackets exhaust the parser's recursion
        raise BadRequest("body is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadRequest("JSON body is not an object")
    return value


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers


def _reply(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = (text + "\n").encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


class SlowBody(TimeoutError):
    """The client did not send its body within BODY_TIMEOUT seconds."""


# An unauthenticated client trickling its body would hold a server thread for as long as it likes: the whole body
# must arrive within this many seconds (Slack sends a few KB at once). A reverse proxy in front should buffer
# bodies too (README: Run it).
BODY_TIMEOUT = 10.0


def _read_body(environ: dict[str, Any], timeout: float = BODY_TIMEOUT) -> bytes | None:
    """The request body, at most MAX_BODY_BYTES + 1 bytes (so an oversized one is told apart); None when the
    Content-Length header is not a number. A chunked body has no Content-Length: the server (gunicorn) decodes
    the chunks and wsgi.input reads to their end. Under gunicorn the socket gets a timeout first, so a slow
    body raises SlowBody instead of holding the thread."""
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        sock.settimeout(timeout)
    try:
        return _read_body_bytes(environ)
    except (TimeoutError, OSError) as error:
        if "timed out" in str(error) or isinstance(error, TimeoutError):
            raise SlowBody from None
        raise
    finally:
        if sock is not None:
            sock.settimeout(None)


def _read_body_bytes(environ: dict[str, Any]) -> bytes | None:
    stream = environ["wsgi.input"]
    raw_length = environ.get("CONTENT_LENGTH")
    if raw_length in (None, ""):
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
        return bytes(stream.read(MAX_BODY_BYTES + 1)) if chunked else b""
    try:
        length = int(raw_length)
    except ValueError:
        return None
    if length < 0:
        return None
    return bytes(stream.read(min(length, MAX_BODY_BYTES + 1))) if length > 0 else b""


def valid_signature(secret: bytes, raw: bytes, timestamp: str, signature: str, now: float) -> bool:
    """Slack's v0 scheme over the raw bytes (slack_sdk's verifier decodes them as UTF-8 first and raises on others)."""
    # At most 12 digits: a 309-digit timestamp is still an int, but subtracting it from a float overflows.
    well_formed = timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12
    if not well_formed or abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        return False
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


class SeenRequests(Protocol):
    def first_time(self, timestamp: str, signature: str) -> bool: ...


class SlackEvents:
    def __init__(
        self,
        app: App,
        signing_secret: str,
        clock: Callable[[], float] = time.time,
        replays: SeenRequests | None = None,
        body_timeout: float = BODY_TIMEOUT,
        acks: AcksFirst | None = None,
    ) -> None:
        self.app = app
        self.acks = acks
        self.body_timeout = body_timeout
        self.secret = signing_secret.encode()
        self.clock = clock
        self.replays = replays

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.acks is None:
            return self._answer(environ, start_response)
        with self.acks.acking():
            return self._answer(environ, start_response)

    def _answer(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            raw = _read_body(environ, self.body_timeout)
        except SlowBody:
            log.info("request body not received within %.0f s", self.body_timeout)
            return _reply(start_response, "408 Request Timeout", "request body too slow")
        if raw is None:
            return _reply(start_response, "400 Bad Request", "bad Content-Length")
        if len(raw) > MAX_BODY_BYTES:
            return _reply(start_response, "413 Content Too Large", "request body too large")
        headers = _headers(environ)
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not valid_signature(self.secret, raw, timestamp, signature, self.clock()):
            # Missing, forged or older than 5 minutes: nothing else happens.
            return _reply(start_response, "401 Unauthorized", "invalid request signature")
        if self.replays is not None:
            try:
                first = self.replays.first_time(timestamp, signature)
            except Exception as error:  # cannot tell a replay from a first request: refuse (fail closed)
                log.error("replay check unavailable: %s", error)
                return _reply(start_response, "503 Service Unavailable", "state store unavailable")
            if not first:
                log.warning("refused a replayed request (same timestamp and signature as an earlier one)")
                return _reply(start_response, "401 Unauthorized", "replayed request")
        try:
            text = raw.decode("utf-8")
            body = parse_slack_body(text, headers.get("content-type", ""))
        except (UnicodeDecodeError, BadRequest) as error:
            log.info("bad request from Slack's side: %s", error)
            return _reply(start_response, "400 Bad Request", "malformed body")
        # Bolt re-parses the raw body (for lazy listeners too) with the parser that drops "payload" commands:
        # hand it the already parsed body as JSON, which it reads back unchanged. The signature was checked
        # above, on the bytes Slack signed; the App is built with its own verification off for that reason.
        bolt_headers: dict[str, str | Sequence[str]] = dict(headers, **{"content-type": "application/json"})
        request = BoltRequest(body=json.dumps(body), query=environ.get("QUERY_STRING", ""), headers=bolt_headers)
        response = self.app.dispatch(request)
        response_headers = [(name, value) for name, values in response.headers.items() for value in values]
        payload = response.body.encode("utf-8") if isinstance(response.body, str) else bytes(response.body or b"")
        if not any(name.lower() == "content-length" for name, _ in response_headers):
            response_headers.append(("Content-Length", str(len(payload))))
        start_response(f"{response.status} {_REASONS.get(response.status, 'OK')}", response_headers)
        return [payload]


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error"}


EVENTS_PATH = "/slack/events"


class Readiness:
    """/readyz: configuration loaded (it is, or the process would have exited) and Slack accepts the token.

    auth.test is asked at most once a minute, one call at a time, on a thread of its own: a probe waits at most
    `wait` seconds for it and otherwise answers with what was last known, so a hanging Slack API cannot pile up
    request threads behind /readyz (nor can probes hammer Slack)."""

    def __init__(self, client: WebClient, ttl: float = 60.0, wait: float = 2.0) -> None:
        self.client = client
        self.ttl = ttl
        self.wait = wait
        self._checked_at = -ttl
        self._result: tuple[bool, str] = (False, "not checked yet")
        self._lock = threading.Lock()
        self._refreshing: threading.Event | None = None

    def check(self) -> tuple[bool, str]:
        with self._lock:
            fresh = time.monotonic() - self._checked_at < self.ttl
            if fresh:
                return self._result
            done = self._refreshing
            if done is None:
                done = self._refreshing = threading.Event()
                threading.Thread(target=self._refresh, args=(done,), name="readyz", daemon=True).start()
        done.wait(self.wait)
        with self._lock:
            if self._refreshing is done and not done.is_set():
                return (False, "checking Slack (auth.test has not answered yet)") if not self._result[0] else self._result
            return self._result

    def _refresh(self, done: threading.Event) -> None:
        try:
            auth = self.client.auth_test()
            result, checked = (True, f"slack auth ok (team {auth.get('team_id')})"), time.monotonic()
        except SlackApiError as error:
            code = slack_error_code(error)
            result, checked = (False, f"slack auth failed: {code}"), time.monotonic()
        except Exception as error:  # Slack unreachable: not ready, try again on the next probe
            result, checked = (False, f"slack unreachable: {type(error).__name__}"), -self.ttl
        with self._lock:
            self._result, self._checked_at, self._refreshing = result, checked, None
        done.set()


class WebApp:
    """The WSGI callable gunicorn serves, and how to drain it when the worker stops (gunicorn's worker_exit)."""

    def __init__(
        self, wsgi: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]], drain: Callable[[], None],
        acks: AcksFirst | None = None,
    ) -> None:
        self._wsgi = wsgi
        self.drain = drain
        # The server counts each request here from its connection's accept (bot.web.server.AcksFirstWorker).
        self.acks = acks

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self._wsgi(environ, start_response)


def create_wsgi_app(
    app: App,
    signing_secret: str,
    readiness: Readiness | None = None,
    drain: Callable[[], None] = lambda: None,
    replays: SeenRequests | None = None,
    body_timeout: float = BODY_TIMEOUT,
    acks: AcksFirst | None = None,
) -> WebApp:
    """Routes: POST /slack/events (checked, then Bolt), GET /healthz (alive), GET /readyz (Slack auth ok). `acks`:
    counts the acks being answered, for the answers that wait for them (bot.web.admission.AcksFirst)."""
    slack = SlackEvents(app, signing_secret, replays=replays, body_timeout=body_timeout, acks=acks)
    # A probe asks once and reports: no retries with back-off (the app's client has them), a short timeout.
    readiness = readiness or Readiness(WebClient(token=app.client.token, base_url=app.client.base_url, timeout=5))

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH:
            if method != "POST":
                return _plain(start_response, "405 Method Not Allowed", b"POST only\n")
            return slack(environ, start_response)
        if path == "/healthz":
            return _plain(start_response, "200 OK", b"ok\n")
        if path == "/readyz":
            ready, reason = readiness.check()
            return _plain(start_response, "200 OK" if ready else "503 Service Unavailable", f"{reason}\n".encode())
        return _plain(start_response, "404 Not Found", b"not found\n")

    return WebApp(wsgi, drain, acks)


def _plain(start_response: Callable[..., Any], status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
