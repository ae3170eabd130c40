"""The Bolt App over the wiring, with a Mock(BackupService) and a Mock(WebClient): which listener each Slack request
reaches, that the ack does no AWS or Slack work, and that authorization is the configured token without auth.test."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import pytest
from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.answers.controls import ActionId
from bot.aws.client import BackupService
from bot.config import load_settings
from bot.web.app import create_app
from bot.wiring import Wiring
from handlers.actions import RestoresActions
from handlers.commands import RestoresCommand
from handlers.home import RestoresHome
from tests.fakes.signing import (
    app_home_opened,
    block_actions_body,
    click_payload,
    command_body,
    event_callback_body,
    home_click_payload,
)

TOKEN = "xoxb-unit-token"


class Recorder(Executor):
    """The lazy listeners' pool: remembers what is submitted and runs none of it."""

    def __init__(self) -> None:
        self.submitted: list[Callable[..., Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted.append(fn)
        return Future()


def web_client() -> Mock:
    """A Mock(WebClient) with the settings Bolt copies into each request's own client (which nothing here calls)."""
    real = WebClient(token=TOKEN, base_url="http://slack.invalid/api/")
    client = Mock(WebClient)
    for name in ("token", "base_url", "timeout", "ssl", "proxy", "headers", "logger", "retry_handlers"):
        setattr(client, name, getattr(real, name))
    return client


@pytest.fixture
def wiring(tmp_path: Path) -> Wiring:
    settings = load_settings({"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": TOKEN,
                              "SLACK_SIGNING_SECRET": "unit-secret", "SLACK_TEAM_ID": "T0TEST",
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite3'}"}, "http")
    return Wiring(settings, backup=Mock(BackupService), web_client=web_client())


def request(body: bytes) -> BoltRequest:
    content_type = "application/json" if body.startswith(b"{") else "application/x-www-form-urlencoded"
    return BoltRequest(body=body.decode(), headers={"content-type": content_type})


def listener_for(app: App, body: bytes) -> tuple[object, list[str]]:
    """The first listener whose matchers take the request (Bolt runs that one): its ack's owner and lazy names."""
    req = request(body)
    for listener in app._listeners:
        if listener.matches(req=req, resp=BoltResponse(status=200)):
            return listener.ack_function.__self__, [f.__name__ for f in listener.lazy_functions]
    raise AssertionError("no listener takes the request")


COMMAND = command_body("failed 7d", response_url="https://hooks.slack.test/1")


def test_the_restores_command_goes_to_the_answers(wiring: Wiring) -> None:
    owner, lazy = listener_for(create_app(wiring), COMMAND)
    assert isinstance(owner, RestoresCommand) and owner.service is wiring.answers and lazy == ["answer"]


@pytest.mark.parametrize(("action", "lazy"), [
    (ActionId.JOBS, "jobs"), (ActionId.JOBS_ROW, "jobs"), (ActionId.PERIOD, "refilter"), (ActionId.STATE, "refilter"),
    (ActionId.SHARE, "share"), (ActionId.CHART, "chart"), (ActionId.TEST_JOBS, "test_jobs"),
])
def test_each_answer_control_has_its_listener(wiring: Wiring, action: ActionId, lazy: str) -> None:
    app = create_app(wiring)
    for action_id in (action.value, action.with_suffix("2")):
        body = block_actions_body(click_payload(action_id, "v", response_url="https://hooks.slack.test/2"))
        owner, lazies = listener_for(app, body)
        assert isinstance(owner, RestoresActions) and owner.service is wiring.answers and lazies == [lazy]


def test_an_unknown_button_reaches_the_catch_all_and_refresh_reaches_the_home(wiring: Wiring) -> None:
    app = create_app(wiring)
    unknown = block_actions_body(click_payload("restores_v0_gone", "v", response_url="https://hooks.slack.test/3"))
    assert listener_for(app, unknown)[1] == ["unknown"]
    owner, lazy = listener_for(app, block_actions_body(home_click_payload(ActionId.HOME_REFRESH.value, "")))
    assert isinstance(owner, RestoresHome) and lazy == ["refresh"]


def test_app_home_opened_goes_to_the_home_tab(wiring: Wiring) -> None:
    owner, lazy = listener_for(create_app(wiring), event_callback_body(app_home_opened("U0OPENER")))
    assert isinstance(owner, RestoresHome) and owner.dashboard is wiring.home and lazy == ["opened"]


def test_the_ack_answers_at_once_and_only_queues_the_answer(wiring: Wiring) -> None:
    pool = Recorder()
    app = create_app(wiring, listener_executor=pool)
    response = app.dispatch(request(COMMAND))
    assert response.status == 200
    # The gated pool hands the answer over on a thread of its own once the acks are answered (50 ms quiet).
    deadline = time.monotonic() + 2
    while not pool.submitted and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(pool.submitted) == 1
    assert wiring.backup.mock_calls == [] and wiring.web_client.mock_calls == []


def test_authorization_is_the_configured_token_without_auth_test(wiring: Wiring) -> None:
    app = create_app(wiring, listener_executor=Recorder())
    result = app._authorize(context=BoltContext(logger=logging.getLogger("test")), enterprise_id=None, team_id="T0TEST", user_id="U0USER")
    assert result is not None and result.bot_token == TOKEN and result.team_id == "T0TEST"
    app.dispatch(request(COMMAND))
    wiring.web_client.auth_test.assert_not_called()


def test_building_the_app_opens_no_database(wiring: Wiring, tmp_path: Path) -> None:
    create_app(wiring, listener_executor=Recorder())
    assert not (tmp_path / "never.sqlite3").exists()


def test_a_request_nothing_listens_to_is_404(wiring: Wiring) -> None:
    body = json.dumps({"type": "event_callback", "team_id": "T0TEST",
                       "event": {"type": "reaction_added", "user": "U1"}}).encode()
    assert create_app(wiring, listener_executor=Recorder()).dispatch(request(body)).status == 404
