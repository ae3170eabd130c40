"""The HTTP edge, against the real `python -m bot serve` (gunicorn): hostile but well-formed requests get a clear 4xx
or a polite answer, never an unauthenticated 500, never silence."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

import pytest

from bot.answers.controls import ActionId
from tests.fakes.signing import block_actions_body, command_body, post_signed, signed_headers

pytestmark = pytest.mark.e2e


def test_a_huge_timestamp_is_401_not_500(bot) -> None:  # type: ignore[no-untyped-def]
    body = command_body("failed", response_url=bot.slack.response_url("huge-ts"))
    status, _, payload = post_signed(bot.events_url, bot.secret, body,
                                     headers_override={"X-Slack-Request-Timestamp": "9" * 309})
    assert status == 401 and b"Traceback" not in payload
    assert "Traceback" not in bot.log_text()


def test_a_signed_chunked_request_is_answered(bot, emulator) -> None:  # type: ignore[no-untyped-def]
    key = f"chunked-{time.monotonic_ns()}"
    body = command_body("failed", response_url=bot.slack.response_url(key))
    headers = signed_headers(bot.secret, body)
    url = urlsplit(bot.events_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest("POST", url.path)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        half = len(body) // 2
        for chunk in (body[:half], body[half:]):
            connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        connection.send(b"0\r\n\r\n")
        status = connection.getresponse().status
    finally:
        connection.close()
    assert status == 200
    (answer,) = bot.slack.wait_for_responses(1, key=key, timeout=30)
    assert "restore jobs" in json.dumps(answer.body)


def test_a_button_value_of_nested_brackets_is_answered_politely(bot, emulator) -> None:  # type: ignore[no-untyped-def]
    key = f"nested-{time.monotonic_ns()}"
    payload = {
        "type": "block_actions", "user": {"id": "U0USER"}, "channel": {"id": "C0CHAN"}, "team": {"id": "T0TEST"},
        "response_url": bot.slack.response_url(key), "trigger_id": "1.2.3", "container": {"type": "message"},
        "actions": [{"action_id": ActionId.JOBS.with_suffix("failed"), "type": "button", "value": "[" * 1999,
                     "block_id": "b", "action_ts": "1"}],
    }
    status, _, _ = post_signed(bot.events_url, bot.secret, block_actions_body(payload))
    assert status == 200
    (answer,) = bot.slack.wait_for_responses(1, key=key, timeout=30)
    assert "older or unknown message" in answer.body["text"]
    assert emulator.calls() == []


def test_regions_of_another_partition_are_refused_without_an_aws_call(bot, emulator) -> None:  # type: ignore[no-untyped-def]
    for text in ("failed cn-north-1", "failed region:us-gov-west-1"):
        answer = bot.ask(text)
        assert "partition, which this bot does not answer for" in answer.body["text"]
    assert emulator.calls() == []


def test_requests_from_another_workspace_are_refused_politely(bot, emulator) -> None:  # type: ignore[no-untyped-def]
    key = f"other-team-{time.monotonic_ns()}"
    body = command_body("failed account:ANY", response_url=bot.slack.response_url(key), team_id="T0OTHERORG")
    assert post_signed(bot.events_url, bot.secret, body)[0] == 200
    (answer,) = bot.slack.wait_for_responses(1, key=key, timeout=30)
    assert "only answers people of the workspace it is installed in" in answer.body["text"]
    # Slack Connect: the channel is ours, the clicking user belongs to another organisation.
    key = f"connect-{time.monotonic_ns()}"
    payload = {
        "type": "block_actions", "team": {"id": bot.slack.team_id}, "channel": {"id": "C0CHAN"},
        "user": {"id": "U0GUEST", "team_id": "T0OTHERORG"}, "response_url": bot.slack.response_url(key),
        "trigger_id": "1.2.3", "container": {"type": "message"},
        "actions": [{"action_id": ActionId.PERIOD.with_suffix("7d"), "type": "button", "block_id": "b", "action_ts": "1",
                     "value": '{"v":1,"s":"FAILED","p":"7d","r":"us-east-1","a":"ANY"}'}],
    }
    assert post_signed(bot.events_url, bot.secret, block_actions_body(payload))[0] == 200
    (clicked,) = bot.slack.wait_for_responses(1, key=key, timeout=30)
    assert "only answers people of the workspace it is installed in" in clicked.body["text"]
    assert emulator.calls() == []


@pytest.mark.parametrize("where", ["same process", "another replica"])
def test_a_replayed_request_is_refused(bot, launch_bot, where: str) -> None:  # type: ignore[no-untyped-def]
    """Sent again to the same process, or to a second `serve` sharing DATABASE_URL (replicas behind a load balancer):
    refused with 401, answered once."""
    other = bot if where == "same process" else launch_bot()  # the same environment, so the same DATABASE_URL
    key = f"replay-{time.monotonic_ns()}"
    body = command_body("failed share", response_url=bot.slack.response_url(key))
    timestamp = int(time.time())
    first = post_signed(bot.events_url, bot.secret, body, timestamp=timestamp)[0]
    again = post_signed(other.events_url, other.secret, body, timestamp=timestamp)[0]
    assert (first, again) == (200, 401)
    (answer,) = bot.slack.wait_for_responses(1, key=key, timeout=30)
    assert answer.body["response_type"] == "in_channel"
    time.sleep(0.5)
    assert len(bot.slack.responses_for(key)) == 1  # posted once
    assert "refused a replayed request" in other.log_text()


def test_a_client_trickling_its_body_gets_408_and_frees_the_thread(launch_bot) -> None:  # type: ignore[no-untyped-def]
    import socket

    slow_bot = launch_bot(RESTORES_BODY_TIMEOUT="1")
    url = urlsplit(slow_bot.events_url)
    started = time.monotonic()
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 1000\r\n\r\ntoken=abc")  # then nothing more
        reply = sock.recv(200)
    assert reply.startswith(b"HTTP/1.1 408") and time.monotonic() - started < 5
    # The server goes on answering.
    assert slow_bot.ask("help").body["text"]
