"""`export [7d|30d|90d] [account:…] [region:…]`: what it accepts, and a clear refusal of everything else."""

from __future__ import annotations

import pytest

from bot.domain.query import ParseError
from bot.domain.tokens import tokenize
from bot.export.grammar import EXPORT_ACCEPTED, ExportQuery, parse_export

REGIONS = ("us-east-1", "eu-west-1")


def parse(text: str) -> ExportQuery:
    return parse_export(tokenize(text), REGIONS, frozenset({"aws"}))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("export", ExportQuery(30, REGIONS, None)),
        ("export 7d", ExportQuery(7, REGIONS, None)),
        ("EXPORT 90d account:ANY", ExportQuery(90, REGIONS, "ANY")),
        ("export period:30d 111122223333 eu-west-1", ExportQuery(30, ("eu-west-1",), "111122223333")),
        ("export region:us-east-1,eu-west-1 account:444455556666", ExportQuery(30, REGIONS, "444455556666")),
        ("export 7d account:Prod-Payments", ExportQuery(7, REGIONS, account_name="Prod-Payments")),
        ('export ou:"Shared Services"', ExportQuery(30, REGIONS, unit="Shared Services")),
        ("export ou:OU-AB12-CD34EF56 account:prod-data", ExportQuery(30, REGIONS, account_name="prod-data",
                                                                      unit="ou-ab12-cd34ef56")),
    ],
)
def test_accepted(text: str, expected: ExportQuery) -> None:
    assert parse(text) == expected
    assert parse(expected.to_text()) == expected  # the canonical text parses back


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("export 14d", "does not apply to an export"),
        ("export failed", "does not apply to an export"),
        ("export type:EBS", "does not apply to an export"),
        ("export account:AGGREGATE_ALL", "sums accounts"),
        ("export ou:ou-bad", "is not an organisational unit id"),
        ("export ou:Production ou:Data", "conflicts with `ou:Production`"),
        ("export 7d 30d", "conflicts with `7d`"),
        ("export account:1234", "is not an AWS account id"),
        ("export cn-north-1", "partition"),
        ("export bogus", "is not something I understand"),
    ],
)
def test_refused_with_what_is_accepted(text: str, problem: str) -> None:
    with pytest.raises(ParseError) as error:
        parse(text)
    assert problem in error.value.user_message()
    assert "Accepted:" in error.value.user_message()
    if not any(word in problem for word in ("region", "partition", "account id", "organisational unit id")):
        assert error.value.accepted == EXPORT_ACCEPTED
