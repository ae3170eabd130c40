"""End to end over Socket Mode: `python -m bot socket` as a real process, connected through apps.connections.open at
the fake Slack to a loopback Socket Mode server, real boto3 to the AWS emulator, answers through response_url."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sample.records import DailyCount
from tests.fakes.aws import BackupEmulator, expected_sum, multi_page_counts
from tests.fakes.slack import FakeSlack, ResponsePost
from tests.fakes.socket_mode import FakeSocketMode, SocketConnection
from tests.support import final_answer, totals_field

pytestmark = pytest.mark.e2e  # not `dates`: its latency injection and socket timeouts hang under libfaketime

ACCOUNTS = ("111122223333", "444455556666", "777788889999")
TYPES = ("EBS", "RDS", "DynamoDB", "EFS")
CONNECT_TIMEOUT = 30.0  # process start (imports, boto3 clients, auth.test) plus apps.connections.open
ACK_DEADLINE = 3.0  # Slack's: an envelope not acked within 3 s is retried and the user sees a timeout


@pytest.fixture
def socket_mode(fakes: tuple[BackupEmulator, FakeSlack]) -> Iterator[FakeSocketMode]:
    """A Socket Mode server that the fake Slack's apps.connections.open points at (both fakes emptied first)."""
    _, slack = fakes
    with FakeSocketMode() as server:
        slack.set_socket_mode_url(server.new_url)
        yield server
        slack.set_socket_mode_url(None)


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> int:
    """SIGTERM, then SIGKILL if it is still there after `timeout`; return the exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait(timeout=timeout)


def wait_for_first_connection(
    socket_mode: FakeSocketMode, process: subprocess.Popen[bytes], log_path: Path
) -> list[SocketConnection]:
    """Wait up to CONNECT_TIMEOUT for the bot's first connection, failing at once (with its log) if it exits."""
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while True:
        try:
            return socket_mode.wait_for_connections(1, timeout=0.5)
        except AssertionError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = log_path.read_text(errors="replace")
                raise AssertionError(f"no Socket Mode connection (exit code {process.poll()}); log:\n{log}") from None


def ask(socket_mode: FakeSocketMode, slack: FakeSlack, text: str, key: str) -> tuple[float, ResponsePost]:
    """Push a /restores envelope; return how long the ack took and the one answer through response_url."""
    envelope_id = socket_mode.push_slash_command(text, response_url=slack.response_url(key))
    pushed = next(e for e in socket_mode.sent if e.envelope_id == envelope_id)
    ack = socket_mode.wait_for_ack(envelope_id, timeout=ACK_DEADLINE)
    # An empty ack: the answer comes later through response_url, from the lazy listener.
    assert ack.data == {"envelope_id": envelope_id} or set(ack.data) == {"envelope_id", "payload"}
    answer = final_answer(slack, key)
    assert not answer.rejected, answer.error
    return ack.time - pushed.time, answer


def test_fake_slack_opens_socket_mode_connections_for_the_app_token_only(
    slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    app = WebClient(base_url=slack.api_url, timeout=5)
    url = app.apps_connections_open(app_token=slack.app_token)["url"]
    assert url.startswith(f"ws://127.0.0.1:{socket_mode.port}/link/?ticket=")
    assert app.apps_connections_open(app_token=slack.app_token)["url"] != url  # a fresh ticket each time
    with pytest.raises(SlackApiError) as bot_token:
        app.apps_connections_open(app_token=slack.token)
    assert bot_token.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as app_token:
        WebClient(token=slack.app_token, base_url=slack.api_url, timeout=5).auth_test()
    assert app_token.value.response["error"] == "not_allowed_token_type"


def test_socket_mode_process_acks_answers_reconnects_and_stops(
    fakes: tuple[BackupEmulator, FakeSlack],
    socket_mode: FakeSocketMode,
    bot_env: dict[str, str],
    today: date,
    repo_root: Path,
    tmp_path: Path,
) -> None:
    emulator, slack = fakes
    regions = bot_env["RESTORES_REGIONS"].split(",")
    counts: list[DailyCount] = multi_page_counts(regions, ACCOUNTS, TYPES, 14, today)
    emulator.load(counts=counts)
    week: dict[str, Any] = {"start": today - timedelta(days=7), "end": today}
    failed, completed = expected_sum(counts, state="FAILED", **week), expected_sum(counts, state="COMPLETED", **week)
    assert failed > 0 and completed > 0 and failed != completed

    env = dict(bot_env, SLACK_APP_TOKEN=slack.app_token)
    env.pop("PORT", None)
    log_path = tmp_path / "bot-socket.log"
    started = time.monotonic()
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "socket"], cwd=repo_root, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        # Connects: auth.test with the bot token, apps.connections.open with the app-level token, then the socket.
        (first,) = wait_for_first_connection(socket_mode, process, log_path)
        opens = slack.calls_to("apps.connections.open")
        assert [(c.token, c.ok) for c in opens] == [(slack.app_token, True)]
        assert [c.token for c in slack.calls_to("auth.test")] == [slack.token]
        assert first.ticket == socket_mode.tickets[0]
        print(f"connected after {time.monotonic() - started:.1f} s; log {log_path}")

        # A slash command over the socket: acked on the socket in time, answered through response_url.
        ack_seconds, answer = ask(socket_mode, slack, "failed 7d account:ANY", "socket-1")
        assert ack_seconds < ACK_DEADLINE
        assert f"*{failed:,} failed restore jobs*" in totals_field(answer)
        assert answer.body["response_type"] == "ephemeral"

        # Slack recycles the connection: the client fetches a new URL, connects again and drops the old socket.
        socket_mode.disconnect("refresh_requested")
        second: SocketConnection = socket_mode.wait_for_connections(2, timeout=15)[1]
        socket_mode.wait_for_close(first.index, timeout=10)
        assert second.ticket is not None and second.ticket != first.ticket
        assert second.ticket == socket_mode.tickets[1]
        assert [c.token for c in slack.calls_to("apps.connections.open")] == [slack.app_token] * 2
        assert process.poll() is None

        ack_seconds, answer = ask(socket_mode, slack, "completed 7d account:ANY", "socket-2")
        assert ack_seconds < ACK_DEADLINE
        assert f"*{completed:,} completed restore jobs*" in totals_field(answer)
        assert {a.connection for a in socket_mode.acks} == {first.index, second.index}

        # SIGTERM ends the process, and with it the connection.
        process.terminate()
        code = process.wait(timeout=10)
        assert code in (0, -signal.SIGTERM), log_path.read_text(errors="replace")
        socket_mode.wait_for_close(second.index, timeout=5)
        assert len(socket_mode.connections) == 2  # no reconnection storm along the way
    finally:
        stop(process)
