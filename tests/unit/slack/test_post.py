"""bot.slack.post: outcomes of a post, metadata, and looking back for an unrecorded post over every page."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import Mock

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack.blocks import Message
from bot.slack.post import PostOutcome, failed, find_post, metadata, post_message, thread_posts


def refusal(code: str) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="", req_args={}, data={"ok": False, "error": code},
                             headers={}, status_code=200)
    return SlackApiError("refused", response)


def page(messages: list[dict[str, object]], cursor: str = "") -> dict[str, object]:
    return {"ok": True, "messages": messages, "response_metadata": {"next_cursor": cursor}}


def tagged_message(ts: str, event_type: str, **payload: str) -> dict[str, object]:
    return {"ts": ts, "text": "x", "metadata": {"event_type": event_type, "event_payload": payload}}


def test_a_refusal_is_not_uncertain_and_carries_advice() -> None:
    outcome = failed(refusal("not_in_channel"), where="RESTORES_DIGEST_CHANNELS")
    assert outcome == PostOutcome(error="not_in_channel", hint="the bot is not a member of this channel: /invite @restores")
    assert not outcome.uncertain and not outcome.posted
    assert failed(refusal("channel_not_found"), where="X").hint.startswith("the bot cannot see this channel: check the "
                                                                           "channel ID (X)")


def test_network_trouble_is_uncertain() -> None:
    outcome = failed(ConnectionResetError())
    assert outcome.uncertain and outcome.error == "ConnectionResetError" and outcome.detail == "ConnectionResetError"


def test_post_message_sends_metadata_and_never_unfurls() -> None:
    client = Mock(WebClient)
    client.chat_postMessage.return_value = {"ts": "1.5"}
    outcome = post_message(client, "C1", Message(text="hi", blocks=[]), metadata("restores_digest", day="2026-01-01"),
                           thread_ts="1.0", broadcast=True)
    assert outcome == PostOutcome(ts="1.5")
    kwargs = client.chat_postMessage.call_args.kwargs
    assert kwargs["metadata"] == {"event_type": "restores_digest", "event_payload": {"day": "2026-01-01"}}
    assert kwargs["unfurl_links"] is False and kwargs["thread_ts"] == "1.0" and kwargs["reply_broadcast"] is True


def test_post_message_turns_a_refusal_into_an_outcome() -> None:
    client = Mock(WebClient)
    client.chat_postMessage.side_effect = refusal("is_archived")
    assert post_message(client, "C1", Message(text="hi", blocks=[]), {}).detail == "is_archived: the channel is archived"


def test_find_post_follows_the_cursor_back_to_the_claim() -> None:
    client = Mock(WebClient)
    client.conversations_history.side_effect = [
        page([{"ts": "9.0", "text": "chatter"}], cursor="p2"),
        page([tagged_message("8.0", "restores_digest", day="2026-01-02")], cursor="p3"),
        page([tagged_message("7.0", "restores_digest", day="2026-01-01")]),
    ]
    since = datetime(2026, 1, 1, tzinfo=UTC)
    assert find_post(client, "C1", "restores_digest", since=since, match={"day": "2026-01-01"}) == "7.0"
    calls = client.conversations_history.call_args_list
    assert [c.kwargs["cursor"] for c in calls] == [None, "p2", "p3"]
    assert calls[0].kwargs["oldest"] == f"{since.timestamp() - 60:.6f}" and calls[0].kwargs["include_all_metadata"]


def test_find_post_without_history_access_is_none() -> None:
    client = Mock(WebClient)
    client.conversations_history.side_effect = refusal("missing_scope")
    assert find_post(client, "C1", "restores_digest", since=datetime.now(UTC), match={}) is None


def test_thread_posts_reads_every_page_of_a_thread() -> None:
    client = Mock(WebClient)
    client.conversations_replies.side_effect = [
        page([tagged_message("1.0", "restores_alerts", day="d"), tagged_message("1.1", "restores_alert", alerts="a b")],
             cursor="c2"),
        page([tagged_message("1.2", "restores_alert", alerts="c")]),
    ]
    assert thread_posts(client, "C1", "1.0", "restores_alert") == [({"alerts": "a b"}, "1.1"), ({"alerts": "c"}, "1.2")]
