"""Unit tests of the filter words (bot/domain/query.py) as `/restores` reads them: states, periods, types, accounts,
regions, the errors that name the bad token. The properties over arbitrary text, and the canonical text round trip,
are tests/hardening/test_grammar.py."""

from __future__ import annotations

import pytest

from bot.answers.grammar import ParsedCommand, parse_command
from bot.domain.query import (
    AGGREGATE_ALL,
    ANY,
    ParseError,
    Period,
    RestoreFilter,
)

DEFAULT = ("us-east-1",)


def parse(text: str) -> RestoreFilter:
    parsed = parse_command(text, DEFAULT)
    assert parsed.kind == "summary"
    return parsed.filter


def test_empty_text_is_the_default_overview() -> None:
    assert parse("") == RestoreFilter(state=ANY, period=Period.SEVEN_DAYS, resource_type=ANY, account=None, regions=DEFAULT)


@pytest.mark.parametrize(
    ("text", "state"),
    [("failed", "FAILED"), ("ABORTED", "ABORTED"), ("Completed", "COMPLETED"), ("running", "RUNNING"),
     ("pending", "PENDING"), ("created", "CREATED"), ("state:any", ANY), ("state:AGGREGATE_ALL", AGGREGATE_ALL),
     ("state:failed", "FAILED")],
)
def test_states(text: str, state: str) -> None:
    assert parse(text).state == state


@pytest.mark.parametrize(
    ("text", "period"),
    [("1d", Period.ONE_DAY), ("7D", Period.SEVEN_DAYS), ("14d", Period.FOURTEEN_DAYS),
     ("period:1d", Period.ONE_DAY), ("period:seven_days", Period.SEVEN_DAYS), ("period:FOURTEEN_DAYS", Period.FOURTEEN_DAYS)],
)
def test_periods(text: str, period: Period) -> None:
    assert parse(text).period is period


@pytest.mark.parametrize(
    ("text", "resource_type"),
    [("type:ebs", "EBS"), ("type:DynamoDB", "DynamoDB"), ("rds", "RDS"), ("aurora", "Aurora"), ("type:fsx", "FSx"),
     ('type:"Storage Gateway"', "Storage Gateway"), ("type:storage-gateway", "Storage Gateway"),
     ("“type:SAP HANA on Amazon EC2”", "SAP HANA on Amazon EC2"), ("type:any", ANY),
     ("type:aggregate_all", AGGREGATE_ALL), ("virtualmachine", "VirtualMachine")],
)
def test_resource_types_map_to_canonical_names(text: str, resource_type: str) -> None:
    assert parse(text).resource_type == resource_type


def test_types_the_api_cannot_take_are_filtered_locally() -> None:
    flt = parse('type:"Storage Gateway"')
    assert flt.api_resource_type == ANY
    assert flt.local_resource_type == "Storage Gateway"
    assert parse("type:EBS").local_resource_type is None


@pytest.mark.parametrize(
    ("text", "account"),
    [("123456789012", "123456789012"), ("account:123456789012", "123456789012"), ("account:any", ANY),
     ("account:Aggregate_All", AGGREGATE_ALL)],
)
def test_accounts(text: str, account: str) -> None:
    assert parse(text).account == account


def test_account_is_not_sent_by_default() -> None:
    assert parse("failed").account is None


def test_regions_bare_and_listed_are_merged_in_order() -> None:
    assert parse("eu-west-1 region:us-east-1,EU-WEST-1 ap-southeast-2").regions == ("eu-west-1", "us-east-1", "ap-southeast-2")


def test_tokens_in_any_order_and_case() -> None:
    assert parse("TYPE:ebs 1D Failed eu-west-1 share") == parse("share eu-west-1 failed 1d type:EBS")
    assert parse("share").share is True


@pytest.mark.parametrize("text", ["help", "HELP", "?", "failed help"])
def test_help(text: str) -> None:
    assert parse_command(text, DEFAULT).kind == "help"


@pytest.mark.parametrize(
    ("text", "token", "suggestion"),
    [
        ("faild 7d", "faild", "failed"),
        ("failed 8d", "8d", None),
        ("type:ebz", "type:ebz", "EBS"),
        ("state:faled", "state:faled", "FAILED"),
        ("period:7", "period:7", "7d"),
        ("regoin:eu-west-1", "regoin:eu-west-1", "region:eu-west-1"),
        ("eu-west-9", "eu-west-9", None),
        ("account:12345", "account:12345", None),
        ("account:1234-5678-9012", "account:1234-5678-9012", "123456789012"),
        ("failed aborted", "aborted", None),
        ("type:", "type:", None),
    ],
)
def test_bad_tokens_name_the_token_and_what_is_accepted(text: str, token: str, suggestion: str | None) -> None:
    with pytest.raises(ParseError) as caught:
        parse_command(text, DEFAULT)
    error = caught.value
    assert error.token == token
    assert f"`{token}`" in error.user_message()
    assert "Accepted:" in error.user_message()
    if suggestion:
        assert error.suggestion == suggestion
        assert f"Did you mean `{suggestion}`?" in error.user_message()


@pytest.mark.parametrize(("text", "verb"), [("covrage 90d", "coverage"), ("exprot", "export"), ("resorce orders-db", "resource")])
def test_a_mistyped_verb_is_suggested_and_every_verb_named(text: str, verb: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_command(text, DEFAULT)
    assert caught.value.suggestion == verb
    for named in ("`resource <ARN | name>`", "`coverage [type:…] [account:…] [30d|90d|180d]`", "`export [7d|30d|90d]"):
        assert named in caught.value.user_message()


def test_unknown_region_suggests_a_real_one() -> None:
    with pytest.raises(ParseError) as caught:
        parse_command("eu-wset-1", DEFAULT)
    assert caught.value.suggestion == "eu-west-1"


def answer_regions(parsed: ParsedCommand) -> tuple[str, ...]:
    """The regions an answer reads: `export`, `resource`, `coverage` and `tests` carry them in their own query (their
    filter stays the default, empty), every other kind in its filter."""
    query = parsed.export or parsed.recoverability or parsed.tests
    return query.regions if query is not None else parsed.filter.regions


@pytest.mark.parametrize("verb", ["export", "EXPORT", "resource", "coverage", "tests"])
def test_each_verb_alone_reads_the_default_regions(verb: str) -> None:
    parsed = parse_command(verb, DEFAULT) if verb.lower() != "resource" else parse_command("resource orders-db", DEFAULT)
    assert parsed.kind == {"export": "export", "tests": "tests"}.get(verb.lower(), "recoverability")
    assert answer_regions(parsed) == DEFAULT

