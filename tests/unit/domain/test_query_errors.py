"""A `/restores` word the bot cannot accept (bot.domain.query_errors): ParseError's message for the Slack user, and
`shorten`, which keeps a typed token from breaking the message's code span or running on."""

from __future__ import annotations

import pytest

from bot.domain import query
from bot.domain.query_errors import ParseError, shorten


def test_the_message_names_the_token_the_problem_and_what_is_accepted() -> None:
    error = ParseError("state:done", "is not a job state", "`completed`, `failed`")
    assert error.user_message() == "`state:done` is not a job state.\nAccepted: `completed`, `failed`"
    assert str(error) == error.user_message()
    assert (error.token, error.problem, error.accepted, error.suggestion) == (
        "state:done", "is not a job state", "`completed`, `failed`", None)
    assert isinstance(error, ValueError)


def test_a_suggestion_is_offered_between_the_problem_and_the_accepted_words() -> None:
    error = ParseError("stat:failed", "uses an unknown key `stat:`", "keys `state:`", "state:failed")
    assert str(error) == ("`stat:failed` uses an unknown key `stat:`. Did you mean `state:failed`?\n"
                          "Accepted: keys `state:`")
    # An empty suggestion is no suggestion.
    assert "Did you mean" not in str(ParseError("x", "is odd", "y", ""))


def test_the_message_follows_the_attributes_when_read_again() -> None:
    error = ParseError("x", "is odd", "y")
    error.suggestion = "z"
    assert error.user_message() == "`x` is odd. Did you mean `z`?\nAccepted: y"


def test_a_backtick_in_the_token_cannot_close_the_code_span() -> None:
    error = ParseError("a`b`c", "is odd", "y")
    assert str(error).startswith("`a'b'c` is odd.")
    assert str(error).split("\n")[0].count("`") == 2


def test_a_long_token_is_shortened_in_the_message_but_kept_whole_on_the_error() -> None:
    token = "type:" + "x" * 200
    error = ParseError(token, "is not a resource type", "y")
    assert error.token == token
    assert str(error).startswith("`" + token[:59] + "…` is not a resource type.")


@pytest.mark.parametrize(("token", "limit", "shown"), [
    ("", 60, ""),
    ("abc", 60, "abc"),
    ("x" * 60, 60, "x" * 60),  # at the limit: whole
    ("x" * 61, 60, "x" * 59 + "…"),  # one over: cut to the limit, the ellipsis included
    ("abcdef", 5, "abcd…"),
    ("abcde", 5, "abcde"),
    ("a`b", 60, "a'b"),
    ("``" + "y" * 70, 20, "''" + "y" * 17 + "…"),  # backticks replaced before cutting
])
def test_shorten(token: str, limit: int, shown: str) -> None:
    assert shorten(token, limit) == shown
    assert len(shorten(token, limit)) <= limit and "`" not in shorten(token, limit)


def test_query_re_exports_the_same_error_and_shorten() -> None:
    """bot.domain.query re-exports them: an `except query.ParseError` catches what org_words raises."""
    assert query.ParseError is ParseError and query.shorten is shorten
