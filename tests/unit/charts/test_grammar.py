"""`python -m bot chart` filters: any summary filter, always drawn per day over 14 days; a window word is refused by
its own name (never "`1d` conflicts with `7d`" when nobody typed `1d`)."""

from __future__ import annotations

import pytest

from bot.answers.service import _charted
from bot.charts.grammar import parse_chart
from bot.domain.query import ANY, ParseError, Period, Span, State

DEFAULT = ("us-east-1", "eu-west-1")


@pytest.mark.parametrize("text", ["", "type:EBS account:ANY", "failed eu-west-1", "daily failed", "period:ONE_DAY"])
def test_a_filter_is_charted_per_day(text: str) -> None:
    flt = _charted(parse_chart(text, DEFAULT))
    assert (flt.period, flt.span, flt.state) == (Period.ONE_DAY, Span.DAILY, ANY)


def test_the_filter_itself_is_kept() -> None:
    flt = parse_chart("failed type:EBS account:ANY eu-west-1", DEFAULT)
    assert (flt.state, flt.resource_type, flt.account, flt.regions) == (State.FAILED, "EBS", ANY, ("eu-west-1",))


@pytest.mark.parametrize(("text", "token"), [("failed 7d", "7d"), ("1d", "1d"), ("24h ebs", "24h"), ("14d", "14d"),
                                             ("period:SEVEN_DAYS", "period:SEVEN_DAYS"), ("30d", "30d")])
def test_a_window_is_refused_by_its_own_name(text: str, token: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_chart(text, DEFAULT)
    message = caught.value.user_message()
    assert caught.value.token == token and f"`{token}` is a window" in message
    assert "conflicts" not in message and "per day over 14 days" in message


@pytest.mark.parametrize("text", ["jobs failed", "tests", "help"])
def test_other_kinds_of_answer_have_no_chart(text: str) -> None:
    with pytest.raises(ParseError, match="which has no chart"):
        parse_chart(text, DEFAULT)


def test_bad_filter_words_are_the_grammars_errors() -> None:
    with pytest.raises(ParseError) as caught:
        parse_chart("faild", DEFAULT)
    assert caught.value.suggestion == "failed"
