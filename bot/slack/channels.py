"""What Slack says about conversations: whether the bot can post in one (conversations.info, before a subscription is
taken), and which channels a user is in (users.conversations, for the Home tab's list of subscriptions)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.subscriptions import ChannelCheck, ChannelProblem
from bot.slack.errors import slack_error_code

log = logging.getLogger(__name__)

# Given a user id: the channels they are in (public, and private ones the bot shares with them), or None when Slack
# could not say. Built on the bot's client by the handlers; there is none in the CLI.
MemberChannels = Callable[[str], frozenset[str] | None]
MEMBER_PAGES = 10  # of 200 channels: a user in more than 2,000 channels gets the subscriptions of the first 2,000


def slack_channel_check(client: WebClient) -> ChannelCheck:
    """A ChannelCheck over the bot's Web API client. Slack answers channel_not_found for a private channel the bot is
    not in (it cannot see it), so that is the usual "invite me first" case; public channels need no invitation
    (chat:write.public). Anything Slack cannot answer refuses the subscription rather than guessing."""

    def check(channel: str) -> ChannelProblem | None:
        try:
            response = client.conversations_info(channel=channel)
        except SlackApiError as error:
            code = slack_error_code(error)
            log.info("conversations.info channel=%s answered %s", channel, code)
            if code == "channel_not_found":
                return ChannelProblem.NOT_VISIBLE
            if code == "missing_scope":
                return ChannelProblem.MISSING_SCOPE
            return ChannelProblem.UNCHECKED
        except Exception as error:  # Slack unreachable
            log.warning("conversations.info channel=%s failed: %s", channel, type(error).__name__)
            return ChannelProblem.UNCHECKED
        conversation = response.get("channel") or {}
        if conversation.get("is_im") or conversation.get("is_mpim"):
            return ChannelProblem.DIRECT
        if conversation.get("is_archived"):
            return ChannelProblem.ARCHIVED
        if conversation.get("is_private") and not conversation.get("is_member"):
            return ChannelProblem.NOT_MEMBER
        if conversation.get("is_ext_shared") or conversation.get("is_pending_ext_shared"):
            return ChannelProblem.SHARED  # the bot could post; whether it may is the subscription rules' call
        return None

    return check


def slack_member_channels(client: WebClient) -> MemberChannels:
    """A MemberChannels over the bot's Web API client (users.conversations; channels:read and groups:read). With a bot
    token Slack lists the user's public channels and the private ones the bot is in too: exactly the channels whose
    subscriptions the user may be shown."""

    def channels(user: str) -> frozenset[str] | None:
        found: set[str] = set()
        cursor = ""
        try:
            for _ in range(MEMBER_PAGES):
                response = client.users_conversations(
                    user=user, types="public_channel,private_channel", exclude_archived=True, limit=200,
                    cursor=cursor or None,
                )
                found.update(str(c["id"]) for c in response.get("channels") or [] if isinstance(c, dict) and c.get("id"))
                cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
        except SlackApiError as error:
            code = slack_error_code(error)
            log.info("users.conversations user=%s answered %s", user, code)
            return None
        except Exception as error:  # Slack unreachable: say nothing rather than guess
            log.warning("users.conversations user=%s failed: %s", user, type(error).__name__)
            return None
        return frozenset(found)

    return channels
