"""Tests of the loopback Slack fake and signing helpers, driven by the real slack_sdk clients."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

import pytest
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.fakes.signing import (
    block_actions_body,
    command_body,
    post_signed,
    signed_headers,
    slack_signature,
)
from tests.fakes.slack import FakeSlack, validate_blocks

TOKEN = "xoxb-test-token"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TS_PATTERN = re.compile(r"^\d{10}\.\d{6}$")


@pytest.fixture(autouse=True)
def _no_env_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk clients read HTTPS_PROXY/HTTP_PROXY themselves and ignore NO_PROXY.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.api_url, timeout=5)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def digest_blocks() -> list[dict[str, Any]]:
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "Restore jobs, last 7 days"}},
        {
            "type": "section",
            "block_id": "counts",
            "fields": [
                {"type": "mrkdwn", "text": "*Completed*\n12"},
                {"type": "mrkdwn", "text": "*Failed*\n1"},
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "account 123456789012"}]},
    ]


# ---------------------------------------------------------------- Web API


def test_api_url_shape(fake: FakeSlack) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/", fake.api_url)
    assert fake.response_url("abc") == fake.api_url.replace("/api/", "/response/abc")
    assert fake.response_url() != fake.response_url()


def test_auth_test_with_bearer_token(fake: FakeSlack, client: WebClient) -> None:
    result = client.auth_test()

    assert result["ok"] is True
    assert (result["team_id"], result["user_id"], result["bot_id"]) == ("T0TEST", "U0BOT", "B0BOT")
    assert result.headers["Content-Type"] == "application/json; charset=utf-8"
    [call] = fake.calls_to("auth.test")
    assert call.token == TOKEN
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.status == 200 and call.ok


def test_token_form_field_is_accepted_and_not_left_in_params(fake: FakeSlack) -> None:
    # WebClient itself always moves a token to the Authorization header, so post a raw form.
    body = urlencode({"token": TOKEN, "channel": "C1", "text": "hi"}).encode()
    request = urllib.request.Request(fake.api_url + "chat.postMessage", data=body, method="POST")
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5) as response:
        answer = json.loads(response.read())

    assert answer["ok"] is True
    [call] = fake.calls
    assert call.token == TOKEN and call.params == {"channel": "C1", "text": "hi"}
    assert "authorization" not in call.headers


def test_wrong_or_missing_token(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()
    assert wrong.value.response["error"] == "invalid_auth"

    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake.api_url).auth_test()
    assert missing.value.response["error"] == "not_authed"


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.api_call("restores.count")
    assert error.value.response["error"] == "unknown_method"


def test_post_message_with_blocks_is_recorded_decoded(fake: FakeSlack, client: WebClient) -> None:
    blocks = digest_blocks()
    first = client.chat_postMessage(channel="C0DIGEST", text="Restore digest", blocks=blocks)
    second = client.chat_postMessage(channel="C0DIGEST", text="again")

    assert first["ok"] is True and first["channel"] == "C0DIGEST"
    assert TS_PATTERN.match(first["ts"]) and TS_PATTERN.match(second["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == blocks
    assert first["message"]["user"] == "U0BOT"

    calls = fake.wait_for_calls("chat.postMessage", n=2)
    assert calls[0].params["blocks"] == blocks  # a list, not a JSON string
    assert calls[0].params["text"] == "Restore digest"
    assert calls[0].headers["content-type"].startswith("application/json")


def test_form_encoded_blocks_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    blocks = digest_blocks()
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(blocks)})

    [call] = fake.calls_to("chat.postMessage")
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.params["blocks"] == blocks


def test_post_message_without_content_is_no_text(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.api_call("chat.postMessage", json={"channel": "C1"})
    assert error.value.response["error"] == "no_text"


def test_rate_limit_is_retried_by_rate_limit_handler(fake: FakeSlack) -> None:
    retrying = WebClient(
        token=TOKEN,
        base_url=fake.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.rate_limit("chat.postMessage", times=1, retry_after=0)  # handler sleeps retry_after + random()

    result = retrying.chat_postMessage(channel="C1", text="digest")

    assert result["ok"] is True
    calls = fake.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].response == {"ok": False, "error": "ratelimited"}
    assert calls[0].params == calls[1].params  # the same request was sent again


def test_rate_limit_gives_up_after_max_retry_count(fake: FakeSlack) -> None:
    retrying = WebClient(
        token=TOKEN,
        base_url=fake.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.rate_limit("chat.postMessage", times=2, retry_after=0)

    with pytest.raises(SlackApiError) as error:
        retrying.chat_postMessage(channel="C1", text="digest")

    assert error.value.response.status_code == 429
    assert error.value.response["error"] == "ratelimited"
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_rate_limit_without_handler_surfaces_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit("chat.postMessage", times=1, retry_after=7)

    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="digest")

    assert error.value.response.status_code == 429
    assert error.value.response.headers["Retry-After"] == "7"
    # Only the limited method is affected, and only `times` times.
    assert client.auth_test()["ok"] is True
    assert client.chat_postMessage(channel="C1", text="digest")["ok"] is True


def test_fail_channel_raises_slack_api_error(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_channel("C0GONE")

    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C0GONE", text="digest")

    assert error.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C0OK", text="digest")["ok"] is True
    assert [c.ok for c in fake.calls_to("chat.postMessage")] == [False, True]


def test_not_in_channel_is_lifted_by_join(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_channel("C0PRIV", "not_in_channel")
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C0PRIV", text="digest")
    assert error.value.response["error"] == "not_in_channel"

    assert client.conversations_info(channel="C0PRIV")["channel"]["is_member"] is False
    joined = client.conversations_join(channel="C0PRIV")
    assert joined["channel"]["id"] == "C0PRIV"
    assert client.conversations_info(channel="C0PRIV")["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C0PRIV", text="digest")["ok"] is True


def test_update_and_ephemeral(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="counting...")
    updated = client.chat_update(channel="C1", ts=posted["ts"], text="12 completed")
    assert updated["ts"] == posted["ts"] and updated["text"] == "12 completed"

    with pytest.raises(SlackApiError) as error:
        client.chat_update(channel="C1", ts="1.000000", text="x")
    assert error.value.response["error"] == "message_not_found"

    ephemeral = client.chat_postEphemeral(channel="C1", user="U0USER", text="only you")
    assert TS_PATTERN.match(ephemeral["message_ts"])
    assert fake.calls_to("chat.postEphemeral")[0].params["user"] == "U0USER"


@pytest.mark.parametrize(
    ("blocks", "ok"),
    [
        ([section("x")] * 50, True),
        ([section("x")] * 51, False),
        ([section("y" * 3000)], True),
        ([section("y" * 3001)], False),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 10}], True),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], False),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 150}}], True),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], False),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}], False),
        ([section("")], False),
    ],
    ids=[
        "50-blocks",
        "51-blocks",
        "section-3000",
        "section-3001",
        "10-fields",
        "11-fields",
        "header-150",
        "header-151",
        "header-mrkdwn",
        "empty-section-text",
    ],
)
def test_block_kit_limits(fake: FakeSlack, client: WebClient, blocks: list[dict[str, Any]], ok: bool) -> None:
    if ok:
        assert client.chat_postMessage(channel="C1", text="t", blocks=blocks)["ok"] is True
        assert validate_blocks(blocks) == []
        return
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="t", blocks=blocks)
    response = error.value.response
    assert response["error"] == "invalid_blocks"
    assert response["errors"] and all("json-pointer:/blocks" in e for e in response["errors"])


# ---------------------------------------------------------------- response_url


def test_webhook_client_post_is_recorded(fake: FakeSlack) -> None:
    url = fake.response_url("cmd-1")
    blocks = digest_blocks()

    sent = WebhookClient(url).send(text="12 completed", blocks=blocks, response_type="ephemeral")

    assert (sent.status_code, sent.body) == (200, "ok")
    [post] = fake.wait_for_responses(1, key="cmd-1")
    assert post.body == {"text": "12 completed", "blocks": blocks, "response_type": "ephemeral"}
    assert post.rejected is False and post.error is None
    assert post.headers["content-type"].startswith("application/json")
    assert fake.responses_for("other") == []


def test_webhook_client_invalid_blocks_gets_400_and_is_recorded(fake: FakeSlack) -> None:
    url = fake.response_url("cmd-2")

    sent = WebhookClient(url).send(text="too much", blocks=[section("x")] * 51)

    # WebhookClient does not raise on 4xx: callers must check status_code.
    assert (sent.status_code, sent.body) == (400, "invalid_blocks")
    [post] = fake.responses_for("cmd-2")
    assert post.rejected is True and post.error == "invalid_blocks"
    assert len(post.body["blocks"]) == 51


def test_bolt_respond_posts_to_response_url_from_another_thread(fake: FakeSlack) -> None:
    url = fake.response_url()
    key = url.rsplit("/", 1)[1]
    respond = Respond(response_url=url)

    worker = threading.Thread(target=lambda: (time.sleep(0.05), respond(text="done", response_type="in_channel")))
    worker.start()
    posts = fake.wait_for_responses(1, key=key, timeout=5)
    worker.join()

    assert posts[0].body["text"] == "done"
    assert posts[0].body["response_type"] == "in_channel"


def test_wait_for_responses_times_out_with_what_it_saw(fake: FakeSlack) -> None:
    WebhookClient(fake.response_url("seen")).send(text="one")

    with pytest.raises(AssertionError, match=r"got 0.*'seen'"):
        fake.wait_for_responses(1, key="missing", timeout=0.2)
    with pytest.raises(AssertionError, match=r"chat\.postMessage"):
        fake.wait_for_calls("chat.postMessage", timeout=0.1)


def test_reset_clears_recordings_and_faults(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_channel("C1")
    fake.rate_limit("auth.test", times=5)
    client.api_call("chat.postMessage", json={"channel": "C2", "text": "x"})
    WebhookClient(fake.response_url("k")).send(text="x")

    fake.reset()

    assert fake.calls == [] and fake.responses == []
    assert client.auth_test()["ok"] is True
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True


# ---------------------------------------------------------------- signing


def test_signature_matches_slack_sdk_verifier() -> None:
    body = command_body("failed 7d", response_url="http://127.0.0.1:1/response/x")
    ts = str(int(time.time()))
    verifier = SignatureVerifier(SECRET)

    signature = slack_signature(SECRET, ts, body)

    assert signature == verifier.generate_signature(timestamp=ts, body=body)
    assert verifier.is_valid(body, ts, signature)
    assert not verifier.is_valid(body + b"x", ts, signature)
    assert not SignatureVerifier("another-secret").is_valid(body, ts, signature)
    assert verifier.is_valid_request(body, signed_headers(SECRET, body))
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)


def test_command_body_has_slack_fields_in_order() -> None:
    body = command_body("failed 7d type:EBS", response_url="https://hooks.example/r/1", user_id="U9")

    pairs = parse_qsl(body.decode(), keep_blank_values=True)
    assert [k for k, _ in pairs] == [
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    ]
    fields = dict(pairs)
    assert fields["command"] == "/restores" and b"command=%2Frestores" in body
    assert fields["text"] == "failed 7d type:EBS"
    assert (fields["user_id"], fields["response_url"]) == ("U9", "https://hooks.example/r/1")


def test_block_actions_body_round_trips() -> None:
    payload = {"type": "block_actions", "actions": [{"action_id": "share", "value": "failed 7d"}]}
    assert json.loads(parse_qs(block_actions_body(payload).decode())["payload"][0]) == payload


class _VerifyingHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        valid = SignatureVerifier(SECRET).is_valid_request(body, dict(self.headers.items()))
        answer = json.dumps({"body": body.decode(), "content_type": self.headers["Content-Type"]}).encode()
        self.send_response(200 if valid else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def verifying_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _VerifyingHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    finally:
        server.shutdown()
        server.server_close()


def test_post_signed_round_trip_over_http(verifying_url: str) -> None:
    body = command_body("help", response_url="http://127.0.0.1:1/response/x")

    status, headers, answer = post_signed(verifying_url, SECRET, body)

    assert status == 200
    assert headers["content-type"] == "application/json"
    echoed = json.loads(answer)
    assert echoed == {"body": body.decode(), "content_type": "application/x-www-form-urlencoded"}


def test_post_signed_returns_4xx_instead_of_raising(verifying_url: str) -> None:
    body = command_body("help", response_url="http://127.0.0.1:1/response/x")

    bad_signature = post_signed(verifying_url, SECRET, body, headers_override={"x-slack-signature": "v0=bad"})
    stale = post_signed(verifying_url, SECRET, body, timestamp=int(time.time()) - 3600)
    unsigned = post_signed(verifying_url, SECRET, body, headers_override={"X-Slack-Signature": None})

    assert [r[0] for r in (bad_signature, stale, unsigned)] == [401, 401, 401]


def test_set_conversation_private_archived_and_invited(fake: FakeSlack, client: WebClient) -> None:
    fake.set_conversation("G0SECRET", private=True)
    for call in (lambda: client.conversations_info(channel="G0SECRET"),
                 lambda: client.chat_postMessage(channel="G0SECRET", text="digest")):
        with pytest.raises(SlackApiError) as error:
            call()
        assert error.value.response["error"] == "channel_not_found"  # invisible to a bot that is not in it
    fake.set_conversation("G0SECRET", private=True, member=True)
    info = client.conversations_info(channel="G0SECRET")["channel"]
    assert (info["is_private"], info["is_member"], info["is_archived"]) == (True, True, False)
    assert client.chat_postMessage(channel="G0SECRET", text="digest")["ok"] is True

    fake.set_conversation("C0OLD", archived=True)
    assert client.conversations_info(channel="C0OLD")["channel"]["is_archived"] is True
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C0OLD", text="digest")
    assert error.value.response["error"] == "is_archived"

    public = client.conversations_info(channel="C0PUBLIC")["channel"]
    assert (public["is_private"], public["is_member"], public["is_archived"]) == (False, False, False)
    fake.reset()
    assert client.conversations_info(channel="G0SECRET")["channel"]["is_private"] is False


def test_conversations_replies_gives_the_thread_oldest_first_in_pages(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="Restore failures today: 3")["ts"]
    client.chat_postMessage(channel="C1", text="elsewhere")
    metadata = {"event_type": "restores_alert", "event_payload": {"alerts": "us-east-1/j1"}}
    replies = [client.chat_postMessage(channel="C1", text=f"reply {n}", thread_ts=parent, metadata=metadata)["ts"]
               for n in range(3)]

    first = client.conversations_replies(channel="C1", ts=parent, limit=2, include_all_metadata=True)
    assert [m["ts"] for m in first["messages"]] == [parent, replies[0]]
    assert first["messages"][1]["metadata"] == metadata and first["has_more"] is True
    rest = client.conversations_replies(channel="C1", ts=replies[1], limit=2,
                                        cursor=first["response_metadata"]["next_cursor"])
    assert [m["ts"] for m in rest["messages"]] == replies[1:] and rest["response_metadata"]["next_cursor"] == ""
    assert "metadata" not in rest["messages"][0]  # only with include_all_metadata, as in Slack
    with pytest.raises(SlackApiError) as error:
        client.conversations_replies(channel="C1", ts="1.000001")
    assert error.value.response["error"] == "thread_not_found"
