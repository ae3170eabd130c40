"""Composition root: builds the Slack client, the AWS service and the Bolt App, and wires the listeners."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.aws.client import BackupService
from bot.config import Settings
from bot.service import RestoresService
from handlers import actions, commands

log = logging.getLogger(__name__)

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


def register_listeners(app: App, service: RestoresService) -> None:
    """Every Slack surface the bot answers, each module registering its own listeners."""
    commands.register(app, service)
    actions.register(app, service)


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
