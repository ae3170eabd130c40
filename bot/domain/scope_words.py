"""The words that say where and when a verb reads, shared by `export`, `tests` and `coverage`: one window of the verb's
own, one account (an id, `ANY` or a name), one OU, and regions. Each verb refuses the rest in its own words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

from bot.domain.ids import REGION_RE
from bot.domain.org_words import is_account_name, parse_account_name, parse_unit
from bot.domain.query import (
    ACCOUNT_RE,
    AGGREGATE_ALL,
    STATE_WORDS,
    TYPE_ALIASES,
    Once,
    ParseError,
    parse_account,
    parse_region,
    squash,
)
from bot.domain.tokens import suggest


class ScopeWords:
    """Collects a command's window, account, OU and region words as `take` is handed its tokens. `summed` says why
    `account:AGGREGATE_ALL` is refused (these verbs list rows, each of one account)."""

    def __init__(self, windows: Mapping[str, int], once: Once, partitions: frozenset[str] | None, summed: str) -> None:
        self.windows = windows
        self.once = once
        self.partitions = partitions
        self.summed = summed
        self.days: int | None = None
        self.account: str | None = None  # an id or `ANY`, as typed
        self.account_name: str | None = None
        self.unit: str | None = None
        self.regions: list[str] = []

    def take(self, token: str) -> bool:
        """Whether `token` is one of these words (kept); a word of these kinds with a wrong value raises ParseError."""
        lowered = token.lower()
        key, _, value = token.partition(":")
        key = key.lower()
        if lowered in self.windows or (key == "period" and value.lower() in self.windows):
            self.once("window", token)
            self.days = self.windows[lowered if lowered in self.windows else value.lower()]
        elif key == "account" and value and is_account_name(value):
            self.once("account", token)
            self.account_name = parse_account_name(value, token)
        elif key == "account" and value:
            self.once("account", token)
            self.account = parse_account(value, token)
            if self.account == AGGREGATE_ALL:
                raise ParseError(token, self.summed, self.once.accepted)
        elif ACCOUNT_RE.match(token):
            self.once("account", token)
            self.account = token
        elif key == "ou" and value:
            self.once("ou", token)
            self.unit = parse_unit(value, token)
        elif key == "region" and value:
            self.regions += [parse_region(part.strip(), token, self.partitions) for part in value.split(",")
                             if part.strip()]
        elif REGION_RE.match(lowered):
            self.regions.append(parse_region(token, token, self.partitions))
        else:
            return False
        return True

    def regions_or(self, default_regions: tuple[str, ...]) -> tuple[str, ...]:
        """The regions named, each once in the order typed; none named: `default_regions`."""
        return tuple(dict.fromkeys(self.regions)) or default_regions

    def refuse(self, token: str, counts_words: tuple[str, ...], does_not_apply: str, vocabulary: list[str]) -> NoReturn:
        """A word the verb does not take: a word of the counts' grammar (`counts_words`, a state, a type, any `key:`)
        `does_not_apply`; anything else is not understood, with the nearest word of `vocabulary` suggested."""
        lowered = token.lower()
        if lowered in counts_words or lowered in STATE_WORDS or squash(token) in TYPE_ALIASES or ":" in token:
            raise ParseError(token, does_not_apply, self.once.accepted)
        raise ParseError(token, "is not something I understand", self.once.accepted, suggest(token, vocabulary))
