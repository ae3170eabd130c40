"""Hardening: property-based fuzzing of button values. Whatever a click carries, `ActionValue.decode` either refuses it
(StaleAction) or returns a value every field of which passes re-validation; valid values round-trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.answers.controls import MAX_REGIONS, MAX_WINDOW_AGE, ActionValue, StaleAction
from bot.domain.query import API_STATES, RESOURCE_TYPES, WILDCARDS, Period, RestoreFilter
from bot.domain.regions import known_regions
from tests.support import API_ACCOUNT_RE

pytestmark = [pytest.mark.hardening, pytest.mark.dates]

# Button windows are judged against this now, passed to `decode` explicitly; taken from the wall clock (which CI also
# runs shifted by faketime) so nothing depends on the day the test was written.
NOW = datetime.now(UTC).replace(microsecond=0)  # button windows carry whole seconds


def _known_regions() -> list[str]:
    return sorted(known_regions())


VALUE_KEYS = ("v", "s", "p", "t", "a", "r", "w")

json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
)

json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)

_ts = int(NOW.timestamp())

near_timestamps = st.integers(min_value=_ts - 60 * 86400, max_value=_ts + 3 * 86400)

field_values: dict[str, st.SearchStrategy[Any]] = {
    "v": st.one_of(st.just(1), st.sampled_from([1.0, True, "1", 0, 2, -1, None]), json_values),
    "s": st.one_of(st.sampled_from(API_STATES), st.sampled_from([s.lower() for s in API_STATES]), st.text(max_size=12),
                   json_values),
    "p": st.one_of(st.sampled_from(["1d", "7d", "14d", "ONE_DAY", "seven_days", "3d", "", "1D"]), json_values),
    "t": st.one_of(st.sampled_from(RESOURCE_TYPES + WILDCARDS + ("ebs", "sgw", "saphana", "", "ANY ", "x" * 401)),
                   json_values),
    "a": st.one_of(st.sampled_from(["ANY", "AGGREGATE_ALL", "any", "111122223333", "12345", "", "123456789012\n",
                                    "١٢٣٤٥٦٧٨٩٠١٢", "12345678901２", " 123456789012"]),
                   st.from_regex(r"\d{12}\n?", fullmatch=True), json_values),
    "r": st.one_of(
        st.lists(st.sampled_from(_known_regions() + ["mars-north-1", "", " ", "US-EAST-1", "us-east-1\n"]),
                 max_size=35).map(",".join),
        json_values,
    ),
    "w": st.one_of(st.lists(near_timestamps, min_size=2, max_size=2), st.lists(st.integers(), max_size=3),
                   json_values),
}


@st.composite
def value_objects(draw: st.DrawFn) -> dict[str, Any]:
    """JSON objects shaped like a button value: either a valid value with one to three fields dropped or replaced
    (valid-looking or arbitrary), or every known field present or not at random; sometimes with extra fields."""
    if draw(st.booleans()):
        data: dict[str, Any] = json.loads(draw(valid_values).encode())
        for key in draw(st.lists(st.sampled_from(VALUE_KEYS), min_size=1, max_size=3, unique=True)):
            if draw(st.integers(0, 4)) == 0:
                data.pop(key, None)
            else:
                data[key] = draw(field_values[key])
    else:
        data = {key: draw(field_values[key]) for key in VALUE_KEYS if draw(st.booleans())}
    if draw(st.integers(0, 9)) == 0:
        data.update(draw(st.dictionaries(st.text(max_size=3), json_values, max_size=2)))
    return data


valid_filters = st.builds(
    RestoreFilter,
    state=st.sampled_from(API_STATES),
    period=st.sampled_from(list(Period)),
    resource_type=st.sampled_from(RESOURCE_TYPES + WILDCARDS),
    account=st.one_of(st.none(), st.sampled_from(WILDCARDS), st.text("0123456789", min_size=12, max_size=12)),
    regions=st.lists(st.sampled_from(_known_regions()), min_size=1, max_size=5).map(lambda rs: tuple(dict.fromkeys(rs))),
)

# (age of the start, length) in whole seconds: start within the last 44 days, end after it and not after NOW.
valid_windows = st.one_of(
    st.none(),
    st.builds(
        lambda age, length: (NOW - timedelta(seconds=age), NOW - timedelta(seconds=age - min(length, age))),
        st.integers(1, 44 * 86400),
        st.integers(1, 14 * 86400),
    ),
)

valid_values = st.builds(ActionValue, filter=valid_filters, window=valid_windows)

MUTATION_CHARS = st.one_of(st.sampled_from(list('{}[]",:0123456789 vsptarw\\\n\x00')), st.characters())


@st.composite
def mutated_values(draw: st.DrawFn) -> str:
    """A valid encoded value with characters flipped, dropped, inserted, duplicated or the tail cut off."""
    raw = draw(valid_values).encode()
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "drop", "insert", "truncate", "duplicate", "swap-case"]))
        i = draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw = raw[:i] + draw(MUTATION_CHARS) + raw[i + 1:]
        elif op == "drop":
            raw = raw[:i] + raw[i + 1:]
        elif op == "insert":
            raw = raw[:i] + draw(MUTATION_CHARS) + raw[i:]
        elif op == "truncate":
            raw = raw[:i]
        elif op == "duplicate":
            raw = raw[:i] + raw[i:] * 2
        else:
            raw = raw[:i] + raw[i:].swapcase()
    return raw


def assert_decodes_safely(raw: object) -> None:
    """`decode` either raises StaleAction or returns a value every field of which passes re-validation."""
    try:
        value = ActionValue.decode(raw, now=NOW)
    except StaleAction:
        return
    # Anything else propagates and fails the test: the listener only catches StaleAction.
    flt = value.filter
    assert flt.state in API_STATES
    assert isinstance(flt.period, Period)
    assert flt.resource_type in RESOURCE_TYPES + WILDCARDS
    if flt.account is not None and flt.account not in WILDCARDS:
        assert API_ACCOUNT_RE.fullmatch(flt.account), repr(flt.account)
    assert 1 <= len(flt.regions) <= MAX_REGIONS
    assert len(set(flt.regions)) == len(flt.regions)
    assert set(flt.regions) <= known_regions(), flt.regions
    assert flt.share is False
    if value.window is not None:
        start, end = value.window
        assert start.tzinfo is not None and end.tzinfo is not None
        assert start < end
        assert start >= NOW - MAX_WINDOW_AGE and end <= NOW + timedelta(days=1)
    # Re-encoding what was accepted gives the same value back (buttons made from it stay valid).
    assert ActionValue.decode(value.encode(), now=NOW) == value


@given(raw=st.one_of(st.text(), st.text(st.sampled_from('{}[]",:0123456789 vsptarw1dANY')), st.none(), st.integers(),
                     st.binary(), json_values))
@example(raw="")
@example(raw="null")
@example(raw="[]")
@example(raw='{"v":1}')
@example(raw='{"v":1,"s":"FAILED","p":"7d","r":"us-east-1","w":[1e400,1]}')
@example(raw='{"v":1,"s":"FAILED","p":"7d","r":"us-east-1","w":[99999999999999999999,1]}')
@example(raw="x" * 3000)
def test_decode_arbitrary_text(raw: object) -> None:
    assert_decodes_safely(raw)


@given(data=st.one_of(value_objects(), json_values), ensure_ascii=st.booleans())
def test_decode_arbitrary_json(data: Any, ensure_ascii: bool) -> None:
    assert_decodes_safely(json.dumps(data, ensure_ascii=ensure_ascii))


@given(raw=mutated_values())
def test_decode_mutated_valid_values(raw: str) -> None:
    assert_decodes_safely(raw)


@given(value=valid_values)
def test_valid_values_round_trip(value: ActionValue) -> None:
    decoded = ActionValue.decode(value.encode(), now=NOW)
    assert decoded.filter == value.filter
    assert decoded.window == value.window  # whole seconds: nothing is lost on the way


@pytest.mark.parametrize("account", ["123456789012\n", "١٢٣٤٥٦٧٨٩٠١٢", "12345678901２", " 123456789012"])
def test_button_value_account_is_ascii_digits_only(account: str) -> None:
    """Found by test_decode_arbitrary_json (shrunk to {'v': 1, 's': 'CREATED', 'p': '1d', 'r': 'af-south-1',
    't': 'Aurora', 'a': '123456789012\\n'}): `^\\d{12}$` let a trailing newline and any script's digits through."""
    raw = json.dumps({"v": 1, "s": "FAILED", "p": "7d", "r": "us-east-1", "a": account})
    with pytest.raises(StaleAction):
        ActionValue.decode(raw, now=NOW)
