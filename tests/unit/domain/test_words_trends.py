"""bot.domain.words, trends and comparisons (issue 23, items 4-5): one bar per day, better and worse said the same
way with the same colours everywhere, small numbers in counts, one relative-time form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.words import (
    BARS,
    BETTER_ICON,
    SAME_ICON,
    SMALL_COUNTS,
    WORSE_ICON,
    ago_text,
    bars,
    change_text,
    daily_counts,
    success_text,
    trend_line,
)


def test_a_trend_has_one_bar_per_day_zeros_at_the_bottom() -> None:
    last = date(2026, 12, 5)
    series = daily_counts({last: 4, last - timedelta(days=2): 2}, last)
    assert len(series) == 14 and series[0][0] == date(2026, 11, 22)
    line = trend_line(series)
    assert line == "`▁▁▁▁▁▁▁▁▁▁▁▅▁█` failed + aborted per day, 22 Nov – 5 Dec (14 days, oldest first)"
    assert bars([0, 0]) == "▁▁" and bars([]) == "" and trend_line(()) == "no days of failed + aborted to show"


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=40))
def test_bars_keep_every_value_and_the_highest_is_the_top(values: list[int]) -> None:
    drawn = bars(values)
    assert len(drawn) == len(values) and set(drawn) <= set(BARS)
    if any(values):
        assert drawn[values.index(max(values))] == BARS[-1]


def test_fewer_is_better_and_green_more_is_worse_and_red() -> None:
    assert change_text(1, 4.0) == f"{BETTER_ICON} *better:* 1 vs 4.0 a day on average in the 7 days before"
    assert change_text(6, 2.0) == f"{WORSE_ICON} *worse:* 6 vs 2.0 a day on average in the 7 days before"
    assert change_text(80, 100.0) == f"{BETTER_ICON} *better:* 80 is ▼ 20% vs 100.0 a day in the 7 days before"
    assert change_text(130, 100.0) == f"{WORSE_ICON} *worse:* 130 is ▲ 30% vs 100.0 a day in the 7 days before"
    assert change_text(3, None) == ""
    assert change_text(0, 0.0) == f"{SAME_ICON} the same: none in the 7 days before either"
    assert change_text(2, 0.0) == f"{WORSE_ICON} *worse:* none in the 7 days before"


def test_small_counts_are_no_dramatic_percentages() -> None:
    """3 against 2.6 was "▲ +17%" in red; it is about the same, said in counts."""
    assert change_text(3, 2.6) == f"{SAME_ICON} *about the same:* 3 vs 2.6 a day on average in the 7 days before"
    assert change_text(102, 100.0).startswith(f"{SAME_ICON} *about the same:* 102 vs 100.0")  # within 5%


@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0.1, max_value=10_000))
def test_direction_and_colour_always_agree(count: int, average: float) -> None:
    said = change_text(count, average)
    if WORSE_ICON in said:
        assert count > average and "worse" in said and "▼" not in said
    elif BETTER_ICON in said:
        assert count < average and "better" in said and "▲" not in said
    else:
        assert "about the same" in said and "▲" not in said and "▼" not in said
    if max(count, average) < SMALL_COUNTS:
        assert "%" not in said


def test_a_success_rate_of_a_few_restores_is_counts() -> None:
    assert success_text(2, 3) == "2 of 3 finished restores" and success_text(1, 1) == "1 of 1 finished restore"
    assert success_text(88, 100) == "88.0% of finished restores" and success_text(0, 0) == "no finished restores"


def test_one_relative_time_form() -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert [ago_text(now - delta, now) for delta in (timedelta(seconds=20), timedelta(minutes=12), timedelta(hours=6),
                                                     timedelta(hours=47), timedelta(days=3))] == [
        "just now", "12 min ago", "6 h ago", "47 h ago", "3 days ago"]
    assert ago_text(now + timedelta(minutes=5), now) == "just now"  # a clock a little ahead is not "-5 min ago"
