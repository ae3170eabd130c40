"""The bot's Slack client and the workspace it is installed in: SLACK_TEAM_ID wins without a call; otherwise auth.test
is asked once, and after a failure not again before RETRY_SECONDS (the clock is patched), so requests are refused
meanwhile rather than piling calls onto a Slack that is down."""

from __future__ import annotations

import logging
import threading
from unittest.mock import Mock, patch

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.config import Settings
from bot.slack.client import InstallationTeam, ReadsOnlyRetryHandler, create_web_client


def settings(**overrides: object) -> Settings:
    return Settings(regions=("us-east-1",), slack_bot_token="xoxb-unit-token", **overrides)  # type: ignore[arg-type]


def test_slack_team_id_wins_without_a_call() -> None:
    client = Mock(WebClient)
    team = InstallationTeam(settings(slack_team_id="T0CONFIG"), client)
    assert team() == "T0CONFIG" and team() == "T0CONFIG"
    assert client.mock_calls == []


def test_the_team_is_learned_from_auth_test_once() -> None:
    client = Mock(WebClient)
    client.auth_test.return_value = {"ok": True, "team_id": "T0LEARNT", "user_id": "U0BOT"}
    team = InstallationTeam(settings(), client)
    assert [team() for _ in range(3)] == ["T0LEARNT"] * 3
    client.auth_test.assert_called_once_with()


def test_threads_asking_together_call_auth_test_once() -> None:
    client = Mock(WebClient)
    client.auth_test.return_value = {"team_id": "T0LEARNT"}
    team = InstallationTeam(settings(), client)
    barrier, seen = threading.Barrier(8), []
    threads = [threading.Thread(target=lambda: (barrier.wait(5), seen.append(team()))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert seen == ["T0LEARNT"] * 8 and client.auth_test.call_count == 1


def test_a_failure_is_unknown_and_retried_only_after_retry_seconds(caplog: pytest.LogCaptureFixture) -> None:
    client = Mock(WebClient)
    client.auth_test.side_effect = [ConnectionResetError("reset by xoxb-unit-token"), {"team_id": "T0LATER"}]
    team = InstallationTeam(settings(), client)
    caplog.set_level(logging.WARNING)
    with patch("bot.slack.client.time.monotonic", return_value=1000.0):
        assert team() is None
    with patch("bot.slack.client.time.monotonic", return_value=1000.0 + InstallationTeam.RETRY_SECONDS - 0.1):
        assert team() is None
    assert client.auth_test.call_count == 1
    with patch("bot.slack.client.time.monotonic", return_value=1000.0 + InstallationTeam.RETRY_SECONDS):
        assert team() == "T0LATER"
    assert client.auth_test.call_count == 2
    # The exception's name is logged, never its text (which may carry a token or a URL).
    assert "ConnectionResetError" in caplog.text and "xoxb-unit-token" not in caplog.text


def test_an_answer_without_a_team_is_unknown_not_empty() -> None:
    client = Mock(WebClient)
    client.auth_test.return_value = {"ok": True, "team_id": ""}
    assert InstallationTeam(settings(), client)() is None


def test_create_web_client_uses_slack_api_url_and_retries() -> None:
    client = create_web_client(settings(slack_api_url="http://127.0.0.1:9/api/"))
    assert client.base_url == "http://127.0.0.1:9/api/" and client.token == "xoxb-unit-token"
    kinds = {type(handler) for handler in client.retry_handlers}
    assert {ReadsOnlyRetryHandler, RateLimitErrorRetryHandler} <= kinds  # resets retried for reads only (below)


def test_create_web_client_without_a_token_sends_none() -> None:
    assert create_web_client(Settings(regions=("us-east-1",))).token is None


# Invariant 2: a post whose outcome is unknown is never repeated blindly. The writes that are not idempotent, and the
# errors after which Slack may have carried them out.
WRITES = ("chat.postMessage", "chat.postEphemeral", "files.completeUploadExternal")
READS = ("conversations.history", "conversations.replies", "auth.test", "files.getUploadURLExternal")


def dropped_errors() -> list[Exception]:
    from http.client import RemoteDisconnected
    from urllib.error import URLError

    return [ConnectionResetError("reset"), RemoteDisconnected("closed"), URLError(ConnectionResetError()), TimeoutError()]


def repeats(handlers: list[object] | None, url: str, error: Exception) -> bool:
    from slack_sdk.http_retry import HttpRequest, RetryHandler, RetryState

    request = HttpRequest(method="POST", url=url, headers={}, body_params={}, data=None)
    return any(isinstance(h, RetryHandler) and h.can_retry(state=RetryState(), request=request, response=None, error=error)
               for h in handlers or [])


@pytest.mark.parametrize("method", WRITES)
def test_no_write_of_the_bots_client_is_repeated_after_a_dropped_connection(method: str) -> None:
    """The client every process builds (and Bolt copies for its listeners) never repeats a post, a file share or an
    ephemeral message after a connection failed once the request left; a 429, a refusal, still is."""
    from slack_sdk import WebClient as Plain

    client = create_web_client(settings(slack_api_url="https://slack.example/api/"))
    per_request = Plain(token="x", base_url=client.base_url, retry_handlers=client.retry_handlers.copy())  # Bolt's copy
    for handlers in (client.retry_handlers, per_request.retry_handlers):
        for error in dropped_errors():
            assert not repeats(handlers, f"{client.base_url}{method}", error), (method, error)
    assert any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers or [])


@pytest.mark.parametrize("method", READS)
def test_reads_are_still_retried_after_a_reset(method: str) -> None:
    client = create_web_client(settings(slack_api_url="https://slack.example/api/"))
    assert repeats(client.retry_handlers, f"{client.base_url}{method}", ConnectionResetError("reset"))
    assert any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers or [])


def test_response_url_posts_are_not_repeated_after_a_dropped_connection() -> None:
    """Bolt's respond() uses slack_sdk's default WebhookClient, which retries once after a connection error; the
    bot's answers go through create_webhook_client instead (handlers.respond.once)."""
    from slack_sdk.webhook import WebhookClient

    from bot.slack.client import create_webhook_client

    url = "https://hooks.slack.example/actions/T0/1/abc"
    assert repeats(WebhookClient(url).retry_handlers, url, ConnectionResetError())  # what the invariant guards against
    for error in dropped_errors():
        assert not repeats(create_webhook_client(url).retry_handlers, url, error)


def test_a_refused_connection_is_retried_even_for_a_write() -> None:
    """Refused at connect, the request never reached Slack: repeating it cannot post twice."""
    from urllib.error import URLError

    client = create_web_client(settings(slack_api_url="https://slack.example/api/"))
    assert repeats(client.retry_handlers, f"{client.base_url}chat.postMessage", URLError(ConnectionRefusedError()))
