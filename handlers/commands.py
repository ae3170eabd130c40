"""Slash command listeners: ack at once, answer in the lazy part through respond()."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.blocks import render_internal_error
from bot.service import RestoresService

COMMAND = "/restores"


def ack_restores(ack: Ack) -> None:
    # Nothing slow may happen here: Slack gives up after 3 seconds.
    ack()


def answer_restores(command: dict[str, Any], respond: Respond, context: BoltContext, logger: logging.Logger) -> None:
    service: RestoresService = context["restores"]
    try:
        message = service.answer(
            command.get("text", ""),
            user_id=command.get("user_id", ""),
            channel_id=command.get("channel_id", ""),
            command=command.get("command", COMMAND),
        )
    except Exception:  # the service already turns faults into answers; this is the last resort
        logger.exception("restores answer failed")
        message = render_internal_error("lazy-listener")
    respond(**message.for_respond())


def register(app: App) -> None:
    app.command(COMMAND)(ack=ack_restores, lazy=[answer_restores])
