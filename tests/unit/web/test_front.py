"""The WSGI front door called directly with in-memory environs: a request reaches Bolt only when it is signed with the
secret, fresh, seen for the first time, whole and well formed; every refusal is a 4xx (or 503 when replays cannot be
told apart), never a 500, and the secret never reaches a log or a reply."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, Mock
from urllib.parse import parse_qsl
from wsgiref.util import setup_testing_defaults

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.store.replay import ReplayGuard
from bot.web.admission import AcksFirst
from bot.web.front import (
    EVENTS_PATH,
    MAX_BODY_BYTES,
    MAX_CLOCK_SKEW,
    Readiness,
    SlackEvents,
    create_wsgi_app,
    parse_slack_body,
    valid_signature,
)
from tests.fakes.signing import block_actions_body, command_body, signed_headers, slack_signature

SECRET = "unit-signing-secret-0123456789abcdef"
NOW = 1_800_000_000.0


def environ(body: bytes, headers: dict[str, str] | None = None, *, path: str = EVENTS_PATH,
            method: str = "POST", **extra: Any) -> dict[str, Any]:
    env: dict[str, Any] = {}
    setup_testing_defaults(env)
    env.update(REQUEST_METHOD=method, PATH_INFO=path, CONTENT_LENGTH=str(len(body)), **{"wsgi.input": io.BytesIO(body)})
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            env["CONTENT_TYPE"] = value
        else:
            env["HTTP_" + name.upper().replace("-", "_")] = value
    env.update(extra)
    return env


def signed(body: bytes, *, secret: str = SECRET, timestamp: float = NOW,
           content_type: str = "application/x-www-form-urlencoded", **extra: Any) -> dict[str, Any]:
    return environ(body, signed_headers(secret, body, timestamp=int(timestamp), content_type=content_type), **extra)


class Call:
    """start_response, remembering the status and headers; `run` returns (status, headers, body)."""

    def __init__(self) -> None:
        self.status = ""
        self.headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]]) -> None:
        self.status, self.headers = status, headers

    def run(self, app: Any, env: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
        chunks: Iterable[bytes] = app(env, self)
        return self.status, dict(self.headers), b"".join(chunks)


def bolt() -> Mock:
    app = Mock(App)
    app.dispatch.return_value = BoltResponse(status=200, body="")
    return app


def events(app: Mock, **kwargs: Any) -> SlackEvents:
    return SlackEvents(app, SECRET, clock=lambda: NOW, **kwargs)


COMMAND = command_body("failed 7d", response_url="https://hooks.slack.test/commands/1")


def test_a_signed_fresh_request_reaches_bolt_as_the_parsed_body() -> None:
    app = bolt()
    status, headers, body = Call().run(events(app), signed(COMMAND))
    assert status == "200 OK" and headers["Content-Length"] == str(len(body))
    [request] = [c.args[0] for c in app.dispatch.call_args_list]
    assert isinstance(request, BoltRequest)
    assert request.body["text"] == "failed 7d" and request.body["command"] == "/restores"


@pytest.mark.parametrize("skew", [-MAX_CLOCK_SKEW, 0, MAX_CLOCK_SKEW])
def test_a_timestamp_within_five_minutes_either_way_is_accepted(skew: int) -> None:
    app = bolt()
    status, _, _ = Call().run(events(app), signed(COMMAND, timestamp=NOW + skew))
    assert status == "200 OK" and app.dispatch.call_count == 1


def refused(app: Mock, env: dict[str, Any], **kwargs: Any) -> tuple[str, bytes]:
    status, _, body = Call().run(events(app, **kwargs), env)
    app.dispatch.assert_not_called()
    return status, body


@pytest.mark.parametrize("env", [
    pytest.param(signed(COMMAND, secret="another-apps-secret"), id="wrong-secret"),
    pytest.param(signed(COMMAND, timestamp=NOW - MAX_CLOCK_SKEW - 1), id="stale"),
    pytest.param(signed(COMMAND, timestamp=NOW + MAX_CLOCK_SKEW + 1), id="from-the-future"),
    pytest.param(environ(COMMAND, {"Content-Type": "application/x-www-form-urlencoded"}), id="unsigned"),
    pytest.param(environ(COMMAND, {"X-Slack-Request-Timestamp": str(int(NOW)),
                                   "X-Slack-Signature": slack_signature(SECRET, str(int(NOW)), COMMAND + b"&x=1")}),
                 id="body-changed-after-signing"),
])
def test_forged_or_stale_requests_are_401(env: dict[str, Any]) -> None:
    assert refused(bolt(), env) == ("401 Unauthorized", b"invalid request signature\n")


def utf8_signature(timestamp: str, body: bytes) -> str:
    """The v0 signature over the timestamp's UTF-8 bytes (tests.fakes.signing signs ASCII timestamps only)."""
    return "v0=" + hmac.new(SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


ARABIC_INDIC_NOW = str(int(NOW)).translate({ord(d): 0x0660 + int(d) for d in "0123456789"})


@pytest.mark.parametrize("timestamp", ["9" * 309, "9" * 13, "-1", "1e9", ARABIC_INDIC_NOW, " 1800000000", ""])
def test_a_malformed_or_huge_timestamp_is_401_not_500(timestamp: str) -> None:
    # A 309-digit timestamp, subtracted from a float, overflows. Arabic-Indic digits pass str.isdigit() and int()
    # reads them as NOW: the signature over them is right, only the ASCII rule refuses them.
    env = environ(COMMAND, {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": utf8_signature(timestamp, COMMAND)})
    assert refused(bolt(), env)[0] == "401 Unauthorized"
    assert valid_signature(SECRET.encode(), COMMAND, timestamp, utf8_signature(timestamp, COMMAND), NOW) is False


def test_a_signature_that_is_not_ascii_is_refused_not_raised() -> None:
    env = signed(COMMAND)
    env["HTTP_X_SLACK_SIGNATURE"] = "v0=\udcff\u00e9"
    assert refused(bolt(), env)[0] == "401 Unauthorized"


def test_a_replay_is_refused_after_the_signature_passed() -> None:
    replays = Mock()
    replays.first_time.return_value = False
    env = signed(COMMAND)
    assert refused(bolt(), env, replays=replays) == ("401 Unauthorized", b"replayed request\n")
    replays.first_time.assert_called_once_with(env["HTTP_X_SLACK_REQUEST_TIMESTAMP"], env["HTTP_X_SLACK_SIGNATURE"])


def test_a_forged_request_never_reaches_the_replay_store() -> None:
    replays = Mock()
    refused(bolt(), signed(COMMAND, secret="wrong"), replays=replays)
    replays.first_time.assert_not_called()


def test_the_same_request_twice_is_answered_once_with_a_real_guard(tmp_path: Path) -> None:
    guard = ReplayGuard.from_url(f"sqlite:///{tmp_path / 'replays.sqlite3'}")
    try:
        app = bolt()
        slack = events(app, replays=guard)
        assert Call().run(slack, signed(COMMAND))[0] == "200 OK"
        assert Call().run(slack, signed(COMMAND))[0] == "401 Unauthorized"
        assert Call().run(slack, signed(COMMAND, timestamp=NOW + 1))[0] == "200 OK"  # signed anew: another request
        assert app.dispatch.call_count == 2
    finally:
        guard.engine.dispose()


def test_a_replay_store_that_cannot_answer_fails_closed_with_503(caplog: pytest.LogCaptureFixture) -> None:
    replays = Mock()
    replays.first_time.side_effect = RuntimeError("database is locked")
    caplog.set_level(logging.DEBUG)
    assert refused(bolt(), signed(COMMAND), replays=replays) == ("503 Service Unavailable", b"state store unavailable\n")
    assert "database is locked" in caplog.text and SECRET not in caplog.text


def test_an_oversized_body_is_413_without_reading_more_than_the_limit() -> None:
    body = b"x" * (MAX_BODY_BYTES + 10)
    stream = io.BytesIO(body)
    env = signed(body, **{"wsgi.input": stream})
    assert refused(bolt(), env)[0] == "413 Content Too Large"
    assert stream.tell() == MAX_BODY_BYTES + 1


def test_an_oversized_chunked_body_is_413() -> None:
    body = b"x" * (MAX_BODY_BYTES + 1)
    env = signed(body, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")
    assert refused(bolt(), env)[0] == "413 Content Too Large"


def test_a_chunked_body_is_read_to_its_end() -> None:
    app = bolt()
    status, _, _ = Call().run(events(app), signed(COMMAND, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"))
    assert status == "200 OK" and app.dispatch.call_args.args[0].body["text"] == "failed 7d"


@pytest.mark.parametrize("length", ["ten", "-5"])
def test_a_bad_content_length_is_400(length: str) -> None:
    assert refused(bolt(), signed(COMMAND, CONTENT_LENGTH=length)) == ("400 Bad Request", b"bad Content-Length\n")


class Trickle(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise TimeoutError("timed out")


def test_a_slow_body_is_408_and_the_socket_timeout_is_set_then_cleared() -> None:
    sock = Mock(socket.socket)
    env = signed(COMMAND, **{"wsgi.input": Trickle(), "gunicorn.socket": sock})
    assert refused(bolt(), env, body_timeout=3.5) == ("408 Request Timeout", b"request body too slow\n")
    assert [c.args for c in sock.settimeout.call_args_list] == [(3.5,), (None,)]


def test_a_socket_timed_out_oserror_is_a_slow_body_too() -> None:
    stream = Mock(io.BytesIO)
    stream.read.side_effect = OSError("timed out")
    assert refused(bolt(), signed(COMMAND, **{"wsgi.input": stream}))[0] == "408 Request Timeout"


def test_other_read_errors_are_not_taken_for_a_slow_client() -> None:
    stream = Mock(io.BytesIO)
    stream.read.side_effect = OSError("connection reset by peer")
    with pytest.raises(OSError, match="reset"):
        Call().run(events(bolt()), signed(COMMAND, **{"wsgi.input": stream}))


@pytest.mark.parametrize("body", [b"\xff\xfe not utf-8", b"{not json", b"payload=%5B1%5D", b"payload=%7B",
                                  b"{" * 100_000])
def test_a_signed_but_malformed_body_is_400(body: bytes) -> None:
    assert refused(bolt(), signed(body)) == ("400 Bad Request", b"malformed body\n")


def test_a_json_body_that_is_not_an_object_is_400() -> None:
    assert refused(bolt(), signed(b"[1, 2]", content_type="application/json"))[0] == "400 Bad Request"


def test_interactivity_payloads_are_unwrapped() -> None:
    payload = {"type": "block_actions", "actions": [{"action_id": "restores_share", "value": "v"}]}
    body = parse_slack_body(block_actions_body(payload).decode(), "application/x-www-form-urlencoded")
    assert body == payload


def test_a_command_whose_text_says_payload_stays_a_command() -> None:
    # Bolt's own parser takes any body containing "payload" for interactivity.
    text = command_body("payload", response_url="https://hooks.slack.test/1").decode()
    assert parse_slack_body(text, "application/x-www-form-urlencoded") == dict(parse_qsl(text, keep_blank_values=True))


def test_the_ack_is_counted_while_bolt_answers_it() -> None:
    acks = MagicMock(AcksFirst)
    counting = acks.acking.return_value
    app = bolt()
    seen: list[tuple[bool, bool]] = []
    app.dispatch.side_effect = lambda _request: (seen.append((counting.__enter__.called, counting.__exit__.called))
                                                 or BoltResponse(status=200, body=""))
    assert Call().run(events(app, acks=acks), signed(COMMAND))[0] == "200 OK"
    assert seen == [(True, False)] and counting.__exit__.called


def test_bolts_answer_is_passed_through_with_a_content_length() -> None:
    app = bolt()
    app.dispatch.return_value = BoltResponse(status=200, body=json.dumps({"text": "ok"}),
                                             headers={"content-type": ["application/json"]})
    status, headers, body = Call().run(events(app), signed(COMMAND))
    assert status == "200 OK" and json.loads(body) == {"text": "ok"}
    assert headers["content-type"] == "application/json" and headers["Content-Length"] == str(len(body))


def test_no_refusal_logs_or_answers_the_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bodies = []
    for env in (signed(COMMAND, secret="wrong"), signed(b"\xff"), signed(COMMAND, CONTENT_LENGTH="x"),
                signed(COMMAND, timestamp=0)):
        bodies.append(Call().run(events(bolt()), env)[2])
    assert all(SECRET.encode() not in body for body in bodies) and SECRET not in caplog.text


# ------------------------------------------------------------------ the routes


def wsgi(readiness: Mock | None = None, **kwargs: Any) -> Any:
    checked = readiness or Mock(Readiness)
    return create_wsgi_app(bolt(), SECRET, readiness=checked, **kwargs)


def test_healthz_is_alive_without_asking_slack() -> None:
    readiness = Mock(Readiness)
    assert Call().run(wsgi(readiness), environ(b"", path="/healthz", method="GET"))[::2] == ("200 OK", b"ok\n")
    readiness.check.assert_not_called()


@pytest.mark.parametrize(("ready", "status"), [(True, "200 OK"), (False, "503 Service Unavailable")])
def test_readyz_says_what_readiness_knows(ready: bool, status: str) -> None:
    readiness = Mock(Readiness)
    readiness.check.return_value = (ready, "slack auth failed: invalid_auth")
    assert Call().run(wsgi(readiness), environ(b"", path="/readyz", method="GET"))[::2] == (
        status, b"slack auth failed: invalid_auth\n")


def test_other_methods_and_paths() -> None:
    assert Call().run(wsgi(), environ(b"", method="GET"))[0] == "405 Method Not Allowed"
    assert Call().run(wsgi(), environ(b"", path="/admin", method="GET"))[0] == "404 Not Found"


def test_the_events_route_checks_the_signature() -> None:
    assert Call().run(wsgi(), signed(COMMAND, secret="wrong"))[0] == "401 Unauthorized"
    guard = Mock()
    guard.first_time.return_value = False
    assert Call().run(wsgi(replays=guard), signed(COMMAND, timestamp=time.time()))[0] == "401 Unauthorized"


def test_the_drain_travels_with_the_app() -> None:
    drain = Mock()
    wsgi(drain=drain).drain()
    drain.assert_called_once_with()


def test_readiness_reports_slacks_refusal_by_its_code() -> None:
    client = Mock(WebClient)
    response = SlackResponse(client=None, http_verb="POST", api_url="", req_args={},
                             data={"ok": False, "error": "invalid_auth"}, headers={}, status_code=200)
    client.auth_test.side_effect = SlackApiError("refused", response)
    assert Readiness(client, wait=5).check() == (False, "slack auth failed: invalid_auth")
