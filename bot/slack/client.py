"""The bot's Slack Web API client, and the workspace it is installed in."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.config import Settings

log = logging.getLogger(__name__)


def create_web_client(settings: Settings) -> WebClient:
    """The one way the bot builds a Slack Web API client: SLACK_API_URL and retries on 429 and resets."""
    return WebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)],
    )


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
