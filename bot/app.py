"""App factory: builds the Bolt App, the shared services and the WSGI entry point; nothing else lives here."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.backup import BackupService
from bot.config import Settings
from bot.service import RestoresService
from bot.web import SlackEvents
from handlers import register_listeners

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def create_web_client(settings: Settings) -> WebClient:
    """The one way the bot builds a Slack Web API client: SLACK_API_URL and retries on 429 and resets."""
    return WebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)],
    )


def create_service(settings: Settings) -> RestoresService:
    backup = BackupService(deadline_seconds=settings.aws_deadline_seconds, cache_ttl=settings.cache_ttl)
    # Build the configured regions' clients now: creating a boto3 client costs ~25 ms of CPU under the GIL,
    # which would otherwise land on the first burst of acks.
    for region in settings.regions:
        backup.client(region)
    return RestoresService(settings, backup)


def create_app(settings: Settings, service: RestoresService | None = None) -> App:
    service = service or create_service(settings)
    token = settings.slack_bot_token

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        # A single-workspace app: the token is known. Bolt's default authorization would call auth.test on a
        # worker's first request, inside the 3-second ack; the CLI checks the token at start-up instead.
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

    app = App(
        client=create_web_client(settings),
        authorize=authorize,
        # auth.test at construction would crash-loop the process while Slack is unreachable.
        token_verification_enabled=False,
        # The ack runs on the request's own thread and returns at once; only the lazy part (the AWS queries)
        # goes to this pool. Without process_before_response Bolt would also queue the ack in this pool, so
        # with more commands in flight than threads, acks would wait behind AWS work (measured: p99 2.5 s at
        # 100 concurrent commands, against 0.15 s with it).
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=64, thread_name_prefix="lazy"),
        # HTTP requests are verified by bot.web.SlackEvents (on the exact bytes Slack signed) before Bolt
        # sees them; Socket Mode messages come over Slack's authenticated WebSocket.
        request_verification_enabled=False,
    )
    register_listeners(app, service)
    return app


class Readiness:
    """/readyz: configuration loaded (it is, or the process would have exited) and Slack accepts the token.
    auth.test is asked at most once a minute, so probes cannot hammer Slack."""

    def __init__(self, client: WebClient, ttl: float = 60.0) -> None:
        self.client = client
        self.ttl = ttl
        self._checked_at = -ttl
        self._result: tuple[bool, str] = (False, "not checked yet")
        self._lock = threading.Lock()

    def check(self) -> tuple[bool, str]:
        with self._lock:
            if time.monotonic() - self._checked_at < self.ttl:
                return self._result
            try:
                auth = self.client.auth_test()
                self._result = (True, f"slack auth ok (team {auth.get('team_id')})")
            except SlackApiError as error:
                code = error.response.get("error", "unknown") if error.response is not None else "unknown"
                self._result = (False, f"slack auth failed: {code}")
            except Exception as error:  # Slack unreachable: not ready, try again on the next probe
                self._result = (False, f"slack unreachable: {type(error).__name__}")
                self._checked_at = -self.ttl
                return self._result
            self._checked_at = time.monotonic()
            return self._result


def create_wsgi_app(
    app: App, signing_secret: str, readiness: Readiness | None = None
) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """Routes: POST /slack/events (checked, then Bolt), GET /healthz (alive), GET /readyz (Slack auth ok)."""
    slack = SlackEvents(app, signing_secret)
    readiness = readiness or Readiness(app.client)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH:
            if method != "POST":
                return _plain(start_response, "405 Method Not Allowed", b"POST only\n")
            return slack(environ, start_response)
        if path == "/healthz":
            return _plain(start_response, "200 OK", b"ok\n")
        if path == "/readyz":
            ready, reason = readiness.check()
            return _plain(start_response, "200 OK" if ready else "503 Service Unavailable", f"{reason}\n".encode())
        return _plain(start_response, "404 Not Found", b"not found\n")

    return wsgi


def _plain(start_response: Callable[..., Any], status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
