"""What Slack said when it refused a Web API call: the error code every caller logs, maps to advice or acts on, and
the one table of that advice."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

# What to do about the refusals Slack gives most, in words an operator or a user can act on; one table for every
# write the bot makes (digest, alerts, uploads). `where` names where the channel id came from; `scope`, the scope the
# call needs.
HINTS = {
    "channel_not_found": "the bot cannot see this channel: check the channel ID{where} or /invite @restores",
    "not_in_channel": "the bot is not a member of this channel: /invite @restores",
    "is_archived": "the channel is archived",
    "missing_scope": "the app lacks the {scope} scope: add it (manifest.yml) and reinstall the app",
    "ratelimited": "Slack kept rate-limiting after the retries",
}


def slack_error_code(error: SlackApiError) -> str:
    """The `error` of Slack's answer (e.g. `not_in_channel`), or `unknown` when there was no answer to read."""
    return str(error.response.get("error", "unknown")) if error.response is not None else "unknown"


def hint(code: str, *, where: str = "", scope: str = "chat:write") -> str:
    """The advice for a refusal (empty when there is none): `where` e.g. "RESTORES_DIGEST_CHANNELS"."""
    return HINTS.get(code, "").format(where=f" ({where})" if where else "", scope=scope)
