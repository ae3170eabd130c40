"""Answering through response_url: check what Slack said, and fall back to plain text when it refused the blocks."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond

from bot.render.message import Message


def deliver(respond: Respond, message: Message, logger: logging.Logger, **options: Any) -> bool:
    """respond() does not raise on a 4xx: check it, and fall back to plain text if Slack refused the blocks."""
    response = respond(**message.for_respond(), **options)
    if response.status_code == 200:
        return True
    logger.error("response_url refused the answer status=%s body=%s", response.status_code, str(response.body)[:200])
    fallback = respond(text=message.text, response_type=message.response_type, **options)
    if fallback.status_code != 200:
        logger.error("response_url refused the text fallback status=%s", fallback.status_code)
        return False
    return True
