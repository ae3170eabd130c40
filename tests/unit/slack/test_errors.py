"""What Slack said when it refused a call: the error code read from its answer, and the one table of advice."""

from __future__ import annotations

from unittest.mock import Mock

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack.errors import HINTS, hint, slack_error_code


def refused(error: str | None) -> SlackApiError:
    data = {"ok": False, "error": error} if error else {"ok": False}
    response = SlackResponse(client=Mock(), http_verb="POST", api_url="https://slack.com/api/chat.postMessage",
                             req_args={}, data=data, headers={}, status_code=200)
    return SlackApiError("refused", response)


def test_the_code_is_the_error_of_slacks_answer_or_unknown() -> None:
    assert slack_error_code(refused("not_in_channel")) == "not_in_channel"
    assert slack_error_code(refused(None)) == "unknown"  # an answer without an error field
    assert slack_error_code(SlackApiError("no answer", None)) == "unknown"  # type: ignore[arg-type]


def test_a_hint_says_where_the_channel_came_from_and_which_scope_is_missing() -> None:
    assert hint("channel_not_found", where="RESTORES_DIGEST_CHANNELS") == (
        "the bot cannot see this channel: check the channel ID (RESTORES_DIGEST_CHANNELS) or /invite @restores")
    assert hint("channel_not_found") == "the bot cannot see this channel: check the channel ID or /invite @restores"
    assert hint("missing_scope") == "the app lacks the chat:write scope: add it (manifest.yml) and reinstall the app"
    assert hint("missing_scope", scope="files:write").startswith("the app lacks the files:write scope")


def test_a_refusal_without_advice_gets_none_and_every_hint_formats() -> None:
    assert hint("invalid_auth") == ""
    for code in HINTS:
        text = hint(code, where="X", scope="chat:write")
        assert text and "{" not in text
