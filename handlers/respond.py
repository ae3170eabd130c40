"""Answering: through response_url, or, for a click without one (the App Home tab), in the user's DM with the bot;
check what Slack said, and fall back to plain text when it refused the blocks."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookResponse

from bot.slack.blocks import Message
from bot.slack.client import create_webhook_client
from bot.slack.errors import slack_error_code


def once(respond: Respond, **body: Any) -> WebhookResponse:
    """Post to the response_url once: Bolt's respond() retries after a connection error, when Slack may have taken
    the answer already (a second copy, shared in the channel). A respond without a response_url (a test's Mock) is
    called as it is."""
    url = getattr(respond, "response_url", None)
    if not isinstance(url, str):
        return respond(**body)
    return create_webhook_client(url, proxy=respond.proxy, ssl=respond.ssl).send_dict(
        {name: value for name, value in body.items() if value is not None}
    )


def deliver(respond: Respond, message: Message, logger: logging.Logger, **options: Any) -> bool:
    """respond() does not raise on a 4xx: check it, and fall back to plain text if Slack refused the blocks."""
    response = once(respond, **message.for_respond(), **options)
    if response.status_code == 200:
        return True
    logger.error("response_url refused the answer status=%s body=%s", response.status_code, str(response.body)[:200])
    fallback = once(respond, text=message.text, response_type=message.response_type, **options)
    if fallback.status_code != 200:
        logger.error("response_url refused the text fallback status=%s", fallback.status_code)
        return False
    return True


def post_to_user(client: WebClient, user: str, message: Message, logger: logging.Logger) -> bool:
    """A click on the App Home tab has no response_url: the answer goes to the user's DM with the bot (chat.postMessage
    with the user id as the channel, which Slack shows in the app's Messages tab), where it stays to be read or
    forwarded, while the dashboard stays as it was. Refused blocks fall back to plain text, as deliver() does."""
    try:
        client.chat_postMessage(channel=user, text=message.text, blocks=message.block_dicts())
        return True
    except SlackApiError as error:
        logger.error("chat.postMessage to the user's DM refused the answer: %s", slack_error_code(error))
    try:
        client.chat_postMessage(channel=user, text=message.text)
        return True
    except SlackApiError as error:
        logger.error("chat.postMessage to the user's DM refused the text fallback: %s", slack_error_code(error))
        return False
