"""The block action listeners called directly, as Bolt calls them: the ack, and each lazy listener with a block_actions
body and Mock(Respond) (or, for a click on the App Home tab, respond=None and Mock(WebClient)).

A Mock(RestoresService) where the point is the listener's own logic (decoding the value, where the answer goes, the
share's delete); the real service on the AWS emulator for a drill-down all the way to the jobs."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any
from unittest.mock import Mock, call

import pytest
from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookResponse

from bot.answers.controls import ActionId, ActionValue
from bot.answers.notices import render_stale_action
from bot.answers.service import RestoresService
from bot.domain.query import RestoreFilter
from bot.slack.blocks import Message
from handlers.actions import RestoresActions
from tests.fakes.aws import BackupEmulator
from tests.support import counts_from, make_jobs

URL = "https://hooks.slack.com/actions/T0TEST/1/abc"
OK = WebhookResponse(url=URL, status_code=200, body="ok", headers={})
REFUSED = WebhookResponse(url=URL, status_code=400, body="invalid_blocks", headers={})
EPHEMERAL = Message(text="12 failed restore jobs")
IN_CHANNEL = Message(text="12 failed restore jobs", response_type="in_channel")
VALUE = ActionValue(RestoreFilter(state="FAILED", regions=("us-east-1",)))
STALE = render_stale_action()


def clicked(value: object, *, action_id: str = ActionId.JOBS.with_suffix("failed"), select: bool = False,
            channel: str | None = "C0CHAN", user_team: str | None = None) -> dict[str, Any]:
    """The `body` Bolt hands a listener for a click: a block_actions payload."""
    action: dict[str, Any] = {"action_id": action_id, "block_id": "restores_drill", "action_ts": "1.2"}
    if select:
        action.update(type="static_select", selected_option={"text": {"type": "plain_text", "text": "x"}, "value": value})
    else:
        action.update(type="button", value=value)
    body: dict[str, Any] = {
        "type": "block_actions", "user": {"id": "U0USER", "team_id": user_team or "T0TEST"}, "team": {"id": "T0TEST"},
        "container": {"type": "message", "channel_id": "C0CONTAINER"}, "response_url": URL, "actions": [action],
    }
    if channel:
        body["channel"] = {"id": channel}
    return body


def fake_service(answer: Message = EPHEMERAL) -> Mock:
    service = Mock(RestoresService)
    service.answer_jobs.return_value = answer
    service.answer_filter.return_value = answer
    return service


def test_ack_acknowledges_at_once_and_does_nothing_else() -> None:
    service, ack = fake_service(), Mock(Ack)
    RestoresActions(service).ack(ack)
    ack.assert_called_once_with()
    assert service.mock_calls == []


def test_a_jobs_click_asks_for_that_value_and_answers_below_the_original() -> None:
    service, respond = fake_service(), Mock(Respond, return_value=OK)
    RestoresActions(service).jobs(body=clicked(VALUE.encode()), respond=respond, logger=Mock(logging.Logger))
    (args, kwargs) = service.answer_jobs.call_args
    assert args == (ActionValue.decode(VALUE.encode()),)
    assert (kwargs["user_id"], kwargs["channel_id"]) == ("U0USER", "C0CHAN")
    assert respond.call_args_list == [call(**EPHEMERAL.for_respond(), replace_original=False)]


def test_a_row_option_carries_its_value_as_the_selected_option() -> None:
    service = fake_service()
    RestoresActions(service).jobs(body=clicked(VALUE.encode(), action_id=ActionId.JOBS_ROW.value, select=True),
                                  respond=Mock(Respond, return_value=OK), logger=Mock(logging.Logger))
    assert service.answer_jobs.call_args.args == (ActionValue.decode(VALUE.encode()),)


def test_the_channel_comes_from_the_container_when_the_payload_names_none() -> None:
    service = fake_service()
    RestoresActions(service).jobs(body=clicked(VALUE.encode(), channel=None), respond=Mock(Respond, return_value=OK),
                                  logger=Mock(logging.Logger))
    assert service.answer_jobs.call_args.kwargs["channel_id"] == "C0CONTAINER"


def test_the_clicking_users_own_workspace_is_passed_on_too() -> None:
    service = fake_service()
    RestoresActions(service).refilter(body=clicked(VALUE.encode(), user_team="T0OTHER"),
                                      respond=Mock(Respond, return_value=OK), logger=Mock(logging.Logger))
    assert service.answer_filter.call_args.kwargs["teams"] == ("T0TEST", "T0OTHER")


def test_a_period_or_state_click_redraws_an_ephemeral_answer_in_place() -> None:
    service, respond = fake_service(), Mock(Respond, return_value=OK)
    RestoresActions(service).refilter(body=clicked(VALUE.encode(), action_id=ActionId.PERIOD.with_suffix("14d")),
                                      respond=respond, logger=Mock(logging.Logger))
    assert service.answer_filter.call_args.args == (VALUE.filter,)
    assert respond.call_args_list == [call(**EPHEMERAL.for_respond(), replace_original=True)]


def test_a_refilter_answer_for_the_channel_does_not_replace_the_original() -> None:
    respond = Mock(Respond, return_value=OK)
    RestoresActions(fake_service(IN_CHANNEL)).refilter(body=clicked(VALUE.encode()), respond=respond,
                                                       logger=Mock(logging.Logger))
    assert respond.call_args_list == [call(**IN_CHANNEL.for_respond(), replace_original=False)]


def test_share_posts_the_shared_answer_then_deletes_the_ephemeral() -> None:
    service, respond = fake_service(IN_CHANNEL), Mock(Respond, return_value=OK)
    RestoresActions(service).share(body=clicked(VALUE.encode(), action_id=ActionId.SHARE.value), respond=respond,
                                   logger=Mock(logging.Logger))
    (shared_filter,) = service.answer_filter.call_args.args
    assert shared_filter.share is True and shared_filter == VALUE.with_filter(share=True).filter
    assert respond.call_args_list == [call(**IN_CHANNEL.for_respond(), replace_original=False),
                                      call(delete_original=True)]


def test_share_keeps_the_ephemeral_when_the_answer_is_not_for_the_channel() -> None:
    """A refusal (allow-list, scope) comes back ephemeral: the original stays where it is."""
    respond = Mock(Respond, return_value=OK)
    RestoresActions(fake_service(EPHEMERAL)).share(body=clicked(VALUE.encode()), respond=respond,
                                                   logger=Mock(logging.Logger))
    assert respond.call_args_list == [call(**EPHEMERAL.for_respond(), replace_original=False)]


def test_share_keeps_the_ephemeral_when_slack_refused_the_post() -> None:
    respond = Mock(Respond, return_value=REFUSED)
    RestoresActions(fake_service(IN_CHANNEL)).share(body=clicked(VALUE.encode()), respond=respond,
                                                    logger=Mock(logging.Logger))
    assert call(delete_original=True) not in respond.call_args_list
    assert respond.call_count == 2  # the answer, then its text fallback


@pytest.mark.parametrize("listener", ["jobs", "refilter", "share", "test_jobs", "resource_history"])
@pytest.mark.parametrize("raw", ["not json", json.dumps({"v": 1, "s": "EXPLODED", "p": "7d", "r": "us-east-1"}), None],
                         ids=["garbage", "bad-state", "no-value"])
def test_stale_or_tampered_values_get_a_polite_answer_and_no_service_call(listener: str, raw: object) -> None:
    service, respond, logger = fake_service(), Mock(Respond, return_value=OK), Mock(logging.Logger)
    getattr(RestoresActions(service), listener)(body=clicked(raw), respond=respond, logger=logger)
    assert respond.call_args_list == [call(**STALE.for_respond(), replace_original=False)]
    assert service.mock_calls == []
    logger.info.assert_called_once()


def test_an_unknown_action_gets_a_polite_answer_naming_it_in_the_log() -> None:
    service, respond, logger = fake_service(), Mock(Respond, return_value=OK), Mock(logging.Logger)
    RestoresActions(service).unknown(body=clicked("{}", action_id="restores_v0_legacy_button"), respond=respond,
                                     logger=logger)
    assert respond.call_args_list == [call(**STALE.for_respond(), replace_original=False)]
    assert "restores_v0_legacy_button" in logger.info.call_args.args
    assert service.mock_calls == []


@pytest.mark.dates
def test_a_total_button_of_the_real_services_answer_opens_its_jobs(service: RestoresService, emulator: BackupEmulator,
                                                                  today: date) -> None:
    jobs = make_jobs(today)
    emulator.load(counts=counts_from(jobs), jobs=jobs)
    summary = service.answer("failed 7d account:ANY region:us-east-1,eu-west-1", user_id="U0USER", channel_id="C0CHAN")
    (button,) = [e for b in summary.block_dicts() if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == ActionId.JOBS.with_suffix("failed")]
    respond = Mock(Respond, return_value=OK)
    RestoresActions(service).jobs(body=clicked(button["value"]), respond=respond, logger=logging.getLogger(__name__))
    (sent,) = respond.call_args_list
    failed = [j for j in jobs if j.status == "FAILED"]
    assert f"*{len(failed)} failed restore jobs*" in json.dumps(sent.kwargs["blocks"], ensure_ascii=False)
    assert sent.kwargs["replace_original"] is False


def home_clicked(value: object, *, action_id: str = ActionId.JOBS.with_suffix("failed")) -> dict[str, Any]:
    """A click on the App Home tab: a view container, no channel, no response_url (Bolt then injects respond=None)."""
    return {
        "type": "block_actions", "user": {"id": "U0USER", "team_id": "T0TEST"}, "team": {"id": "T0TEST"},
        "container": {"type": "view", "view_id": "V0HOME"}, "view": {"id": "V0HOME", "type": "home"},
        "actions": [{"action_id": action_id, "block_id": "restores_home:drill", "type": "button", "value": value}],
    }


def test_a_home_click_is_checked_against_the_home_scope_and_answered_in_the_users_dm() -> None:
    service, client = fake_service(), Mock(WebClient)
    RestoresActions(service).jobs(body=home_clicked(VALUE.encode()), respond=None, logger=Mock(logging.Logger),
                                  client=client)
    kwargs = service.answer_jobs.call_args.kwargs
    assert (kwargs["user_id"], kwargs["channel_id"], kwargs["home"], kwargs["teams"]) == ("U0USER", "", True, ("T0TEST", "T0TEST"))
    assert client.chat_postMessage.call_args_list == [
        call(channel="U0USER", text=EPHEMERAL.text, blocks=EPHEMERAL.block_dicts())
    ]


def test_a_message_click_is_not_a_home_click() -> None:
    service = fake_service()
    RestoresActions(service).jobs(body=clicked(VALUE.encode()), respond=Mock(Respond, return_value=OK),
                                  logger=Mock(logging.Logger), client=Mock(WebClient))
    assert service.answer_jobs.call_args.kwargs["home"] is False


@pytest.mark.parametrize("listener", ["jobs", "test_jobs", "unknown"])
def test_a_stale_home_click_gets_the_polite_answer_in_the_dm(listener: str) -> None:
    service, client = fake_service(), Mock(WebClient)
    getattr(RestoresActions(service), listener)(body=home_clicked("not json"), respond=None,
                                                logger=Mock(logging.Logger), client=client)
    assert client.chat_postMessage.call_args_list == [call(channel="U0USER", text=STALE.text, blocks=STALE.block_dicts())]
    assert service.mock_calls == []


def test_blocks_the_dm_refuses_fall_back_to_text() -> None:
    client, logger = Mock(WebClient), Mock(logging.Logger)
    refused = SlackApiError("invalid_blocks", SlackResponse(client=client, http_verb="POST", api_url="", req_args={},
                                                            data={"ok": False, "error": "invalid_blocks"}, headers={},
                                                            status_code=200))
    client.chat_postMessage.side_effect = [refused, None]
    RestoresActions(fake_service()).jobs(body=home_clicked(VALUE.encode()), respond=None, logger=logger, client=client)
    assert client.chat_postMessage.call_args_list[1] == call(channel="U0USER", text=EPHEMERAL.text)
    assert "invalid_blocks" in logger.error.call_args.args
