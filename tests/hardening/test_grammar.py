"""Hardening: the filter words (bot/domain/query.py and each verb's grammar) for arbitrary text. Any text parses or
is explained, never raises anything else; any mix of the words parses or names the bad token; a filter's canonical
text reproduces it exactly. The examples live in tests/unit/domain/test_query.py."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers.grammar import parse_command
from bot.domain.query import AGGREGATE_ALL, ANY, API_STATES, RESOURCE_TYPES, ParseError, Period, RestoreFilter
from tests.hardening.examples import examples
from tests.unit.domain.test_query import DEFAULT, answer_regions

pytestmark = pytest.mark.hardening


def assert_parses_or_explains(text: str) -> None:
    try:
        parsed = parse_command(text, DEFAULT)
    except ParseError as error:
        assert error.user_message()
        assert len(error.user_message()) < 3000
    else:
        flt = parsed.filter
        assert parsed.kind == "help" or answer_regions(parsed)
        assert flt.state in API_STATES
        assert flt.resource_type in RESOURCE_TYPES + (ANY, AGGREGATE_ALL)


@given(st.text(max_size=300))
@settings(max_examples=examples(300), deadline=None)
def test_no_text_ever_raises_anything_but_parse_error(text: str) -> None:
    assert_parses_or_explains(text)


# Random text rarely starts with a verb: these reach each verb's own grammar with anything after it.
@given(st.sampled_from(["export", "resource", "coverage", "tests"]), st.text(max_size=200))
@settings(max_examples=examples(300), deadline=None)
def test_no_text_after_a_verb_raises_anything_but_parse_error(verb: str, text: str) -> None:
    assert_parses_or_explains(f"{verb} {text}")


words = st.sampled_from(
    ["failed", "aborted", "completed", "1d", "7d", "14d", "ebs", "type:rds", "account:ANY", "123456789012",
     "eu-west-1", "region:us-east-1,eu-west-1", "share", "state:AGGREGATE_ALL", 'type:"Storage Gateway"', "fialed",
     "type:nope", "x:y", "?", "🙂", "", "  "]
)


@given(st.lists(words, max_size=8))
@settings(max_examples=examples(300), deadline=None)
def test_any_combination_of_words_parses_or_explains(parts: list[str]) -> None:
    try:
        parsed = parse_command(" ".join(parts), DEFAULT)
    except ParseError as error:
        assert error.token and error.accepted
    else:
        if parsed.kind == "summary":
            # The canonical text reproduces the filter exactly: what we show is what we ran.
            assert parse_command(parsed.filter.to_text(), DEFAULT).filter == parsed.filter


@given(
    state=st.sampled_from(API_STATES),
    period=st.sampled_from(list(Period)),
    resource_type=st.sampled_from(RESOURCE_TYPES + (ANY, AGGREGATE_ALL)),
    account=st.one_of(st.none(), st.sampled_from([ANY, AGGREGATE_ALL]), st.from_regex(r"\A[0-9]{12}\Z")),
    regions=st.lists(st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2", "eu-central-1"]), min_size=1, unique=True),
    share=st.booleans(),
)
def test_to_text_round_trips(state: str, period: Period, resource_type: str, account: str | None,
                             regions: list[str], share: bool) -> None:
    flt = RestoreFilter(state=state, period=period, resource_type=resource_type, account=account,
                        regions=tuple(regions), share=share)
    assert parse_command(flt.to_text(), DEFAULT).filter == flt
