"""Talking to Slack: the Block Kit kit (limits, escaping), channels, uploads and the one table of error codes."""
