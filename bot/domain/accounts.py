"""An account as people know it: `prod-payments · 7293…8253`, the name AWS Organizations gives it beside its id
shortened (the full id stays in `full()`, buttons' values and drill-downs). Names are AWS data: made one line, clipped,
and escaped for mrkdwn in `label()`; an account the directory does not know is its bare id."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

MAX_NAME: Final = 40  # characters of a name shown; AWS allows longer ones
MAX_UNIT: Final = 80  # characters of an OU path shown
SEPARATOR: Final = " · "
AT_ROOT: Final = "(root)"  # a "By OU" breakdown's group for the accounts placed at the organisation's root
NOT_IN_DIRECTORY: Final = "(not in the organisation's directory)"  # its group for accounts the directory does not hold
# Slack's three mrkdwn control characters as entities: the same as bot.slack.blocks.escape (a test holds them equal);
# bot.domain may not depend on the Slack layer, which itself depends on bot.domain.
_MRKDWN: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def short_id(account_id: str) -> str:
    """`7293…8253`: enough to tell accounts apart at a glance; the full id is one click or `full()` away."""
    return f"{account_id[:4]}…{account_id[-4:]}" if len(account_id) == 12 else account_id


def _shown(name: str, limit: int) -> str:
    # One line of visible characters (no control or format characters: bidi overrides, zero-width joiners), clipped.
    kept = "".join(c for c in name if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    text = " ".join(kept.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class AccountNames:
    """Account id → name, as last read from AWS Organizations; empty when the directory could not be read."""

    names: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)  # account id -> its OU path, `Production / Payments`
    tops: Mapping[str, str] = field(default_factory=dict)  # account id -> its top-level OU's name, or AT_ROOT

    def __post_init__(self) -> None:
        for attribute, limit in (("names", MAX_NAME), ("units", MAX_UNIT), ("tops", MAX_NAME)):
            shown = {k: _shown(v, limit) for k, v in getattr(self, attribute).items()}
            object.__setattr__(self, attribute, {k: v for k, v in shown.items() if v})

    def name(self, account_id: str) -> str | None:
        """The name, one line and clipped (not escaped); None when unknown."""
        return self.names.get(account_id)

    def unit(self, account_id: str) -> str | None:
        """The OU path the account sits in (`Production / Payments`; the root's name at the root), one line and clipped
        (not escaped); None when unknown: what a "By OU" breakdown groups by."""
        return self.units.get(account_id)

    def top(self, account_id: str) -> str | None:
        """The top-level OU the account sits under (`Production` for `Production / Payments`), AT_ROOT at the root, one
        line and clipped (not escaped); None when unknown: what a "By OU" breakdown groups by."""
        return self.tops.get(account_id)

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
