"""The App Home listeners called directly, as Bolt calls them: `app_home_opened` and the Refresh button, with a
Mock(HomeDashboard) and a Mock(WebClient)."""

from __future__ import annotations

import logging
from typing import Any
from unittest.mock import Mock, call

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.answers.controls import ActionId
from bot.home.render import render_home_refusal
from bot.home.service import HomeDashboard
from handlers.home import RestoresHome
from tests.fakes.signing import app_home_opened, home_click_payload

VIEW = render_home_refusal()


def dashboard() -> Mock:
    mock = Mock(HomeDashboard)
    mock.view.return_value = VIEW
    return mock


def body_of(event: dict[str, Any], team: str = "T0TEST") -> dict[str, Any]:
    return {"type": "event_callback", "team_id": team, "event": event}


def test_the_ack_does_nothing_else() -> None:
    home, ack = dashboard(), Mock(Ack)
    RestoresHome(home).ack(ack)
    ack.assert_called_once_with()
    assert home.mock_calls == []


def test_opening_the_home_tab_publishes_that_users_view() -> None:
    home, client = dashboard(), Mock(WebClient)
    event = app_home_opened("U0OPENER")
    RestoresHome(home).opened(event=event, body=body_of(event), client=client, logger=Mock(logging.Logger))
    kwargs = home.view.call_args.kwargs
    assert (kwargs["user_id"], kwargs["teams"]) == ("U0OPENER", ("T0TEST", "T0TEST"))
    assert callable(kwargs["member_channels"])
    assert client.views_publish.call_args_list == [call(user_id="U0OPENER", view=VIEW.to_dict())]


def test_the_messages_tab_publishes_nothing() -> None:
    home, client = dashboard(), Mock(WebClient)
    event = app_home_opened("U0OPENER", tab="messages")
    RestoresHome(home).opened(event=event, body=body_of(event), client=client, logger=Mock(logging.Logger))
    assert home.mock_calls == [] and client.mock_calls == []


def test_an_event_without_a_valid_user_publishes_nothing() -> None:
    home, client = dashboard(), Mock(WebClient)
    event = app_home_opened("<!channel>")
    RestoresHome(home).opened(event=event, body=body_of(event), client=client, logger=Mock(logging.Logger))
    assert home.mock_calls == [] and client.mock_calls == []


def test_refresh_publishes_again_for_the_user_who_clicked() -> None:
    home, client = dashboard(), Mock(WebClient)
    body = home_click_payload(ActionId.HOME_REFRESH.value, "refresh", user_id="U0CLICKER", team_id="T0TEST")
    RestoresHome(home).refresh(body=body, client=client, logger=Mock(logging.Logger))
    assert home.view.call_args.kwargs["user_id"] == "U0CLICKER"
    assert client.views_publish.call_args_list == [call(user_id="U0CLICKER", view=VIEW.to_dict())]


def test_a_refused_publish_is_logged_not_raised() -> None:
    client, logger = Mock(WebClient), Mock(logging.Logger)
    client.views_publish.side_effect = SlackApiError("invalid_arguments", SlackResponse(
        client=client, http_verb="POST", api_url="", req_args={}, data={"ok": False, "error": "invalid_arguments"},
        headers={}, status_code=200))
    event = app_home_opened("U0OPENER")
    RestoresHome(dashboard()).opened(event=event, body=body_of(event), client=client, logger=logger)
    assert "invalid_arguments" in logger.error.call_args.args
