"""Each configuration variable read on its own (bot.config_values): the value it means, its default when unset or
blank, and a ConfigError naming the variable and what is accepted when it is wrong. tests/unit/test_config.py covers
the same readers through load_settings; these check each reader's own promise, edge by edge."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bot.config_values import (
    DEFAULT_DATABASE_URL,
    DIGEST_TIME_RE,
    ROLE_NAME_RE,
    ConfigError,
    _account,
    _account_list,
    _bool,
    _channel_accounts,
    _choice,
    _csv,
    _database_url,
    _digest_time,
    _home_accounts,
    _ids,
    _number,
    _role_name,
    _scope_entry,
    _seconds,
    _team_id,
    _testing_accounts,
    _timezone,
    _usergroup,
    parse_regions,
)
from bot.domain.ids import CHANNEL_RE

OU = "ou-ab12-cd34ef56"


def refused(reader: Callable[..., object], *args: object) -> ConfigError:
    """The ConfigError `reader(*args)` raises (the test fails if it returns)."""
    with pytest.raises(ConfigError) as caught:
        reader(*args)
    return caught.value


def test_a_config_error_keeps_each_problem_and_joins_them() -> None:
    error = ConfigError("A='x' is wrong", "B is missing")
    assert error.problems == ("A='x' is wrong", "B is missing")
    assert str(error) == "A='x' is wrong; B is missing"
    assert isinstance(error, ValueError)
    assert ConfigError("only").problems == ("only",) and str(ConfigError("only")) == "only"


def test_csv_strips_each_part_and_drops_empty_ones() -> None:
    assert _csv(None) == [] and _csv("") == [] and _csv(" , ,") == []
    assert _csv(" a, b ,,c ") == ["a", "b", "c"]
    assert _csv("b,a,b") == ["b", "a", "b"]  # order and repeats kept: the callers decide


@pytest.mark.parametrize(("raw", "value"), [
    ("1", True), ("true", True), ("YES", True), (" On ", True),
    ("0", False), ("False", False), ("no", False), ("OFF", False),
])
def test_bool_words(raw: str, value: bool) -> None:
    assert _bool({"FLAG": raw}, "FLAG", not value) is value


def test_bool_default_when_unset_or_blank_and_refuses_other_words() -> None:
    assert _bool({}, "FLAG", True) is True and _bool({"FLAG": "  "}, "FLAG", False) is False
    for raw in ("maybe", "2", "y", "enabled"):
        error = refused(_bool, {"FLAG": raw}, "FLAG", False)
        assert str(error).startswith(f"FLAG={raw!r} is not a boolean") and "true/false" in str(error)


@pytest.mark.parametrize(("raw", "time"), [
    ("", (9, 0)), ("   ", (9, 0)), ("09:00", (9, 0)), ("9:05", (9, 5)), (" 00:00 ", (0, 0)), ("23:59", (23, 59)),
    ("19:30", (19, 30)),
])
def test_digest_time(raw: str, time: tuple[int, int]) -> None:
    assert _digest_time({"RESTORES_DIGEST_TIME": raw}) == time


@pytest.mark.parametrize("raw", ["24:00", "09:60", "9", "0900", "9:5", "09:00:00", "-1:00", "9h", "09:00 am"])
def test_digest_time_refuses_what_is_not_a_24_hour_time(raw: str) -> None:
    error = refused(_digest_time, {"RESTORES_DIGEST_TIME": raw})
    assert "RESTORES_DIGEST_TIME=" in str(error) and "HH:MM" in str(error)
    assert not DIGEST_TIME_RE.match(raw.strip())


def test_timezone_is_an_iana_name_or_utc_by_default() -> None:
    assert _timezone({}) == "UTC" and _timezone({"RESTORES_DIGEST_TZ": " "}) == "UTC"
    assert _timezone({"RESTORES_DIGEST_TZ": " Europe/Berlin "}) == "Europe/Berlin"
    for raw in ("Mars/Olympus_Mons", "CEST+2", "../../etc/passwd", "/etc/localtime"):
        error = refused(_timezone, {"RESTORES_DIGEST_TZ": raw})
        assert str(error) == (f"RESTORES_DIGEST_TZ={raw!r} is not an IANA time zone "
                              "(e.g. UTC, Europe/Berlin, America/New_York)")


def test_database_url_default_sqlite_and_postgres_spelled_for_psycopg_3() -> None:
    assert _database_url({}) == DEFAULT_DATABASE_URL == "sqlite:///restores-bot.sqlite3"
    assert _database_url({"DATABASE_URL": "  "}) == DEFAULT_DATABASE_URL
    assert _database_url({"DATABASE_URL": " sqlite:////var/lib/bot.db "}) == "sqlite:////var/lib/bot.db"
    assert _database_url({"DATABASE_URL": "postgres://u:p@h:5432/db"}) == "postgresql+psycopg://u:p@h:5432/db"
    assert _database_url({"DATABASE_URL": "postgresql://u@h/db?sslmode=require"}) == \
        "postgresql+psycopg://u@h/db?sslmode=require"
    # An explicit driver is the operator's choice: kept as written.
    assert _database_url({"DATABASE_URL": "postgresql+psycopg://u@h/db"}) == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(("url", "problem"), [
    ("not a url", "is not a database URL"),
    ("postgres://u:secret@h:port/db", "is not a database URL"),
    ("mysql://u:secret@h/db", "'mysql' is not supported (accepted: sqlite, postgresql)"),
    ("oracle+cx_oracle://u:secret@h/db", "'oracle' is not supported"),
])
def test_database_url_refusals_never_repeat_the_url(url: str, problem: str) -> None:
    error = refused(_database_url, {"DATABASE_URL": url})
    assert str(error).startswith("DATABASE_URL") and problem in str(error)
    assert "secret" not in str(error) and url not in str(error)


def test_account_is_twelve_digits_or_a_wildcard_upper_cased() -> None:
    assert _account({}, "ACC") is None and _account({"ACC": "  "}, "ACC") is None
    assert _account({"ACC": " 111122223333 "}, "ACC") == "111122223333"
    assert _account({"ACC": "any"}, "ACC") == "ANY" and _account({"ACC": "Aggregate_All"}, "ACC") == "AGGREGATE_ALL"
    for raw in ("11112222333", "1111222233334", "1111-2222-3333", "ALL", OU):
        error = refused(_account, {"ACC": raw}, "ACC")
        assert str(error) == f"ACC={raw!r} is not an AWS account id (accepted: 12 digits, ANY, AGGREGATE_ALL)"


def test_scope_entry_is_an_account_id_or_an_ou_id_in_lower_case() -> None:
    assert _scope_entry("111122223333") == "111122223333"
    assert _scope_entry(OU) == OU and _scope_entry(OU.upper()) == OU
    for value in ("ANY", "r-ab12", "ou-ab12", "ou-ab1-cd34ef56", "11112222333", "Production"):
        assert _scope_entry(value) is None


def test_account_lists_are_ids_and_ous_sorted_once_each() -> None:
    env = {"RESTORES_ALERT_ACCOUNTS": f"444455556666, {OU.upper()},111122223333,444455556666,{OU}"}
    assert _account_list(env, "RESTORES_ALERT_ACCOUNTS") == ("111122223333", "444455556666", OU)
    assert _account_list({}, "RESTORES_ALERT_ACCOUNTS") == ()
    error = refused(_account_list, {"X": "111122223333,ANY"}, "X")
    assert str(error).startswith("X: 'ANY' is not an AWS account id or OU id")
    assert _testing_accounts({"RESTORES_TESTING_ACCOUNTS": "222233334444,111122223333"}) == \
        ("111122223333", "222233334444")
    assert "RESTORES_TESTING_ACCOUNTS: 'prod'" in str(refused(_testing_accounts, {"RESTORES_TESTING_ACCOUNTS": "prod"}))


def test_home_accounts_any_alone_or_ids_and_ous() -> None:
    assert _home_accounts({}) == ()
    assert _home_accounts({"RESTORES_HOME_ACCOUNTS": " any "}) == ("ANY",)
    assert _home_accounts({"RESTORES_HOME_ACCOUNTS": "any,"}) == ("ANY",)  # an empty part is no entry
    assert _home_accounts({"RESTORES_HOME_ACCOUNTS": f"{OU.upper()},111122223333,111122223333"}) == \
        ("111122223333", OU)
    for raw in ("ANY,ANY", "ANY,111122223333", "AGGREGATE_ALL", "prod"):
        assert "RESTORES_HOME_ACCOUNTS" in str(refused(_home_accounts, {"RESTORES_HOME_ACCOUNTS": raw}))


def test_channel_accounts_map_channels_and_the_default_scope() -> None:
    raw = f" C0AAAA = 111122223333, 444455556666 ; C0BBBB={OU.upper()};;C0CCCC=Any; *=111122223333,111122223333 ;"
    assert _channel_accounts({"RESTORES_CHANNEL_ACCOUNTS": raw}) == {
        "C0AAAA": frozenset({"111122223333", "444455556666"}),
        "C0BBBB": frozenset({OU}),
        "C0CCCC": None,  # ANY: every account
        "*": frozenset({"111122223333"}),
    }
    assert _channel_accounts({}) == {} and _channel_accounts({"RESTORES_CHANNEL_ACCOUNTS": "  "}) == {}
    assert _channel_accounts({"RESTORES_CHANNEL_ACCOUNTS": ";"}) == {}


@pytest.mark.parametrize(("raw", "problem"), [
    ("C0AAAA", "'C0AAAA' is not CHANNEL=ACCOUNTS"),
    ("#general=111122223333", "'#general=111122223333' is not CHANNEL=ACCOUNTS"),
    ("c0aaaa=111122223333", "is not CHANNEL=ACCOUNTS"),  # Slack IDs are upper case
    ("U0AAAA=111122223333", "is not CHANNEL=ACCOUNTS"),  # a user is not a conversation
    ("C0AAAA=111122223333;C0AAAA=444455556666", "channel C0AAAA is listed twice"),
    ("*=ANY;*=111122223333", "channel * is listed twice"),
    ("C0AAAA=", "C0AAAA needs 12-digit account ids or OU ids"),
    ("C0AAAA=ANY,111122223333", "C0AAAA needs"),
    ("C0AAAA=prod", "got 'prod'"),
])
def test_channel_accounts_refusals(raw: str, problem: str) -> None:
    error = refused(_channel_accounts, {"RESTORES_CHANNEL_ACCOUNTS": raw})
    assert str(error).startswith("RESTORES_CHANNEL_ACCOUNTS: ") and problem in str(error)
    # A misspelt entry is shown the format; a channel listed twice is told only that.
    assert ("format: C0123ABCD=" in str(error)) is ("listed twice" not in problem)


def test_optional_ids_role_names_user_groups_and_team_ids() -> None:
    assert _role_name({}, "ROLE") is None and _role_name({"ROLE": " RestoreTester+x=y,z.@_-1 "}, "ROLE") == \
        "RestoreTester+x=y,z.@_-1"
    assert _role_name({"ROLE": "r" * 64}, "ROLE") == "r" * 64
    for raw in ("r" * 65, "arn:aws:iam::111122223333:role/Tester", "path/Tester", "Tester role", "Téster"):
        assert f"ROLE={raw!r} is not an IAM role name" in str(refused(_role_name, {"ROLE": raw}, "ROLE"))
        assert not ROLE_NAME_RE.match(raw)
    assert _usergroup({}, "G") is None and _usergroup({"G": " S0ONCALL "}, "G") == "S0ONCALL"
    for raw in ("@oncall", "U0123ABCD", "<!subteam^S0ONCALL>", "s0oncall"):
        assert "not a Slack user group ID" in str(refused(_usergroup, {"G": raw}, "G"))
    assert _team_id({}) == "" and _team_id({"SLACK_TEAM_ID": " T0123ABCD "}) == "T0123ABCD"
    assert _team_id({"SLACK_TEAM_ID": "E0123ABCD"}) == "E0123ABCD"  # an Enterprise Grid organisation
    for raw in ("t0123abcd", "C0123ABCD", "T"):
        assert str(refused(_team_id, {"SLACK_TEAM_ID": raw})) == \
            f"SLACK_TEAM_ID={raw!r} is not a Slack workspace ID (like T0123ABCD)"


def test_ids_are_a_set_of_matching_slack_ids() -> None:
    assert _ids({}, "CHANNELS", CHANNEL_RE, "C0123ABCD") == frozenset()
    assert _ids({"CHANNELS": "C0B, C0A,C0B"}, "CHANNELS", CHANNEL_RE, "C0123ABCD") == frozenset({"C0A", "C0B"})
    error = refused(_ids, {"CHANNELS": "C0A,#ops"}, "CHANNELS", CHANNEL_RE, "C0123ABCD")
    assert str(error) == "CHANNELS: '#ops' is not a Slack ID (expected e.g. C0123ABCD)"


def test_choice_is_case_insensitive_and_answers_the_canonical_spelling() -> None:
    levels = ("DEBUG", "INFO", "WARNING")
    assert _choice({}, "LOG_LEVEL", levels, "INFO") == "INFO"
    assert _choice({"LOG_LEVEL": " debug "}, "LOG_LEVEL", levels, "INFO") == "DEBUG"
    assert _choice({"LOG_FORMAT": "JSON"}, "LOG_FORMAT", ("text", "json"), "text") == "json"
    assert str(refused(_choice, {"LOG_LEVEL": "verbose"}, "LOG_LEVEL", levels, "INFO")) == \
        "LOG_LEVEL='verbose' is not accepted (accepted: DEBUG, INFO, WARNING)"


@pytest.mark.parametrize(("raw", "seconds"), [
    ("", 300), ("45", 45), ("45s", 45), ("2m", 120), ("2 M", 120), ("1h", 3600), ("24H", 86400), ("1", 1),
])
def test_durations(raw: str, seconds: int) -> None:
    assert _seconds({"EVERY": raw}, "EVERY", 300, 1, 24 * 3600) == seconds


def test_durations_refused_name_the_variable_and_the_range() -> None:
    for raw in ("5 minutes", "1.5m", "-5", "1d", "m", "5ms"):
        assert str(refused(_seconds, {"EVERY": raw}, "EVERY", 300, 60, 24 * 3600)) == \
            f"EVERY={raw!r} is not a duration (accepted: seconds, or e.g. 90s, 5m, 1h)"
    for raw in ("59", "0m", "25h", "86401"):
        assert str(refused(_seconds, {"EVERY": raw}, "EVERY", 300, 60, 24 * 3600)) == \
            f"EVERY={raw!r} is out of range (accepted: 60 s to 24 h)"
    # The bounds themselves are in range.
    assert _seconds({"EVERY": "1m"}, "EVERY", 300, 60, 86400) == 60
    assert _seconds({"EVERY": "86400"}, "EVERY", 300, 60, 86400) == 86400


def test_numbers_whole_where_the_default_is_and_within_bounds() -> None:
    assert _number({}, "PORT", 3000, 1, 65535) == 3000
    value = _number({"PORT": " 8080 "}, "PORT", 3000, 1, 65535)
    assert value == 8080 and type(value) is int
    assert _number({"PORT": "1"}, "PORT", 3000, 1, 65535) == 1 and _number({"PORT": "65535"}, "PORT", 3000, 1, 65535)
    assert str(refused(_number, {"PORT": "80.5"}, "PORT", 3000, 1, 65535)) == \
        "PORT='80.5' is not a whole number (accepted: 1-65535)"
    assert str(refused(_number, {"PORT": "http"}, "PORT", 3000, 1, 65535)) == \
        "PORT='http' is not a whole number (accepted: 1-65535)"
    assert str(refused(_number, {"PORT": "0"}, "PORT", 3000, 1, 65535)) == "PORT=0 is out of range (accepted: 1-65535)"
    assert str(refused(_number, {"PORT": "65536"}, "PORT", 3000, 1, 65535)) == \
        "PORT=65536 is out of range (accepted: 1-65535)"

    seconds = _number({"WAIT": "2.5"}, "WAIT", 20.0, 1.0, 120.0)
    assert seconds == 2.5 and type(seconds) is float
    assert type(_number({"WAIT": "3"}, "WAIT", 20.0, 1.0, 120.0)) is float
    assert str(refused(_number, {"WAIT": "soon"}, "WAIT", 20.0, 1.0, 120.0)) == \
        "WAIT='soon' is not a number (accepted: 1-120)"
    assert str(refused(_number, {"WAIT": "0.5"}, "WAIT", 20.0, 1.0, 120.0)) == \
        "WAIT=0.5 is out of range (accepted: 1-120)"
    for raw in ("nan", "inf", "-inf"):  # floats Python parses but no bound admits
        assert "out of range" in str(refused(_number, {"WAIT": raw}, "WAIT", 20.0, 1.0, 120.0))


def test_regions_lower_cased_once_each_in_the_order_given() -> None:
    assert parse_regions(["EU-West-1", "us-east-1", "eu-west-1", "us-gov-west-1"], "RESTORES_REGIONS") == \
        ("eu-west-1", "us-east-1", "us-gov-west-1")
    assert parse_regions([], "RESTORES_REGIONS") == ()
    for bad in ("mars-1", "us-east", "useast1", "us-east-1a", ""):
        error = refused(parse_regions, ["us-east-1", bad], "the region of AWS profile 'ops'")
        assert str(error) == (f"the region of AWS profile 'ops': {bad!r} is not an AWS region code "
                              "(e.g. us-east-1, eu-west-1)")


def test_messages_never_hold_a_pattern_or_a_traceback_only_the_value() -> None:
    """A refusal is read by an operator: one line, the variable, the value as typed (repr), what is accepted."""
    problems = [
        refused(_bool, {"F": "x\ny"}, "F", False),
        refused(_account, {"A": "x\ny"}, "A"),
        refused(_seconds, {"S": "x\ny"}, "S", 1, 1, 3600),
    ]
    for error in problems:
        assert "\n" not in str(error) and "'x\\ny'" in str(error)
        assert not re.search(r"\\A|\\Z|\[0-9\]", str(error))
