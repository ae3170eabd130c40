"""The Chart button's listener called directly, as Bolt calls it (body, Mock(Respond), Mock(WebClient)), where the point
is the listener's own logic: a stale value never reaches the service, a click without a channel uploads nothing."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any
from unittest.mock import Mock

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookResponse

from bot.answers.controls import ActionId, ActionValue
from bot.answers.notices import render_stale_action
from bot.answers.service import RestoresService
from bot.charts.render import DailySeries
from bot.charts.trend import ChartAnswer
from bot.domain.query import Period, RestoreFilter
from bot.slack.blocks import Message
from handlers.actions import RestoresActions

URL = "https://hooks.slack.com/actions/T0TEST/1/abc"
OK = WebhookResponse(url=URL, status_code=200, body="ok", headers={})
VALUE = ActionValue(RestoreFilter(period=Period.ONE_DAY, regions=("us-east-1",)))
LOG = logging.getLogger("test")


def clicked(value: str, channel: str | None) -> dict[str, Any]:
    action = {"action_id": ActionId.CHART.value, "block_id": "restores_controls", "type": "button", "value": value}
    body: dict[str, Any] = {"type": "block_actions", "user": {"id": "U0USER", "team_id": "T0TEST"},
                            "team": {"id": "T0TEST"}, "response_url": URL, "actions": [action],
                            "container": {"type": "message", "channel_id": channel or ""}}
    if channel:
        body["channel"] = {"id": channel}
    return body


def series() -> DailySeries:
    days = tuple(date(2026, 11, 1) + timedelta(days=i) for i in range(14))
    return DailySeries(days, (1,) * 14, (0,) * 14, (9,) * 14, highlight=days[-1])


def test_a_stale_value_never_reaches_the_service() -> None:
    service, respond, client = Mock(RestoresService), Mock(Respond, return_value=OK), Mock(WebClient)
    RestoresActions(service).chart(clicked('{"v": 99}', "C0CHARTS01"), respond, client, LOG)
    service.answer_chart.assert_not_called()
    client.files_upload_v2.assert_not_called()
    assert respond.call_args.kwargs["text"] == render_stale_action().text


def test_a_click_without_a_channel_uploads_nothing_and_says_why() -> None:
    service, respond, client = Mock(RestoresService), Mock(Respond, return_value=OK), Mock(WebClient)
    service.answer_chart.return_value = ChartAnswer(Message(text="posted"), series(), "/restores state:ANY 1d")
    RestoresActions(service).chart(clicked(VALUE.encode(), None), respond, client, LOG)
    client.files_upload_v2.assert_not_called()
    sent = respond.call_args.kwargs
    assert "without a channel" in sent["text"] and sent["response_type"] == "ephemeral"
    assert "`Sun 1 Nov` 1 failed, 0 aborted, 9 completed" in str(sent["blocks"])  # the days as text instead
