"""Hardening: AWS cron()/rate() schedules of restore testing plans (bot.restore_testing.schedule) over random
expressions, zones (with odd DST rules) and instants: previous and next bracket any instant with nothing between,
and a plan that ran at its latest closed time is never late. The examples live in
tests/unit/restore_testing/test_schedule.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.restore_testing.schedule import check_run, parse_schedule
from tests.hardening.examples import examples
from tests.unit.restore_testing.test_schedule import LONG_AGO, at

pytestmark = [pytest.mark.hardening, pytest.mark.dates]

# Havana changes its clocks at midnight, Lord Howe by half an hour.
ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "America/Havana", "Asia/Kolkata",
                         "Australia/Lord_Howe"])
MINUTES = st.one_of(st.integers(0, 59).map(str), st.sampled_from(["*/5", "*/15", "0/30", "0,30", "10-20", "*"]))
HOURS = st.one_of(st.integers(0, 23).map(str), st.sampled_from(["*", "*/6", "1-3", "2,3", "22-2"]))
DAYS = st.one_of(
    st.tuples(st.integers(1, 28).map(str), st.just("?")),
    st.tuples(st.sampled_from(["L", "LW", "15W", "1W", "*", "1-15/7"]), st.just("?")),
    st.tuples(st.just("?"), st.sampled_from(["*", "MON", "2-6", "FRI-MON", "1,4", "6L", "3#2", "SUN#1"])),
)
MONTHS = st.sampled_from(["*", "JAN-JUN", "3,10", "*/2"])
CRONS = st.builds(lambda m, h, days, month: f"cron({m} {h} {days[0]} {month} {days[1]} *)", MINUTES, HOURS, DAYS, MONTHS)
RATES = st.builds(lambda n, unit: f"rate({n} {unit})", st.integers(1, 48), st.sampled_from(["minutes", "hours", "days"]))
# Instants anywhere, and near the 2026 DST changes of the zones above (Europe, US, Lord Howe's half hour).
AROUND_DST = st.builds(lambda base, minutes: base + timedelta(minutes=minutes),
                       st.sampled_from([at(2026, 3, 29, 1), at(2026, 10, 25, 1), at(2026, 3, 8, 7), at(2026, 11, 1, 6),
                                        at(2026, 4, 4, 15), at(2026, 10, 3, 15)]),
                       st.integers(-240, 240))
INSTANTS = st.one_of(st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)), AROUND_DST)


@settings(deadline=None, max_examples=examples(150))
@given(expression=CRONS, zone=ZONES, moment=INSTANTS)
def test_previous_and_next_bracket_the_instant(expression: str, zone: str, moment: datetime) -> None:
    schedule = parse_schedule(expression, zone)
    before, after = schedule.previous(moment), schedule.next(moment)
    assert before is not None and after is not None
    assert before <= moment < after
    assert before.utcoffset() == timedelta(0)
    assert schedule.next(before) == after  # no scheduled time strictly between
    assert schedule.previous(after - timedelta(microseconds=1)) == before
    assert schedule.previous(after) == after


@settings(deadline=None, max_examples=examples(150))
@given(expression=st.one_of(CRONS, RATES), zone=ZONES, now=INSTANTS, window=st.integers(1, 168))
def test_a_run_at_the_latest_closed_time_is_never_late(expression: str, zone: str, now: datetime, window: int) -> None:
    schedule = parse_schedule(expression, zone)
    last = schedule.previous(now - timedelta(hours=window))
    check = check_run(schedule, last_execution=last, created=LONG_AGO, start_window_hours=window, now=now)
    assert not check.late and check.missed_runs == 0


@given(minute=st.integers(0, 59), hour=st.integers(0, 23), moment=INSTANTS)
def test_daily_previous_matches_plain_date_arithmetic(minute: int, hour: int, moment: datetime) -> None:
    today = moment.replace(hour=hour, minute=minute, second=0, microsecond=0)
    expected = today if today <= moment else today - timedelta(days=1)
    assert parse_schedule(f"cron({minute} {hour} * * ? *)").previous(moment) == expected
