"""`/restores` as a whole: which kind of answer a text asks for (summary, help, jobs, tests, a subscription), with
its typed value; `jobs` lists one listable state (FAILED unless another is named)."""

from __future__ import annotations

import pytest

from bot.answers.grammar import parse_command
from bot.domain.query import ANY, ParseError, Period, State

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
