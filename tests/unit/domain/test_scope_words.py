"""The window, account, OU and region words export, tests and coverage share."""

from __future__ import annotations

import pytest

from bot.domain.query import Once, ParseError
from bot.domain.scope_words import ScopeWords

WINDOWS = {"7d": 7, "30d": 30}


def scope() -> ScopeWords:
    return ScopeWords(WINDOWS, Once("the accepted words"), None, "sums accounts, but rows have one")


def test_takes_each_kind_of_word_and_keeps_its_value() -> None:
    words = scope()
    tokens = ["period:30D", "account:prod-payments", "ou:ou-ab12-cd34ef56", "region:eu-west-1,us-east-1", "eu-west-1"]
    assert all(words.take(token) for token in tokens)
    assert (words.days, words.account, words.account_name, words.unit) == (30, None, "prod-payments", "ou-ab12-cd34ef56")
    assert words.regions_or(("ap-south-1",)) == ("eu-west-1", "us-east-1")


def test_account_ids_and_any_are_kept_as_typed() -> None:
    bare, any_account = scope(), scope()
    assert bare.take("123456789012") and bare.account == "123456789012"
    assert any_account.take("account:any") and any_account.account == "ANY"


def test_other_words_are_left_to_the_verb() -> None:
    words = scope()
    assert not any(words.take(token) for token in ["14d", "failed", "type:EBS", "share", "region:", "export"])
    assert (words.days, words.account, words.regions_or(("ap-south-1",))) == (None, None, ("ap-south-1",))


def test_aggregate_all_is_refused_with_the_verbs_reason() -> None:
    with pytest.raises(ParseError) as raised:
        scope().take("account:AGGREGATE_ALL")
    assert "sums accounts, but rows have one" in raised.value.problem
    assert raised.value.accepted == "the accepted words"


def test_a_second_different_window_is_refused() -> None:
    words = scope()
    assert words.take("7d")
    with pytest.raises(ParseError) as raised:
        words.take("30d")
    assert "give one window" in raised.value.problem


@pytest.mark.parametrize("token", ["14d", "failed", "ebs", "state:ANY"])
def test_the_counts_words_do_not_apply_to_the_verb(token: str) -> None:
    with pytest.raises(ParseError) as raised:
        scope().refuse(token, ("14d",), "does not apply here", ["7d", "30d", "export"])
    assert (raised.value.problem, raised.value.suggestion) == ("does not apply here", None)


def test_anything_else_is_not_understood_with_the_nearest_word_suggested() -> None:
    with pytest.raises(ParseError) as raised:
        scope().refuse("exprot", ("14d",), "does not apply here", ["7d", "30d", "export"])
    assert (raised.value.problem, raised.value.suggestion) == ("is not something I understand", "export")
    assert raised.value.accepted == "the accepted words"
