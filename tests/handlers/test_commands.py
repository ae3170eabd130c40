"""The /restores listeners called directly, as Bolt calls them: the ack, and the lazy answer with Mock(Respond).

A Mock(RestoresService) where the point is the listener's own logic (what it passes on, what it does with a fault);
the real service on the AWS emulator (real boto3 over HTTP) where the point is the answer that goes out."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from typing import Any
from unittest.mock import Mock, call

import pytest
from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookResponse

from bot.answers.notices import render_help
from bot.answers.service import RestoresService
from bot.domain.query import COMMAND
from bot.domain.subscriptions import ChannelProblem
from handlers.commands import RestoresCommand
from tests.fakes.aws import BackupEmulator, expected_sum
from tests.fakes.slack import validate_blocks
from tests.support import load_dataset

URL = "https://hooks.slack.com/commands/T0TEST/1/abc"
OK = WebhookResponse(url=URL, status_code=200, body="ok", headers={})
REFUSED = WebhookResponse(url=URL, status_code=400, body="invalid_blocks", headers={})
ANSWER = render_help("/restores", ("us-east-1",))


def command(text: str, **fields: str) -> dict[str, Any]:
    """The `command` Bolt hands a listener: the slash command's form fields."""
    return dict({"command": "/restores", "text": text, "user_id": "U0USER", "channel_id": "C0CHAN",
                 "team_id": "T0TEST", "response_url": URL, "trigger_id": "123.456"}, **fields)


def fake_service(answer: Any = ANSWER) -> Mock:
    service = Mock(RestoresService)
    service.answer.return_value = answer
    return service


def test_ack_acknowledges_at_once_and_does_nothing_else() -> None:
    service, ack = fake_service(), Mock(Ack)
    RestoresCommand(service).ack(ack)
    ack.assert_called_once_with()
    assert service.mock_calls == []


def test_answer_passes_the_text_who_and_where_and_responds_with_the_services_answer() -> None:
    service, respond = fake_service(), Mock(Respond, return_value=OK)
    RestoresCommand(service).answer(command=command("failed 7d"), respond=respond, logger=Mock(logging.Logger))
    (args, kwargs) = service.answer.call_args
    assert args == ("failed 7d",)
    assert (kwargs["user_id"], kwargs["channel_id"], kwargs["command"]) == ("U0USER", "C0CHAN", "/restores")
    assert respond.call_args_list == [call(**ANSWER.for_respond())]


def test_a_renamed_command_is_the_one_named_in_answers() -> None:
    service = fake_service()
    RestoresCommand(service).answer(command=command("help", command="/restores-staging"),
                                    respond=Mock(Respond, return_value=OK), logger=Mock(logging.Logger))
    assert service.answer.call_args.kwargs["command"] == "/restores-staging"


def test_missing_fields_are_empty_not_an_error() -> None:
    service = fake_service()
    RestoresCommand(service).answer(command={}, respond=Mock(Respond, return_value=OK), logger=Mock(logging.Logger))
    (args, kwargs) = service.answer.call_args
    assert args == ("",)
    assert (kwargs["user_id"], kwargs["channel_id"], kwargs["command"]) == ("", "", COMMAND)


def test_the_invoking_users_own_workspace_is_passed_on_too() -> None:
    """Slack Connect: a user of another organisation carries their own team id beside the channel's."""
    service = fake_service()
    RestoresCommand(service).answer(command=command("failed", user_team_id="T0OTHER"),
                                    respond=Mock(Respond, return_value=OK), logger=Mock(logging.Logger))
    assert service.answer.call_args.kwargs["teams"] == ("T0TEST", "T0OTHER")


def test_the_channel_check_asks_slack_with_the_listeners_client_and_is_absent_without_one() -> None:
    service, client = fake_service(), Mock(WebClient)
    client.conversations_info.return_value = {"ok": True, "channel": {"id": "G0X", "is_private": True, "is_member": False}}
    RestoresCommand(service).answer(command=command("subscribe digest"), respond=Mock(Respond, return_value=OK),
                                    logger=Mock(logging.Logger), client=client)
    check = service.answer.call_args.kwargs["channel_check"]
    assert check("G0X") is ChannelProblem.NOT_MEMBER
    client.conversations_info.assert_called_once_with(channel="G0X")
    RestoresCommand(service).answer(command=command("subscriptions"), respond=Mock(Respond, return_value=OK),
                                    logger=Mock(logging.Logger))
    assert service.answer.call_args.kwargs["channel_check"] is None


def test_a_fault_in_the_service_still_gets_an_answer_and_is_logged() -> None:
    service, respond, logger = fake_service(), Mock(Respond, return_value=OK), Mock(logging.Logger)
    service.answer.side_effect = RuntimeError("boom")
    RestoresCommand(service).answer(command=command("failed"), respond=respond, logger=logger)
    logger.exception.assert_called_once()
    (sent,) = respond.call_args_list
    assert sent.kwargs["text"].startswith(":boom:") and "`lazy-listener`" in sent.kwargs["text"]
    assert sent.kwargs["response_type"] == "ephemeral"


def test_an_answer_slack_refuses_goes_out_again_as_text() -> None:
    respond = Mock(Respond, side_effect=[REFUSED, OK])
    RestoresCommand(fake_service()).answer(command=command("help"), respond=respond, logger=Mock(logging.Logger))
    assert respond.call_args_list == [call(**ANSWER.for_respond()),
                                      call(text=ANSWER.text, response_type=ANSWER.response_type)]


@pytest.mark.dates
def test_the_real_service_answers_with_exact_sums(service: RestoresService, emulator: BackupEmulator,
                                                  today: date) -> None:
    counts = load_dataset(emulator, today)
    respond = Mock(Respond, return_value=OK)
    RestoresCommand(service).answer(command=command("failed 7d account:ANY"), respond=respond,
                                    logger=logging.getLogger(__name__))
    # Org-wide: the totals first (the per-account chain still paging), then the whole answer in place of them.
    first, sent = respond.call_args_list
    expected = expected_sum(counts, state="FAILED", start=today - timedelta(days=7), end=today)
    assert expected > 0
    assert first.kwargs["text"].startswith("[still counting accounts]")
    assert f"*{expected:,} failed restore jobs* in 3 regions" in json.dumps(first.kwargs["blocks"], ensure_ascii=False)
    assert "still counting" in json.dumps(first.kwargs["blocks"]) and "replace_original" not in first.kwargs
    assert sent.kwargs["replace_original"] is True
    assert f"*{expected:,} failed restore jobs* in 3 regions" in json.dumps(sent.kwargs["blocks"], ensure_ascii=False)
    assert "still counting" not in json.dumps(sent.kwargs["blocks"])
    assert sent.kwargs["response_type"] == "ephemeral"
    assert validate_blocks(sent.kwargs["blocks"]) == [] and validate_blocks(first.kwargs["blocks"]) == []


def test_the_real_service_explains_a_typo_without_calling_aws(service: RestoresService,
                                                              emulator: BackupEmulator) -> None:
    respond = Mock(Respond, return_value=OK)
    RestoresCommand(service).answer(command=command("faild 7d"), respond=respond, logger=logging.getLogger(__name__))
    assert "Did you mean `failed`?" in respond.call_args.kwargs["text"]
    assert emulator.calls() == []
