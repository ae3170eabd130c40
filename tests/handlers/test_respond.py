"""handlers.respond.deliver: respond() does not raise when Slack refuses an answer, so deliver checks the status and
falls back to the plain text."""

from __future__ import annotations

import logging
from unittest.mock import Mock, call

from slack_bolt import Respond
from slack_sdk.webhook import WebhookResponse

from bot.answers.notices import render_help
from handlers.respond import deliver

URL = "https://hooks.slack.com/commands/T0TEST/1/abc"
OK = WebhookResponse(url=URL, status_code=200, body="ok", headers={})
REFUSED = WebhookResponse(url=URL, status_code=400, body="invalid_blocks", headers={})
MESSAGE = render_help("/restores", ("us-east-1",))


def test_an_accepted_answer_is_sent_once() -> None:
    respond, logger = Mock(Respond, return_value=OK), Mock(logging.Logger)
    assert deliver(respond, MESSAGE, logger, replace_original=False) is True
    assert respond.call_args_list == [call(**MESSAGE.for_respond(), replace_original=False)]
    logger.error.assert_not_called()


def test_refused_blocks_fall_back_to_the_plain_text() -> None:
    respond, logger = Mock(Respond, side_effect=[REFUSED, OK]), Mock(logging.Logger)
    assert deliver(respond, MESSAGE, logger, replace_original=True) is True
    assert respond.call_args_list == [
        call(**MESSAGE.for_respond(), replace_original=True),
        call(text=MESSAGE.text, response_type=MESSAGE.response_type, replace_original=True),
    ]
    assert MESSAGE.block_dicts(), "the first attempt carried blocks"
    (error,) = logger.error.call_args_list
    assert 400 in error.args and "invalid_blocks" in error.args


def test_a_refused_fallback_is_reported_not_raised() -> None:
    respond, logger = Mock(Respond, return_value=REFUSED), Mock(logging.Logger)
    assert deliver(respond, MESSAGE, logger) is False
    assert respond.call_count == 2
    assert logger.error.call_count == 2
