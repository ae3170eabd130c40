"""The organisation's words (bot.domain.org_words): which `account:` values are names, the shapes AWS Organizations
allows for account names and OUs (a ParseError for the Slack user otherwise), and `org_pairs`, which writes them back
as a command's text that parses to the same values."""

from __future__ import annotations

import pytest

from bot.domain.org_words import (
    ACCOUNT_WORDS,
    UNIT_WORDS,
    is_account_name,
    org_pairs,
    parse_account_name,
    parse_unit,
)
from bot.domain.query_errors import ParseError
from bot.domain.tokens import tokenize

OU = "ou-ab12-cd34ef56"


@pytest.mark.parametrize("value", ["prod-payments", "Prod Payments", "a", "12345678901a", "team.1", "ANYTHING",
                                   "any-team", "x" * 80])
def test_names(value: str) -> None:
    assert is_account_name(value)


@pytest.mark.parametrize("value", [
    "111122223333",  # an id
    "ANY", "any", "Aggregate_All",  # wildcards, any case
    "12345", "1234-5678-9012", "1234 5678 9012", "1234_5678.9012", "-", "  ",  # a mistyped id, refused as one
])
def test_not_names(value: str) -> None:
    assert not is_account_name(value)


def test_an_account_name_is_kept_as_typed_without_surrounding_space() -> None:
    assert parse_account_name("Prod Payments", "account:Prod Payments") == "Prod Payments"
    assert parse_account_name("  prod  ", "account:  prod  ") == "prod"
    assert parse_account_name("x" * 128, "t") == "x" * 128
    assert parse_account_name("~!@#$%^&*()_+{}|:<>?", "t") == "~!@#$%^&*()_+{}|:<>?"  # printable ASCII, all of it
    # botocore's model allows any character (`[\s\S]*`): names in other scripts, and apostrophes, are names.
    assert parse_account_name("Produktion-Ü", "t") == "Produktion-Ü"
    assert parse_account_name("O'Brien 名前", "t") == "O'Brien 名前"


@pytest.mark.parametrize("value", ["", "   ", "x" * 129, "tab\there", "line\nbreak", "\x7f"])
def test_an_account_name_outside_the_shape_is_refused_for_the_user(value: str) -> None:
    token = f"account:{value}"
    with pytest.raises(ParseError) as caught:
        parse_account_name(value, token)
    error = caught.value
    assert error.token == token and error.accepted == ACCOUNT_WORDS
    assert error.problem == "is not an AWS account id or account name (names are 1-128 characters)"
    assert "`account:` with 12 digits" in str(error)


def test_an_ou_id_is_lower_cased_and_a_name_kept_as_typed() -> None:
    assert parse_unit(OU, "ou:" + OU) == OU
    assert parse_unit(" OU-AB12-CD34EF56 ", "ou:OU-AB12-CD34EF56") == OU
    assert parse_unit("Production", "ou:Production") == "Production"
    assert parse_unit(" Shared Services ", "t") == "Shared Services"
    assert parse_unit("x" * 128, "t") == "x" * 128
    assert parse_unit("Entwicklung-Ä", "t") == "Entwicklung-Ä"
    assert parse_unit("our-team", "t") == "our-team"  # `ou` without the dash is a name


@pytest.mark.parametrize("value", ["ou-", "ou-ab1-cd34ef56", "ou-ab12-cd34ef5", "ou-ab12", "OU-ab12-cd34ef56-x",
                                   "ou-ab12_cd34ef56", "ou-platform-team"])
def test_what_starts_as_an_ou_id_must_be_one(value: str) -> None:
    """`ou-…` is read as an id, in any case: an OU named so (`ou-platform-team`) is not reachable by name."""
    with pytest.raises(ParseError) as caught:
        parse_unit(value, "ou:" + value)
    assert caught.value.problem.startswith("is not an organisational unit id")
    assert caught.value.accepted == UNIT_WORDS and caught.value.token == "ou:" + value


@pytest.mark.parametrize("value", ["", "  ", "x" * 129, "a\tb"])
def test_an_ou_name_outside_the_shape_is_refused(value: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_unit(value, "ou:" + value)
    assert caught.value.problem == "is not an organisational unit name (1-128 characters)"
    assert caught.value.accepted == UNIT_WORDS


def test_org_pairs_quote_only_what_holds_a_space_and_leave_out_what_is_not_set() -> None:
    assert org_pairs(None, None) == [] and org_pairs("", "") == []
    assert org_pairs("111122223333", None) == ["account:111122223333"]
    assert org_pairs(None, OU) == [f"ou:{OU}"]
    assert org_pairs("Prod Payments", "Shared Services") == ['account:"Prod Payments"', 'ou:"Shared Services"']
    assert org_pairs("ANY", "Production") == ["account:ANY", "ou:Production"]  # account first, always


@pytest.mark.parametrize(("account", "unit"), [
    ("Prod Payments", "Shared Services"),
    ("prod-payments", OU),
    ("111122223333", None),
    (None, "Production Workloads EU"),
    ("a  b", "x:y"),  # a double space and a colon survive
])
def test_org_pairs_parse_back_to_the_same_values(account: str | None, unit: str | None) -> None:
    parsed: dict[str, str] = {}
    for token in tokenize(" ".join(["export", "7d", *org_pairs(account, unit)])):
        key, _, value = token.partition(":")
        if key == "account":
            parsed[key] = parse_account_name(value, token) if is_account_name(value) else value
        elif key == "ou":
            parsed[key] = parse_unit(value, token)
    assert parsed == {k: v for k, v in (("account", account), ("ou", unit)) if v}
