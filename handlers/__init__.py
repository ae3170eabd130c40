"""Thin Bolt listeners, one module per Slack surface (commands, actions); bot.web.app wires them."""
