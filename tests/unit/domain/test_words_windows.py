"""bot.domain.words, the windows, counts, states and scope part: one form for a count's fixed UTC days and one for a
rolling window, counts that agree in number, failed before aborted, a 14-day series with every day, accounts named by
id, and the commands a notice offers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain import words
from bot.domain.query import ANY, RestoreFilter, Span, State

DAY = date(2026, 12, 5)
NOW = datetime(2026, 12, 6, 7, 9, 41, tzinfo=UTC)


def test_a_fixed_window_and_a_rolling_one_each_have_one_form() -> None:
    start, end = words.days_window(DAY)
    assert (start, end) == (datetime(2026, 12, 5, tzinfo=UTC), datetime(2026, 12, 6, tzinfo=UTC))
    assert words.window_text(start, end) == "5 Dec 00:00 – 6 Dec 00:00 UTC"
    assert words.rolling_text(timedelta(hours=24), NOW) == "last 24 h, to 6 Dec 07:09 UTC"
    assert words.rolling_text(timedelta(days=7), NOW) == "last 7 days, to 6 Dec 07:09 UTC"
    assert words.rolling_text(timedelta(days=30), NOW) == "last 30 days, to 6 Dec 07:09 UTC"
    # Across a new year both ends carry theirs; a naive moment is UTC.
    assert words.window_text(datetime(2026, 12, 30), datetime(2027, 1, 6)) == "30 Dec 2026 00:00 – 6 Jan 2027 00:00 UTC"


@pytest.mark.parametrize(
    ("span", "first", "words_after"),
    [(Span.DAY, date(2026, 12, 5), "the last full UTC day AWS has counted"),
     (Span.SEVEN_DAYS, date(2026, 11, 29), "the last 7 full UTC days AWS has counted"),
     (Span.FOURTEEN_DAYS, date(2026, 11, 22), "the last 14 full UTC days AWS has counted"),
     (Span.DAILY, date(2026, 11, 22), "per UTC day, the last 14 full days AWS has counted")],
)
def test_a_counts_window_is_whole_utc_days_up_to_the_last_summarised(span: Span, first: date, words_after: str) -> None:
    start, end = words.counts_window(span, DAY)
    assert (start.date(), end) == (first, datetime(2026, 12, 6, tzinfo=UTC))
    assert words.counts_window_text(span, start, end) == (
        f"{first.day} {first:%b} 00:00 – 6 Dec 00:00 UTC ({words_after})")


def test_titles_say_the_day_for_1d_and_the_span_otherwise() -> None:
    assert words.span_title(Span.DAY, DAY) == "Sat 5 Dec"
    assert words.span_title(Span.DAY) == "last day"
    assert [words.span_title(s, DAY) for s in (Span.SEVEN_DAYS, Span.FOURTEEN_DAYS, Span.DAILY)] == [
        "last 7 days", "last 14 days", "per day, last 14 days"]


@pytest.mark.parametrize(
    ("count", "noun", "said"),
    [(1, "aborted job", "1 aborted job"), (2, "aborted job", "2 aborted jobs"), (0, "restore job", "0 restore jobs"),
     (1204, "restore job", "1,204 restore jobs"), (1, "day", "1 day"), (3, "day", "3 days"),
     (2, "more reason", "2 more reasons"), (2, "account", "2 accounts"), (2, "policy", "2 policies"),
     (2, "region", "2 regions")],
)
def test_counts_agree_in_number(count: int, noun: str, said: str) -> None:
    assert words.plural(count, noun) == said


def test_a_phrase_whose_last_word_is_not_the_noun_takes_its_own_plural() -> None:
    noun = "restored resource not deleted"
    assert words.plural(1, noun, "restored resources not deleted") == "1 restored resource not deleted"
    assert words.plural(2, noun, "restored resources not deleted") == "2 restored resources not deleted"


def test_jobs_of_a_state() -> None:
    assert words.jobs_text(1, State.ABORTED) == "1 aborted restore job"
    assert words.jobs_text(19, "FAILED") == "19 failed restore jobs"
    assert words.jobs_text(2, ANY) == words.jobs_text(2) == "2 restore jobs"


def test_failed_comes_before_aborted_everywhere() -> None:
    assert words.STATE_ORDER[:3] == (State.FAILED, State.ABORTED, State.COMPLETED)
    assert words.ordered_states(["COMPLETED", "NEW_STATE", "ABORTED", "FAILED"]) == [
        "FAILED", "ABORTED", "COMPLETED", "NEW_STATE"]
    assert words.states_text({"ABORTED": 1, "FAILED": 2, "COMPLETED": 0}) == "2 failed, 1 aborted"
    assert words.states_text({"ABORTED": 0, "FAILED": 0}, zeros=True) == "0 failed, 0 aborted"
    assert [words.state_title(s) for s in ("FAILED", "ABORTED", ANY)] == ["Failed", "Aborted", "All states"]


def test_a_daily_series_has_every_day_zeros_included() -> None:
    series = words.daily_counts({date(2026, 11, 26): 4, DAY: 3}, DAY)
    assert len(series) == words.SERIES_DAYS == 14
    assert series[0] == (date(2026, 11, 22), 0) and series[-1] == (DAY, 3)
    assert dict(series)[date(2026, 11, 26)] == 4 and sum(n for _, n in series) == 7
    assert [d for d, _ in series] == [DAY - timedelta(days=13 - i) for i in range(14)]


def test_accounts_are_named_by_id_the_bots_own_included() -> None:
    assert words.account_text(None, "111122223333") == "account 111122223333 (the bot's own)"
    assert words.account_text(None) == "the bot's own account (id not known)"
    assert words.account_text("444455556666") == "account 444455556666"
    assert words.account_text(ANY) == "every account in the organization"
    flt = RestoreFilter(state=State.FAILED, resource_type="EBS", regions=("eu-west-1",))
    assert words.scope_text(flt, "111122223333") == (
        "state FAILED · type EBS · account 111122223333 (the bot's own) · eu-west-1")


def test_the_command_that_lists_what_counts_do_not_hold_yet() -> None:
    flt = RestoreFilter(state=State.FAILED, resource_type="Storage Gateway", account=ANY, regions=("eu-west-1",))
    assert words.jobs_command(flt) == '/restores jobs failed 1d type:"Storage Gateway" account:ANY region:eu-west-1'
    assert words.jobs_command(RestoreFilter(regions=("us-east-1",)), Span.SEVEN_DAYS) == (
        "/restores jobs state:ANY 7d region:us-east-1")
    assert words.today_not_counted("/restores jobs failed 1d") == (
        "today's jobs are not in AWS's daily counts yet: `/restores jobs failed 1d` lists them")


@pytest.mark.parametrize(("since", "span"), [(timedelta(hours=3), Span.DAY), (timedelta(hours=24), Span.DAY),
                                             (timedelta(days=2), Span.SEVEN_DAYS), (timedelta(days=9), Span.FOURTEEN_DAYS),
                                             (timedelta(days=40), Span.FOURTEEN_DAYS)])
def test_a_gap_is_covered_by_the_shortest_job_list(since: timedelta, span: Span) -> None:
    assert words.covering_span(NOW - since, NOW) is span


@pytest.mark.parametrize("name", ["Etc/UTC", "UTC", "etc/utc", "GMT", "Etc/Zulu"])
def test_the_aliases_of_utc_read_utc(name: str) -> None:
    assert words.utc_zone_name(name) == "UTC"
    assert words.utc_zone_name("Europe/Berlin") == "Europe/Berlin"


def test_a_rolling_window_of_days_in_a_title() -> None:
    assert [words.last_days_text(n) for n in (1, 7, 30)] == ["last 24 h", "last 7 days", "last 30 days"]
