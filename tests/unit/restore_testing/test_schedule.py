"""bot.restore_testing.schedule: AWS cron()/rate() schedules stepped back and forth, and whether a plan ran on schedule
(fixed instants). The properties over random schedules, zones and instants are tests/hardening/test_schedule.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.restore_testing.schedule import MAX_MISSED_RUNS, ScheduleError, check_run, parse_schedule

pytestmark = pytest.mark.dates

LONG_AGO = datetime(1990, 1, 1, tzinfo=UTC)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_daily_plan_steps_back_and_forth() -> None:
    daily = parse_schedule("cron(0 5 ? * * *)")
    assert (daily.cadence, daily.nominal_period, daily.timezone.key) == ("daily at 05:00 UTC", timedelta(days=1), "UTC")
    assert daily.previous(at(2026, 11, 28, 9)) == at(2026, 11, 28, 5)
    assert daily.previous(at(2026, 11, 28, 5)) == at(2026, 11, 28, 5)  # at or before
    assert daily.previous(at(2026, 11, 28, 4, 59)) == at(2026, 11, 27, 5)
    assert daily.next(at(2026, 11, 28, 5)) == at(2026, 11, 29, 5)  # strictly after
    assert daily.previous(at(1969, 12, 31)) is None
    blank_zone = parse_schedule("cron(0 5 * * ? *)", "")  # ? or * alike; no zone means UTC, as in AWS
    assert blank_zone.timezone.key == "UTC" and blank_zone.previous(at(2026, 11, 28, 9)) == at(2026, 11, 28, 5)


def test_weekly_plan_in_its_own_zone_follows_summer_time() -> None:
    weekly = parse_schedule("cron(0 3 ? * MON *)", "Europe/Berlin")
    assert weekly.cadence == "weekly on Mon at 03:00 Europe/Berlin"
    assert weekly.nominal_period == timedelta(days=7)
    assert weekly.previous(at(2026, 11, 28)) == at(2026, 11, 23, 2)  # CET
    assert weekly.previous(at(2026, 7, 1)) == at(2026, 6, 29, 1)  # CEST
    numeric = parse_schedule("cron(0 3 ? * 2 *)", "Europe/Berlin")  # AWS counts 1 = SUN, so 2 = MON
    assert numeric.previous(at(2026, 11, 28)) == at(2026, 11, 23, 2)
    assert parse_schedule("cron(0 5 ? * 1 *)").next(at(2026, 11, 28)) == at(2026, 11, 29, 5)  # a Sunday


def test_a_zone_with_a_half_hour_offset() -> None:
    india = parse_schedule("cron(0 5 ? * * *)", "Asia/Kolkata")
    assert india.previous(at(2026, 11, 28, 9)) == at(2026, 11, 27, 23, 30)
    assert india.cadence == "daily at 05:00 Asia/Kolkata"


@pytest.mark.parametrize(("expression", "previous", "following", "cadence"), [
    ("cron(0 5 1 * ? *)", at(2026, 11, 1, 5), at(2026, 12, 1, 5), "monthly on day 1 at 05:00 UTC"),
    ("cron(0 5 L * ? *)", at(2026, 10, 31, 5), at(2026, 11, 30, 5), "monthly on the last day at 05:00 UTC"),
    ("cron(0 5 ? * 6L *)", at(2026, 11, 27, 5), at(2026, 12, 25, 5), "monthly on the last Fri at 05:00 UTC"),
    ("cron(0 5 ? * FRIL *)", at(2026, 11, 27, 5), at(2026, 12, 25, 5), "monthly on the last Fri at 05:00 UTC"),
    ("cron(0 5 ? * 3#2 *)", at(2026, 11, 10, 5), at(2026, 12, 8, 5), "monthly on the 2nd Tue at 05:00 UTC"),
    ("cron(0 5 ? * SUN#1 *)", at(2026, 11, 1, 5), at(2026, 12, 6, 5), "monthly on the 1st Sun at 05:00 UTC"),
    # W: 15 Nov 2026 is a Sunday, so Monday the 16th; 1 Nov a Sunday, so Monday the 2nd; 31 Oct a Saturday.
    ("cron(0 5 15W * ? *)", at(2026, 11, 16, 5), at(2026, 12, 15, 5), "monthly on the weekday nearest day 15 at 05:00 UTC"),
    ("cron(0 5 1W * ? *)", at(2026, 11, 2, 5), at(2026, 12, 1, 5), "monthly on the weekday nearest day 1 at 05:00 UTC"),
    ("cron(0 5 LW * ? *)", at(2026, 10, 30, 5), at(2026, 11, 30, 5), "monthly on the last weekday at 05:00 UTC"),
    ("cron(0 5 1,15 * ? *)", at(2026, 11, 15, 5), at(2026, 12, 1, 5), "monthly on days 1 and 15 at 05:00 UTC"),
])
def test_monthly_forms(expression: str, previous: datetime, following: datetime, cadence: str) -> None:
    schedule = parse_schedule(expression)
    assert schedule.previous(at(2026, 11, 28)) == previous
    assert schedule.next(at(2026, 11, 28)) == following
    assert schedule.cadence == cadence
    assert timedelta(days=14) <= (schedule.nominal_period or timedelta()) <= timedelta(days=31)


def test_w_stays_in_the_month_and_skips_months_without_the_day() -> None:
    # 1 Aug 2026 is a Saturday: 1W is Monday the 3rd, not Friday 31 July. 15 Aug is a Saturday: Friday the 14th.
    assert parse_schedule("cron(0 5 1W * ? *)").next(at(2026, 7, 20)) == at(2026, 8, 3, 5)
    assert parse_schedule("cron(0 5 15W * ? *)").next(at(2026, 8, 1)) == at(2026, 8, 14, 5)
    assert parse_schedule("cron(0 5 31W * ? *)").next(at(2026, 4, 1)) == at(2026, 5, 29, 5)  # 31 May is a Sunday
    assert parse_schedule("cron(0 5 L * ? *)").next(at(2028, 2, 1)) == at(2028, 2, 29, 5)


@pytest.mark.parametrize(("expression", "cadence", "period"), [
    ("cron(0 */6 * * ? *)", "every 6 hours from 00:00 UTC", timedelta(hours=6)),
    ("cron(15 * * * ? *)", "hourly at :15", timedelta(hours=1)),
    ("cron(*/15 * * * ? *)", "every 15 minutes", timedelta(minutes=15)),
    ("cron(0 5 ? * MON-FRI *)", "on weekdays at 05:00 UTC", timedelta(days=1)),
    ("cron(0 5 ? * FRI-MON *)", "on Mon, Fri, Sat and Sun at 05:00 UTC", timedelta(days=1)),  # wraps, as in Quartz
    ("cron(0 5 ? jan-jun mon *)", "on schedule cron(0 5 ? jan-jun mon *)", timedelta(days=7)),
    ("cron(0 5 1 1 ? 2020)", "on schedule cron(0 5 1 1 ? 2020)", None),  # runs once: no typical gap
    ("rate(6 hours)", "every 6 hours", timedelta(hours=6)),
    ("rate(1 day)", "daily", timedelta(days=1)),
    ("rate(30 minutes)", "every 30 minutes", timedelta(minutes=30)),
])
def test_cadence_in_words(expression: str, cadence: str, period: timedelta | None) -> None:
    schedule = parse_schedule(expression)
    assert (schedule.cadence, schedule.nominal_period) == (cadence, period)


def test_year_limited_schedule() -> None:
    once = parse_schedule("cron(0 5 1 1 ? 2020)")
    assert once.previous(at(2199, 6, 1)) == at(2020, 1, 1, 5)
    assert once.previous(at(2019, 12, 31)) is None
    assert once.next(at(2019, 12, 31)) == at(2020, 1, 1, 5)
    assert once.next(at(2021, 1, 1)) is None


def test_rate_runs_count_from_an_anchor() -> None:
    every_six = parse_schedule("rate(6 hours)")  # no anchor known: multiples of the period since 1970
    assert every_six.previous(at(2026, 11, 28, 9)) == at(2026, 11, 28, 6)
    assert every_six.next(at(2026, 11, 28, 9)) == at(2026, 11, 28, 12)
    moved = every_six.anchored(at(2026, 11, 28, 7, 30))
    assert moved.previous(at(2026, 11, 28, 9)) == at(2026, 11, 28, 7, 30)
    assert moved.previous(at(2026, 11, 28, 7)) is None
    assert moved.next(at(2026, 11, 28, 7)) == at(2026, 11, 28, 7, 30)
    assert parse_schedule("cron(0 5 * * ? *)").anchored(at(2026, 1, 1)).previous(at(2026, 11, 28)) == at(2026, 11, 27, 5)


def test_spring_forward_skips_the_missing_time_and_autumn_runs_once() -> None:
    # EventBridge Scheduler's rule: 02:30 Berlin does not exist on 29 Mar 2026 (no run), and happens twice on 25 Oct.
    night = parse_schedule("cron(30 2 * * ? *)", "Europe/Berlin")
    assert night.previous(at(2026, 3, 29, 12)) == at(2026, 3, 28, 1, 30)
    assert night.next(at(2026, 3, 28, 12)) == at(2026, 3, 30, 0, 30)
    assert night.previous(at(2026, 10, 25, 12)) == at(2026, 10, 25, 0, 30)
    assert night.next(at(2026, 10, 25, 0, 30)) == at(2026, 10, 26, 1, 30)
    ran = check_run(night, last_execution=at(2026, 3, 28, 1, 35), created=LONG_AGO, start_window_hours=1,
                    now=at(2026, 3, 29, 12))
    assert not ran.late and ran.summary == "last ran 34 h ago"
    missed = check_run(night, last_execution=at(2026, 3, 28, 1, 35), created=LONG_AGO, start_window_hours=1,
                       now=at(2026, 3, 30, 2))
    assert missed.late and missed.due == at(2026, 3, 30, 0, 30) and missed.missed_runs == 1
    assert missed.summary == "last ran 2 days ago, daily plan (due 30 Mar 02:30 Europe/Berlin)"
    first_of_two = check_run(night, last_execution=at(2026, 10, 25, 0, 31), created=LONG_AGO, start_window_hours=2,
                             now=at(2026, 10, 25, 12))
    assert not first_of_two.late
    half_hourly = parse_schedule("cron(*/30 * * * ? *)", "Europe/Berlin")
    times, moment = [], at(2026, 3, 29, 0, 10)
    for _ in range(4):
        moment = half_hourly.next(moment)  # type: ignore[assignment]
        times.append(moment)
    assert times == [at(2026, 3, 29, 0, 30), at(2026, 3, 29, 1), at(2026, 3, 29, 1, 30), at(2026, 3, 29, 2)]


def test_runs_next_to_a_dst_change_are_not_skipped() -> None:
    # APScheduler 3.11's own Berlin triggers skip these (increments added in UTC land an hour off), hence the wall clock.
    assert parse_schedule("cron(30 0 * * ? *)", "Europe/Berlin").next(at(2026, 3, 28, 23, 31)) == at(2026, 3, 29, 22, 30)
    assert parse_schedule("cron(0 0 1 * ? *)", "Europe/Berlin").next(at(2026, 2, 28, 23)) == at(2026, 3, 31, 22)
    # Havana repeats 00:00-01:00 on 1 Nov 2026: midnight runs once, at its first occurrence (04:00 UTC).
    midnight = parse_schedule("cron(0 0 1 * ? *)", "America/Havana")
    assert midnight.previous(at(2026, 11, 1, 6)) == at(2026, 11, 1, 4)
    assert midnight.next(at(2026, 11, 1, 4)) == at(2026, 12, 1, 5)


def test_previous_is_found_in_a_few_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = CronTrigger.get_next_fire_time

    def counted(self: CronTrigger, previous: datetime | None, now: datetime) -> datetime | None:
        nonlocal calls
        calls += 1
        return real(self, previous, now)  # type: ignore[no-any-return]

    daily, minutes_on_day_one = parse_schedule("cron(0 5 ? * * *)"), parse_schedule("cron(* * 1 * ? *)")
    yearly = parse_schedule("cron(0 5 1 1 ? 2020)")
    monkeypatch.setattr(CronTrigger, "get_next_fire_time", counted)
    for schedule, expected in [(daily, at(2026, 11, 28, 5)), (minutes_on_day_one, at(2026, 11, 1, 23, 59)),
                               (yearly, at(2020, 1, 1, 5))]:
        calls = 0
        assert schedule.previous(at(2026, 11, 28, 9)) == expected
        assert calls < 50, (schedule.expression, calls)


NOW = at(2026, 11, 28, 9)
DAILY = parse_schedule("cron(0 5 ? * * *)")


def test_late_daily_plan() -> None:
    check = check_run(DAILY, last_execution=at(2026, 11, 25, 5, 20), created=LONG_AGO, start_window_hours=1, now=NOW)
    assert (check.late, check.due, check.missed_runs) == (True, at(2026, 11, 28, 5), 3)
    assert check.last_execution == at(2026, 11, 25, 5, 20)
    assert check.summary == "last ran 3 days ago, daily plan (due 28 Nov 05:00 UTC; 3 runs missed)"


def test_window_not_yet_closed_is_not_late() -> None:
    # Default window 24 h: today's 05:00 run may still start until tomorrow 05:00; yesterday's ran.
    check = check_run(DAILY, last_execution=at(2026, 11, 27, 5, 10), created=LONG_AGO, start_window_hours=None, now=NOW)
    assert (check.late, check.due, check.summary) == (False, at(2026, 11, 27, 5), "last ran 27 h ago")
    closed = check_run(DAILY, last_execution=at(2026, 11, 27, 5, 10), created=LONG_AGO, start_window_hours=None,
                       now=at(2026, 11, 29, 5))  # the window closes at due + 24 h exactly
    assert closed.late and closed.summary == "last ran 47 h ago, daily plan (due 28 Nov 05:00 UTC)"


def test_a_run_starting_late_within_the_window_counts() -> None:
    check = check_run(DAILY, last_execution=at(2026, 11, 28, 7, 59), created=LONG_AGO, start_window_hours=3, now=NOW)
    assert not check.late and check.summary == "last ran 1 h ago"


def test_created_after_the_due_time_is_not_late() -> None:
    check = check_run(DAILY, last_execution=None, created=at(2026, 11, 28, 6), start_window_hours=1, now=NOW)
    assert (check.late, check.due, check.missed_runs) == (False, None, 0)
    assert check.summary == "not due yet (created 3 h ago)"


def test_never_ran() -> None:
    once = check_run(DAILY, last_execution=None, created=at(2026, 11, 27, 12), start_window_hours=1, now=NOW)
    assert (once.late, once.due, once.missed_runs) == (True, at(2026, 11, 28, 5), 1)
    assert once.summary == "never ran; due 28 Nov 05:00 UTC"
    week = check_run(DAILY, last_execution=None, created=at(2026, 11, 20, 12), start_window_hours=1, now=NOW)
    assert week.summary == "never ran; due 28 Nov 05:00 UTC; 8 runs missed"
    minutely = check_run(parse_schedule("cron(* * * * ? *)"), last_execution=None, created=at(2025, 1, 1),
                         start_window_hours=1, now=NOW)
    assert minutely.missed_runs == MAX_MISSED_RUNS and "100+ runs missed" in minutely.summary


def test_due_is_said_in_the_plans_zone_with_the_year_when_it_is_not_this_one() -> None:
    weekly = parse_schedule("cron(0 3 ? * MON *)", "Europe/Berlin")
    check = check_run(weekly, last_execution=at(2026, 11, 9, 2), created=LONG_AGO, start_window_hours=24, now=NOW)
    assert check.summary == "last ran 19 days ago, weekly plan (due 23 Nov 03:00 Europe/Berlin; 2 runs missed)"
    once = check_run(parse_schedule("cron(0 5 1 1 ? 2020)"), last_execution=None, created=at(2019, 6, 1),
                     start_window_hours=None, now=NOW)
    assert once.late and once.summary == "never ran; due 1 Jan 2020 05:00 UTC"
    monthly = check_run(parse_schedule("cron(0 5 1 * ? *)"), last_execution=at(2026, 10, 1, 5), created=LONG_AGO,
                        start_window_hours=None, now=NOW)
    assert monthly.summary == "last ran 58 days ago, monthly plan (due 1 Nov 05:00 UTC)"


def test_rate_plan_is_late_only_after_a_period_and_the_window_without_a_run() -> None:
    every_six = parse_schedule("rate(6 hours)")
    fine = check_run(every_six, last_execution=at(2026, 11, 28, 2, 30), created=LONG_AGO, start_window_hours=1, now=NOW)
    assert not fine.late  # next run due 08:30, its window open until 09:30
    late = check_run(every_six, last_execution=at(2026, 11, 28, 1, 30), created=LONG_AGO, start_window_hours=1, now=NOW)
    assert late.late and late.due == at(2026, 11, 28, 7, 30)
    assert late.summary == "last ran 7 h ago, plan runs every 6 hours (due 28 Nov 07:30 UTC)"


def test_check_run_rejects_bad_arguments() -> None:
    for hours in (0, 169):
        with pytest.raises(ValueError, match="start_window_hours must be 1-168"):
            check_run(DAILY, last_execution=None, created=LONG_AGO, start_window_hours=hours, now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        check_run(DAILY, last_execution=None, created=LONG_AGO, start_window_hours=1, now=datetime(2026, 11, 28))
    with pytest.raises(ValueError, match="timezone-aware"):
        DAILY.previous(datetime(2026, 11, 28))


@pytest.mark.parametrize(("expression", "message"), [
    ("cron(0 5 * * ?)", "cron(0 5 * * ?) has 5 fields; AWS cron needs 6: Minutes Hours Day-of-month Month Day-of-week Year"),
    ("0 5 * * ? *", "unsupported schedule expression '0 5 * * ? *': expected cron(Minutes Hours Day-of-month Month "
                    "Day-of-week Year) or rate(N minutes|hours|days)"),
    ("at(2026-01-01T00:00:00)", "unsupported schedule expression 'at(2026-01-01T00:00:00)'"),
    ("cron(0 5 * * ? *", "cron(0 5 * * ? * is malformed: expected cron("),
    ("rate(5 weeks)", "rate(5 weeks) is malformed: expected cron(Minutes"),
    ("rate(0 hours)", "rate(0 hours) runs never: the rate must be at least 1"),
    ("cron(61 5 * * ? *)", "minutes field '61' is not valid: expected 0-59 with , - * /"),
    ("cron(*/0 5 * * ? *)", "minutes field '*/0' is not valid: expected 0-59"),
    ("cron(0 24 * * ? *)", "hours field '24' is not valid: expected 0-23"),
    ("cron(0 5 32 * ? *)", "day-of-month field '32' is not valid: expected 1-31, L, LW, nW, ? or *"),
    ("cron(0 5 L-2 * ? *)", "day-of-month field 'L-2' is not valid"),
    ("cron(0 5 ? 13 * *)", "month field '13' is not valid: expected 1-12 or JAN-DEC"),
    ("cron(0 5 ? * 8 *)", "day-of-week field '8' is not valid: expected 1-7 or SUN-SAT (1 = SUN), xL, x#n"),
    ("cron(0 5 ? * MON#6 *)", "after # comes which week of the month, 1-5"),
    ("cron(0 5 1 * MON *)", "day-of-month '1' and day-of-week 'MON' are both set: AWS needs ? in one of them"),
    ("cron(0 5 * * * *)", "day-of-month '*' and day-of-week '*': AWS needs ? in one of them"),
    ("cron(0 5 ? * * 1969)", "year field '1969' is not valid: expected 1970-2199"),
    ("cron(0 5 ? * * 2030-2020)", "a range of years must not run backwards"),
    ("cron(0 5 30 2 ? *)", "cron(0 5 30 2 ? *) never runs: no date between 1970 and 2199 matches it"),
])
def test_malformed_expressions_say_what_is_wrong(expression: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=re.escape(message)):
        parse_schedule(expression)


def test_unknown_zone() -> None:
    with pytest.raises(ScheduleError, match=re.escape("unknown time zone 'Mars/Olympus': expected an IANA name")):
        parse_schedule("cron(0 5 ? * * *)", "Mars/Olympus")
    assert issubclass(ScheduleError, ValueError)


def test_aws_etc_utc_is_shown_as_utc() -> None:
    """Issue 23, item 8: AWS may send ScheduleExpressionTimezone "Etc/UTC"; every message says "UTC"."""
    schedule = parse_schedule("cron(0 5 * * ? *)", "Etc/UTC")
    assert schedule.cadence == "daily at 05:00 UTC"
    check = check_run(schedule, last_execution=at(2026, 11, 25, 5, 10), created=at(2026, 10, 1), start_window_hours=1,
                      now=at(2026, 11, 28, 9))
    assert check.summary == "last ran 3 days ago, daily plan (due 28 Nov 05:00 UTC; 3 runs missed)"
