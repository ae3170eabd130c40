"""Whether the bot can post in a conversation, asked of Slack (conversations.info) before a subscription is taken."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.subscriptions import ChannelCheck, ChannelProblem

log = logging.getLogger(__name__)


def slack_channel_check(client: WebClient) -> ChannelCheck:
    """A ChannelCheck over the bot's Web API client. Slack answers channel_not_found for a private channel the bot is
    not in (it cannot see it), so that is the usual "invite me first" case; public channels need no invitation
    (chat:write.public). Anything Slack cannot answer refuses the subscription rather than guessing."""

    def check(channel: str) -> ChannelProblem | None:
        try:
            response = client.conversations_info(channel=channel)
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown")) if error.response is not None else "unknown"
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
        return None

    return check
