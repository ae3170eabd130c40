"""Composition root: builds the Slack client, the AWS service and the Bolt App, and wires the listeners."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.answers.service import RestoresService
from bot.aws.client import BackupService
from bot.config import Settings
from bot.domain.regions import RegionCatalog
from bot.home.service import HomeDashboard
from bot.store.replay import ReplayGuard
from bot.web.admission import Gate
from bot.web.front import WebApp, create_wsgi_app
from handlers import actions, commands, home

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


def create_service(settings: Settings) -> RestoresService:
    backup = BackupService(deadline_seconds=settings.aws_deadline_seconds, cache_ttl=settings.cache_ttl)
    regions = RegionCatalog(settings.regions, discover=settings.all_regions)
    # Build the regions' clients now (RESTORES_REGIONS=all discovers them here, once per worker): creating a
    # boto3 client costs ~25 ms of CPU under the GIL, which would otherwise land on the first burst of acks.
    for region in regions.current():
        backup.client(region)
    team = InstallationTeam(settings, create_web_client(settings))
    return RestoresService(settings, backup, installation_team=team, regions=regions)


def register_listeners(app: App, service: RestoresService, gate: Gate | None = None) -> None:
    """Every Slack surface the bot answers, each module registering its own listeners."""
    commands.register(app, service, gate)
    # Before actions: its catch-all for unknown buttons must stay the last action listener.
    home.register(app, HomeDashboard(service), gate)
    actions.register(app, service, gate)


def create_app(
    settings: Settings,
    service: RestoresService | None = None,
    listener_executor: ThreadPoolExecutor | None = None,
    gate: Gate | None = None,
) -> App:
    service = service or create_service(settings)
    token = settings.slack_bot_token
    # Answers in flight are admitted at the ack, per user and in all (bot.web.admission): the pool's queue is bounded.
    gate = gate or Gate(settings.user_concurrency, settings.max_in_flight)
    executor = gate.executor(listener_executor or ThreadPoolExecutor(max_workers=64, thread_name_prefix="lazy"))

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
        listener_executor=executor,
        # HTTP requests are verified by bot.web.front.SlackEvents (on the exact bytes Slack signed) before Bolt
        # sees them; Socket Mode messages come over Slack's authenticated WebSocket.
        request_verification_enabled=False,
    )
    register_listeners(app, service, gate)
    return app


def create_web_app(settings: Settings) -> WebApp:
    """What each gunicorn worker serves. On shutdown (SIGTERM in a rolling deploy) the worker stops taking requests,
    then drains: every command already acked finishes its AWS queries and posts its answer before the pools close.
    gunicorn's graceful timeout is set above the longest answer (bot.web.server) so the drain is not cut short."""
    executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="lazy")
    gate = Gate(settings.user_concurrency, settings.max_in_flight)
    service = create_service(settings)

    def drain() -> None:
        started = time.monotonic()
        gate.executor(executor).shutdown(wait=True)  # the answers, then the busy notices
        service.backup.close()
        log.info("drained answers in flight in %.1f s", time.monotonic() - started)

    app = create_app(settings, service, listener_executor=executor, gate=gate)
    # Replays are refused across every worker and replica that shares DATABASE_URL.
    replays = ReplayGuard.from_url(settings.database_url)
    return create_wsgi_app(
        app, settings.slack_signing_secret, drain=drain, replays=replays, body_timeout=settings.body_timeout_seconds
    )
