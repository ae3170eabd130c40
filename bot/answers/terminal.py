"""A readable rendering of a Message for a terminal (`python -m bot ask`, `digest --dry-run`)."""

from __future__ import annotations

import html

from bot.domain.coverage import MARK
from bot.domain.query import State
from bot.slack.blocks import Message

# A state's terminal symbol is the State's own (next to its Slack icon); these are the other emoji the bot's messages use.
TERMINAL_EMOJI = {
    **{s.icon: s.symbol for s in sorted(State, key=lambda s: s.rank) if s.icon and s.symbol},
    MARK: "✔",
    ":bell:": "🔔",
    ":no_bell:": "🔕",
    ":warning:": "⚠",
    ":rotating_light:": "‼",
    ":scissors:": "✂",
    ":test_tube:": "⚗",
    ":thinking_face:": "?",
    ":lock:": "🔒",
    ":boom:": "!",
    ":small_red_triangle:": "▲",
    ":small_red_triangle_down:": "▼",
    ":heavy_minus_sign:": "=",
    ":information_source:": "ℹ",
    ":no_entry:": "⛔",
    ":hourglass:": "⌛",
    ":grey_question:": "?",
    # Trends (bot.domain.words): better, worse, about the same.
    ":large_green_circle:": "🟢",
    ":red_circle:": "🔴",
    ":white_circle:": "⚪",
    ":bar_chart:": "📊",
    ":loudspeaker:": "📢",
    ":money_with_wings:": "💸",
    ":page_facing_up:": "📄",
}


def message_as_text(message: Message) -> str:
    """Readable rendering of a message for a terminal (`python -m bot ask`)."""
    text = _blocks_as_text(message)
    for code, symbol in TERMINAL_EMOJI.items():
        text = text.replace(code, symbol)
    return text


def _blocks_as_text(message: Message) -> str:
    out: list[str] = []
    for block in message.block_dicts():
        kind = block.get("type")
        if kind == "header":
            title = block["text"]["text"]
            out += [title, "=" * len(title)]
        elif kind == "section":
            if block.get("text"):
                out.append(block["text"]["text"])
            if block.get("fields"):
                out.append("   ".join(f["text"].replace("\n", ": ") for f in block["fields"]))
        elif kind == "context":
            out.append("  ".join(e.get("text", "") for e in block["elements"]))
        elif kind == "divider":
            out.append("-" * 40)
        else:  # buttons and other controls have no terminal form: no blank lines where they were
            continue
        out.append("")
    # Entities are how mrkdwn keeps untrusted text inert; a terminal shows the text itself.
    return html.unescape("\n".join(out).rstrip() + "\n")
