"""Posting once: every post the bot must not repeat (the digest, the alerts' thread parent, replies and gap notices)
carries message metadata naming what it is, so that a post whose outcome was never recorded can be found in the
channel before anything is posted again; and what Slack said about a post, as an outcome its caller acts on.

The claim itself is the caller's table (bot.store.ledger, bot.store.alerts; their shared words in bot.store.claims)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack.blocks import Message
from bot.slack.errors import hint, slack_error_code

log = logging.getLogger(__name__)

# Looking back for an unrecorded post reads from a minute before the claim (Slack's and the database's clocks may
# differ by that much), 200 messages a page, and gives up after this many pages (10,000 messages since the claim).
LOOK_BEFORE_CLAIM_SECONDS = 60
PAGE = 200
MAX_PAGES = 50


@dataclass(frozen=True)
class PostOutcome:
    """What became of a post: its ts; or Slack's refusal (`error`, the code, with advice in `hint`); or, `uncertain`,
    a connection that failed after the request left, so Slack may or may not have the post."""

    ts: str | None = None
    error: str = ""
    hint: str = ""
    uncertain: bool = False

    @property
    def posted(self) -> bool:
        return self.ts is not None

    @property
    def detail(self) -> str:
        """The error and its advice, as logs and run summaries show them: `not_in_channel: the bot is not …`."""
        return f"{self.error}{': ' + self.hint if self.hint else ''}"


def metadata(event_type: str, **payload: str) -> dict[str, Any]:
    """A post's message metadata: what it is (`event_type`) and which one (`payload`, e.g. the day)."""
    return {"event_type": event_type, "event_payload": dict(payload)}


def send(
    client: WebClient,
    channel: str,
    message: Message,
    meta: Mapping[str, Any],
    *,
    thread_ts: str | None = None,
    broadcast: bool = False,
) -> SlackResponse:
    """chat.postMessage with the metadata, links not unfurled; raises as the client does."""
    return client.chat_postMessage(
        channel=channel, text=message.text, blocks=message.block_dicts(), thread_ts=thread_ts,
        reply_broadcast=broadcast or None, unfurl_links=False, unfurl_media=False, metadata=dict(meta),
    )


def failed(error: Exception, *, where: str = "") -> PostOutcome:
    """The outcome of a post that raised: Slack's refusal (it did not post), or anything else (it may have)."""
    if isinstance(error, SlackApiError):
        code = slack_error_code(error)
        return PostOutcome(error=code, hint=hint(code, where=where))
    return PostOutcome(error=type(error).__name__, uncertain=True)


def post_message(
    client: WebClient, channel: str, message: Message, meta: Mapping[str, Any], *, where: str = "", **options: Any
) -> PostOutcome:
    """Post once (`options`: send's thread_ts, broadcast) and say what became of it; never raises for Slack's or the
    network's trouble. `where`: where the channel id came from, for the advice on a refusal."""
    try:
        response = send(client, channel, message, meta, **options)
    except Exception as error:  # a refusal or network trouble: the caller decides from the outcome
        return failed(error, where=where)
    return PostOutcome(ts=str(response.get("ts")))


def tagged(messages: Iterator[dict[str, Any]], event_type: str) -> Iterator[tuple[dict[str, Any], str]]:
    """(payload, ts) of the messages whose metadata is of `event_type`."""
    for item in messages:
        meta = item.get("metadata") or {}
        if meta.get("event_type") == event_type:
            yield dict(meta.get("event_payload") or {}), str(item.get("ts"))


def _paged(call: Callable[..., SlackResponse], **params: Any) -> Iterator[dict[str, Any]]:
    """Every message of a conversations.history or conversations.replies listing, following Slack's cursor."""
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        response = call(limit=PAGE, include_all_metadata=True, cursor=cursor, **params)
        yield from response.get("messages") or []
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return
    log.warning("stopped looking after %d pages of %d messages", MAX_PAGES, PAGE)


def find_post(
    client: WebClient, channel: str, event_type: str, *, since: datetime, match: Mapping[str, str]
) -> str | None:
    """The ts of a post of `event_type` whose payload has `match`, among the channel's messages since a claim was
    made (every page back to it). None when there is none, or when the history cannot be read (no
    channels:history / groups:history scope, the bot not in the channel): logged, and the caller posts again — a
    possible duplicate rather than a lost post."""
    try:
        found = _paged(client.conversations_history, channel=channel,
                       oldest=f"{since.timestamp() - LOOK_BEFORE_CLAIM_SECONDS:.6f}")
        for payload, ts in tagged(found, event_type):
            if all(payload.get(key) == value for key, value in match.items()):
                return ts
    except SlackApiError as error:
        log.warning("channel=%s: cannot read its history (%s) to look for an unrecorded %s post", channel,
                    slack_error_code(error), event_type)
    return None


def thread_posts(client: WebClient, channel: str, thread_ts: str, event_type: str) -> list[tuple[dict[str, Any], str]]:
    """(payload, ts) of every reply of `event_type` in a thread, every page; raises SlackApiError when the thread
    cannot be read."""
    return list(tagged(_paged(client.conversations_replies, channel=channel, ts=thread_ts), event_type))
