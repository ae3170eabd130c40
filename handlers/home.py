"""App Home listeners: `app_home_opened` (Events API) publishes the dashboard for that user with views.publish, and its
Refresh button publishes it again. The dashboard's jobs buttons are handlers/actions.py's."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answers.controls import ActionId
from bot.charts.render import DailySeries
from bot.charts.upload import upload_chart
from bot.domain.ids import USER_RE
from bot.home.service import HomeDashboard
from bot.slack.channels import slack_member_channels
from bot.slack.errors import slack_error_code
from bot.web.admission import Gate

MAX_CHARTS = 64


def _teams(*found: object) -> tuple[str, ...]:
    return tuple(str(team) for team in found if team)


class RestoresHome:
    """Bound methods are the listeners. The work runs in the lazy part: the event is acknowledged at once (Slack
    retries an event it gets no 200 for within 3 seconds)."""

    def __init__(self, dashboard: HomeDashboard, *, chart_ttl: float = 0.0, gate: Gate | None = None) -> None:
        self.dashboard = dashboard
        self.gate = gate
        # Uploaded trend charts by content, for as long as the numbers themselves are cached (RESTORES_CACHE_TTL):
        # every user of one scope opening the tab meanwhile is shown the one file instead of a new upload each time
        # (each upload is a file in the workspace).
        self._charts: OrderedDict[DailySeries, tuple[float, str]] = OrderedDict()
        self._charts_lock = threading.Lock()
        self._chart_ttl = chart_ttl

    def _chart(self, client: WebClient, series: DailySeries) -> str | None:
        with self._charts_lock:
            cached = self._charts.get(series)
            if cached is not None and time.monotonic() - cached[0] < self._chart_ttl:
                return cached[1]
        upload = upload_chart(client, series)
        if upload.file is None:
            return None
        with self._charts_lock:
            self._charts[series] = (time.monotonic(), upload.file.file_id)
            while len(self._charts) > MAX_CHARTS:
                self._charts.popitem(last=False)
        return upload.file.file_id

    def _forget_chart(self, file_id: str) -> None:
        """A file Slack would not show (not processed yet, or deleted): upload afresh next time."""
        with self._charts_lock:
            for series, (_, cached) in list(self._charts.items()):
                if cached == file_id:
                    del self._charts[series]

    def ack(self, ack: Ack, body: dict[str, Any] | None = None) -> None:
        ack()
        if self.gate is None or body is None:
            return
        user = (body.get("event") or {}).get("user") or (body.get("user") or {}).get("id") or ""
        refusal = self.gate.admit(str(user))
        if refusal is not None:  # the tab keeps what it shows; the answers in flight will publish it anyway
            logging.getLogger(__name__).info("home: not refreshed, %d answers in flight", refusal.in_flight)

    def opened(self, event: dict[str, Any], body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        if event.get("tab") != "home":
            return  # the Messages tab: nothing to publish
        view_team = (event.get("view") or {}).get("team_id")
        self.publish(str(event.get("user") or ""), _teams(body.get("team_id"), view_team), client, logger)

    def refresh(self, body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        user = body.get("user") or {}
        teams = _teams((body.get("team") or {}).get("id"), user.get("team_id"))
        self.publish(str(user.get("id") or ""), teams, client, logger)

    def publish(self, user: str, teams: tuple[str, ...], client: WebClient, logger: logging.Logger) -> None:
        if not USER_RE.match(user):
            logger.info("home: no valid user on the request")
            return
        members = slack_member_channels(client)
        view = self.dashboard.view(user_id=user, teams=teams, member_channels=members,
                                   chart=lambda series: self._chart(client, series))
        try:
            client.views_publish(user_id=user, view=view.to_dict())
        except SlackApiError as error:
            code = slack_error_code(error)
            shown = [b.get("slack_file", {}).get("id") for b in view.to_dict().get("blocks", []) if b.get("type") == "image"]
            if code in ("invalid_arguments", "invalid_blocks") and any(shown):
                # A file Slack has not finished processing (or that was deleted) cannot be shown: the text trend
                # this time, and a fresh upload next time.
                logger.info("home: chart not shown (%s), publishing the text trend user=%s", code, user)
                for file_id in shown:
                    self._forget_chart(str(file_id))
                view = self.dashboard.view(user_id=user, teams=teams, member_channels=members)
                try:
                    client.views_publish(user_id=user, view=view.to_dict())
                    return
                except SlackApiError as again:
                    code = slack_error_code(again)
            logger.error("views.publish refused the home tab user=%s error=%s", user, code)


def register(app: App, dashboard: HomeDashboard, gate: Gate | None = None) -> None:
    listener = RestoresHome(dashboard, chart_ttl=float(dashboard.settings.cache_ttl), gate=gate)
    app.event("app_home_opened")(ack=listener.ack, lazy=[listener.opened])
    app.action(ActionId.HOME_REFRESH.pattern())(ack=listener.ack, lazy=[listener.refresh])
