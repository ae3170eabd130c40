"""App Home listeners: `app_home_opened` (Events API) publishes the dashboard for that user with views.publish, and its
Refresh button publishes it again. The dashboard's jobs buttons are handlers/actions.py's."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.channels import slack_member_channels
from bot.controls import ActionId
from bot.home_service import HomeDashboard
from bot.ids import USER_RE


def _teams(*found: object) -> tuple[str, ...]:
    return tuple(str(team) for team in found if team)


class RestoresHome:
    """Bound methods are the listeners. The work runs in the lazy part: the event is acknowledged at once (Slack
    retries an event it gets no 200 for within 3 seconds)."""

    def __init__(self, dashboard: HomeDashboard) -> None:
        self.dashboard = dashboard

    def ack(self, ack: Ack) -> None:
        ack()

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
        view = self.dashboard.view(user_id=user, teams=teams, member_channels=slack_member_channels(client))
        try:
            client.views_publish(user_id=user, view=view.to_dict())
        except SlackApiError as error:
            code = error.response.get("error", "unknown") if error.response is not None else "unknown"
            logger.error("views.publish refused the home tab user=%s error=%s", user, code)


def register(app: App, dashboard: HomeDashboard) -> None:
    listener = RestoresHome(dashboard)
    app.event("app_home_opened")(ack=listener.ack, lazy=[listener.opened])
    app.action(ActionId.HOME_REFRESH.pattern())(ack=listener.ack, lazy=[listener.refresh])
