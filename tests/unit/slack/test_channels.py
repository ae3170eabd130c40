"""The channel check before a subscription and a user's channels for the Home tab, against a mocked WebClient: what
each answer of conversations.info means, every page of users.conversations read, and anything Slack cannot answer
refuses (or says None) rather than guesses. The same over real HTTP to the fake Slack: tests/integration/slack."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.subscriptions import ChannelProblem
from bot.slack.channels import MEMBER_PAGES, slack_channel_check, slack_member_channels


def refusal(code: str) -> SlackApiError:
    return SlackApiError(code, {"ok": False, "error": code})  # type: ignore[arg-type]


def client_answering(**answer: Any) -> Mock:
    client = Mock(spec=WebClient)
    client.conversations_info.return_value = {"ok": True, "channel": {"id": "C0X", **answer}}
    return client


@pytest.mark.parametrize(
    ("channel", "problem"),
    [
        ({"is_private": False}, None),  # chat:write.public posts without an invitation
        ({"is_private": True, "is_member": True}, None),
        ({"is_private": True, "is_member": False}, ChannelProblem.NOT_MEMBER),
        ({"is_archived": True}, ChannelProblem.ARCHIVED),
        ({"is_im": True}, ChannelProblem.DIRECT),
        ({"is_mpim": True, "is_private": True, "is_member": True}, ChannelProblem.DIRECT),
        # Slack Connect: people of other organisations read the channel (the subscription rules decide, not this).
        ({"is_private": False, "is_ext_shared": True}, ChannelProblem.SHARED),
        ({"is_private": True, "is_member": True, "is_pending_ext_shared": True}, ChannelProblem.SHARED),
        ({"is_private": True, "is_member": False, "is_ext_shared": True}, ChannelProblem.NOT_MEMBER),
    ],
)
def test_what_the_channel_is_decides_the_problem(channel: dict[str, bool], problem: ChannelProblem | None) -> None:
    client = client_answering(**channel)
    assert slack_channel_check(client)("C0X") is problem
    client.conversations_info.assert_called_once_with(channel="C0X")


@pytest.mark.parametrize(
    ("code", "problem"),
    [("channel_not_found", ChannelProblem.NOT_VISIBLE), ("missing_scope", ChannelProblem.MISSING_SCOPE),
     ("ratelimited", ChannelProblem.UNCHECKED), ("invalid_auth", ChannelProblem.UNCHECKED)],
)
def test_a_refusal_is_a_problem_never_a_yes(code: str, problem: ChannelProblem) -> None:
    client = Mock(spec=WebClient)
    client.conversations_info.side_effect = refusal(code)
    assert slack_channel_check(client)("C0X") is problem


def test_slack_unreachable_refuses_the_subscription() -> None:
    client = Mock(spec=WebClient)
    client.conversations_info.side_effect = TimeoutError("read timed out")
    assert slack_channel_check(client)("C0X") is ChannelProblem.UNCHECKED


def page(ids: list[str], cursor: str = "") -> dict[str, Any]:
    return {"ok": True, "channels": [{"id": i} for i in ids], "response_metadata": {"next_cursor": cursor}}


def test_a_users_channels_are_read_over_every_page() -> None:
    client = Mock(spec=WebClient)
    client.users_conversations.side_effect = [page(["C1", "C2"], "next-1"), page(["C3"], "next-2"), page(["G4"])]
    assert slack_member_channels(client)("U0BUSY") == frozenset({"C1", "C2", "C3", "G4"})
    cursors = [call.kwargs["cursor"] for call in client.users_conversations.call_args_list]
    assert cursors == [None, "next-1", "next-2"]
    first = client.users_conversations.call_args_list[0].kwargs
    assert (first["user"], first["types"], first["exclude_archived"]) == ("U0BUSY", "public_channel,private_channel", True)


def test_the_pages_read_are_bounded() -> None:
    client = Mock(spec=WebClient)
    client.users_conversations.side_effect = [page([f"C{n}"], f"more-{n}") for n in range(MEMBER_PAGES + 5)]
    assert len(slack_member_channels(client)("U0MANY") or ()) == MEMBER_PAGES
    assert client.users_conversations.call_count == MEMBER_PAGES


def test_entries_without_an_id_are_skipped_and_no_channels_is_an_empty_set() -> None:
    client = Mock(spec=WebClient)
    client.users_conversations.side_effect = [
        {"ok": True, "channels": [{"id": "C1"}, {"name": "no-id"}, "junk"], "response_metadata": {}},
        {"ok": True, "channels": None},
    ]
    members = slack_member_channels(client)
    assert members("U0A") == frozenset({"C1"})
    assert members("U0NOBODY") == frozenset()


@pytest.mark.parametrize("failure", [refusal("invalid_auth"), ConnectionError("refused")])
def test_a_users_channels_are_unknown_when_slack_cannot_say(failure: Exception) -> None:
    client = Mock(spec=WebClient)
    client.users_conversations.side_effect = [page(["C1"], "next"), failure]
    assert slack_member_channels(client)("U0ANY") is None  # not the first page's channels: nothing rather than part
