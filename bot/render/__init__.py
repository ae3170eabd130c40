"""Pure rendering: typed results -> Block Kit messages, with Slack's limits and escaping enforced in render.message."""
