"""The channel check before a subscription, over the real slack_sdk client to the fake Slack: what each answer of
conversations.info means, and that anything Slack cannot answer refuses rather than guesses. And the Home tab's "which
channels is this user in" (users.conversations), every page read, None when Slack cannot say."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.domain.subscriptions import ChannelProblem
from bot.slack.channels import MEMBER_PAGES, slack_channel_check, slack_member_channels
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import BOT_TOKEN, free_port


def test_what_conversations_info_says_becomes_a_problem_or_none(fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    _, slack = fakes
    check = slack_channel_check(WebClient(token=BOT_TOKEN, base_url=slack.api_url))
    slack.set_conversation("G0SECRET", private=True)
    slack.set_conversation("G0INVITED", private=True, member=True)
    slack.set_conversation("C0OLD", archived=True)
    slack.fail_channel("C0NOSCOPE", "missing_scope", methods=("conversations.info",))
    slack.fail_channel("C0LIMITED", "ratelimited", methods=("conversations.info",))
    assert {channel: check(channel) for channel in ("C0PUBLIC", "G0SECRET", "G0INVITED", "C0OLD", "C0NOSCOPE",
                                                    "C0LIMITED")} == {
        "C0PUBLIC": None,  # chat:write.public posts without an invitation
        "G0SECRET": ChannelProblem.NOT_VISIBLE,
        "G0INVITED": None,
        "C0OLD": ChannelProblem.ARCHIVED,
        "C0NOSCOPE": ChannelProblem.MISSING_SCOPE,
        "C0LIMITED": ChannelProblem.UNCHECKED,
    }


def test_slack_unreachable_refuses_the_subscription() -> None:
    check = slack_channel_check(WebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{free_port()}/api/", timeout=2))
    assert check("C0ANY") is ChannelProblem.UNCHECKED


def test_a_users_channels_are_read_over_every_page(fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    _, slack = fakes
    channels = [f"C0MANY{n:04d}" for n in range(450)]  # three pages of 200
    for channel in channels:
        slack.set_members(channel, ["U0BUSY"])
    slack.set_members("G0SECRET", ["U0BUSY"])
    slack.set_conversation("G0SECRET", private=True)  # the bot is not in it
    members = slack_member_channels(WebClient(token=BOT_TOKEN, base_url=slack.api_url))
    assert members("U0BUSY") == frozenset(channels)
    assert len(slack.calls_to("users.conversations")) == 3 <= MEMBER_PAGES
    assert members("U0NOBODY") == frozenset()


def test_a_users_channels_are_unknown_when_slack_cannot_say(fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    _, slack = fakes
    assert slack_member_channels(WebClient(token="xoxb-revoked", base_url=slack.api_url))("U0ANY") is None
    unreachable = WebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{free_port()}/api/", timeout=2)
    assert slack_member_channels(unreachable)("U0ANY") is None
