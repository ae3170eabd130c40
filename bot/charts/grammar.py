"""What `python -m bot chart` takes: a `/restores` filter (states, type, account, regions) whose chart is always the
last 14 full UTC days, one bar per day. A window word is refused by name, not by a conflict with a word nobody typed."""

from __future__ import annotations

from bot.answers.grammar import parse_command
from bot.domain.query import WINDOW_RE, ParseError, RestoreFilter
from bot.domain.tokens import tokenize

CHART_ACCEPTED = (
    "a filter without a window, e.g. `type:EBS account:ANY` or `failed eu-west-1` (or `daily`): a chart is always "
    "the last 14 full UTC days, one bar per day"
)


def parse_chart(text: str, default_regions: tuple[str, ...] = ()) -> RestoreFilter:
    """The filter a chart draws (read per day, every state, by bot.answers.service.chart_of). Raises ParseError, naming
    the token, for a window other than `daily` or for a command that is not a filter (`jobs`, `tests`, …)."""
    for token in tokenize(text or ""):
        key, _, value = token.lower().partition(":")
        window = value if key == "period" else token.lower()
        if (WINDOW_RE.match(window) or key == "period") and window not in ("daily", "one_day"):
            raise ParseError(token, "is a window, but a chart is always per day over 14 days", CHART_ACCEPTED)
    parsed = parse_command(text, default_regions)
    if parsed.kind != "summary":
        raise ParseError(text.strip() or parsed.kind, f"asks for {parsed.kind}, which has no chart", CHART_ACCEPTED)
    return parsed.filter
