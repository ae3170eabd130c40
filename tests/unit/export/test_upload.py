"""slack_upload with slack_sdk's real WebClient and urllib, Slack answered in memory (urllib's HTTPS handler is replaced
by one that answers in-process: no socket): every part gets its upload URL and its bytes, byte for byte, then one
files.completeUploadExternal shares them all with the comment; Slack's refusals and a failed upload come back as
Uploaded (the code and the advice), never raised; neither the token nor the signed upload URL reaches a log line or an
answer."""

from __future__ import annotations

import http.client
import io
import json
import logging
import ssl
import threading
import urllib.request
from dataclasses import dataclass, field
from email.message import Message as Headers
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qs, urlsplit
from urllib.response import addinfourl

import pytest
from slack_sdk import WebClient

from bot.export.result import ExportFile, Uploaded
from bot.export.upload import SCOPE, slack_upload

TOKEN = "xoxb-0000-secret-token"
CHANNEL = "C0EXPORT01"
UPLOAD_HOST = "files.slack.com"
SIGNED = "sig=very-secret-signature"  # what makes an upload URL a credential: never logged, never said


@dataclass
class Sent:
    """One request as it left urllib: where to, how, and what."""

    url: str
    method: str
    headers: dict[str, str]
    body: bytes
    timeout: float | None
    host: str  # the host connected to: a proxy's when one is used
    tunnel: str | None  # the host asked through a proxy's CONNECT tunnel
    context: ssl.SSLContext | None


@dataclass
class Slack:
    """files.getUploadURLExternal, files.completeUploadExternal and the upload URLs, in memory. `refuse[method]`
    makes that method answer ok=false with the code; `upload_status` is the upload URL's status; `upload_error` is
    raised instead of answering it (the connection failed)."""

    refuse: dict[str, str] = field(default_factory=dict)
    upload_status: int = 200
    upload_error: BaseException | None = None
    sent: list[Sent] = field(default_factory=list)
    uploads: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)  # file id: name, length, bytes
    shared: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, handler: urllib.request.HTTPSHandler, request: urllib.request.Request) -> addinfourl:
        data: Any = request.data
        body = data.read() if hasattr(data, "read") else bytes(data or b"")
        sent = Sent(request.full_url, request.get_method(), {k.lower(): v for k, v in request.header_items()}, body,
                    request.timeout, request.host, request._tunnel_host or None,  # type: ignore[attr-defined]
                    handler._context)  # type: ignore[attr-defined]
        with self.lock:
            self.sent.append(sent)
        url = urlsplit(request.full_url)
        if url.hostname == UPLOAD_HOST:
            return self._upload(sent, url.path.rsplit("/", 1)[-1])
        assert url.hostname == "slack.com" and url.path.startswith("/api/"), request.full_url
        return self._api(sent, url.path.removeprefix("/api/"))

    def _upload(self, sent: Sent, file_id: str) -> addinfourl:
        if self.upload_error is not None:
            raise self.upload_error
        name, length, _ = self.uploads[file_id]
        assert sent.method == "POST" and int(sent.headers["content-length"]) == length == len(sent.body)
        self.uploads[file_id] = (name, length, sent.body)
        return response(sent.url, self.upload_status, b"OK - " + str(len(sent.body)).encode(), "text/plain")

    def _api(self, sent: Sent, method: str) -> addinfourl:
        params = {k: v[0] for k, v in parse_qs(sent.body.decode()).items()}
        if sent.headers.get("authorization") != f"Bearer {TOKEN}":
            return self._json(sent, {"ok": False, "error": "not_authed"})
        if method in self.refuse:
            return self._json(sent, {"ok": False, "error": self.refuse[method]})
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.uploads) + 1:04d}"
            self.uploads[file_id] = (params["filename"], int(params["length"]), b"")
            return self._json(sent, {"ok": True, "file_id": file_id,
                                     "upload_url": f"https://{UPLOAD_HOST}/upload/v1/{file_id}?{SIGNED}"})
        if method == "files.completeUploadExternal":
            self.shared.append({**params, "files": json.loads(params["files"])})
            return self._json(sent, {"ok": True, "files": []})
        raise AssertionError(f"slack_upload called {method}")

    @staticmethod
    def _json(sent: Sent, body: dict[str, Any]) -> addinfourl:
        return response(sent.url, 200, json.dumps(body).encode(), "application/json")

    def calls(self, method: str) -> list[Sent]:
        return [s for s in self.sent if s.url.endswith("/api/" + method)]

    def posted(self) -> list[Sent]:
        return [s for s in self.sent if urlsplit(s.url).hostname == UPLOAD_HOST]


def response(url: str, status: int, body: bytes, content_type: str) -> addinfourl:
    headers = Headers()
    headers["Content-Type"] = f"{content_type}; charset=utf-8"
    headers["Content-Length"] = str(len(body))
    answered = addinfourl(io.BytesIO(body), headers, url, status)
    answered.msg = "OK" if status == 200 else "Error"  # type: ignore[attr-defined]  # urllib's error processor reads it
    return answered


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Slack:
    """Every HTTPS request urllib makes in the test (slack_sdk's and slack_upload's own) answered by the fake, with
    no proxy from the environment."""
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
                 "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    fake = Slack()

    def https_open(handler: urllib.request.HTTPSHandler, request: urllib.request.Request) -> addinfourl:
        return fake.open(handler, request)

    monkeypatch.setattr(urllib.request.HTTPSHandler, "https_open", https_open)
    monkeypatch.setattr(urllib.request, "_opener", None)  # urlopen's cached opener: rebuilt without env proxies
    return fake


def client(**options: Any) -> WebClient:
    # No retries: a connection error is answered at once (the bot's own client's retries are bot.slack.client's).
    return WebClient(token=TOKEN, timeout=7, retry_handlers=[], **options)


def part(n: int, data: bytes) -> ExportFile:
    return ExportFile(f"restores-export-30d-20261206-part{n}.csv", f"Restore jobs, last 30 days (part {n} of 2)",
                      io.BytesIO(data), len(data))


def parts() -> list[ExportFile]:
    """Two spooled parts, rewound: a CSV's byte order mark, non-ASCII names, CRLF line ends."""
    return [part(1, b"\xef\xbb\xbfjob id,account id\r\nj-1,111122223333\r\n\r\n# part 1\r\n"),
            part(2, "\ufeffjob id,account name\r\nj-2,Zürich ✓\r\n\r\n# restore jobs…\r\n".encode())]


def no_secret_in(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text and SIGNED not in text and UPLOAD_HOST not in text


def test_every_part_reaches_its_upload_url_byte_for_byte_and_one_message_shares_them_all(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    files = parts()
    with caplog.at_level(logging.INFO, logger="bot.export.upload"):
        uploaded = slack_upload(client(), CHANNEL)(files, ":page_facing_up: 2 restore jobs")
    assert uploaded == Uploaded() and not uploaded.error and not uploaded.hint
    asked = slack.calls("files.getUploadURLExternal")
    assert [parse_qs(s.body.decode()) for s in asked] == [
        {"filename": [f.name], "length": [str(f.size)]} for f in files]
    # The bytes, each to its own URL, as the spooled part held them, with their length declared.
    assert [slack.uploads[f"F000{n}"] for n in (1, 2)] == [(f.name, f.size, f.data.getvalue())  # type: ignore[attr-defined]
                                                           for f in files]
    for sent in slack.posted():
        assert sent.method == "POST" and sent.headers["content-type"] == "application/octet-stream"
        assert sent.timeout == 7 and "authorization" not in sent.headers  # the token stays with the Web API
    # Then one call shares both, in order, with their titles and the comment, to the channel.
    assert [s.url.rsplit("/", 1)[1] for s in slack.sent] == [
        "files.getUploadURLExternal", f"F0001?{SIGNED}", "files.getUploadURLExternal", f"F0002?{SIGNED}",
        "files.completeUploadExternal"]
    assert slack.shared == [{"channel_id": CHANNEL, "initial_comment": ":page_facing_up: 2 restore jobs",
                             "files": [{"id": "F0001", "title": files[0].title}, {"id": "F0002", "title": files[1].title}]}]
    sizes = sum(f.size for f in files)
    assert [r.getMessage() for r in caplog.records] == [
        f"export uploaded channel={CHANNEL} files=2 bytes={sizes}"]


def test_the_upload_goes_with_the_clients_tls_context_and_through_its_proxy(slack: Slack) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    uploaded = slack_upload(client(ssl=context, proxy="http://proxy.internal:3128"), CHANNEL)(parts()[:1], "c")
    assert uploaded == Uploaded()
    (posted,) = slack.posted()
    assert posted.context is context
    assert (posted.host, posted.tunnel) == ("proxy.internal:3128", UPLOAD_HOST)
    assert slack.uploads["F0001"][2] == parts()[0].data.getvalue()  # type: ignore[attr-defined]


def test_without_a_proxy_the_upload_url_is_connected_to_directly(slack: Slack) -> None:
    assert slack_upload(client(), CHANNEL)(parts()[:1], "c") == Uploaded()
    (posted,) = slack.posted()
    assert (posted.host, posted.tunnel) == (UPLOAD_HOST, None)


@pytest.mark.parametrize(("method", "code", "advice", "posted"), [
    ("files.getUploadURLExternal", "not_in_channel", "the bot is not a member of this channel: /invite @restores", 0),
    ("files.getUploadURLExternal", "missing_scope",
     f"the app lacks the {SCOPE} scope: add it (manifest.yml) and reinstall the app", 0),
    ("files.completeUploadExternal", "channel_not_found",
     "the bot cannot see this channel: check the channel ID or /invite @restores", 2),
    ("files.completeUploadExternal", "is_archived", "the channel is archived", 2),
    ("files.getUploadURLExternal", "invalid_auth", "", 0),  # no advice known: the code alone
])
def test_slacks_refusal_comes_back_with_its_code_and_advice_never_raised(
    slack: Slack, caplog: pytest.LogCaptureFixture, method: str, code: str, advice: str, posted: int
) -> None:
    slack.refuse[method] = code
    with caplog.at_level(logging.INFO, logger="bot.export.upload"):
        uploaded = slack_upload(client(), CHANNEL)(parts(), "comment")
    assert uploaded == Uploaded(code, advice)
    assert len(slack.posted()) == posted and slack.shared == []  # nothing shared once a call is refused
    assert len(slack.calls("files.getUploadURLExternal")) == (1 if posted == 0 else 2)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.getMessage() == (
        f"export upload refused channel={CHANNEL} error={code}" + (f" ({advice})" if advice else ""))
    no_secret_in(record.getMessage(), uploaded.error, uploaded.hint)


@pytest.mark.parametrize(("status", "error"), [
    (500, "HTTPError"),  # urllib raises it for a status past 2xx
    (403, "HTTPError"),
    (202, "URLError"),  # a 2xx that is not 200: the bytes were not taken as sent
])
def test_an_upload_url_that_does_not_take_the_bytes_stops_the_upload_before_anything_is_shared(
    slack: Slack, caplog: pytest.LogCaptureFixture, status: int, error: str
) -> None:
    slack.upload_status = status
    with caplog.at_level(logging.INFO, logger="bot.export.upload"):
        uploaded = slack_upload(client(), CHANNEL)(parts(), "comment")
    assert uploaded == Uploaded(error) and uploaded.hint == ""
    assert len(slack.posted()) == 1 and slack.calls("files.completeUploadExternal") == []
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"export upload failed channel={CHANNEL} error={error}"
    no_secret_in(record.getMessage(), uploaded.error)


@pytest.mark.parametrize(("raised", "error"), [
    (URLError(ConnectionRefusedError(111, "Connection refused")), "URLError"),
    (TimeoutError("The read operation timed out"), "TimeoutError"),
    (ConnectionResetError(104, "Connection reset by peer"), "ConnectionResetError"),
    # Raised by http.client while reading the answer: urllib wraps only what happens while sending.
    (http.client.IncompleteRead(b"par", 10), "IncompleteRead"),
    (http.client.BadStatusLine("HTTP/1.1 2x0"), "BadStatusLine"),
])
def test_an_upload_url_out_of_reach_comes_back_as_its_error_name_never_raised(
    slack: Slack, caplog: pytest.LogCaptureFixture, raised: BaseException, error: str
) -> None:
    slack.upload_error = raised
    with caplog.at_level(logging.INFO, logger="bot.export.upload"):
        uploaded = slack_upload(client(), CHANNEL)(parts(), "comment")
    assert uploaded == Uploaded(error) and slack.calls("files.completeUploadExternal") == []
    assert [r.getMessage() for r in caplog.records] == [f"export upload failed channel={CHANNEL} error={error}"]


def test_slack_out_of_reach_comes_back_as_its_error_name_never_raised(
    slack: Slack, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(handler: object, request: urllib.request.Request) -> addinfourl:
        raise URLError(ConnectionRefusedError(111, "Connection refused"))

    monkeypatch.setattr(urllib.request.HTTPSHandler, "https_open", unreachable)
    with caplog.at_level(logging.INFO, logger="bot.export.upload"):
        uploaded = slack_upload(client(), CHANNEL)(parts(), "comment")
    assert uploaded == Uploaded("URLError")
    assert [r.getMessage() for r in caplog.records if r.name == "bot.export.upload"] == [
        f"export upload failed channel={CHANNEL} error=URLError"]
