"""Thin Bolt listeners, grouped by Slack surface; `register_listeners` wires them all."""

from slack_bolt import App

from bot.service import RestoresService
from handlers import actions, commands


def register_listeners(app: App, service: RestoresService) -> None:
    commands.register(app, service)
    actions.register(app, service)
