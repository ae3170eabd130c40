"""Block action listeners: drill-down to jobs, in-place period/state switches, share, and stale buttons."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.controls import ActionId, ActionValue, StaleAction, TestJobsValue
from bot.render.notices import render_stale_action
from bot.service import RestoresService
from handlers.respond import deliver


def _teams(body: dict[str, Any]) -> tuple[str, ...]:
    """The workspaces on a click: the team, and the clicking user's own (another organisation's in Slack Connect)."""
    found = ((body.get("team") or {}).get("id"), (body.get("user") or {}).get("team_id"))
    return tuple(str(team) for team in found if team)


def _clicked(body: dict[str, Any]) -> tuple[str, str, object]:
    """Who clicked where, and the raw value of the control (button value or selected option)."""
    action = (body.get("actions") or [{}])[0]
    value = action.get("value")
    if value is None:
        value = (action.get("selected_option") or {}).get("value")
    user = (body.get("user") or {}).get("id", "")
    channel = (body.get("channel") or {}).get("id", "") or (body.get("container") or {}).get("channel_id", "")
    return str(user), str(channel), value


class RestoresActions:
    """Bound methods are the listeners; every click is re-validated and re-checked against the allow-lists."""

    def __init__(self, service: RestoresService) -> None:
        self.service = service

    def ack(self, ack: Ack) -> None:
        ack()

    def _decode(self, body: dict[str, Any], respond: Respond, logger: logging.Logger) -> tuple[str, str, ActionValue] | None:
        user, channel, raw = _clicked(body)
        try:
            return user, channel, ActionValue.decode(raw)
        except StaleAction as error:
            logger.info("stale or tampered action value from user=%s: %s", user, error)
            respond(**render_stale_action().for_respond(), replace_original=False)
            return None

    def jobs(self, body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        decoded = self._decode(body, respond, logger)
        if decoded:
            user, channel, value = decoded
            message = self.service.answer_jobs(value, user_id=user, channel_id=channel, teams=_teams(body))
            deliver(respond, message, logger, replace_original=False)

    def refilter(self, body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        decoded = self._decode(body, respond, logger)
        if decoded:
            user, channel, value = decoded
            message = self.service.answer_filter(value.filter, user_id=user, channel_id=channel, teams=_teams(body))
            # Only the caller sees the ephemeral answer, so redrawing it in place changes nobody else's view.
            deliver(respond, message, logger, replace_original=message.response_type == "ephemeral")

    def share(self, body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        decoded = self._decode(body, respond, logger)
        if decoded:
            user, channel, value = decoded
            message = self.service.answer_filter(
                value.with_filter(share=True).filter, user_id=user, channel_id=channel, teams=_teams(body)
            )
            delivered = deliver(respond, message, logger, replace_original=False)
            if delivered and message.response_type == "in_channel":
                respond(delete_original=True)

    def test_jobs(self, body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        user, channel, raw = _clicked(body)
        try:
            value = TestJobsValue.decode(raw)
        except StaleAction as error:
            logger.info("stale or tampered action value from user=%s: %s", user, error)
            respond(**render_stale_action().for_respond(), replace_original=False)
            return
        message = self.service.answer_test_jobs(value, user_id=user, channel_id=channel, teams=_teams(body))
        deliver(respond, message, logger, replace_original=False)

    def unknown(self, body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        logger.info("unknown action %s", ((body.get("actions") or [{}])[0]).get("action_id"))
        respond(**render_stale_action().for_respond(), replace_original=False)


def register(app: App, service: RestoresService) -> None:
    listener = RestoresActions(service)
    app.action(ActionId.JOBS.pattern())(ack=listener.ack, lazy=[listener.jobs])
    app.action(ActionId.JOBS_ROW.pattern())(ack=listener.ack, lazy=[listener.jobs])
    app.action(ActionId.PERIOD.pattern())(ack=listener.ack, lazy=[listener.refilter])
    app.action(ActionId.STATE.pattern())(ack=listener.ack, lazy=[listener.refilter])
    app.action(ActionId.SHARE.pattern())(ack=listener.ack, lazy=[listener.share])
    app.action(ActionId.TEST_JOBS.pattern())(ack=listener.ack, lazy=[listener.test_jobs])
    # Registered last: Bolt runs the first listener that matches, so this only gets what nothing else took
    # (buttons of an older version, or payloads someone made up).
    app.action(re.compile(".*"))(ack=listener.ack, lazy=[listener.unknown])
