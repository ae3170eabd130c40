"""AWS Backup restore testing schedules: parse cron()/rate() expressions and say whether a plan ran on schedule (pure)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# APScheduler 3's CronTrigger, not a cron library: it is already a dependency (the digest clock), it does the field
# arithmetic, and it knows "last", "last fri" and "2nd tue", most of what AWS's Quartz-style extensions need. Its
# time zone handling is bypassed, though (see _Cron): across DST changes it skips runs.
from apscheduler.triggers.cron import CronTrigger

from bot.domain.words import ago_text, plural, utc_zone_name

DEFAULT_START_WINDOW_HOURS = 24  # AWS's default when a plan leaves StartWindowHours out
MAX_START_WINDOW_HOURS = 168
MAX_MISSED_RUNS = 100  # counting further says nothing more, and an every-minute plan would count for long

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # CronTrigger's first year; AWS accepts 1970-2199 too
_LAST_YEAR = 2199
_TICK = timedelta(microseconds=1)
_MINUTE = timedelta(minutes=1)
_GAP_SAMPLES = 12
# Times first_from rejects: at most 5 days a month for the W rule (a day at a time), 60 a DST change; 230 years fit.
_MAX_SKIPS = 20_000

# Spelled out rather than calendar.month_abbr, which follows the process locale.
_MONTHS = {name: number for number, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_AWS_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_APS_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # APScheduler's names, by Python weekday()
_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_NTH = ("1st", "2nd", "3rd", "4th", "5th")  # APScheduler's and English ordinals alike
_LAST_DAY = 0  # the day number the W rule uses for LW


class ScheduleError(ValueError):
    """A schedule expression or time zone the bot cannot read; the message says what is wrong and what is accepted."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    accepts: str
    names: dict[str, int] = field(default_factory=dict)

    @property
    def every(self) -> frozenset[int]:
        return frozenset(range(self.low, self.high + 1))


_MINUTES = _Field("minutes", 0, 59, "0-59 with , - * /")
_HOURS = _Field("hours", 0, 23, "0-23 with , - * /")
_DAYS = _Field("day-of-month", 1, 31, "1-31, L, LW, nW, ? or * with , - /")
_MONTH = _Field("month", 1, 12, "1-12 or JAN-DEC with , - * /", _MONTHS)
_WEEKDAY = _Field("day-of-week", 1, 7, "1-7 or SUN-SAT (1 = SUN), xL, x#n, ? or * with , -", _AWS_WEEKDAYS)
_YEAR = _Field("year", 1970, _LAST_YEAR, "1970-2199 with , - * /")

_CRON = re.compile(r"cron\((?P<body>[^()]*)\)", re.IGNORECASE)
_RATE = re.compile(r"rate\(\s*(?P<value>[0-9]{1,6})\s+(?P<unit>minutes?|hours?|days?)\s*\)", re.IGNORECASE)
_ACCEPTED = "expected cron(Minutes Hours Day-of-month Month Day-of-week Year) or rate(N minutes|hours|days)"


def _python_weekday(aws_day: int) -> int:
    return (aws_day + 5) % 7  # AWS counts 1 = SUN .. 7 = SAT; Python 0 = Mon .. 6 = Sun


def _nearest_weekday(year: int, month: int, day: int) -> date | None:
    """Quartz's W: the weekday nearest `day` without leaving the month (1W on a Saturday is Monday the 3rd).
    A month without that day has none, as a plain day number would not fire in it either."""
    length = calendar.monthrange(year, month)[1]
    day = length if day == _LAST_DAY else day
    if day > length:
        return None
    wanted = date(year, month, day)
    if wanted.weekday() == 5:
        return wanted - timedelta(days=1) if day > 1 else wanted + timedelta(days=2)
    if wanted.weekday() == 6:
        return wanted + timedelta(days=1) if day < length else wanted - timedelta(days=2)
    return wanted


@dataclass(frozen=True, eq=False)
class _Cron:
    """The CronTrigger for an AWS cron, run on the plan's wall clock, and the W rule it cannot express (a filter).

    The trigger is a UTC one fed local wall-clock times, and the zone is applied afterwards: APScheduler 3.11 adds
    its field increments in UTC, so across a DST change it lands an hour off and skips runs (its own Berlin trigger
    for 00:30 daily goes from 29 Mar 2026 straight to 31 Mar; for midnight on the 1st, from March to May). On the
    wall clock there is no DST, and the zone's rule is EventBridge Scheduler's documented one, which restore testing
    is taken to share: a time the spring change skips does not run that day; one the autumn change repeats runs
    once, at its first occurrence."""

    trigger: CronTrigger  # timezone=UTC, over wall-clock times
    zone: ZoneInfo
    nearest: int | None  # nW: the day n, or _LAST_DAY for LW

    def first_from(self, at: datetime) -> datetime | None:
        """The earliest scheduled instant >= `at`, in UTC."""
        # fold=0, or a start in a repeated hour's second pass would hand its fold=1 on to what the trigger returns.
        wall = at.astimezone(self.zone).replace(tzinfo=UTC, fold=0)
        for _ in range(_MAX_SKIPS):
            found: datetime | None = self.trigger.get_next_fire_time(None, wall)
            if found is None:
                return None
            instant = found.replace(tzinfo=self.zone, fold=0).astimezone(UTC)  # a repeated time's first occurrence
            if self.nearest is not None and found.date() != _nearest_weekday(found.year, found.month, self.nearest):
                # Every time on a day the W rule rejects is rejected too: go on from the next midnight.
                wall = datetime.combine(found.date() + timedelta(days=1), time(), tzinfo=UTC)
            elif instant.astimezone(self.zone).replace(tzinfo=UTC) != found or instant < at:
                wall = found + _TICK  # skipped by the spring change, or repeated and its first occurrence is past
            else:
                return instant
        return None

    def last_until(self, at: datetime) -> datetime | None:
        """The latest fire time <= `at`. CronTrigger only looks forward, so look back from `at` in windows growing
        4× (a daily plan finds a run within ~7 tries, a yearly or year-limited one within ~15, and the search stops at
        1970), then bisect inside the window: each step asks for the first fire time after a midpoint, so a window
        holding a thousand every-minute runs costs ~10 steps, not a thousand."""
        back = _MINUTE
        while True:
            start = EPOCH if back >= at - EPOCH else at - back
            found = self.first_from(start)
            if found is not None and found <= at:
                break
            if start == EPOCH:
                return None
            back *= 4
        # Invariant: `best` is a scheduled instant <= at, and none lies in [high, at]. Scheduled instants are at least a
        # minute apart (DST included: skipped times never run, repeated ones run once), so once high - best <= 1 minute
        # none lies strictly between them either.
        best, high = found, at + _TICK
        while high - best > _MINUTE:
            middle = best + (high - best) / 2
            found = self.first_from(middle)
            if found is not None and found <= at:
                best = found
            else:
                high = middle
        return best


@dataclass(frozen=True)
class Schedule:
    """A parsed ScheduleExpression in its time zone. Times in and out are aware; results are in UTC."""

    expression: str
    timezone: ZoneInfo
    cadence: str  # in words: "daily at 05:00 UTC", or "on schedule cron(…)" when there is no short way to say it
    nominal_period: timedelta | None  # the typical gap between runs; None for a schedule that runs once
    # rate() only: runs fall at anchor + k × period. AWS counts from the plan's creation, which the expression does
    # not say; check_run anchors at the last run (or the creation), parse_schedule at 1970.
    anchor: datetime | None = None
    _cron: _Cron | None = field(default=None, repr=False, compare=False)

    def previous(self, at: datetime) -> datetime | None:
        """The latest scheduled time <= `at`; None if there is none (1970 or the schedule's years come later)."""
        at = _utc(at, "at")
        if self._cron is not None:
            return self._cron.last_until(at)
        period, anchor = self._rate()
        return None if at < anchor else anchor + period * ((at - anchor) // period)

    def next(self, at: datetime) -> datetime | None:
        """The earliest scheduled time > `at`; None if the schedule's last year (at most 2199) is over."""
        at = _utc(at, "at")
        if self._cron is not None:
            return self._cron.first_from(at + _TICK)
        period, anchor = self._rate()
        return anchor if at < anchor else anchor + period * ((at - anchor) // period + 1)

    def anchored(self, start: datetime) -> Schedule:
        """This schedule with rate() runs counted from `start`; a cron() schedule is returned as it is."""
        return self if self._cron is not None else replace(self, anchor=_utc(start, "start"))

    def _rate(self) -> tuple[timedelta, datetime]:
        assert self.nominal_period is not None and self.anchor is not None  # parse_schedule sets both for rate()
        return self.nominal_period, self.anchor


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


def _zone(name: str | None) -> ZoneInfo:
    if not name:
        return ZoneInfo("UTC")  # AWS's default when ScheduleExpressionTimezone is absent
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r}: expected an IANA name such as Europe/Berlin or UTC") from None


def parse_schedule(expression: str, timezone: str | None = None) -> Schedule:
    """Read a restore testing plan's ScheduleExpression and ScheduleExpressionTimezone (absent: UTC)."""
    zone = _zone(timezone)
    text = expression.strip()
    if rate := _RATE.fullmatch(text):
        return _parse_rate(text, zone, int(rate["value"]), rate["unit"].lower().rstrip("s"))
    if cron := _CRON.fullmatch(text):
        return _parse_cron(text, zone, cron["body"])
    if text.lower().startswith(("cron(", "rate(")):
        raise ScheduleError(f"{_clip(text)} is malformed: {_ACCEPTED}")
    raise ScheduleError(f"unsupported schedule expression {_clip(text)!r}: {_ACCEPTED}")


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_rate(text: str, zone: ZoneInfo, value: int, unit: str) -> Schedule:
    if value < 1:
        raise ScheduleError(f"{text} runs never: the rate must be at least 1")
    period = timedelta(**{f"{unit}s": value})
    words = {"minute": "every minute", "hour": "hourly", "day": "daily"}
    cadence = words[unit] if value == 1 else f"every {value} {unit}s"
    return Schedule(text, zone, cadence, period, anchor=EPOCH)


def _parse_cron(text: str, zone: ZoneInfo, body: str) -> Schedule:
    parts = body.split()
    if len(parts) != 6:
        raise ScheduleError(f"{_clip(text)} has {len(parts)} fields; AWS cron needs 6: Minutes Hours Day-of-month "
                            "Month Day-of-week Year (e.g. cron(0 5 ? * * *))")
    minute_text, hour_text, day_text, month_text, weekday_text, year_text = parts
    minutes, hours = _values(_MINUTES, minute_text), _values(_HOURS, hour_text)
    months, years = _values(_MONTH, month_text), _values(_YEAR, year_text)
    days = _days(day_text, weekday_text)
    trigger = CronTrigger(
        year=_listed(years, _YEAR), month=_listed(months, _MONTH), day=days.day, day_of_week=days.day_of_week,
        hour=_listed(hours, _HOURS), minute=_listed(minutes, _MINUTES), second="0", timezone=UTC,
        end_date=datetime(_LAST_YEAR, 12, 31, 23, 59, tzinfo=UTC),
    )
    cron = _Cron(trigger, zone, days.nearest)
    first = cron.first_from(EPOCH)
    if first is None:
        raise ScheduleError(f"{_clip(text)} never runs: no date between 1970 and 2199 matches it")
    cadence = _cron_cadence(text, minutes, hours, days.phrase, months == _MONTH.every and years == _YEAR.every, zone)
    return Schedule(text, zone, cadence, _typical_gap(cron, first), _cron=cron)


def _values(spec: _Field, text: str) -> frozenset[int]:
    """A list of numbers, names, ranges (a wrapping one like FRI-MON or 22-2 too, as Quartz reads it) and steps."""
    found: set[int] = set()
    size = spec.high - spec.low + 1
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = _number(spec, step_text, text, steps=True) if slash else 1
        if base == "*":
            first, last = spec.low, spec.high
        elif "-" in base:
            first_text, _, last_text = base.partition("-")
            first, last = _number(spec, first_text, text), _number(spec, last_text, text)
            if spec is _YEAR and last < first:
                raise ScheduleError(f"year field {text!r} is not valid: a range of years must not run backwards")
        else:
            first = _number(spec, base, text)
            last = spec.high if slash else first
        span = (last - first) % size
        found.update(spec.low + (first - spec.low + k) % size for k in range(0, span + 1, step))
    return frozenset(found)


def _number(spec: _Field, token: str, field_text: str, *, steps: bool = False) -> int:
    if not steps and token.upper() in spec.names:
        return spec.names[token.upper()]
    if re.fullmatch(r"[0-9]{1,4}", token):
        value = int(token)
        if (1 <= value <= spec.high) if steps else (spec.low <= value <= spec.high):
            return value
    raise ScheduleError(f"{spec.name} field {field_text!r} is not valid: expected {spec.accepts}")


def _listed(values: frozenset[int], spec: _Field) -> str:
    return "*" if values == spec.every else ",".join(map(str, sorted(values)))


@dataclass(frozen=True)
class _Days:
    """Day-of-month and day-of-week as CronTrigger fields, the W rule, and how to say them (None: no short way)."""

    day: str = "*"
    day_of_week: str = "*"
    nearest: int | None = None
    phrase: str | None = "daily"


def _days(day_text: str, weekday_text: str) -> _Days:
    day_set, weekday_set = day_text not in ("?", "*"), weekday_text not in ("?", "*")
    if day_set and weekday_set:
        raise ScheduleError(f"day-of-month {day_text!r} and day-of-week {weekday_text!r} are both set: AWS needs ? "
                            "in one of them")
    if "?" not in (day_text, weekday_text):
        raise ScheduleError(f"day-of-month {day_text!r} and day-of-week {weekday_text!r}: AWS needs ? in one of "
                            "them (e.g. cron(0 5 ? * * *))")
    if weekday_set:
        return _weekdays(weekday_text.upper())
    if not day_set:
        return _Days()
    upper = day_text.upper()
    if upper == "L":
        return _Days(day="last", phrase="monthly on the last day")
    # W (nearest weekday) is supported exactly, not approximated: the trigger proposes the weekdays a W day can land
    # on (n-2..n+2; LW: 26-31) and _Cron keeps only the one _nearest_weekday picks, so no false "late" on a Friday.
    if upper == "LW":
        return _Days(day="26-31", day_of_week="mon-fri", nearest=_LAST_DAY, phrase="monthly on the last weekday")
    if upper.endswith("W"):
        n = _number(_DAYS, upper[:-1], day_text)
        return _Days(day=f"{max(1, n - 2)}-{min(31, n + 2)}", day_of_week="mon-fri", nearest=n,
                     phrase=f"monthly on the weekday nearest day {n}")
    days = sorted(_values(_DAYS, day_text))
    if len(days) > 3:
        return _Days(day=",".join(map(str, days)), phrase=None)
    listed = " and ".join(map(str, days))
    return _Days(day=",".join(map(str, days)), phrase=f"monthly on day{'s' * (len(days) > 1)} {listed}")


def _weekdays(text: str) -> _Days:
    if text == "L":
        text = "SAT"  # L alone is the week's last day
    if "#" in text:
        day_text, _, nth_text = text.partition("#")
        weekday = _python_weekday(_number(_WEEKDAY, day_text, text))
        if nth_text not in ("1", "2", "3", "4", "5"):
            raise ScheduleError(f"day-of-week {text!r}: after # comes which week of the month, 1-5 (e.g. MON#2)")
        nth = _NTH[int(nth_text) - 1]
        return _Days(day=f"{nth} {_APS_WEEKDAYS[weekday]}", phrase=f"monthly on the {nth} {_DAY_LABELS[weekday]}")
    if len(text) > 1 and text.endswith("L"):
        weekday = _python_weekday(_number(_WEEKDAY, text[:-1], text))
        return _Days(day=f"last {_APS_WEEKDAYS[weekday]}", phrase=f"monthly on the last {_DAY_LABELS[weekday]}")
    weekdays = sorted(_python_weekday(d) for d in _values(_WEEKDAY, text))
    labels = [_DAY_LABELS[d] for d in weekdays]
    if len(weekdays) == 7:
        phrase = "daily"
    elif weekdays == [0, 1, 2, 3, 4]:
        phrase = "on weekdays"
    elif len(weekdays) == 1:
        phrase = f"weekly on {labels[0]}"
    else:
        phrase = f"on {', '.join(labels[:-1])} and {labels[-1]}"
    return _Days(day_of_week=",".join(_APS_WEEKDAYS[d] for d in weekdays), phrase=phrase)


def _even_step(values: frozenset[int], size: int) -> int | None:
    """k when `values` is every k-th of 0..size-1 from a start below k (*/k, 3/k): the plan runs every k units."""
    ordered = sorted(values)
    step = ordered[1] - ordered[0] if len(ordered) > 1 else size
    return step if size % step == 0 and ordered[0] < step and values == frozenset(range(ordered[0], size, step)) else None


def _cron_cadence(text: str, minutes: frozenset[int], hours: frozenset[int], phrase: str | None, every_month: bool,
                  zone: ZoneInfo) -> str:
    fallback = f"on schedule {text}"
    if phrase is None or not every_month:
        return fallback
    if len(minutes) == 1 and len(hours) == 1:
        return f"{phrase} at {min(hours):02d}:{min(minutes):02d} {utc_zone_name(zone.key)}"
    if phrase != "daily":
        return fallback
    hour_step, minute_step = _even_step(hours, 24), _even_step(minutes, 60)
    if len(minutes) == 1 and hour_step == 1:
        return f"hourly at :{min(minutes):02d}"
    if len(minutes) == 1 and hour_step:
        return f"every {hour_step} hours from {min(hours):02d}:{min(minutes):02d} {utc_zone_name(zone.key)}"
    if hour_step == 1 and minute_step:
        return "every minute" if minute_step == 1 else f"every {minute_step} minutes"
    return fallback


def _typical_gap(cron: _Cron, first: datetime) -> timedelta | None:
    """The median gap over the first few runs: the DST day's 23 hours or a short February do not set it."""
    times: list[datetime] = [first]
    while len(times) <= _GAP_SAMPLES:
        later = cron.first_from(times[-1] + _TICK)
        if later is None:
            break
        times.append(later)
    gaps = sorted(b - a for a, b in pairwise(times))
    return gaps[len(gaps) // 2] if gaps else None


@dataclass(frozen=True)
class RunCheck:
    """Whether a plan ran on schedule, as of `now`."""

    late: bool
    due: datetime | None  # the latest scheduled run after the plan's creation whose start window has closed
    last_execution: datetime | None
    missed_runs: int  # scheduled runs after the last one (or the creation) whose windows closed, at most MAX_MISSED_RUNS
    summary: str  # "last ran 3 days ago, daily plan (due 28 Nov 05:00 UTC)"


def check_run(schedule: Schedule, *, last_execution: datetime | None, created: datetime,
              start_window_hours: int | None, now: datetime) -> RunCheck:
    """Judge a plan by its LastExecutionTime. AWS sets it when a run starts, and a run may start any time within the
    start window after the scheduled time, so a scheduled run is only missed once its window has closed; a run
    counts for every scheduled time at or before its start."""
    now, created = _utc(now, "now"), _utc(created, "created")
    last = None if last_execution is None else _utc(last_execution, "last_execution")
    hours = DEFAULT_START_WINDOW_HOURS if start_window_hours is None else start_window_hours
    if not 1 <= hours <= MAX_START_WINDOW_HOURS:
        raise ValueError(f"start_window_hours must be 1-{MAX_START_WINDOW_HOURS}, got {hours}")
    since = created if last is None or last < created else last
    # A rate() plan has no fixed phase: count its runs from the last one, so only a whole period plus the window
    # without a run makes it late, however AWS placed the first run.
    schedule = schedule.anchored(since)
    closed = now - timedelta(hours=hours)
    due = schedule.previous(closed)
    if due is None or due <= created:
        quiet = f"last ran {ago_text(last, now)}" if last is not None else f"not due yet (created {ago_text(created, now)})"
        return RunCheck(late=False, due=None, last_execution=last, missed_runs=0, summary=quiet)
    if last is not None and last >= due:
        return RunCheck(late=False, due=due, last_execution=last, missed_runs=0, summary=f"last ran {ago_text(last, now)}")
    missed = 0
    scheduled = schedule.next(since)
    while scheduled is not None and scheduled <= closed and missed < MAX_MISSED_RUNS:
        missed += 1
        scheduled = schedule.next(scheduled)
    count = "" if missed < 2 else f"; {missed}{'+' * (missed == MAX_MISSED_RUNS)} runs missed"
    when = _when(due, schedule.timezone, now)
    if last is None:
        summary = f"never ran; due {when}{count}"
    else:
        summary = f"last ran {ago_text(last, now)}, {_plan_kind(schedule)} (due {when}{count})"
    return RunCheck(late=True, due=due, last_execution=last, missed_runs=missed, summary=summary)


def _plan_kind(schedule: Schedule) -> str:
    period = schedule.nominal_period
    if period is None:
        return f"plan runs {schedule.cadence}"
    named = {timedelta(hours=1): "hourly", timedelta(days=1): "daily", timedelta(days=7): "weekly"}
    if period in named:
        return f"{named[period]} plan"
    if timedelta(days=28) <= period <= timedelta(days=31):
        return "monthly plan"
    if timedelta(days=365) <= period <= timedelta(days=366):
        return "yearly plan"
    return f"plan runs every {_duration(period)}"


def _duration(span: timedelta) -> str:
    for unit, size in (("day", timedelta(days=1)), ("hour", timedelta(hours=1)), ("minute", _MINUTE)):
        if span >= size and span % size == timedelta(0):
            return plural(span // size, unit)
    return plural(round(span.total_seconds()), "second")


def _when(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """`28 Nov 05:00 UTC` in the plan's own zone, the year added when it is not the current one."""
    local = moment.astimezone(zone)
    year = f" {local.year}" if local.year != now.astimezone(zone).year else ""
    return f"{local.day} {local:%b}{year} {local:%H:%M} {utc_zone_name(zone.key)}"
