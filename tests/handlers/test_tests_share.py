"""The restore tests answer's Share button (issue 23, item 8): a click is answered as the typed `tests … share`, the
private copy deleted once the shared one is posted; a tampered value is refused without asking the service."""

from __future__ import annotations

import logging
from unittest.mock import Mock, call

import pytest
from slack_bolt import Respond

from bot.answers.controls import ActionId
from bot.answers.notices import render_stale_action
from bot.answers.service import RestoresService
from bot.restore_testing.controls import TestsShareValue
from bot.slack.blocks import Message
from handlers.actions import RestoresActions
from tests.handlers.test_actions import OK, clicked

SHARED = Message(text="Restores are not proven", response_type="in_channel")
PRIVATE = Message(text="Sorry, not in this channel")


def test_a_click_answers_the_typed_tests_share_and_deletes_the_private_copy() -> None:
    service, respond = Mock(RestoresService), Mock(Respond, return_value=OK)
    service.answer.return_value = SHARED
    value = TestsShareValue("tests 14d region:eu-west-1").encode()
    RestoresActions(service).tests_share(body=clicked(value, action_id=ActionId.TESTS_SHARE.value), respond=respond,
                                         logger=Mock(logging.Logger))
    assert service.answer.call_args == call("tests 14d region:eu-west-1 share", user_id="U0USER", channel_id="C0CHAN",
                                            teams=("T0TEST", "T0TEST"))
    assert respond.call_args_list == [call(**SHARED.for_respond(), replace_original=False), call(delete_original=True)]


def test_a_refusal_keeps_the_private_copy() -> None:
    service, respond = Mock(RestoresService), Mock(Respond, return_value=OK)
    service.answer.return_value = PRIVATE
    RestoresActions(service).tests_share(body=clicked(TestsShareValue("tests").encode()), respond=respond,
                                         logger=Mock(logging.Logger))
    assert respond.call_args_list == [call(**PRIVATE.for_respond(), replace_original=False)]


@pytest.mark.parametrize("raw", ["not json", '{"v":1,"q":"jobs failed 1d"}', '{"v":1,"q":"tests share"}',
                                 '{"v":1,"q":"tests <!here>"}', '{"v":2,"q":"tests"}', None])
def test_a_tampered_value_gets_the_stale_notice_and_no_service_call(raw: object) -> None:
    service, respond = Mock(RestoresService), Mock(Respond, return_value=OK)
    RestoresActions(service).tests_share(body=clicked(raw), respond=respond, logger=Mock(logging.Logger))
    service.answer.assert_not_called()
    assert respond.call_args_list == [call(**render_stale_action().for_respond(), replace_original=False)]
