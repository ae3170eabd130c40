"""Helpers that sign and send requests the way Slack does, for tests of the bot's HTTP endpoint."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "app_home_opened",
    "block_actions_body",
    "command_body",
    "event_callback_body",
    "home_click_payload",
    "post_signed",
    "signed_headers",
    "slack_signature",
    "url_verification_body",
]

SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Return the ``v0=<hex>`` signature Slack puts in ``X-Slack-Signature``.

    It is the HMAC-SHA256, keyed with the signing secret, of ``b"v0:" + timestamp + b":" + body``.
    """
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + body
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """Return the headers Slack sends with a signed request (timestamp defaults to now)."""
    ts = str(int(time.time()) if timestamp is None else int(timestamp))
    return {
        "Content-Type": content_type,
        TIMESTAMP_HEADER: ts,
        SIGNATURE_HEADER: slack_signature(secret, ts, body),
    }


def command_body(
    text: str,
    *,
    response_url: str,
    user_id: str = "U0USER",
    channel_id: str = "C0CHAN",
    command: str = "/restores",
    team_id: str = "T0TEST",
    trigger_id: str = "123.456",
    user_name: str = "alice",
    channel_name: str = "ops",
) -> bytes:
    """Return a slash command request body, form-encoded with the fields (and order) Slack uses."""
    fields: list[tuple[str, str]] = [
        ("token", "fake-verification-token"),
        ("team_id", team_id),
        ("team_domain", "test"),
        ("channel_id", channel_id),
        ("channel_name", channel_name),
        ("user_id", user_id),
        ("user_name", user_name),
        ("command", command),
        ("text", text),
        ("api_app_id", "A0TEST"),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        ("trigger_id", trigger_id),
    ]
    return urlencode(fields).encode("utf-8")


def block_actions_body(payload: dict[str, Any]) -> bytes:
    """Return an interactivity request body: one form field ``payload`` holding the JSON payload."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode("utf-8")


def click_payload(
    action_id: str,
    value: str,
    *,
    response_url: str,
    select: bool = False,
    user_id: str = "U0USER",
    channel_id: str = "C0CHAN",
    team_id: str = "T0TEST",
) -> dict[str, Any]:
    """A block_actions payload for one click on a drill-down control (a button, or an option of a static select),
    with the fields and nesting Slack sends."""
    action: dict[str, Any] = {"action_id": action_id, "block_id": "restores_drill", "action_ts": f"{time.time():.6f}"}
    if select:
        action.update(type="static_select", selected_option={"text": {"type": "plain_text", "text": "x"}, "value": value})
    else:
        action.update(type="button", value=value, text={"type": "plain_text", "text": "x"})
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": "alice", "name": "alice", "team_id": team_id},
        "api_app_id": "A0TEST",
        "token": "fake-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": channel_id, "is_ephemeral": True},
        "trigger_id": "123.456.abc",
        "team": {"id": team_id, "domain": "test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "ops"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def app_home_opened(user_id: str = "U0USER", *, tab: str = "home", team_id: str = "T0TEST") -> dict[str, Any]:
    """The ``event`` of an ``app_home_opened`` (a user opened the app's Home or Messages tab), as Slack sends it."""
    event: dict[str, Any] = {"type": "app_home_opened", "user": user_id, "channel": "D0APPHOME", "tab": tab,
                             "event_ts": f"{time.time():.6f}"}
    if tab == "home":  # the view already published for the user, if any; Slack sends it along
        event["view"] = {"id": "V0HOME", "team_id": team_id, "type": "home", "blocks": [], "hash": "1.abc"}
    return event


def event_callback_body(event: dict[str, Any], *, team_id: str = "T0TEST", api_app_id: str = "A0TEST") -> bytes:
    """An Events API request body: the JSON ``event_callback`` envelope around ``event``, with the fields Slack sends."""
    envelope = {
        "token": "fake-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns():X}"[:14],
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": "U0BOT", "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope, separators=(",", ":")).encode("utf-8")


def url_verification_body(challenge: str) -> bytes:
    """The request Slack sends once when an Events API request URL is set: answer with the challenge."""
    return json.dumps({"token": "fake-verification-token", "challenge": challenge, "type": "url_verification"}).encode()


def home_click_payload(action_id: str, value: str, *, user_id: str = "U0USER", team_id: str = "T0TEST") -> dict[str, Any]:
    """A block_actions payload for a button on the app's Home tab: a view container, no channel and no response_url
    (what Slack sends for clicks in views)."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": "alice", "name": "alice", "team_id": team_id},
        "api_app_id": "A0TEST",
        "token": "fake-verification-token",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": "123.456.abc",
        "team": {"id": team_id, "domain": "test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {"id": "V0HOME", "team_id": team_id, "type": "home", "blocks": [], "private_metadata": "",
                 "callback_id": "", "state": {"values": {}}, "hash": "1.abc", "app_id": "A0TEST"},
        "actions": [{"action_id": action_id, "block_id": "restores_home:drill", "type": "button", "value": value,
                     "text": {"type": "plain_text", "text": "x"}, "action_ts": f"{time.time():.6f}"}],
    }


def _merge_headers(base: dict[str, str], override: dict[str, Any] | None) -> dict[str, str]:
    """Merge header dicts case-insensitively; an override value of None removes that header."""
    merged = dict(base)
    for name, value in (override or {}).items():
        for existing in [k for k in merged if k.lower() == name.lower()]:
            del merged[existing]
        if value is not None:
            merged[name] = str(value)
    return merged


def post_signed(
    url: str,
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    headers_override: dict[str, Any] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """POST ``body`` signed with ``secret`` to ``url``; return (status, headers, body).

    Response header names are lower-cased. 4xx/5xx answers are returned, not raised.
    ``headers_override`` replaces headers case-insensitively (a None value drops the header),
    e.g. ``{"X-Slack-Signature": "v0=bad"}``. Environment proxies are ignored.
    """
    # A JSON body (Events API) is sent as Slack sends it, as application/json; the rest as a form.
    content_type = "application/json" if body.lstrip().startswith(b"{") else "application/x-www-form-urlencoded"
    headers = _merge_headers(signed_headers(secret, body, timestamp=timestamp, content_type=content_type),
                             headers_override)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            data = response.read()
    except HTTPError as error:
        status = int(error.code)
        response_headers = {k.lower(): v for k, v in error.headers.items()}
        data = error.read()
    return status, response_headers, data
