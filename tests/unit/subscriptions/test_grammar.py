"""`/restores subscribe|unsubscribe|subscriptions`: each command parses to its typed value, and each mistake names
its token, the problem and, where one is near, a suggestion."""

from __future__ import annotations

import pytest

from bot.answers.grammar import parse_command
from bot.domain.query import ParseError, State
from bot.subscriptions.grammar import AlertsSubscribe, DigestSubscribe, Feed, Unsubscribe, parse_time_of_day, parse_time_zone

DEFAULT = ("us-east-1",)


@pytest.mark.parametrize(
    ("text", "kind", "subscription"),
    [
        ("subscribe digest", "subscribe", DigestSubscribe()),
        ("subscribe digest 07:30 Europe/Berlin", "subscribe", DigestSubscribe((7, 30), "Europe/Berlin")),
        ("Subscribe DIGEST europe/berlin 7:05", "subscribe", DigestSubscribe((7, 5), "Europe/Berlin")),
        ("subscribe digest utc", "subscribe", DigestSubscribe(None, "UTC")),
        ("subscribe alerts", "subscribe", AlertsSubscribe()),
        ("subscribe alerts type:ebs account:111122223333 state:both", "subscribe",
         AlertsSubscribe("EBS", "111122223333", (State.FAILED, State.ABORTED))),
        ('subscribe alerts aborted type:"Storage Gateway"', "subscribe",
         AlertsSubscribe("Storage Gateway", None, (State.ABORTED,))),
        ("subscribe alerts rds 111122223333 state:failed", "subscribe",
         AlertsSubscribe("RDS", "111122223333", (State.FAILED,))),
        ("subscribe alerts type:ANY account:any", "subscribe", AlertsSubscribe()),
        ("unsubscribe digest", "unsubscribe", Unsubscribe(Feed.DIGEST)),
        ("unsubscribe Alerts", "unsubscribe", Unsubscribe(Feed.ALERTS)),
        ("subscriptions", "subscriptions", None),
    ],
)
def test_subscription_commands_parse_to_typed_values(text: str, kind: str, subscription: object) -> None:
    parsed = parse_command(text, DEFAULT)
    assert (parsed.kind, parsed.subscription) == (kind, subscription)


@pytest.mark.parametrize(
    ("text", "token", "problem", "suggestion"),
    [
        ("subscribe digest 24:00", "24:00", "is not a time of day", None),
        ("subscribe digest 930", "930", "is not a time of day", "09:30"),
        ("subscribe digest 07:30 Europe/Berln", "Europe/Berln", "is not an IANA time zone", "Europe/Berlin"),
        ("subscribe digest ../../etc/passwd", "../../etc/passwd", "is not an IANA time zone", None),
        ("subscribe digest UTC Europe/Berlin", "Europe/Berlin", "is a second time zone: give one", None),
        ("subscribe digset", "digset", "is not something to subscribe to (accepted: `digest`, `alerts`)", "digest"),
        ("subscribe", "subscribe", "needs what to subscribe to: `digest` or `alerts`", None),
        ("unsubscribe digest now", "now", "does not go with `unsubscribe digest`", None),
        ("subscriptions digest", "digest", "does not go with `subscriptions` (it lists what this channel gets)", None),
        ("subscribe alerts state:running", "state:running", "is not a state alerts are sent for", None),
        ("subscribe alerts type:AGGREGATE_ALL", "type:AGGREGATE_ALL", "sums types, but an alert is about one job", None),
        ("subscribe alerts failed aborted", "aborted", "conflicts with `failed`: give one state", None),
        ("subscribe alerts region:eu-west-1", "region:eu-west-1", "does not apply to alerts", None),
        ("7d subscribe alerts", "subscribe", "must come first, and does not mix with query words", None),
    ],
)
def test_bad_subscription_commands_name_the_token_and_what_is_accepted(
        text: str, token: str, problem: str, suggestion: str | None) -> None:
    with pytest.raises(ParseError) as error:
        parse_command(text, DEFAULT)
    assert (error.value.token, error.value.problem, error.value.suggestion) == (token, problem, suggestion)
    assert error.value.accepted


def test_help_with_a_subscription_word_is_help() -> None:
    assert parse_command("subscribe help", DEFAULT).kind == "help"
    assert parse_command("? tests", DEFAULT).kind == "help"


@pytest.mark.parametrize(("token", "time"), [("07:30", (7, 30)), ("7:05", (7, 5)), ("00:00", (0, 0)), ("23:59", (23, 59))])
def test_a_time_of_day_is_hours_and_minutes(token: str, time: tuple[int, int]) -> None:
    assert parse_time_of_day(token) == time


@pytest.mark.parametrize("token", ["24:00", "7:60", "-1:00", "07:3", "noon"])
def test_anything_else_is_not_a_time_of_day(token: str) -> None:
    with pytest.raises(ParseError, match="time of day") as error:
        parse_time_of_day(token)
    assert error.value.token == token


def test_a_time_zone_is_found_whatever_its_case_and_is_given_back_canonical() -> None:
    assert parse_time_zone("europe/berlin") == "Europe/Berlin"
    assert parse_time_zone("UTC") == "UTC"
    with pytest.raises(ParseError, match="IANA time zone"):
        parse_time_zone("Mars/Olympus_Mons")


def test_a_subscription_takes_the_regions_of_the_command_as_its_filter() -> None:
    parsed = parse_command("subscribe alerts", ("eu-west-1", "us-east-1"))
    assert parsed.filter.regions == ("eu-west-1", "us-east-1")
