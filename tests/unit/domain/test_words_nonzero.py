"""nonzero: a list of counts names only those that are not zero."""

from __future__ import annotations

from bot.domain.words import nonzero


def test_only_the_counts_that_are_not_zero_are_said_in_order() -> None:
    assert nonzero((2, "2 failed"), (0, "0 timed out"), (1, "1 passed")) == ["2 failed", "1 passed"]


def test_nothing_counted_says_nothing() -> None:
    assert nonzero((0, "0 failed"), (0, "0 passed")) == []
    assert nonzero() == []
