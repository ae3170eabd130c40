"""Slash command listeners: ack at once, answer in the lazy part through respond()."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.answers.notices import render_busy, render_internal_error
from bot.answers.service import RestoresService
from bot.domain.query import COMMAND
from bot.export.upload import slack_upload
from bot.slack.blocks import Message
from bot.slack.channels import slack_channel_check
from bot.web.admission import Gate
from handlers.respond import deliver


class RestoresCommand:
    """`/restores`. Bound methods are the listeners (Bolt deep-copies context for lazy listeners, so the
    service travels with the listener, not in the context)."""

    def __init__(self, service: RestoresService, gate: Gate | None = None) -> None:
        self.service = service
        self.gate = gate

    def ack(self, ack: Ack, command: dict[str, Any] | None = None) -> None:
        # Nothing slow may happen here: Slack gives up after 3 seconds. A refused command is answered by its ack.
        refusal = self.gate.admit(str((command or {}).get("user_id", ""))) if self.gate is not None else None
        if refusal is None:
            ack()
            return
        name = str((command or {}).get("command") or COMMAND)
        ack(**render_busy(refusal.limit, name, everyone=refusal.reason == "everyone").for_respond())

    def answer(
        self, command: dict[str, Any], respond: Respond, logger: logging.Logger, client: WebClient | None = None
    ) -> None:
        # A long org-wide answer comes in two posts to the response_url (Slack allows five): the totals at once,
        # then the whole answer replacing them in place.
        early: list[bool] = []

        def progress(message: Message) -> None:
            early.append(deliver(respond, message, logger))

        try:
            message = self.service.answer(
                command.get("text", ""),
                user_id=command.get("user_id", ""),
                channel_id=command.get("channel_id", ""),
                command=command.get("command", COMMAND),
                # Slack Connect: the invoking user's own workspace may differ from the channel's.
                teams=tuple(str(t) for t in (command.get("team_id"), command.get("user_team_id")) if t),
                progress=progress,
                # A subscription asks Slack first whether the bot can post in the channel (conversations.info).
                channel_check=slack_channel_check(client) if client is not None else None,
                # An export's CSV goes to the channel as files (a response_url cannot carry one).
                upload=slack_upload(client, str(command.get("channel_id"))) if client is not None
                and command.get("channel_id") else None,
            )
        except Exception:  # the service already turns faults into answers; this is the last resort
            logger.exception("restores answer failed")
            message = render_internal_error("lazy-listener")
        if any(early):
            deliver(respond, message, logger, replace_original=True)
        else:
            deliver(respond, message, logger)


def register(app: App, service: RestoresService, gate: Gate | None = None) -> None:
    listener = RestoresCommand(service, gate)
    app.command(COMMAND)(ack=listener.ack, lazy=[listener.answer])
