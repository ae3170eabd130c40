"""The bot's words for windows, counts, states and days (pure): every surface (answers, jobs, tests, digest, alerts,
Home, notices, help) says them through here, so a window, a count or a state reads the same everywhere.

Windows come in two kinds, and each answer states its own in one of these two forms:
- a span of whole UTC days, as AWS's daily counts (ListRestoreJobSummaries) cover them: "5 Dec 00:00 – 6 Dec 00:00 UTC";
- a rolling window ending at a moment, as job lists and restore tests read them: "last 24 h, to 6 Dec 07:09 UTC"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime, timedelta

from bot.domain.query import AGGREGATE_ALL, ANY, COMMAND, RestoreFilter, Span, State

# The one name of the bot's time zone: never "Etc/UTC", "Z" or "+00:00" in a message.
UTC_NAME = "UTC"
# The daily series every trend shows (answers' `daily`, the digest, the Home tab, the chart): one bar per UTC day.
SERIES_DAYS = 14


def utc_zone_name(name: str) -> str:
    """A time zone's name as messages show it: the aliases of UTC are "UTC"."""
    bare = name.upper().removeprefix("ETC/")
    return UTC_NAME if bare in ("UTC", "UCT", "GMT", "ZULU", "UNIVERSAL", "GREENWICH") else name


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def moment_text(moment: datetime, *, year: bool = False) -> str:
    """A moment: "6 Dec 07:09 UTC" ("6 Dec 2026 07:09 UTC" with `year`)."""
    at = _utc(moment)
    return f"{at.day} {at:%b}{f' {at:%Y}' if year else ''} {at:%H:%M} {UTC_NAME}"


def day_text(day: date) -> str:
    """A UTC day: "Sat 5 Dec"."""
    return f"{day:%a} {day.day} {day:%b}"


def window_text(start: datetime, end: datetime) -> str:
    """A fixed window, as AWS's daily counts cover it: "5 Dec 00:00 – 6 Dec 00:00 UTC"."""
    first, last = _utc(start), _utc(end)
    year = first.year != last.year
    head = f"{first.day} {first:%b}{f' {first:%Y}' if year else ''} {first:%H:%M}"
    return f"{head} – {moment_text(last, year=year)}"


def duration_text(length: timedelta) -> str:
    """A rolling window's length: "24 h" up to a day, else "7 days"."""
    hours = length.total_seconds() / 3600
    if hours <= 24:
        return f"{round(hours)} h"
    days = round(hours / 24)
    return plural(days, "day")


def last_days_text(days: int) -> str:
    """A rolling window of whole days in a title or a sentence: "last 24 h" for one, else "last 7 days"."""
    return f"last {duration_text(timedelta(days=days))}"


def rolling_text(length: timedelta, end: datetime) -> str:
    """A rolling window ending at `end`: "last 24 h, to 6 Dec 07:09 UTC"."""
    return f"last {duration_text(length)}, to {moment_text(end)}"


def days_window(last_day: date, days: int = 1) -> tuple[datetime, datetime]:
    """The `days` whole UTC days ending with `last_day`, as moments (start inclusive, end exclusive)."""
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), UTC)
    return end - timedelta(days=days), end


def series_days(last_day: date, days: int = SERIES_DAYS) -> tuple[date, ...]:
    """The days of a daily series ending with `last_day`, oldest first: one bar per day, none skipped."""
    return tuple(last_day - timedelta(days=offset) for offset in reversed(range(days)))


def daily_counts(counts: Mapping[date, int], last_day: date, days: int = SERIES_DAYS) -> tuple[tuple[date, int], ...]:
    """A series of `days` days ending with `last_day`, zero for a day with no count (AWS sends no row for it)."""
    return tuple((day, counts.get(day, 0)) for day in series_days(last_day, days))


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """A count and its noun, agreed: "1 aborted job", "2 restore jobs", "1,204 jobs". `noun` may carry words before
    the counted noun ("aborted job"); only its last word takes the plural."""
    if count == 1:
        return f"1 {noun}"
    return f"{count:,} {plural_form or _plural_of(noun)}"


def nonzero(*parts: tuple[int, str]) -> list[str]:
    """The texts whose count is not zero, in order: a list of counts never says "0 timed out"."""
    return [text for count, text in parts if count]


def _plural_of(noun: str) -> str:
    head, _, last = noun.rpartition(" ")
    if last.endswith(("s", "x", "sh", "ch")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}" if head else last


def jobs_text(count: int, state: str | None = None) -> str:
    """A count of restore jobs of one state (or any): "1 failed restore job", "3 restore jobs"."""
    return plural(count, f"{state_word(state)} restore job" if state and state_word(state) else "restore job")


# The order states are shown in, everywhere: what needs attention first (failed before aborted).
STATE_ORDER: tuple[State, ...] = tuple(sorted((s for s in State if not s.is_wildcard), key=lambda s: s.rank))


def state_word(state: str | None) -> str:
    """A state in a sentence: "failed", "aborted"; "" for any state."""
    if state is None:
        return ""
    known = State.of(state)
    if known is not None and known.is_wildcard:
        return ""
    return str(state).lower()


def state_title(state: str) -> str:
    """A state as a label: "Failed", "Aborted", "All states"."""
    known = State.of(state)
    if known is not None and known.is_wildcard:
        return "All states"
    return str(state).capitalize()


def ordered_states(states: Iterable[str]) -> list[str]:
    """States in display order (failed, aborted, completed, …), states this bot does not know last, by name."""
    return sorted(dict.fromkeys(states), key=lambda s: (State.rank_of(s), s))


def states_text(counts: Mapping[str, int], *, zeros: bool = False) -> str:
    """Counts per state in one phrase, failed first: "2 failed, 1 aborted". Zero counts are left out unless `zeros`."""
    return ", ".join(f"{counts[s]:,} {state_word(s) or s}" for s in ordered_states(counts) if zeros or counts[s])


def trend_days(values: Sequence[int]) -> str:
    """How many days a series holds: "14 days"."""
    return plural(len(values), "day")


def counts_window(span: Span, last_day: date) -> tuple[datetime, datetime]:
    """The whole UTC days AWS's counts cover for a window word, `last_day` being the newest AWS has summarised
    (yesterday in UTC): `1d` that day, `7d` the 7 days to it, `14d` and `daily` the 14 days to it."""
    return days_window(last_day, span.days)


def span_title(span: Span, last_day: date | None = None) -> str:
    """A window word in a title: "Sat 5 Dec" (the last day, when known), "last 7 days", "per day, last 14 days"."""
    if span is Span.DAY and last_day is not None:
        return day_text(last_day)
    return span.label


def counts_window_text(span: Span, start: datetime, end: datetime) -> str:
    """What a count covers, said the same in every answer: "5 Dec 00:00 – 6 Dec 00:00 UTC (the last full UTC day
    AWS has counted)"."""
    what = {
        Span.DAY: "the last full UTC day AWS has counted",
        Span.SEVEN_DAYS: "the last 7 full UTC days AWS has counted",
        Span.FOURTEEN_DAYS: "the last 14 full UTC days AWS has counted",
        Span.DAILY: "per UTC day, the last 14 full days AWS has counted",
    }[span]
    return f"{window_text(start, end)} ({what})"


OWN_UNKNOWN = "the bot's own account (id not known)"  # said once, where the id could not be read


def mark_own(shown: str, account: str, own_account: str | None) -> str:
    """An account as shown ("111122223333", "management · 1111…3333") with "(the bot's own)" after it when it is the
    bot's: the one form of the bot's own account on every surface."""
    return f"{shown} (the bot's own)" if own_account and account == own_account else shown


def own_account_text(own_account: str | None, visible: AbstractSet[str] | None = None) -> str:
    """The bot's own account in words: "account 111122223333 (the bot's own)"; "the bot's own account" where a scope
    (`visible`) leaves it out (a scoped channel is shown no other account's id); OWN_UNKNOWN when AWS did not say it."""
    if not own_account:
        return OWN_UNKNOWN
    if visible is not None and own_account not in visible:
        return "the bot's own account"
    return account_text(None, own_account)


def account_text(account: str | None, own_account: str | None = None) -> str:
    """Whose jobs: "account 111122223333 (the bot's own)" when the bot's account is known; never an unnamed "own"."""
    if account is None:
        return f"account {mark_own(own_account, own_account, own_account)}" if own_account else OWN_UNKNOWN
    return {ANY: "every account in the organization", AGGREGATE_ALL: "all accounts, summed"}.get(
        account, f"account {account}"
    )


def unit_accounts_text(flt: RestoreFilter) -> str | None:
    """An `ou:` answer's accounts: "the 2 accounts of ou:Production (nested OUs included)"; None for any other."""
    if flt.unit is None or flt.visible_accounts is None or flt.account != ANY:
        return None
    return f"the {plural(len(flt.visible_accounts), 'account')} of ou:{flt.unit} (nested OUs included)"


def scope_text(flt: RestoreFilter, own_account: str | None = None) -> str:
    """A filter's scope in one line: states · types · accounts · regions."""
    accounts = account_text(flt.account, own_account)
    if flt.visible_accounts is not None:
        listed = "accounts " + ", ".join(sorted(flt.visible_accounts)) + " (this channel's scope)"
        accounts = unit_accounts_text(flt) or listed
    types = {ANY: "every resource type", AGGREGATE_ALL: "all resource types, summed"}.get(
        flt.resource_type, f"type {flt.resource_type}"
    )
    states = {ANY: "every state", AGGREGATE_ALL: "all states, summed"}.get(flt.state, f"state {flt.state}")
    regions = ", ".join(flt.regions) if flt.regions else "no region"
    return f"{states} · {types} · {accounts} · {regions}"


def jobs_command(flt: RestoreFilter, span: Span = Span.DAY, command: str = COMMAND) -> str:
    """The command that lists the jobs behind a filter's counts over the rolling `span` (default: the last 24 h, which
    holds today's jobs): "/restores jobs failed 1d type:EBS region:eu-west-1"."""
    parts = [command, "jobs", state_word(flt.state) if flt.state.listable else "state:ANY", span.value]
    parts += flt.selection()
    if flt.regions:
        parts.append("region:" + ",".join(flt.regions))
    return " ".join(parts)


def covering_span(start: datetime, now: datetime) -> Span:
    """The shortest job-list window (rolling, ending `now`) that holds everything since `start`: what a notice about a
    gap (alerts not checked since `start`) offers to type."""
    for span in (Span.DAY, Span.SEVEN_DAYS, Span.FOURTEEN_DAYS):
        if now - timedelta(days=span.days) <= start:
            return span
    return Span.FOURTEEN_DAYS


# Why today is not in a count, and what lists it: every counts answer over whole days says this.
def today_not_counted(listing: str) -> str:
    """`listing`: the command that lists them (jobs_command)."""
    return f"today's jobs are not in AWS's daily counts yet: `{listing}` lists them"


# --- Trends and comparisons (the digest, the Home tab, the chart's text): one bar per day, better/worse in words. ---

BARS = "▁▂▃▄▅▆▇█"
# Below this many a day (the day's count and the average both), a change is said in counts, not percent: 3 against an
# average of 2.6 is "+15%", which reads as a trend where there is none.
SMALL_COUNTS = 20
BETTER_ICON = ":large_green_circle:"  # fewer failed or aborted jobs than usual
WORSE_ICON = ":red_circle:"  # more than usual
SAME_ICON = ":white_circle:"


def bars(values: Sequence[int]) -> str:
    """A series as one bar per value (a day with none is the lowest bar, never left out)."""
    top = max(values, default=0)
    if top <= 0:
        return BARS[0] * len(values)
    return "".join(BARS[min(len(BARS) - 1, round(v / top * (len(BARS) - 1)))] for v in values)


def trend_line(series: Sequence[tuple[date, int]], what: str = "failed + aborted") -> str:
    """A daily series in one line, oldest first: "`▁▃…` failed + aborted per day, 22 Nov – 5 Dec (14 days)"."""
    values = [n for _, n in series]
    if not series:
        return f"no days of {what} to show"
    span = f"{series[0][0].day} {series[0][0]:%b} – {series[-1][0].day} {series[-1][0]:%b}"
    return f"`{bars(values)}` {what} per day, {span} ({trend_days(values)}, oldest first)"


def change_text(count: int, average: float | None, *, days: int = 7) -> str:
    """A day's failed + aborted against the average of the `days` before it, as better or worse: fewer is better
    (green), more is worse (red); small numbers are compared in counts ("3 vs 2.6 a day"), larger ones in percent.
    "" without that history."""
    if average is None:
        return ""
    before = f"the {days} days before"
    if average == 0:
        if count == 0:
            return f"{SAME_ICON} the same: none in {before} either"
        return f"{WORSE_ICON} *worse:* none in {before}"
    difference = count - average
    small = max(count, average) < SMALL_COUNTS
    # Within half a job (or, for larger numbers, within 5%) of the average is no change worth a colour.
    if abs(difference) < 0.5 or (not small and abs(difference) / average < 0.05):
        return f"{SAME_ICON} *about the same:* {count:,} vs {average:.1f} a day on average in {before}"
    word, icon = ("better", BETTER_ICON) if difference < 0 else ("worse", WORSE_ICON)
    if small:
        return f"{icon} *{word}:* {count:,} vs {average:.1f} a day on average in {before}"
    arrow = "▲" if difference > 0 else "▼"
    return f"{icon} *{word}:* {count:,} is {arrow} {abs(difference) / average * 100:.0f}% vs {average:.1f} a day in {before}"


def success_text(completed: int, finished: int) -> str:
    """A success rate that does not dramatise a few jobs: "2 of 3 finished restores" under SMALL_COUNTS finished,
    "88.0% of finished restores" above."""
    if not finished:
        return "no finished restores"
    if finished < SMALL_COUNTS:
        return f"{completed:,} of {plural(finished, 'finished restore')}"
    return f"{completed / finished * 100:.1f}% of finished restores"


def ago_text(moment: datetime, now: datetime) -> str:
    """How long ago, in one form everywhere: "just now", "12 min ago", "6 h ago", "3 days ago"."""
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{plural(int(seconds // 86400), 'day')} ago"
