"""Raw HTTP abuse of POST /slack/events, in process: whatever arrives (unsigned, forged, stale, malformed, huge, the
wrong method), the answer is a 4xx, never a 500, and nothing reaches AWS or a response_url.

Found while hardening and kept here: non-UTF-8 bodies, malformed JSON and non-numeric timestamps answered 500."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode

import pytest

from bot.answers.controls import ActionId
from tests.fakes.aws import BackupEmulator
from tests.fakes.signing import block_actions_body, command_body, slack_signature
from tests.fakes.slack import FakeSlack
from tests.support import SIGNING_SECRET, AppBot

pytestmark = pytest.mark.hardening


def _send(url: str, body: bytes, headers: dict[str, str], method: str = "POST") -> int:
    request = urllib.request.Request(url, data=body if method != "GET" else None, headers=headers, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=15) as response:
            response.read()
            return int(response.status)
    except HTTPError as error:
        error.read()
        return int(error.code)


def _signed(body: bytes, *, ts: str | None = None, content_type: str = "application/x-www-form-urlencoded",
            secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = ts if ts is not None else str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": slack_signature(secret, ts, body)}


def _command(slack: FakeSlack, key: str, text: str = "failed") -> bytes:
    return command_body(text, response_url=slack.response_url(key))


def _click_payload(slack: FakeSlack, key: str, value: str = '{"v":1,"s":"FAILED","p":"7d","r":"us-east-1"}') -> dict[str, Any]:
    return {
        "type": "block_actions", "user": {"id": "U0USER"}, "team": {"id": "T0TEST"}, "api_app_id": "A0TEST",
        "channel": {"id": "C0CHAN"}, "container": {"type": "message", "channel_id": "C0CHAN"},
        "response_url": slack.response_url(key),
        "actions": [{"action_id": ActionId.PERIOD.with_suffix("7d"), "type": "button", "value": value,
                     "block_id": "restores_controls", "action_ts": "1.2"}],
    }


# Each case builds (method, body, headers) for a response_url key; the body would be answered were it accepted.
Case = Callable[[FakeSlack, str], tuple[str, bytes, dict[str, str]]]


def _case_not_form_text(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = f"not a form but it mentions {slack.response_url(key)} and /restores failed".encode()
    return "POST", body, _signed(body, content_type="text/plain")


def _case_not_form_binary(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = b"\xff\xfe\x00\x81 binary " + _command(slack, key)
    return "POST", body, _signed(body, content_type="application/octet-stream")


def _case_binary_unsigned(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = b"\xff\xfe\x00\x81 binary " + _command(slack, key)
    return "POST", body, {"Content-Type": "application/x-www-form-urlencoded"}


def _case_json_unsigned(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps({"command": "/restores", "text": "failed", "response_url": slack.response_url(key),
                       "user_id": "U0USER", "channel_id": "C0CHAN", "team_id": "T0TEST"}).encode()
    return "POST", body, {"Content-Type": "application/json"}


def _case_json_signed_not_an_event(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps({"type": "nonsense", "response_url": slack.response_url(key)}).encode()
    return "POST", body, _signed(body, content_type="application/json")


def _case_json_malformed_signed(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = ('{"command": "/restores", "text": "failed", "response_url": "' + slack.response_url(key) + '", ').encode()
    return "POST", body, _signed(body, content_type="application/json")


def _case_json_malformed_unsigned(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = ('{"command": "/restores", "text": "failed", "response_url": "' + slack.response_url(key) + '", ').encode()
    return "POST", body, {"Content-Type": "application/json"}


def _case_empty_signed(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    return "POST", b"", _signed(b"")


def _case_empty_unsigned(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    return "POST", b"", {"Content-Type": "application/x-www-form-urlencoded"}


def _case_huge_signed(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = b"junk=" + b"x" * 1_000_000 + b"&response_url=" + slack.response_url(key).encode()
    return "POST", body, _signed(body)


def _case_huge_forged(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key) + b"&junk=" + b"x" * 1_000_000
    headers = _signed(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    return "POST", body, headers


def _case_get(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    return "GET", b"", _signed(b"")


def _case_put(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key)
    return "PUT", body, _signed(body)


def _case_signature_of_other_body(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    return "POST", _command(slack, key, "failed 14d"), _signed(_command(slack, key, "failed 7d"))


def _case_replay_stale(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key)
    return "POST", body, _signed(body, ts=str(int(time.time()) - 5 * 60 - 30))


def _case_future(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key)
    return "POST", body, _signed(body, ts=str(int(time.time()) + 5 * 60 + 30))


def _case_non_numeric_timestamp(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key)
    return "POST", body, _signed(body, ts="yesterday")


def _case_v1_signature(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key)
    headers = _signed(body)
    headers["X-Slack-Signature"] = "v1=" + headers["X-Slack-Signature"].split("=", 1)[1]
    return "POST", body, headers


def _case_payload_not_json_signed(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = urlencode({"payload": "not json " + slack.response_url(key)}).encode()
    return "POST", body, _signed(body)


def _case_payload_not_json_unsigned(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = urlencode({"payload": "not json " + slack.response_url(key)}).encode()
    return "POST", body, {"Content-Type": "application/x-www-form-urlencoded"}


def _case_payload_json_array_signed(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = urlencode({"payload": json.dumps([_click_payload(slack, key)])}).encode()
    return "POST", body, _signed(body)


def _case_click_forged(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = block_actions_body(_click_payload(slack, key))
    return "POST", body, _signed(body, secret="not-the-signing-secret")


ABUSE_CASES: list[Any] = [
    # (id, case, expected: exact status or "4xx", known bug or None)
    ("not-form-text-signed", _case_not_form_text, "4xx", None),
    ("not-form-binary-signed", _case_not_form_binary, "4xx", None),
    ("not-form-binary-unsigned", _case_binary_unsigned, 401, None),
    ("json-unsigned", _case_json_unsigned, 401, None),
    ("json-signed-not-an-event", _case_json_signed_not_an_event, "4xx", None),
    ("json-malformed-signed", _case_json_malformed_signed, "4xx", None),
    ("json-malformed-unsigned", _case_json_malformed_unsigned, 401, None),
    ("empty-signed", _case_empty_signed, "4xx", None),
    ("empty-unsigned", _case_empty_unsigned, 401, None),
    ("huge-1MB-signed", _case_huge_signed, "4xx", None),
    ("huge-1MB-forged", _case_huge_forged, 401, None),
    ("get", _case_get, 405, None),
    ("put", _case_put, 405, None),
    ("signature-of-another-body", _case_signature_of_other_body, 401, None),
    ("replay-older-than-5-minutes", _case_replay_stale, 401, None),
    ("timestamp-more-than-5-minutes-ahead", _case_future, 401, None),
    ("non-numeric-timestamp", _case_non_numeric_timestamp, 401, None),
    ("signature-v1-prefix", _case_v1_signature, 401, None),
    ("payload-not-json-signed", _case_payload_not_json_signed, "4xx", None),
    ("payload-not-json-unsigned", _case_payload_not_json_unsigned, 401,
     None),
    ("payload-json-array-signed", _case_payload_json_array_signed, "4xx",
     None),
    ("click-forged", _case_click_forged, 401, None),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name,
                  marks=[pytest.mark.xfail(strict=True, raises=AssertionError, reason=bug)] if bug else [])
     for name, case, expected, bug in ABUSE_CASES],
)
def test_http_abuse_of_slack_events(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack,
                                    request: pytest.FixtureRequest, case: Case, expected: int | str) -> None:
    key = f"abuse-{request.node.callspec.id}-{time.monotonic_ns()}"
    method, body, headers = case(slack, key)
    status = _send(app_bot.events_url, body, headers, method)
    print(f"{request.node.callspec.id}: HTTP {status}")
    app_bot.settle()  # whatever a lazy listener would have done to AWS or the response_url is done by now
    assert emulator.calls() == [], "an abusive request reached AWS"
    assert slack.responses_for(key) == [], "an abusive request was answered"
    assert status != 500
    if expected == "4xx":
        assert 400 <= status < 500, status
    else:
        assert status == expected, status
