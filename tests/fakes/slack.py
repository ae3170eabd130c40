"""Loopback fake of the Slack Web API and of response_url endpoints, for real slack_sdk clients.

Usage::

    with FakeSlack() as fake:
        client = WebClient(token=fake.token, base_url=fake.api_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.calls_to("chat.postMessage")[0].params["text"] == "hi"

        url = fake.response_url("cmd-1")          # hand this to the bot as a slash command's response_url
        ...                                       # the bot's respond() POSTs JSON to it
        [post] = fake.wait_for_responses(1, key="cmd-1")

Answers mimic Slack: HTTP 200 with ``{"ok": false, "error": ...}`` for API errors, HTTP 429 with a
``Retry-After`` header when rate limited, and, for response_url posts, ``200 ok`` or
``400 invalid_blocks`` / ``400 no_text`` as plain text.

Socket Mode: after ``fake.set_socket_mode_url(url)`` (a string, or a callable giving a fresh URL per call such as
``FakeSocketMode.new_url`` from tests/fakes/socket_mode.py), ``apps.connections.open`` called with the app-level
token ``fake.app_token`` answers ``{"ok": true, "url": ...}``. As in Slack, the app-level token is refused by the
bot-token methods and the bot token by ``apps.connections.open`` (``not_allowed_token_type``).

Files: ``files.getUploadURLExternal`` → a POST of the raw bytes to its ``upload_url`` (on this server) →
``files.completeUploadExternal``, the flow slack_sdk's ``files_upload_v2`` drives; ``fake.files`` / ``fake.file(id)``
hold what was uploaded. Both methods need ``files:write`` in ``fake.scopes`` (else ``missing_scope``), sharing to a
channel needs the bot in it (``not_in_channel``), and an image block's ``slack_file`` must name a completed upload
Slack has processed (``delay_file_processing``), else ``invalid_blocks``.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "APP_TOKEN_METHODS",
    "CHANNEL_METHODS",
    "FakeSlack",
    "ResponsePost",
    "SlackCall",
    "UploadedFile",
    "validate_blocks",
]

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100  # a Home tab view (views.publish) takes twice a message's blocks
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BLOCK_ID = 255
MAX_MESSAGE_TEXT = 40000
MAX_IMAGE_ALT_TEXT = 2000
MAX_IMAGE_TITLE = 2000
# Slack's patterns for a file id in an image block's slack_file, and for files.completeUploadExternal's channel_id.
FILE_ID_PATTERN = re.compile(r"^F[A-Z0-9]{8,}$")
SHARE_CHANNEL_PATTERN = re.compile(r"^[CGDZ][A-Z0-9]{8,}$")
# Methods that need a scope the token may lack (``fake.scopes``): they answer missing_scope without it, as Slack does.
METHOD_SCOPES = {
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}

# Methods that take a ``channel`` argument; fail_channel(..., methods=None) applies to all of them.
CHANNEL_METHODS = (
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "conversations.history",
    "conversations.info",
    "conversations.join",
    "conversations.replies",
    "files.completeUploadExternal",  # its channel_id
)
# What a private channel the bot is not in answers (set_conversation): Slack hides it from the bot token.
_PRIVATE_HIDDEN_METHODS = ("chat.postMessage", "chat.update", "conversations.history", "conversations.info")
# Methods that take the app-level token (xapp-...) instead of the bot token.
APP_TOKEN_METHODS = ("apps.connections.open",)
APP_TOKEN_SCOPES = ("connections:write",)
_JSON_STRING_FIELDS = ("blocks", "attachments", "metadata")
_JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
_UPLOAD_PATH = "/upload/v1/"  # where files.getUploadURLExternal's upload_url points (files.slack.com in Slack)


@dataclass(frozen=True)
class SlackCall:
    """One Web API request the fake received (including rejected and rate-limited ones).

    ``params`` merges query string, form (urlencoded or multipart) or JSON body; JSON-string
    fields (blocks, attachments, metadata) are decoded; a ``token`` form field is moved to ``token``.
    ``headers`` has lower-cased names. ``status``/``response`` are what the fake answered.
    """

    method: str
    params: dict[str, Any]
    token: str | None
    headers: dict[str, str]
    time: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True if the fake answered ``{"ok": true}``."""
        return bool(self.response.get("ok"))


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a response_url. ``rejected`` posts got HTTP 400 (``error`` says why)."""

    key: str
    body: dict[str, Any]
    time: float
    rejected: bool = False
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded through files.getUploadURLExternal → the upload URL → files.completeUploadExternal.

    ``data`` is None until the bytes were POSTed to the upload URL; ``completed`` once completeUploadExternal named it
    (with ``title``, and ``channel`` when it was shared to one; unshared files are private to the bot). ``ready_at``:
    when Slack would have processed it, so an image block may reference it (see ``delay_file_processing``)."""

    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    data: bytes | None = None
    completed: bool = False
    title: str | None = None
    channel: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    ready_at: float = 0.0


def _check_text_object(
    obj: Any,
    pointer: str,
    *,
    max_len: int,
    allowed_types: tuple[str, ...] = ("plain_text", "mrkdwn"),
) -> list[str]:
    if not isinstance(obj, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    errors: list[str] = []
    if obj.get("type") not in allowed_types:
        errors.append(f"must be one of {', '.join(allowed_types)} [json-pointer:{pointer}/type]")
    text = obj.get("text")
    if not isinstance(text, str):
        errors.append(f"missing required field: text [json-pointer:{pointer}/text]")
    elif len(text) == 0:
        errors.append(f"must be more than 0 characters [json-pointer:{pointer}/text]")
    elif len(text) > max_len:
        errors.append(f"must be less than {max_len + 1} characters [json-pointer:{pointer}/text]")
    return errors


def validate_blocks(blocks: Any, *, max_blocks: int = MAX_BLOCKS) -> list[str]:
    """Check ``blocks`` against the Block Kit limits Slack enforces; return error strings ([] = valid).

    Checked: a list of at most 50 objects with a ``type``; unique ``block_id`` (<= 255 chars);
    section text 1..3000 chars, <= 10 fields of 1..2000 chars, text or fields present;
    header plain_text 1..150 chars; context 1..10 elements; actions <= 25 elements; image blocks (_check_image_block).
    Other block types are accepted as they are.
    """
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:  # 50 in a message, 100 in a Home tab view
        errors.append(f"must be less than {max_blocks + 1} items [json-pointer:/blocks]")
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        ptr = f"/blocks/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"missing required field: type [json-pointer:{ptr}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or len(block_id) > MAX_BLOCK_ID:
                errors.append(f"must be a string of at most {MAX_BLOCK_ID} characters [json-pointer:{ptr}/block_id]")
            elif block_id in seen_ids:
                errors.append(f"block_id must be unique [json-pointer:{ptr}/block_id]")
            else:
                seen_ids.add(block_id)
        kind = block["type"]
        if kind == "section":
            text, fields = block.get("text"), block.get("fields")
            if text is None and fields is None:
                errors.append(f"must provide either text or fields [json-pointer:{ptr}]")
            if text is not None:
                errors += _check_text_object(text, f"{ptr}/text", max_len=MAX_SECTION_TEXT)
            if fields is not None:
                if not isinstance(fields, list) or not fields:
                    errors.append(f"must be a non-empty array [json-pointer:{ptr}/fields]")
                else:
                    if len(fields) > MAX_SECTION_FIELDS:
                        errors.append(f"must be less than {MAX_SECTION_FIELDS + 1} items [json-pointer:{ptr}/fields]")
                    for j, item in enumerate(fields):
                        errors += _check_text_object(item, f"{ptr}/fields/{j}", max_len=MAX_FIELD_TEXT)
        elif kind == "header":
            errors += _check_text_object(
                block.get("text"), f"{ptr}/text", max_len=MAX_HEADER_TEXT, allowed_types=("plain_text",)
            )
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                errors.append(f"must be a non-empty array [json-pointer:{ptr}/elements]")
            elif len(elements) > MAX_CONTEXT_ELEMENTS:
                errors.append(f"must be less than {MAX_CONTEXT_ELEMENTS + 1} items [json-pointer:{ptr}/elements]")
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                errors.append(f"must be a non-empty array [json-pointer:{ptr}/elements]")
            elif len(elements) > MAX_ACTIONS_ELEMENTS:
                errors.append(f"must be less than {MAX_ACTIONS_ELEMENTS + 1} items [json-pointer:{ptr}/elements]")
        elif kind == "image":
            errors += _check_image_block(block, ptr)
    return errors


def _check_image_block(block: dict[str, Any], ptr: str) -> list[str]:
    """An image block: alt_text 1..2000 chars, exactly one of image_url and slack_file (an ``id`` of Slack's file id
    pattern, or a ``url``), an optional plain_text title."""
    errors: list[str] = []
    alt = block.get("alt_text")
    if not isinstance(alt, str) or not alt:
        errors.append(f"missing required field: alt_text [json-pointer:{ptr}/alt_text]")
    elif len(alt) > MAX_IMAGE_ALT_TEXT:
        errors.append(f"must be less than {MAX_IMAGE_ALT_TEXT + 1} characters [json-pointer:{ptr}/alt_text]")
    url, slack_file = block.get("image_url"), block.get("slack_file")
    if (url is None) == (slack_file is None):
        errors.append(f"must provide exactly one of image_url or slack_file [json-pointer:{ptr}]")
    elif slack_file is not None:
        if not isinstance(slack_file, dict) or not (slack_file.get("id") or slack_file.get("url")):
            errors.append(f"invalid slack file [json-pointer:{ptr}/slack_file]")
        elif slack_file.get("id") is not None and not FILE_ID_PATTERN.match(str(slack_file["id"])):
            errors.append(f"input must match regex pattern: {FILE_ID_PATTERN.pattern} [json-pointer:{ptr}/slack_file/id]")
    if block.get("title") is not None:
        errors += _check_text_object(block["title"], f"{ptr}/title", max_len=MAX_IMAGE_TITLE, allowed_types=("plain_text",))
    return errors


def _decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    """Decode form fields that carry JSON strings (blocks etc.); leave undecodable ones as they are."""
    for name in _JSON_STRING_FIELDS:
        value = params.get(name)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                params[name] = json.loads(value)
    return params


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    params: dict[str, Any] = {}
    if not message.is_multipart():
        return params
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            params[str(name)] = payload
        else:
            params[str(name)] = payload.decode(part.get_content_charset() or "utf-8")
    return params


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """Return (params, error); error is a Slack error code when the body cannot be parsed."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, None
    if media_type == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            return None, "invalid_json"
        if not isinstance(data, dict):
            return None, "invalid_json"
        return data, None
    if media_type == "multipart/form-data":
        return _parse_multipart(content_type, body), None
    # Slack treats anything else as a urlencoded form.
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)), None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeSlack, backlog: int = 5) -> None:
        self.fake = fake
        self.request_queue_size = backlog  # the listen queue, read by server_activate() inside super().__init__
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "FakeSlack/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self.server.fake._dispatch(self, "GET")

    def do_POST(self) -> None:
        self.server.fake._dispatch(self, "POST")

    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class FakeSlack:
    """A Slack Web API + response_url fake on a loopback port (see module docstring)."""

    def __init__(
        self,
        *,
        token: str = "xoxb-test-token",
        team_id: str = "T0TEST",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        host: str = "127.0.0.1",
        port: int = 0,
        backlog: int = 5,
        app_token: str = "xapp-1-A0TEST-1-fake-app-level-token",
    ) -> None:
        self.token = token
        self.app_token = app_token
        self._socket_mode_url: str | Callable[[], str] | None = None
        self.scopes: tuple[str, ...] = ("commands", "chat:write", "chat:write.public", "channels:history",
                                        "groups:history", "channels:read", "groups:read", "files:write")
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self._host = host
        self._requested_port = port
        self._backlog = backlog  # http.server's default; benchmarks raise it so connection bursts are not dropped
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[SlackCall] = []
        self._responses: list[ResponsePost] = []
        self._rate_limits: dict[str, list[int]] = {}  # method -> [remaining, retry_after]
        self._channel_failures: dict[tuple[str, str], str] = {}  # (method, channel) -> error
        self._drops: dict[str, int] = {}  # method -> calls still to accept and then hang up on
        self._late: dict[str, list[float]] = {}  # method -> [calls still to answer late, seconds]
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> message
        self._joined: set[str] = set()
        self._private: set[str] = set()
        self._archived: set[str] = set()
        self._members: dict[str, set[str]] = {}  # channel -> its users (set_members), for users.conversations
        self._ts_counter = 0
        self._files: dict[str, UploadedFile] = {}  # file id -> the upload, in the order they were started
        self._upload_urls: dict[str, str] = {}  # the upload URL's ticket -> file id
        self._file_processing = 0.0  # seconds after completeUploadExternal before an image block may show a file
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "views.publish": self._views_publish,
            "users.conversations": self._users_conversations,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "apps.connections.open": self._apps_connections_open,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        """Start serving on a daemon thread (idempotent); return self."""
        if self._server is None:
            server = _Server((self._host, self._requested_port), self, self._backlog)
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeSlack", daemon=True
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        """The bound port (only after start())."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://host:port`` without a trailing slash."""
        return f"http://{self._host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)``; ends with ``/api/``."""
        return f"{self.base_url}/api/"

    def response_url(self, key: str | None = None) -> str:
        """A response_url that records POSTs under ``key`` (a fresh uuid4 hex when omitted)."""
        return f"{self.base_url}/response/{key or uuid.uuid4().hex}"

    # ------------------------------------------------------------------ recorded traffic

    @property
    def calls(self) -> list[SlackCall]:
        """All Web API calls so far, oldest first (a copy)."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[SlackCall]:
        """Web API calls to ``method`` (e.g. "chat.postMessage"), oldest first."""
        with self._cond:
            return [c for c in self._calls if c.method == method]

    def home_views(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """The Home tab views views.publish accepted (for ``user_id``, if given), oldest first."""
        return [c.params["view"] for c in self.calls_to("views.publish")
                if c.ok and (user_id is None or c.params.get("user_id") == user_id)]

    @property
    def files(self) -> list[UploadedFile]:
        """Every upload started with files.getUploadURLExternal, oldest first (completed or not)."""
        with self._cond:
            return list(self._files.values())

    def file(self, file_id: str) -> UploadedFile:
        """The upload with this id; AssertionError naming the known ids when there is none."""
        with self._cond:
            if file_id not in self._files:
                raise AssertionError(f"no uploaded file {file_id!r}; uploads: {list(self._files)!r}")
            return self._files[file_id]

    @property
    def responses(self) -> list[ResponsePost]:
        """All response_url posts so far (accepted and rejected), oldest first (a copy)."""
        with self._cond:
            return list(self._responses)

    def responses_for(self, key: str) -> list[ResponsePost]:
        """response_url posts made to ``response_url(key)``, oldest first."""
        with self._cond:
            return [r for r in self._responses if r.key == key]

    def wait_for_responses(self, n: int = 1, key: str | None = None, timeout: float = 10.0) -> list[ResponsePost]:
        """Block until at least ``n`` response_url posts (for ``key``, if given) arrived; return them all.

        Raises AssertionError listing what did arrive on timeout.
        """

        def matching() -> list[ResponsePost]:
            return [r for r in self._responses if key is None or r.key == key]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= n, timeout=timeout):
                seen = [(r.key, r.rejected, r.body) for r in self._responses]
                raise AssertionError(
                    f"expected {n} response_url post(s){f' for key {key!r}' if key else ''} within {timeout}s, "
                    f"got {len(matching())}; all posts seen (key, rejected, body): {seen!r}"
                )
            return matching()

    def wait_for_calls(self, method: str, n: int = 1, timeout: float = 10.0) -> list[SlackCall]:
        """Block until at least ``n`` calls to ``method`` arrived; return them all.

        Raises AssertionError listing the calls seen on timeout.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.calls_to(method)) >= n, timeout=timeout):
                seen = [(c.method, c.response.get("error")) for c in self._calls]
                raise AssertionError(
                    f"expected {n} call(s) to {method} within {timeout}s, got {len(self.calls_to(method))}; "
                    f"all calls seen (method, error): {seen!r}"
                )
            return self.calls_to(method)

    # ------------------------------------------------------------------ fault injection

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls to ``method`` with HTTP 429, ``Retry-After: retry_after``."""
        with self._cond:
            self._rate_limits[method] = [times, retry_after]

    def fail_channel(
        self,
        channel: str,
        error: str = "channel_not_found",
        *,
        methods: Iterable[str] | None = ("chat.postMessage",),
    ) -> None:
        """Make ``methods`` (default chat.postMessage; None = all CHANNEL_METHODS) on ``channel`` fail.

        They answer ``{"ok": false, "error": error}``. A failure with ``not_in_channel`` is lifted by a
        successful ``conversations.join`` of that channel, as in Slack.
        """
        with self._cond:
            for method in CHANNEL_METHODS if methods is None else methods:
                self._channel_failures[(method, channel)] = error

    def drop_after_accepting(self, method: str = "chat.postMessage", *, times: int = 1) -> None:
        """The next ``times`` successful calls to ``method`` are carried out (a post is in the channel, as Slack has it)
        and then the connection is closed without an answer: the client cannot tell whether Slack took it."""
        with self._cond:
            self._drops[method] = times

    def answer_late(self, method: str = "chat.postMessage", *, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls to ``method`` are carried out at once and answered ``seconds`` later (after a
        client's timeout, when ``seconds`` exceeds it)."""
        with self._cond:
            self._late[method] = [times, seconds]

    def set_conversation(self, channel: str, *, private: bool = False, member: bool = False,
                         archived: bool = False) -> None:
        """Describe a channel as Slack sees it with the bot token. A private channel the bot is not a member of is
        invisible to it: ``conversations.info``, ``conversations.history``, ``chat.postMessage`` and ``chat.update``
        answer ``channel_not_found``. A member sees ``is_private``/``is_member`` true. An archived channel is described
        with ``is_archived`` and refuses posts and updates with ``is_archived``. Channels never described are public
        and not archived; ``member`` marks the bot as invited (public channels are posted to without it)."""
        with self._cond:
            (self._private.add if private else self._private.discard)(channel)
            (self._archived.add if archived else self._archived.discard)(channel)
            (self._joined.add if member else self._joined.discard)(channel)

    def set_members(self, channel: str, users: Iterable[str]) -> None:
        """The users in ``channel`` (replacing what was set), as ``users.conversations`` reports them: with the bot
        token a user's private channels are listed only when the bot is in them too (``set_conversation(member=...)``)."""
        with self._cond:
            self._members[channel] = set(users)

    def delay_file_processing(self, seconds: float) -> None:
        """Slack processes an upload after files.completeUploadExternal; until it is done an image block referencing the
        file is refused (``invalid_blocks``: ``invalid slack file``). Files completed from now on are ready ``seconds``
        later (0, the default and the state after reset(): at once)."""
        with self._cond:
            self._file_processing = seconds

    def set_socket_mode_url(self, url: str | Callable[[], str] | None) -> None:
        """Answer ``apps.connections.open`` (with ``app_token``) with ``{"ok": true, "url": url}``.

        ``url`` may be a callable, called once per request (e.g. ``FakeSocketMode.new_url``, a fresh ticket each
        time, as Slack gives). None, the default and the state after reset(), answers ``unknown_method`` as a fake
        without Socket Mode always did.
        """
        with self._cond:
            self._socket_mode_url = url

    def reset(self) -> None:
        """Forget recorded calls/posts/messages/files and clear rate limits, channel failures, file processing delays and the
        Socket Mode URL."""
        self.scopes = ("commands", "chat:write", "chat:write.public", "channels:history", "groups:history", "channels:read",
                       "groups:read", "files:write")
        with self._cond:
            self._socket_mode_url = None
            self._calls.clear()
            self._responses.clear()
            self._rate_limits.clear()
            self._channel_failures.clear()
            self._drops.clear()
            self._late.clear()
            self._messages.clear()
            self._joined.clear()
            self._private.clear()
            self._archived.clear()
            self._members.clear()
            self._files.clear()
            self._upload_urls.clear()
            self._file_processing = 0.0

    # ------------------------------------------------------------------ HTTP plumbing

    def _dispatch(self, handler: _Handler, verb: str) -> None:
        split = urlsplit(handler.path)
        path = split.path
        body = handler.read_body()
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if path.startswith("/api/"):
            self._handle_api(handler, unquote(path[len("/api/") :]), split.query, headers, body)
        elif path.startswith("/response/") and verb == "POST":
            self._handle_response_url(handler, unquote(path[len("/response/") :]), headers, body)
        elif path.startswith(_UPLOAD_PATH) and verb == "POST":
            self._handle_upload(handler, path[len(_UPLOAD_PATH) :], body)
        else:
            handler.send(404, b"not found", _TEXT_CONTENT_TYPE)

    def _next_ts(self) -> str:
        """Like Slack's: the message's time in epoch seconds with microseconds, unique and increasing."""
        with self._cond:
            micros = max(int(time.time() * 1_000_000), self._ts_counter + 1)
            self._ts_counter = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _handle_api(self, handler: _Handler, method: str, query: str, headers: dict[str, str], body: bytes) -> None:
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        parsed, parse_error = _parse_body(headers.get("content-type", ""), body)
        params.update(parsed or {})
        form_token = params.pop("token", None)
        _decode_json_fields(params)
        auth = headers.get("authorization", "")
        token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else None
        if token is None and isinstance(form_token, str):
            token = form_token

        status, extra = 200, {}
        with self._cond:
            limit = self._rate_limits.get(method)
            if limit is not None and limit[0] > 0:
                limit[0] -= 1
                status, extra = 429, {"Retry-After": str(limit[1])}
        with self._cond:
            socket_mode_off = self._socket_mode_url is None
        app_method = method in APP_TOKEN_METHODS
        # The token this method takes, and the other kind, which Slack refuses with not_allowed_token_type.
        wanted, other = (self.app_token, self.token) if app_method else (self.token, self.app_token)
        if status == 429:
            response: dict[str, Any] = {"ok": False, "error": "ratelimited"}
        elif method not in self._methods or (method == "apps.connections.open" and socket_mode_off):
            response = {"ok": False, "error": "unknown_method"}
        elif parse_error is not None:
            response = {"ok": False, "error": parse_error}
        elif not token:
            response = {"ok": False, "error": "not_authed"}
        elif token != wanted and token == other:
            response = {"ok": False, "error": "not_allowed_token_type"}
        elif token != wanted:
            response = {"ok": False, "error": "invalid_auth"}
        elif method in METHOD_SCOPES and METHOD_SCOPES[method] not in self.scopes:
            response = {"ok": False, "error": "missing_scope", "needed": METHOD_SCOPES[method],
                        "provided": ",".join(self.scopes)}
            extra = {"x-oauth-scopes": ",".join(self.scopes)}
        else:
            response = self._methods[method](params)
            # Real Slack reports the token's granted scopes on every authenticated call.
            extra = {"x-oauth-scopes": ",".join(APP_TOKEN_SCOPES if app_method else self.scopes)}

        call = SlackCall(
            method=method,
            params=params,
            token=token,
            headers=headers,
            time=time.time(),
            status=status,
            response=response,
        )
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
            drop = bool(response.get("ok")) and self._drops.get(method, 0) > 0
            if drop:
                self._drops[method] -= 1
            late = self._late.get(method)
            delay = late[1] if late is not None and late[0] > 0 else 0.0
            if late is not None and late[0] > 0:
                late[0] -= 1
        if drop:  # carried out, never answered: the connection goes down before the status line
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if delay:
            time.sleep(delay)
        with contextlib.suppress(OSError):  # a late answer may find the client gone
            handler.send(status, json.dumps(response).encode("utf-8"), _JSON_CONTENT_TYPE, extra)

    def _handle_response_url(self, handler: _Handler, key: str, headers: dict[str, str], body: bytes) -> None:
        content_type = headers.get("content-type", "")
        error: str | None = None
        parsed: dict[str, Any]
        if content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            raw = form.get("payload", "")
        else:
            raw = body.decode("utf-8", "replace")
        try:
            loaded = json.loads(raw)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            parsed = loaded
        else:
            parsed, error = {"_raw": raw}, "invalid_payload"
        if error is None:
            error = self._message_error(parsed, allow_empty=bool(parsed.get("delete_original")))
        post = ResponsePost(
            key=key, body=parsed, time=time.time(), rejected=error is not None, error=error, headers=headers
        )
        with self._cond:
            self._responses.append(post)
            self._cond.notify_all()
        if error is None:
            handler.send(200, b"ok", _TEXT_CONTENT_TYPE)
        else:
            handler.send(400, error.encode("utf-8"), _TEXT_CONTENT_TYPE)

    # ------------------------------------------------------------------ validation shared by methods

    @staticmethod
    def _message_error(params: dict[str, Any], *, allow_empty: bool = False) -> str | None:
        blocks = params.get("blocks")
        if blocks is not None:
            if isinstance(blocks, str) or not isinstance(blocks, list):
                return "invalid_blocks_format"
            if validate_blocks(blocks):
                return "invalid_blocks"
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
            return "msg_too_long"
        if not allow_empty and not text and not blocks and not params.get("attachments"):
            return "no_text"
        return None

    def _message_failure(self, params: dict[str, Any]) -> dict[str, Any] | None:
        error = self._message_error(params)
        problems = validate_blocks(params.get("blocks")) if error == "invalid_blocks" else []
        if error is None:
            problems = self._unknown_slack_files(params.get("blocks"))
            error = "invalid_blocks" if problems else None
        if error is None:
            return None
        failure: dict[str, Any] = {"ok": False, "error": error}
        if error == "invalid_blocks":
            failure["errors"] = problems
            failure["response_metadata"] = {"messages": [f"[ERROR] {p}" for p in problems]}
        return failure

    def _unknown_slack_files(self, blocks: Any) -> list[str]:
        """Image blocks whose slack_file is not an uploaded, completed and processed file: Slack answers
        ``invalid slack file`` for those (also for a file still being processed right after its upload)."""
        errors: list[str] = []
        now = time.time()
        with self._cond:
            files = list(self._files.values())
        for i, block in enumerate(blocks if isinstance(blocks, list) else []):
            ref = block.get("slack_file") if isinstance(block, dict) and block.get("type") == "image" else None
            if not isinstance(ref, dict):
                continue
            found = [f for f in files if f.id == ref.get("id") or (ref.get("url") and ref.get("url") == self._permalink(f))]
            if not found or not found[0].completed or found[0].ready_at > now:
                errors.append(f"invalid slack file [json-pointer:/blocks/{i}/slack_file]")
        return errors

    def _channel_failure(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        with self._cond:
            error = self._channel_failures.get((method, str(channel)))
            hidden = channel in self._private and channel not in self._joined
            archived = channel in self._archived
        if error is None and hidden and method in _PRIVATE_HIDDEN_METHODS:
            error = "channel_not_found"
        if error is None and archived and method in ("chat.postMessage", "chat.update"):
            error = "is_archived"
        return None if error is None else {"ok": False, "error": error}

    def _message(self, channel: str, ts: str, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "text": params.get("text") or "",
            "ts": ts,
        }
        for name in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(name) is not None:
                message[name] = params[name]
        return message

    # ------------------------------------------------------------------ methods

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """A Home tab view for one user: ``user_id`` a user id, ``view`` (an object, or its JSON as a form field) of
        type ``home`` with at most 100 valid blocks; anything else is ``invalid_arguments`` with Slack's messages."""
        view = params.get("view")
        if isinstance(view, str):
            with contextlib.suppress(ValueError):
                view = params["view"] = json.loads(view)
        problems: list[str] = []
        if not re.match(r"^[UW][A-Z0-9]{2,}$", str(params.get("user_id") or "")):
            problems.append("invalid user_id [json-pointer:/user_id]")
        if not isinstance(view, dict):
            problems.append("must provide an object [json-pointer:/view]")
        else:
            if view.get("type") != "home":
                problems.append("must be home [json-pointer:/view/type]")
            problems += [p.replace("json-pointer:/", "json-pointer:/view/") for p in
                         validate_blocks(view.get("blocks"), max_blocks=MAX_HOME_BLOCKS)]
            # A file Slack has not processed yet cannot be shown in a view either.
            problems += [p.replace("json-pointer:/", "json-pointer:/view/") for p in
                         self._unknown_slack_files(view.get("blocks"))]
            for name, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
                if len(str(view.get(name) or "")) > limit:
                    problems.append(f"must be less than {limit + 1} characters [json-pointer:/view/{name}]")
        if problems:
            return {"ok": False, "error": "invalid_arguments",
                    "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]}}
        assert isinstance(view, dict)
        published = dict(view, id=f"V{uuid.uuid4().hex[:10].upper()}", team_id=self.team_id,
                         hash=f"{time.time():.6f}.{uuid.uuid4().hex[:8]}")
        return {"ok": True, "view": published}

    def _users_conversations(self, params: dict[str, Any]) -> dict[str, Any]:
        """The channels ``user`` (default: the bot) is in (set_members), of ``types`` (default public_channel), without
        archived ones on ``exclude_archived``; ``limit`` (default 100, at most 1000) a page, ``next_cursor`` for more.
        As with a bot token in Slack, a private channel is listed only when the bot is in it too."""
        user = str(params.get("user") or self.bot_user_id)
        if not re.match(r"^[UW][A-Z0-9]{2,}$", user):
            return {"ok": False, "error": "user_not_found"}
        types = set(str(params.get("types") or "public_channel").split(","))
        limit = min(int(params.get("limit") or 100), 1000)
        start = int(params.get("cursor") or 0)
        skip_archived = str(params.get("exclude_archived", "")).lower() in ("1", "true")
        with self._cond:
            found = sorted(
                channel for channel, users in self._members.items()
                if user in users
                and ("private_channel" if channel in self._private else "public_channel") in types
                and (channel not in self._private or channel in self._joined)
                and not (skip_archived and channel in self._archived)
            )
        page = [self._channel_object(channel) for channel in found[start : start + limit]]
        more = start + limit < len(found)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake-test.slack.com/",
            "team": "Fake Test Team",
            "user": "restores",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            url = self._socket_mode_url
        if url is None:  # reset() between the dispatch check and here
            return {"ok": False, "error": "unknown_method"}
        return {"ok": True, "url": url() if callable(url) else url}

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        failure = self._channel_failure("chat.postMessage", params) or self._message_failure(params)
        if failure:
            return failure
        channel, ts = str(params["channel"]), self._next_ts()
        message = self._message(channel, ts, params)
        with self._cond:
            self._messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        failure = self._channel_failure("chat.postEphemeral", params)
        if failure:
            return failure
        if not params.get("user"):
            return {"ok": False, "error": "user_not_found"}
        failure = self._message_failure(params)
        if failure:
            return failure
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        failure = self._channel_failure("chat.update", params)
        if failure:
            return failure
        channel, ts = str(params["channel"]), str(params.get("ts") or "")
        with self._cond:
            known = (channel, ts) in self._messages
        if not known:
            return {"ok": False, "error": "message_not_found"}
        failure = self._message_failure(params)
        if failure:
            return failure
        message = self._message(channel, ts, params)
        with self._cond:
            self._messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _channel_object(self, channel: str) -> dict[str, Any]:
        with self._cond:
            is_member = channel in self._joined
            is_private = channel in self._private
            is_archived = channel in self._archived
        return {
            "id": channel,
            "name": f"channel-{channel.lower()}",
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_private": is_private,
            "is_archived": is_archived,
            "is_member": is_member,
            "created": 1_600_000_000,
        }

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, `oldest` exclusive, `limit` (default 100) a page with a `next_cursor`; message metadata only
        with include_all_metadata, as Slack does."""
        failure = self._channel_failure("conversations.history", params)
        if failure:
            return failure
        channel = str(params["channel"])
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._cond:
            found = [dict(m) for (c, ts), m in self._messages.items() if c == channel and float(ts) > oldest]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        if not with_metadata:
            for message in found:
                message.pop("metadata", None)
        start = int(params.get("cursor") or 0)
        page = found[start:start + limit]
        more = len(found) > start + limit
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread, as Slack gives it: the parent then its replies, oldest first, `limit` (default 1000) a page with a
        `next_cursor`; message metadata only with include_all_metadata; thread_not_found for an unknown ts."""
        failure = self._channel_failure("conversations.replies", params)
        if failure:
            return failure
        channel, ts = str(params["channel"]), str(params.get("ts") or "")
        limit = int(params.get("limit") or 1000)
        start = int(params.get("cursor") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._cond:
            if (channel, ts) not in self._messages:
                return {"ok": False, "error": "thread_not_found"}
            root = str(self._messages[(channel, ts)].get("thread_ts") or ts)
            found = [dict(m) for (c, t), m in self._messages.items()
                     if c == channel and (t == root or m.get("thread_ts") == root)]
        found.sort(key=lambda m: float(m["ts"]))
        if not with_metadata:
            for message in found:
                message.pop("metadata", None)
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        failure = self._channel_failure("conversations.info", params)
        if failure:
            return failure
        return {"ok": True, "channel": self._channel_object(str(params["channel"]))}

    def _conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        failure = self._channel_failure("conversations.join", params)
        if failure:
            return failure
        channel = str(params["channel"])
        with self._cond:
            already = channel in self._joined
            self._joined.add(channel)
            for failure_key in [k for k, v in self._channel_failures.items() if k[1] == channel]:
                if self._channel_failures[failure_key] == "not_in_channel":
                    del self._channel_failures[failure_key]
        response: dict[str, Any] = {"ok": True, "channel": self._channel_object(channel)}
        if already:
            response["warning"] = "already_in_channel"
        return response

    # ------------------------------------------------------------------ files: the flow files_upload_v2 drives

    def _permalink(self, upload: UploadedFile) -> str:
        return f"{self.base_url}/files/{self.bot_user_id}/{upload.id}/{upload.filename}"

    def _file_object(self, upload: UploadedFile) -> dict[str, Any]:
        # Slack processes a file after completeUploadExternal; until then details such as mimetype are empty.
        return {"id": upload.id, "name": upload.filename, "title": upload.title or upload.filename, "size": upload.length,
                "user": self.bot_user_id, "mimetype": "", "permalink": self._permalink(upload),
                "url_private": f"{self.base_url}/files-pri/{self.team_id}-{upload.id}/{upload.filename}",
                "channels": [upload.channel] if upload.channel else []}

    def _files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        filename, length = params.get("filename"), str(params.get("length") or "")
        if not isinstance(filename, str) or not filename or not length.isdigit() or int(length) <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        upload = UploadedFile(id="F" + uuid.uuid4().hex[:10].upper(), filename=filename, length=int(length),
                              alt_txt=params.get("alt_txt") or None)
        ticket = uuid.uuid4().hex
        with self._cond:
            self._files[upload.id] = upload
            self._upload_urls[ticket] = upload.id
        return {"ok": True, "upload_url": f"{self.base_url}{_UPLOAD_PATH}{ticket}", "file_id": upload.id}

    def _handle_upload(self, handler: _Handler, ticket: str, body: bytes) -> None:
        """The upload URL: the file's bytes as the raw POST body (slack_sdk sends them with urllib, no multipart)."""
        with self._cond:
            file_id = self._upload_urls.get(ticket)
            if file_id is not None:
                self._files[file_id] = replace(self._files[file_id], data=body)
                self._cond.notify_all()
        if file_id is None:
            handler.send(404, b"not found", _TEXT_CONTENT_TYPE)
        else:
            handler.send(200, f"OK - {len(body)}".encode(), _TEXT_CONTENT_TYPE)

    def _files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        """files=[{id, title}], optional channel_id (else the files stay private to the bot), initial_comment and
        thread_ts. Sharing needs the bot in the channel: chat:write.public does not cover files (not_in_channel)."""
        try:
            wanted = json.loads(str(params.get("files") or ""))
        except ValueError:
            wanted = None
        if not isinstance(wanted, list) or not wanted or not all(isinstance(f, dict) and f.get("id") for f in wanted):
            return {"ok": False, "error": "invalid_arguments"}
        channel = params.get("channel_id") or None
        if channel is not None:
            if not SHARE_CHANNEL_PATTERN.match(str(channel)):
                return {"ok": False, "error": "invalid_arguments"}
            failure = self._channel_failure("files.completeUploadExternal", {"channel": channel})
            if failure:
                return failure
            with self._cond:
                hidden = channel in self._private and channel not in self._joined
                member, archived = channel in self._joined, channel in self._archived
            if hidden or not member or archived:
                return {"ok": False, "error": "channel_not_found" if hidden else "is_archived" if archived
                        else "not_in_channel"}
        with self._cond:
            found = [self._files.get(str(f["id"])) for f in wanted]
            if any(f is None or f.data is None or f.completed for f in found):
                return {"ok": False, "error": "file_not_found"}
            ready_at = time.time() + self._file_processing
            done = [replace(f, completed=True, title=str(w.get("title") or f.filename), channel=channel,
                            initial_comment=params.get("initial_comment") or None,
                            thread_ts=params.get("thread_ts") or None, ready_at=ready_at)
                    for f, w in zip(found, wanted, strict=True) if f is not None]
            for upload in done:
                self._files[upload.id] = upload
            self._cond.notify_all()
        objects = [self._file_object(f) for f in done]
        if channel is not None:  # a shared file is a message in the channel, with the comment as its text
            ts = self._next_ts()
            message = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id, "team": self.team_id,
                       "text": params.get("initial_comment") or "", "files": objects, "ts": ts}
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            with self._cond:
                self._messages[(str(channel), ts)] = message
        return {"ok": True, "files": objects}
