"""The Bolt App over the wiring (bot.wiring): its listeners registered, and what each gunicorn worker serves."""

from __future__ import annotations

import gc
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.config import Settings
from bot.web.admission import Gate
from bot.web.front import WebApp, create_wsgi_app
from bot.wiring import Wiring
from handlers import actions, commands, home

log = logging.getLogger(__name__)


def warm(wiring: Wiring) -> None:
    """Build the regions' clients now (RESTORES_REGIONS=all discovers them here, once per worker): creating a boto3
    client costs ~25 ms of CPU under the GIL, which would otherwise land on the first burst of acks. Then freeze
    what was built (gc.freeze)."""
    for region in wiring.regions.current():
        wiring.backup.client(region)
    # What was built so far (botocore's service models, the clients, Bolt, the wiring) lives as long as the worker:
    # moved out of the collector's generations, a full collection no longer walks it. Without this, a full
    # collection (~90 ms under the GIL here) now and then landed on a burst of acks: one burst in four acked
    # 3-4x slower (bench.ack_latency: ack p99 4.0x the do-nothing server's; with it, 1.9x).
    gc.collect()
    gc.freeze()


def register_listeners(app: App, wiring: Wiring, gate: Gate | None = None) -> None:
    """Every Slack surface the bot answers, each module registering its own listeners."""
    commands.register(app, wiring.answers, gate)
    # Before actions: its catch-all for unknown buttons must stay the last action listener.
    home.register(app, wiring.home, gate)
    actions.register(app, wiring.answers, gate)


def create_app(
    wiring: Wiring,
    listener_executor: ThreadPoolExecutor | None = None,
    gate: Gate | None = None,
) -> App:
    settings = wiring.settings
    token = settings.slack_bot_token
    # Answers in flight are admitted at the ack, per user and in all (bot.web.admission): the pool's queue is bounded.
    gate = gate or Gate(settings.user_concurrency, settings.max_in_flight)
    executor = gate.executor(listener_executor or ThreadPoolExecutor(max_workers=64, thread_name_prefix="lazy"))

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        # A single-workspace app: the token is known. Bolt's default authorization would call auth.test on a
        # worker's first request, inside the 3-second ack; the CLI checks the token at start-up instead.
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

    app = App(
        # Named, so Bolt does not take the caller's file name from inspect.stack(), which reads the source of every
        # frame on the stack (40 ms an App under pytest's deep stacks).
        name="restores-bot",
        client=wiring.web_client,
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
    register_listeners(app, wiring, gate)
    return app


def create_web_app(settings: Settings) -> WebApp:
    """What each gunicorn worker serves. On shutdown (SIGTERM in a rolling deploy) the worker stops taking requests,
    then drains: every command already acked finishes its AWS queries and posts its answer before the pools close.
    gunicorn's graceful timeout is set above the longest answer (bot.web.server) so the drain is not cut short."""
    wiring = Wiring(settings, serving=True)
    warm(wiring)
    executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="lazy")
    gate = Gate(settings.user_concurrency, settings.max_in_flight)

    def drain() -> None:
        started = time.monotonic()
        gate.executor(executor).shutdown(wait=True)  # the answers, then the busy notices
        wiring.close()
        log.info("drained answers in flight in %.1f s", time.monotonic() - started)

    app = create_app(wiring, listener_executor=executor, gate=gate)
    # Replays are refused across every worker and replica that shares DATABASE_URL.
    return create_wsgi_app(
        app, settings.slack_signing_secret, drain=drain, replays=wiring.replays, body_timeout=settings.body_timeout_seconds,
        acks=gate.acks,
    )
