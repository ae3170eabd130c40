"""AwsClock: AWS's time from the Date header of its answers, and what `check` says of a host clock that is off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from bot.aws.clock import AwsClock, skew_note

HOST = datetime(2027, 1, 10, 0, 3, 0, tzinfo=UTC)


def test_nothing_is_known_before_an_answer() -> None:
    clock = AwsClock(lambda: HOST)
    assert clock.offset is None and clock.now() is None
    clock.heard(None)
    clock.heard("not a date")
    assert clock.offset is None


def test_a_host_five_minutes_ahead_sees_aws_still_in_the_previous_day() -> None:
    clock = AwsClock(lambda: HOST)
    clock._after_call(http_response=SimpleNamespace(headers={"Date": "Sat, 09 Jan 2027 23:58:00 GMT"}))
    offset = clock.offset
    assert offset is not None and abs(offset + timedelta(minutes=5)) < timedelta(seconds=1)
    now = clock.now()
    assert now is not None and now.date() == datetime(2027, 1, 9).date()


def test_check_names_a_skew_beyond_a_minute_only() -> None:
    assert skew_note(None) is None and skew_note(timedelta(seconds=-59)) is None
    note = skew_note(timedelta(minutes=-5))
    assert note is not None and "300 s ahead of AWS's" in note
    assert "behind" in (skew_note(timedelta(minutes=2)) or "")
