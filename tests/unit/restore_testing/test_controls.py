"""TestJobsValue, what a restore testing plan's buttons carry: encoded and decoded back unchanged, and every stale,
tampered or out-of-range value refused as a StaleAction before anything is read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.answers.controls import MAX_VALUE_CHARS, VALUE_VERSION, StaleAction
from bot.restore_testing.controls import MAX_TEST_WINDOW, TestJobsKind, TestJobsValue

NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)
PLAN = "arn:aws:backup:eu-west-1:111122223333:restore-testing-plan:nightly_rds-1a2b3c4d"
WINDOW = (NOW - timedelta(days=7), NOW)


def raw(**changes: Any) -> str:
    data: dict[str, Any] = {"v": VALUE_VERSION, "p": PLAN, "k": "failed",
                            "w": [int(WINDOW[0].timestamp()), int(WINDOW[1].timestamp())]}
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize("kind", list(TestJobsKind))
def test_a_value_comes_back_as_it_was_sent(kind: TestJobsKind) -> None:
    value = TestJobsValue(PLAN, kind, WINDOW)
    encoded = value.encode()
    assert encoded.isascii() and " " not in encoded and len(encoded) <= MAX_VALUE_CHARS
    assert TestJobsValue.decode(encoded, now=NOW) == value


def test_the_plan_arn_names_region_and_account() -> None:
    value = TestJobsValue(PLAN, TestJobsKind.LEAKED, WINDOW)
    assert (value.region, value.account) == ("eu-west-1", "111122223333")
    assert (TestJobsValue("arn:aws:iam::1:role/x", TestJobsKind.LEAKED, WINDOW).region,
            TestJobsValue("arn:aws:iam::1:role/x", TestJobsKind.LEAKED, WINDOW).account) == ("", "")


def test_a_plan_in_another_partition_is_accepted() -> None:
    arn = "arn:aws-cn:backup:cn-north-1:111122223333:restore-testing-plan:weekly-0a"
    value = TestJobsValue.decode(raw(p=arn), now=NOW)
    assert (value.plan_arn, value.region, value.account) == (arn, "cn-north-1", "111122223333")


def test_a_window_of_exactly_the_longest_allowed_is_accepted() -> None:
    start = NOW - MAX_TEST_WINDOW
    assert TestJobsValue.decode(raw(w=[int(start.timestamp()), int(NOW.timestamp())]), now=NOW).window == (start, NOW)


@pytest.mark.parametrize(
    "value",
    [None, 7, "", "x" * (MAX_VALUE_CHARS + 1), raw(p=PLAN + "x" * MAX_VALUE_CHARS)],
    ids=["none", "not-text", "empty", "oversized", "oversized-plan"],
)
def test_missing_or_oversized_values_are_refused(value: object) -> None:
    with pytest.raises(StaleAction, match="missing or oversized"):
        TestJobsValue.decode(value, now=NOW)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("{not json", "not JSON"),
        ("[" * 1000 + "]" * 1000, r"not JSON|unknown value version"),  # nested past the parser's recursion, or not
        (json.dumps([1, 2]), "unknown value version"),
        (raw(v=VALUE_VERSION + 1), "unknown value version"),
        (raw(v=None), "unknown value version"),
        (raw(x="extra"), "unknown value version or fields"),
        (raw(k=None), "unknown value version or fields"),
    ],
    ids=["not-json", "deeply-nested", "a-list", "newer-version", "no-version", "extra-field", "missing-field"],
)
def test_values_of_another_shape_or_version_are_refused(value: str, why: str) -> None:
    with pytest.raises(StaleAction, match=why):
        TestJobsValue.decode(value, now=NOW)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:backup:eu-west-1:111122223333:backup-plan:nightly-1a",  # not a restore testing plan
        "arn:aws:backup:eu-west-1:11112222333:restore-testing-plan:nightly-1a",  # 11 digits
        "arn:aws:backup:eu-west-1:111122223333:restore-testing-plan:nightly rds",  # a space
        "arn:aws:backup:eu-west-1:111122223333:restore-testing-plan:<!channel>",
        "arn:aws:backup:eu-west-1:111122223333:restore-testing-plan:" + "a" * 121,
        "arn:aws:backup:eu-west-1:111122223333:restore-testing-plan:nightly\n",
        "arn:evil:backup:eu-west-1:111122223333:restore-testing-plan:nightly",
        "arn:aws:backup:xx-nowhere-9:111122223333:restore-testing-plan:nightly",  # a region that does not exist
    ],
)
def test_a_bad_plan_or_unknown_region_is_refused(arn: str) -> None:
    with pytest.raises(StaleAction, match="bad plan"):
        TestJobsValue.decode(raw(p=arn), now=NOW)


@pytest.mark.parametrize(("field", "why"), [("p", "bad field p"), ("k", "bad kind")])
def test_fields_that_are_not_text_are_refused(field: str, why: str) -> None:
    with pytest.raises(StaleAction, match=why):
        TestJobsValue.decode(raw(**{field: ["x"]}), now=NOW)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(StaleAction, match="bad kind"):
        TestJobsValue.decode(raw(k="deleted"), now=NOW)


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


@pytest.mark.parametrize(
    ("window", "why"),
    [
        ([ts(NOW - MAX_TEST_WINDOW - timedelta(seconds=1)), ts(NOW)], "window out of range"),  # longer than 31 days
        ([ts(NOW), ts(NOW - timedelta(days=1))], "window out of range"),  # backwards
        ([ts(NOW), ts(NOW)], "window out of range"),  # empty
        ([ts(NOW - timedelta(days=50)), ts(NOW - timedelta(days=40))], "window out of range"),  # older than summaries
        ([ts(NOW + timedelta(days=1)), ts(NOW + timedelta(days=2))], "window out of range"),  # in the future
        ([ts(NOW - timedelta(days=1))], "bad window"),
        ([float(ts(NOW - timedelta(days=1))), ts(NOW)], "bad window"),
        ([True, ts(NOW)], "bad window"),
        ("1,2", "bad window"),
        ([10**20, 10**20 + 1], "bad window"),
    ],
)
def test_a_stale_or_malformed_window_is_refused(window: object, why: str) -> None:
    with pytest.raises(StaleAction, match=why):
        TestJobsValue.decode(raw(w=window), now=NOW)
