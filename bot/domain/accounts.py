"""An account as people know it: `prod-payments · 7293…8253`, the name AWS Organizations gives it beside its id
shortened (the full id stays in `full()`, buttons' values and drill-downs). Names are AWS data: made one line, clipped,
and escaped for mrkdwn in `label()`; an account the directory does not know is its bare id."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

MAX_NAME: Final = 40  # characters of a name shown; AWS allows longer ones
SEPARATOR: Final = " · "
# Slack's three mrkdwn control characters as entities: the same as bot.slack.blocks.escape (a test holds them equal);
# bot.domain may not depend on the Slack layer, which itself depends on bot.domain.
_MRKDWN: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def short_id(account_id: str) -> str:
    """`7293…8253`: enough to tell accounts apart at a glance; the full id is one click or `full()` away."""
    return f"{account_id[:4]}…{account_id[-4:]}" if len(account_id) == 12 else account_id


def _shown(name: str) -> str:
    # One line of visible characters (no control or format characters: bidi overrides, zero-width joiners), clipped.
    kept = "".join(c for c in name if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    text = " ".join(kept.split())
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…"


@dataclass(frozen=True)
class AccountNames:
    """Account id → name, as last read from AWS Organizations; empty when the directory could not be read."""

    names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", {k: _shown(v) for k, v in self.names.items() if v and _shown(v)})

    def name(self, account_id: str) -> str | None:
        """The name, one line and clipped (not escaped); None when unknown."""
        return self.names.get(account_id)

    def text(self, account_id: str) -> str:
        """`prod-payments · 7293…8253` as plain text (the terminal, plain_text fields); the bare id when unknown."""
        name = self.names.get(account_id)
        return f"{name}{SEPARATOR}{short_id(account_id)}" if name else account_id

    def label(self, account_id: str) -> str:
        """`text()` escaped for mrkdwn: what a section, context or notification's fallback text shows."""
        return self.text(account_id).translate(_MRKDWN)

    def full(self, account_id: str) -> str:
        """`prod-payments (729340618253)` escaped for mrkdwn: where the whole id must be readable (a drill-down's
        heading); the bare id when unknown."""
        name = self.names.get(account_id)
        return f"{name} ({account_id})".translate(_MRKDWN) if name else account_id

    def __bool__(self) -> bool:
        return bool(self.names)


NO_NAMES: Final = AccountNames()
