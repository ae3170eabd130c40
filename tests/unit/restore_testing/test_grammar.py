"""`/restores tests`: a window of 1 (the last 24 h, as `jobs … 1d`), 7, 14 or 30 days, one account or every one,
regions, `share`; words of the summary grammar (states, types, daily) do not apply and say so."""

from __future__ import annotations

import pytest

from bot.answers.grammar import parse_command
from bot.domain.query import ParseError
from bot.restore_testing.grammar import TestsQuery

DEFAULT = ("us-east-1",)


def query_of(text: str) -> TestsQuery:
    parsed = parse_command(text, DEFAULT)
    assert parsed.kind == "tests" and parsed.tests is not None
    return parsed.tests


def test_the_default_is_seven_days_every_account_the_default_regions() -> None:
    assert query_of("tests") == TestsQuery(days=7, regions=DEFAULT, account=None)


@pytest.mark.parametrize(("text", "days"), [("tests 14d", 14), ("30D tests", 30), ("tests period:30d", 30),
                                            ("tests 7d 7D", 7), ("tests 1d", 1), ("tests 24h", 1)])
def test_the_window(text: str, days: int) -> None:
    assert query_of(text).days == days


def test_accounts_and_regions() -> None:
    query = query_of("tests account:111122223333 eu-west-1 region:us-east-1,eu-west-1")
    assert (query.account, query.regions) == ("111122223333", ("eu-west-1", "us-east-1"))
    assert query_of("tests 444455556666").account == "444455556666"
    assert query_of("tests account:any").account is None


@pytest.mark.parametrize(
    ("text", "token", "problem"),
    [
        ("tests 7d 14d", "14d", "conflicts with `7d`: give one window"),
        ("tests account:111122223333 444455556666", "444455556666", "conflicts with `account:111122223333`: give one account"),
        ("tests account:aggregate_all", "account:aggregate_all", "sums accounts, but each plan belongs to one account"),
        ("tests failed", "failed", "does not apply to restore tests"),
        ("tests daily", "daily", "does not apply to restore tests"),
        ("tests 1d 7d", "7d", "conflicts with `1d`: give one window"),
        ("tests type:ebs", "type:ebs", "does not apply to restore tests"),
        ("tests banana", "banana", "is not something I understand"),
    ],
)
def test_words_that_do_not_apply_name_the_token(text: str, token: str, problem: str) -> None:
    with pytest.raises(ParseError) as error:
        parse_command(text, DEFAULT)
    assert (error.value.token, error.value.problem) == (token, problem)
    assert "`tests`" in error.value.accepted


def test_a_near_miss_is_suggested_and_the_text_round_trips() -> None:
    with pytest.raises(ParseError) as error:
        parse_command("tests 14", DEFAULT)
    assert error.value.suggestion == "14d"
    query = query_of("tests 30d account:111122223333 eu-west-1")
    assert query.to_text() == "tests 30d account:111122223333 region:eu-west-1"
    assert query_of(query.to_text()) == query


def test_share_is_understood_and_round_trips() -> None:
    query = query_of("tests share 14d")
    assert query.share is True and query_of("tests").share is False
    assert query.to_text() == "tests 14d region:us-east-1 share"
    assert query_of(query.to_text()) == query


def test_accounts_by_name_and_organisational_units_are_kept_as_typed() -> None:
    query = query_of('tests 30d account:Prod-Payments ou:"Shared Services"')
    assert (query.account, query.account_name, query.unit) == (None, "Prod-Payments", "Shared Services")
    assert query_of(query.to_text()) == query  # the canonical text parses back
    assert query_of("tests ou:OU-AB12-CD34EF56").unit == "ou-ab12-cd34ef56"
    with pytest.raises(ParseError) as error:
        query_of("tests ou:ou-bad")
    assert "organisational unit id" in error.value.user_message()
