"""Block action listeners: drill-down to jobs, in-place period/state switches, share, and stale buttons. A jobs button
on the App Home tab comes without a channel or a response_url: it is checked against the Home tab's scope and answered
in the user's DM (handlers.respond.post_to_user)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, Protocol, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.answers.controls import ActionId, ActionValue, StaleAction
from bot.answers.notices import render_busy, render_stale_action
from bot.answers.service import RestoresService
from bot.charts.trend import chart_comment, render_chart_text
from bot.charts.upload import upload_chart
from bot.recoverability.controls import HistoryValue, ResourceAction
from bot.restore_testing.controls import TestJobsValue, TestsShareValue
from bot.slack.blocks import Message
from bot.web.admission import Gate
from handlers.respond import deliver, once, post_to_user

V = TypeVar("V")  # a control's value, as its decode re-validates it
V_contra = TypeVar("V_contra", contravariant=True)


class Answer(Protocol[V_contra]):
    """A service's answer to a decoded button value, for whoever clicked where (bot.answers.service)."""

    def __call__(self, value: V_contra, /, *, user_id: str, channel_id: str, teams: tuple[str, ...] | None = None
                 ) -> Message: ...


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


def _from_home(body: dict[str, Any]) -> bool:
    """The click came from the App Home tab (a view of type home), not from a message."""
    return (body.get("view") or {}).get("type") == "home"


class RestoresActions:
    """Bound methods are the listeners; every click is re-validated and re-checked against the allow-lists."""

    def __init__(self, service: RestoresService, gate: Gate | None = None) -> None:
        self.service = service
        self.gate = gate

    def ack(self, ack: Ack, body: dict[str, Any] | None = None, respond: Respond | None = None,
            client: WebClient | None = None, logger: logging.Logger | None = None) -> None:
        ack()
        if self.gate is None or body is None:
            return
        refusal = self.gate.admit(str((body.get("user") or {}).get("id", "")))
        if refusal is not None:
            # A click's ack shows nothing: the notice goes below the message (or to the DM) from the notice pool.
            busy = render_busy(refusal.limit, everyone=refusal.reason == "everyone")
            log = logger or logging.getLogger(__name__)
            self.gate.notify(lambda: self._reply(body, respond, client, log, busy))

    def _reply(self, body: dict[str, Any], respond: Respond | None, client: WebClient | None, logger: logging.Logger,
               message: Message) -> bool:
        """An answer below the clicked message, or, from the Home tab (no response_url), in the user's DM."""
        if respond is not None and not _from_home(body):
            return deliver(respond, message, logger, replace_original=False)
        user = str((body.get("user") or {}).get("id", ""))
        if client is None or not user:
            logger.error("a click without response_url or user: nowhere to answer")
            return False
        return post_to_user(client, user, message, logger)

    def _decode(self, decode: Callable[[object], V], body: dict[str, Any], respond: Respond | None,
                logger: logging.Logger, client: WebClient | None = None) -> tuple[str, str, V] | None:
        """Who clicked where and the control's value as `decode` re-validates it; None when it is stale or tampered
        with (the user is told, below the message or in the DM)."""
        user, channel, raw = _clicked(body)
        try:
            return user, channel, decode(raw)
        except StaleAction as error:
            logger.info("stale or tampered action value from user=%s: %s", user, error)
            self._reply(body, respond, client, logger, render_stale_action())
            return None

    def _answer(self, decode: Callable[[object], V], answer: Answer[V], body: dict[str, Any], respond: Respond | None,
                logger: logging.Logger, client: WebClient | None) -> None:
        """A button whose answer goes below the clicked message (or, from the Home tab, to the DM): its value decoded,
        answered by the service for whoever clicked where."""
        decoded = self._decode(decode, body, respond, logger, client)
        if decoded:
            user, channel, value = decoded
            self._reply(body, respond, client, logger, answer(value, user_id=user, channel_id=channel, teams=_teams(body)))

    def jobs(self, body: dict[str, Any], respond: Respond | None, logger: logging.Logger,
             client: WebClient | None = None) -> None:
        self._answer(ActionValue.decode, partial(self.service.answer_jobs, home=_from_home(body)), body, respond, logger,
                     client)

    def refilter(self, body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        decoded = self._decode(ActionValue.decode, body, respond, logger)
        if decoded:
            user, channel, value = decoded
            message = self.service.answer_filter(value.filter, user_id=user, channel_id=channel, teams=_teams(body))
            # Only the caller sees the ephemeral answer, so redrawing it in place changes nobody else's view.
            deliver(respond, message, logger, replace_original=message.response_type == "ephemeral")

    def share(self, body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        decoded = self._decode(ActionValue.decode, body, respond, logger)
        if decoded:
            user, channel, value = decoded
            message = self.service.answer_filter(
                value.with_filter(share=True).filter, user_id=user, channel_id=channel, teams=_teams(body)
            )
            delivered = deliver(respond, message, logger, replace_original=False)
            if delivered and message.response_type == "in_channel":
                once(respond, delete_original=True)

    def chart(self, body: dict[str, Any], respond: Respond, client: WebClient, logger: logging.Logger) -> None:
        """Upload the 14-day chart of the clicked answer's filter to the channel (a response_url cannot carry a file);
        tell the user it is there, or why not with the same days as text."""
        decoded = self._decode(ActionValue.decode, body, respond, logger)
        if decoded:
            user, channel, value = decoded
            answer = self.service.answer_chart(value, user_id=user, channel_id=channel, teams=_teams(body))
            if answer.series is not None:
                reason = "this click came without a channel to post it in"
                if channel:
                    upload = upload_chart(client, answer.series, title=answer.command_text, channel=channel,
                                          initial_comment=chart_comment(answer.series, answer.command_text))
                    reason = "" if upload.file else upload.hint or f"Slack refused the upload ({upload.error})"
                if reason:
                    answer = replace(answer, message=render_chart_text(answer.series, answer.command_text, reason))
            deliver(respond, answer.message, logger, replace_original=False)

    def test_jobs(self, body: dict[str, Any], respond: Respond | None, logger: logging.Logger,
                  client: WebClient | None = None) -> None:
        self._answer(TestJobsValue.decode, partial(self.service.answer_test_jobs, home=_from_home(body)), body, respond,
                     logger, client)

    def resource_history(self, body: dict[str, Any], respond: Respond | None, logger: logging.Logger,
                         client: WebClient | None = None) -> None:
        self._answer(HistoryValue.decode, self.service.answer_resource_history, body, respond, logger, client)

    def link(self, ack: Ack) -> None:
        """A link button: Slack opens the URL and sends the click too; there is nothing to answer."""
        ack()

    def tests_share(self, body: dict[str, Any], respond: Respond, logger: logging.Logger) -> None:
        """The restore tests answer's Share: answered as the typed `tests … share`, through the command's grammar and
        access checks; the private copy goes once the shared one is posted."""
        decoded = self._decode(TestsShareValue.decode, body, respond, logger)  # Share is never on the Home tab
        if decoded is None:
            return
        user, channel, value = decoded
        message = self.service.answer(value.shared(), user_id=user, channel_id=channel, teams=_teams(body))
        if deliver(respond, message, logger, replace_original=False) and message.response_type == "in_channel":
            once(respond, delete_original=True)

    def unknown(self, body: dict[str, Any], respond: Respond | None, logger: logging.Logger,
                client: WebClient | None = None) -> None:
        logger.info("unknown action %s", ((body.get("actions") or [{}])[0]).get("action_id"))
        self._reply(body, respond, client, logger, render_stale_action())


def register(app: App, service: RestoresService, gate: Gate | None = None) -> None:
    listener = RestoresActions(service, gate)
    app.action(ActionId.JOBS.pattern())(ack=listener.ack, lazy=[listener.jobs])
    app.action(ActionId.JOBS_ROW.pattern())(ack=listener.ack, lazy=[listener.jobs])
    app.action(ActionId.PERIOD.pattern())(ack=listener.ack, lazy=[listener.refilter])
    app.action(ActionId.STATE.pattern())(ack=listener.ack, lazy=[listener.refilter])
    app.action(ActionId.SHARE.pattern())(ack=listener.ack, lazy=[listener.share])
    app.action(ActionId.CHART.pattern())(ack=listener.ack, lazy=[listener.chart])
    app.action(ActionId.TEST_JOBS.pattern())(ack=listener.ack, lazy=[listener.test_jobs])
    app.action(ActionId.TESTS_SHARE.pattern())(ack=listener.ack, lazy=[listener.tests_share])
    app.action(ResourceAction.HISTORY.value)(ack=listener.ack, lazy=[listener.resource_history])
    app.action(ResourceAction.CONSOLE.value)(listener.link)
    # Registered last: Bolt runs the first listener that matches, so this only gets what nothing else took
    # (buttons of an older version, or payloads someone made up).
    app.action(re.compile(".*"))(ack=listener.ack, lazy=[listener.unknown])
