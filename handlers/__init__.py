"""Thin Bolt listeners, one module per Slack surface (commands, actions); bot.app wires them."""
