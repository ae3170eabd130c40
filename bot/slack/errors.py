"""What Slack said when it refused a Web API call: the error code every caller logs, maps to advice or acts on."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError


def slack_error_code(error: SlackApiError) -> str:
    """The `error` of Slack's answer (e.g. `not_in_channel`), or `unknown` when there was no answer to read."""
    return str(error.response.get("error", "unknown")) if error.response is not None else "unknown"
