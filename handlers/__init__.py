"""Thin Bolt listeners, grouped by Slack surface; `register_listeners` wires them all."""

from slack_bolt import App

from handlers import commands


def register_listeners(app: App) -> None:
    commands.register(app)
