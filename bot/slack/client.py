"""The bot's Slack Web API client, and the workspace it is installed in."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.config import Settings

log = logging.getLogger(__name__)


# Web API methods whose repetition is a second message (or file share): after a connection that failed once the request
# left, Slack may have carried them out, so they are never repeated blindly; the caller looks for the post by its
# metadata instead (bot.slack.post). A 429 is a refusal, so it is still retried.
NOT_REPEATED = frozenset({
    "chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage", "chat.meMessage",
    "files.completeUploadExternal", "files.upload",
})


def api_method(url: str) -> str:
    """The Web API method a request URL calls: `chat.postMessage` of `https://slack.com/api/chat.postMessage`."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class ReadsOnlyRetryHandler(ConnectionErrorRetryHandler):
    """slack_sdk's retry after a reset or a dropped connection, for the calls that are safe to repeat only. One handler
    on the one client, rather than a second client for posts, because Bolt copies the client's handlers into the
    client it hands every listener."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if api_method(request.url) in NOT_REPEATED and not _never_sent(error):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def _never_sent(error: Exception | None) -> bool:
    """The connection was refused: the request never reached Slack, so repeating it cannot post twice."""
    return isinstance(error, URLError) and isinstance(error.reason, ConnectionRefusedError)


def create_web_client(settings: Settings) -> WebClient:
    """The one way the bot builds a Slack Web API client: SLACK_API_URL, retries on 429, and on resets for reads only."""
    return WebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[ReadsOnlyRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)],
    )


def create_webhook_client(url: str, **options: Any) -> WebhookClient:
    """A response_url client that never repeats a post whose outcome is unknown (slack_sdk's default retries once
    after a connection error, and Bolt's respond() uses that default): an answer is a message, possibly shared."""
    handlers: list[RetryHandler] = [RateLimitErrorRetryHandler(max_retry_count=2)]
    return WebhookClient(url=url, retry_handlers=handlers, **options)


class InstallationTeam:
    """The workspace the app is installed in: SLACK_TEAM_ID, or the team auth.test names for the bot token, asked
    the first time a request needs it (never inside an ack) and again at most once a minute after a failure."""

    RETRY_SECONDS = 60.0

    def __init__(self, settings: Settings, client: WebClient) -> None:
        self._team = settings.slack_team_id or None
        self._client = client
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str | None:
        with self._lock:
            if self._team is not None:
                return self._team
            if self._failed_at is not None and time.monotonic() - self._failed_at < self.RETRY_SECONDS:
                return None
            try:
                self._team = str(self._client.auth_test().get("team_id") or "") or None
            except Exception as error:  # Slack unreachable: unknown for now, so requests are refused (fail closed)
                log.warning("auth.test failed while learning the installation's workspace: %s", type(error).__name__)
                self._failed_at = time.monotonic()
            return self._team
