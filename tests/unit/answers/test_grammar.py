"""`/restores` as a whole: which kind of answer a text asks for (summary, help, jobs, tests, a subscription), with
its typed value; `jobs` lists one listable state (FAILED unless another is named)."""

from __future__ import annotations

import pytest

from bot.answers.grammar import parse_command
from bot.domain.query import ANY, ParseError, Period, Span, State

DEFAULT = ("us-east-1",)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("", "summary"), ("failed 7d", "summary"), ("help", "help"), ("-h", "help"), ("--help", "help"),
     ("failed ?", "help"), ("jobs", "jobs"), ("JOBS aborted", "jobs"), ("tests", "tests"), ("tests 30d", "tests"),
     ("? tests", "help"), ("subscribe digest", "subscribe"), ("unsubscribe alerts", "unsubscribe"),
     ("subscriptions", "subscriptions"), ("subscribe help", "help")],
)
def test_the_text_decides_the_kind_of_answer(text: str, kind: str) -> None:
    assert parse_command(text, DEFAULT).kind == kind


def test_jobs_lists_failed_jobs_unless_another_state_is_named() -> None:
    assert parse_command("jobs", DEFAULT).filter.state == State.FAILED
    parsed = parse_command("jobs completed 1d type:ebs eu-west-1", DEFAULT)
    assert (parsed.filter.state, parsed.filter.period, parsed.filter.resource_type, parsed.filter.regions) == (
        State.COMPLETED, Period.ONE_DAY, "EBS", ("eu-west-1",))
    assert parse_command("jobs state:any", DEFAULT).filter.state == ANY


@pytest.mark.parametrize(("text", "token"), [("jobs created", "created"), ("jobs state:aggregate_all", "AGGREGATE_ALL")])
def test_jobs_refuses_a_state_without_a_list(text: str, token: str) -> None:
    with pytest.raises(ParseError) as error:
        parse_command(text, DEFAULT)
    assert error.value.problem == "cannot be listed job by job"
    assert error.value.token.lower() in (token.lower(), f"state:{token}".lower())


def test_help_wins_over_the_filter_words_and_share_is_a_flag() -> None:
    assert parse_command("failed 1d help", DEFAULT).kind == "help"
    assert parse_command("share failed", DEFAULT).filter.share is True
    assert parse_command("failed", DEFAULT).filter.share is False


def test_without_default_regions_any_partitions_regions_are_read() -> None:
    assert parse_command("cn-north-1").filter.regions == ("cn-north-1",)
    with pytest.raises(ParseError):  # a region of another partition than the bot's
        parse_command("cn-north-1", DEFAULT)


@pytest.mark.parametrize("text", [None, "   ", "\t\n"])
def test_no_text_is_the_default_summary(text: str | None) -> None:
    parsed = parse_command(text, DEFAULT)  # type: ignore[arg-type]
    assert parsed.kind == "summary" and parsed.filter.regions == DEFAULT


@pytest.mark.parametrize(
    ("text", "span", "period", "last_day"),
    [("failed 1d", Span.DAY, Period.ONE_DAY, True), ("failed 24h", Span.DAY, Period.ONE_DAY, True),
     ("failed", Span.SEVEN_DAYS, Period.SEVEN_DAYS, False), ("14D", Span.FOURTEEN_DAYS, Period.FOURTEEN_DAYS, False),
     ("daily failed", Span.DAILY, Period.ONE_DAY, False), ("period:ONE_DAY", Span.DAILY, Period.ONE_DAY, False),
     ("period:1d", Span.DAY, Period.ONE_DAY, True), ("period:seven_days", Span.SEVEN_DAYS, Period.SEVEN_DAYS, False)],
)
def test_window_words_mean_the_same_in_every_command(text: str, span: Span, period: Period, last_day: bool) -> None:
    """`1d` is the last day (counts: yesterday's UTC day; jobs: the last 24 h); the 14-day series is `daily`, or the
    API's own `period:ONE_DAY`."""
    flt = parse_command(text, DEFAULT).filter
    assert (flt.span, flt.period, flt.last_day) == (span, period, last_day)
    assert parse_command(flt.to_text(), DEFAULT).filter == flt  # the canonical text says the same window
    if span is not Span.DAILY:  # a job list takes the same words (its window rolling, ending now: Span.days)
        assert parse_command(f"jobs {text}", DEFAULT).filter.span is span


def test_thirty_days_is_refused_saying_it_is_restore_tests_word() -> None:
    with pytest.raises(ParseError) as caught:
        parse_command("failed 30d", DEFAULT)
    message = caught.value.user_message()
    assert caught.value.token == "30d" and "`30d` is for restore tests: `tests 30d`" in message
    assert "`1d`" in message and "`daily`" in message and len(message) < 350  # short: the windows of counts only


@pytest.mark.parametrize(("text", "token"), [("failed 8d", "8d"), ("jobs 48h", "48h"), ("period:3d", "period:3d")])
def test_other_windows_are_refused_naming_the_accepted_ones(text: str, token: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_command(text, DEFAULT)
    assert (caught.value.token, caught.value.problem) == (token, "is not a window here")
    assert "`1d` (or `24h`: the last day)" in caught.value.accepted


def test_two_windows_conflict_by_the_words_typed() -> None:
    with pytest.raises(ParseError) as caught:
        parse_command("failed 7d daily", DEFAULT)
    assert caught.value.user_message().startswith("`daily` conflicts with `7d`: give one window.")


def test_a_job_list_has_no_daily_series() -> None:
    with pytest.raises(ParseError) as caught:
        parse_command("jobs failed daily", DEFAULT)
    assert caught.value.token == "daily" and "`jobs` lists the jobs themselves" in caught.value.problem
