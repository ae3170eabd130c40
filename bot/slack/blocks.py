"""The Block Kit kit every answer is built with: Message, Slack's limits, and the small builders that enforce them."""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.domain.query import RestoreFilter, State
from bot.domain.results import RegionFailure, SummaryRow
from bot.domain.words import BARS, bars, scope_text

SAMPLE_NOTE = ":test_tube: *Sample data* bundled with the bot — not your AWS account."

# Slack's limits (https://api.slack.com/reference/block-kit/blocks); we stay a little under each.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_IMAGE_TEXT = 2000  # an image block's alt_text and title
MAX_MESSAGE_CHARS = 12000
MAX_FALLBACK_TEXT = 3000
LIST_LINES = 12  # rows per breakdown before "and N more"
MAX_ROW_OPTIONS = 20  # drill-down choices in the "jobs behind a row" menu
MAX_OPTION_TEXT = 75
JOB_GROUPS = 8  # failure reasons shown in a jobs answer
JOB_EXAMPLES = 3  # jobs shown per reason

SPARK = BARS


@dataclass(frozen=True)
class Message:
    """A Slack message: blocks plus the plain-text fallback Slack shows in notifications."""

    text: str
    blocks: Sequence[Block] = field(default_factory=tuple)
    response_type: Literal["ephemeral", "in_channel"] = "ephemeral"

    def block_dicts(self) -> list[dict[str, Any]]:
        return [block.to_dict() for block in self.blocks]

    def for_respond(self) -> dict[str, Any]:
        """Keyword arguments for Bolt's respond()."""
        return {"text": self.text, "blocks": self.block_dicts(), "response_type": self.response_type}


def fmt(n: int) -> str:
    return f"{n:,}"


def fmt_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def state_label(state: str) -> str:
    known = State.of(state)
    return known.label if known else state


def sparkline(values: Sequence[int]) -> str:
    """One bar per value (bot.domain.words.bars: the trend's words live there)."""
    return bars(values)


def totals_by(rows: Iterable[SummaryRow], key: Callable[[SummaryRow], Any]) -> list[tuple[Any, int]]:
    """Exact sums per key, biggest first, ties by key so output is stable."""
    sums: dict[Any, int] = defaultdict(int)
    for row in rows:
        sums[key(row)] += row.count
    return sorted(sums.items(), key=lambda item: (-item[1], str(item[0])))


def fit_lines(lines: Sequence[str], *, limit: int = LIST_LINES, max_chars: int = MAX_SECTION_TEXT - 100) -> str:
    """Join lines, keeping within `limit` lines and `max_chars`, saying how many were left out."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        remaining = len(lines) - index
        more = f"_…and {remaining} more_"
        # Room for the "and N more" line is kept unless this is the last line.
        reserve = len(more) + 1 if remaining > 1 else 0
        if index >= limit or used + len(line) + 1 + reserve > max_chars:
            kept.append(more)
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_middle(text: str, limit: int) -> str:
    """Shorten by cutting out the middle, keeping the start and the end: AWS's messages say what failed first and what
    to do last ("… is not authorized to perform elasticfilesystem:DeleteFileSystem"), and an ARN ends with its
    resource's name. Clip before escaping (escape() after), so an entity is never cut in half."""
    if len(text) <= limit:
        return text
    if limit < 3:
        return text[:limit]
    head = (limit - 1) // 2
    tail = limit - 1 - head
    return text[:head] + "…" + text[len(text) - tail :]


def escape(text: object) -> str:
    """A string that did not come from the bot, made inert for mrkdwn: Slack's three control characters become
    entities, so `<!here>`, `<!channel>`, `<@U…>` and `<https://…|label>` from AWS or a user show as typed text
    instead of notifying anyone or linking anywhere. Every AWS- or user-supplied value passes through here."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(text: object, limit: int = 400) -> str:
    """Untrusted text as an inline code span: one line (see one_line), escaped, shortened in the middle (clip_middle),
    and with backticks that would end the span early swapped for a look-alike."""
    return "`" + escape(clip_middle(one_line(text).replace("`", "ˋ"), limit)) + "`"


def one_line(text: object) -> str:
    """Free text from AWS (or written by a customer: PutRestoreValidationResult) as one line of visible characters:
    every line and paragraph break collapsed to a space, and control and format characters (bidi embeddings,
    overrides and isolates, zero-width joiners) removed, so it cannot start a line of its own or reorder the bot's."""
    kept = "".join(c for c in str(text) if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(kept.split())


def quoted(text: object, limit: int) -> str:
    """AWS's free text (StatusMessage, ValidationStatusMessage, DeletionStatusMessage) in a message: an inline code
    span of one line, so `*bold*`, `~strike~`, links and emoji codes in it show as typed and it can never pass for the
    bot's own words (a forged ":white_check_mark: *Restores work*" reason stays a quotation)."""
    return code(text, limit)


def plain(text: object, limit: int) -> str:
    """The same text for a notification's fallback `text`: one line, shortened in the middle and escaped."""
    return escape(clip_middle(one_line(text), limit))


def link(url: str | None, label: str) -> str:
    """A mrkdwn link with the bot's own `label` (escaped) to a URL the bot built (bot.domain.console: every value in it
    percent-encoded); nothing when there is no URL (a partition without a console)."""
    if not url or not url.startswith("https://") or any(c in url for c in "<>| \n"):
        return ""
    return f"<{url}|{escape(label)}>"


def mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT))


def field_text(text: str) -> MarkdownTextObject:
    """A section field: Slack allows 2,000 characters, clipped here like section texts are."""
    return MarkdownTextObject(text=clip(text, MAX_FIELD_TEXT))


def section(text: str) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text))


def context(*parts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(p, MAX_FIELD_TEXT)) for p in parts[:MAX_CONTEXT_ELEMENTS]])


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, MAX_HEADER_TEXT), emoji=True))


def uploaded_image(file_id: str, alt_text: str, title: str | None = None) -> ImageBlock:
    """A file the bot uploaded (files_upload_v2), shown in a message by its id; `alt_text` is what a screen reader
    and a text-only client get instead, so it must say what the picture says."""
    return ImageBlock(
        alt_text=clip(alt_text, MAX_IMAGE_TEXT),
        slack_file={"id": file_id},
        title=PlainTextObject(text=clip(title, MAX_IMAGE_TEXT)) if title else None,
    )


def describe_scope(flt: RestoreFilter, own_account: str | None = None) -> str:
    """A filter's scope in one line (words.scope_text: one form on every surface); `own_account`: the bot's own account
    id, to name it when the filter asks for it (None: said to be not known)."""
    return scope_text(flt, own_account)


def state_breakdown(rows: Sequence[SummaryRow], *, icons: bool = True) -> str:
    by_state = dict(totals_by(rows, lambda r: r.state))
    known = sorted((State(s) for s in by_state if State.of(s)), key=lambda s: s.rank)
    parts = [f"{s.icon if icons else ''} {fmt(by_state[s])} {s.lower()}".strip() for s in known]
    parts += [f"{fmt(n)} {escape(s)}" for s, n in by_state.items() if not State.of(s)]
    return ", ".join(parts)


def group_lines(rows: Sequence[SummaryRow], key: Callable[[SummaryRow], str], show_states: bool) -> list[str]:
    groups: dict[str, list[SummaryRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    lines = []
    for name, total in totals_by(rows, key):
        line = f"*{escape(name)}* — {fmt(total)}"
        if show_states and len({r.state for r in groups[name]}) > 1:
            line += f"  ({state_breakdown(groups[name])})"
        lines.append(line)
    return lines


def region_notes(
    failures: Sequence[RegionFailure],
    truncated: Sequence[str],
    partial: bool,
    truncated_text: str = "too many pages; numbers are a lower bound.",
) -> list[Block]:
    """Which regions failed and why, and which were cut short; nothing when all is well."""
    # Failure messages may quote AWS's own error text.
    notes = [f":warning: *{escape(f.region)}*: {escape(f.message)}" for f in failures]
    if failures and partial:
        notes.append("_Numbers above exclude the regions listed here._")
    notes += [f":scissors: *{escape(region)}*: {truncated_text}" for region in truncated]
    return [DividerBlock(), section(fit_lines(notes, limit=20))] if notes else []


class Encodable(Protocol):
    def encode(self) -> str: ...


def button(label: str, action_id: str, value: Encodable, *, primary: bool = False) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=clip(label, 75), emoji=True),
        action_id=action_id,
        value=value.encode(),
        style="primary" if primary else None,
    )


def bounded(message: Message, *, keep_tail: int = 1) -> Message:
    """Last line of defence: drop content blocks (never the header or the trailing controls) until the
    message fits Slack's block count and size limits, and say so."""
    blocks = list(message.blocks)
    dropped = 0

    def size() -> int:
        return sum(len(json.dumps(b.to_dict(), ensure_ascii=False)) for b in blocks)

    while len(blocks) > keep_tail + 2 and (len(blocks) >= MAX_BLOCKS or size() > MAX_MESSAGE_CHARS):
        blocks.pop(-(keep_tail + 1))
        dropped += 1
    if dropped:
        note = context(f"_{dropped} more section{'s' * (dropped != 1)} left out to fit Slack's limits._")
        blocks.insert(len(blocks) - keep_tail, note)
    return Message(text=message.text, blocks=tuple(blocks), response_type=message.response_type)
