"""The Chart button's words: the command that answers the filter, the series with its scope as title, what the channel's
message says, and the text fallbacks (why no chart, the 14 days as lines, which regions are missing), every outside
value inert. Fixed dates: nothing here reads a clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.charts.render import DAYS
from bot.charts.trend import (
    MAX_CHART_TITLE,
    chart_command,
    chart_comment,
    chart_series,
    render_chart_partial,
    render_chart_posted,
    render_chart_text,
)
from bot.domain.query import Period, RestoreFilter, State
from bot.domain.results import FailureKind, RegionFailure, SummaryResult, SummaryRow
from tests.support import all_texts, assert_inert, assert_within_slack_limits

LAST = date(2026, 3, 14)


def row(day: date, state: str, count: int, region: str = "us-east-1") -> SummaryRow:
    start = datetime.combine(day, datetime.min.time(), UTC)
    return SummaryRow(region, "111122223333", state, "EBS", count, start, start + timedelta(days=1))


def result(flt: RestoreFilter, rows: list[SummaryRow], failures: tuple[RegionFailure, ...] = (),
           truncated: tuple[str, ...] = ()) -> SummaryResult:
    return SummaryResult(filter=flt, period=Period.ONE_DAY, rows=tuple(rows), failures=failures, truncated=truncated)


FILTER = RestoreFilter(state=State.FAILED, period=Period.ONE_DAY, resource_type="EBS", account="111122223333",
                       regions=("us-east-1", "eu-west-1"))
ROWS = [row(LAST, "FAILED", 3), row(LAST, "ABORTED", 1), row(LAST, "COMPLETED", 40),
        row(LAST - timedelta(days=13), "FAILED", 2, "eu-west-1"), row(LAST - timedelta(days=14), "FAILED", 99)]


def test_the_command_is_the_filters_canonical_text() -> None:
    assert chart_command(FILTER) == "/restores state:FAILED daily type:EBS account:111122223333 region:us-east-1,eu-west-1"
    assert chart_command(RestoreFilter(), "/restores-staging") == "/restores-staging state:ANY 7d"


def test_the_series_is_the_14_days_ending_with_the_last_one() -> None:
    series = chart_series(result(FILTER, ROWS), LAST)
    assert len(series.days) == DAYS and series.days[0] == LAST - timedelta(days=13) and series.days[-1] == LAST
    assert series.highlight == LAST
    assert (series.failed[-1], series.aborted[-1], series.completed[-1]) == (3, 1, 40)
    assert series.failed[0] == 2 and sum(series.failed) == 5  # the 15th day back is not in the chart


def test_the_title_names_the_scope_and_leaves_wildcards_out() -> None:
    title = chart_series(result(FILTER, ROWS), LAST).title
    assert title == "Restore jobs per UTC day — type EBS · account 111122223333 · us-east-1, eu-west-1"
    wild = RestoreFilter(resource_type="ANY", account="AGGREGATE_ALL", regions=("us-east-1",))
    assert chart_series(result(wild, []), LAST).title == "Restore jobs per UTC day — us-east-1"
    assert "(sample data)" in chart_series(result(wild, []), LAST, sample=True).title
    assert "(sample data)" not in title


def test_a_long_title_is_clipped_to_what_the_picture_holds() -> None:
    regions = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1",
               "ap-southeast-1", "ap-southeast-2", "ap-northeast-1")
    title = chart_series(result(RestoreFilter(regions=regions), []), LAST).title
    assert len(title) == MAX_CHART_TITLE and title.endswith("…")


def test_the_comment_carries_the_numbers_a_notification_shows() -> None:
    series = chart_series(result(FILTER, ROWS), LAST)
    comment = chart_comment(series, chart_command(FILTER))
    assert comment.endswith(": 5 failed, 1 aborted, 40 completed")  # the 14 days' rows: 2 + 3 failed, 1 aborted
    assert f"{DAYS}-day" in comment and "`/restores state:FAILED daily" in comment


def test_outside_text_in_the_comment_and_confirmation_is_inert() -> None:
    series = chart_series(result(FILTER, ROWS), LAST)
    hostile = "/restores <!channel> `<@U0BOSS>`"
    comment = chart_comment(series, hostile)
    assert "<!channel>" not in comment and "&lt;!channel&gt;" in comment and comment.count("`") == 2
    posted = render_chart_posted(hostile)
    for block_text in all_texts(posted)[1:]:
        assert "<!channel>" not in block_text


def test_the_text_fallback_lists_every_day_oldest_first_and_says_why() -> None:
    series = chart_series(result(FILTER, ROWS), LAST)
    message = render_chart_text(series, chart_command(FILTER), "the app lacks <files:write>")
    assert "No chart posted (the app lacks <files:write>)" in message.text
    why, trend = message.block_dicts()
    assert why["text"]["text"] == ":warning: No chart posted: the app lacks &lt;files:write&gt;."
    lines = trend["text"]["text"].splitlines()
    assert len(lines) == 1 + 1 + DAYS  # title, sparkline, one line per day
    first = LAST - timedelta(days=13)
    assert lines[1].startswith("`") and len(lines[1].split("`")[1]) == DAYS  # one bar per day
    assert lines[1].endswith(f"failed + aborted per day, {first.day} {first:%b} – {LAST.day} {LAST:%b} (14 days, oldest first)")
    assert lines[2] == f"`{first:%a} {first.day} {first:%b}` 2 failed, 0 aborted, 0 completed"
    assert lines[-1] == f"`{LAST:%a} {LAST.day} {LAST:%b}` 3 failed, 1 aborted, 40 completed"
    assert_within_slack_limits(message.block_dicts())


def test_partial_numbers_get_no_picture_but_lower_bounds_and_the_missing_regions() -> None:
    failure = RegionFailure("eu-west-1", FailureKind.ACCESS_DENIED, "not authorized <!here> backup:List*")
    partial = result(FILTER, ROWS, failures=(failure,), truncated=("us-east-1",))
    message = render_chart_partial(partial, chart_series(partial, LAST), chart_command(FILTER))
    text = "\n".join(all_texts(message))
    assert "lower bound" in text and "eu-west-1" in text and "not authorized" in text and "us-east-1" in text
    assert "No region could be queried" not in text
    assert message.block_dicts()[-1]["type"] == "context"
    assert_inert(message)
    assert_within_slack_limits(message.block_dicts())


def test_no_region_answering_is_said_plainly() -> None:
    failures = tuple(RegionFailure(r, FailureKind.TIMEOUT, "timed out") for r in FILTER.regions)
    nothing = result(FILTER, [], failures=failures)
    message = render_chart_partial(nothing, chart_series(nothing, LAST), chart_command(FILTER))
    first = message.block_dicts()[0]["text"]["text"]
    assert "No region could be queried" in first
    assert "failed or aborted per day" not in "\n".join(all_texts(message))
    assert "_Numbers above exclude" not in "\n".join(all_texts(message))  # nothing above to exclude from
