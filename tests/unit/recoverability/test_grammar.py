"""`/restores resource <ARN | name>` and `/restores coverage …`: what is accepted, and every refusal names the token
and what is accepted (an ARN of another partition among them, before any AWS call can be made)."""

from __future__ import annotations

import pytest

from bot.answers.grammar import parse_command
from bot.domain.query import ParseError
from bot.recoverability.grammar import CoverageQuery, ResourceQuery

DEFAULT = ("us-east-1", "eu-west-1")
RDS = "arn:aws:rds:eu-west-1:444455556666:db:orders-db"


def parsed(text: str) -> ResourceQuery | CoverageQuery:
    command = parse_command(text, DEFAULT)
    assert command.kind == "recoverability" and command.recoverability is not None
    return command.recoverability


def refusal(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_command(text, DEFAULT)
    return caught.value


def test_a_name_fragment_is_searched_in_every_default_region() -> None:
    assert parsed("resource orders-db") == ResourceQuery("orders-db", regions=DEFAULT)
    assert parsed("Resource orders account:444455556666 region:eu-west-1") == \
        ResourceQuery("orders", account="444455556666", regions=("eu-west-1",))


def test_a_full_arn_says_where_to_read() -> None:
    assert parsed(f"resource {RDS}") == ResourceQuery(RDS, is_arn=True, account="444455556666", regions=("eu-west-1",))
    bucket = parsed("resource arn:aws:s3:::media-archive")  # no region, no account: searched like a name
    assert bucket == ResourceQuery("arn:aws:s3:::media-archive", is_arn=True, account=None, regions=DEFAULT)


@pytest.mark.parametrize("arn", ["arn:aws-cn:rds:cn-north-1:444455556666:db:x",
                                 "arn:aws-us-gov:rds:us-gov-west-1:444455556666:db:x", "arn:aws-cn:s3:::bucket"])
def test_an_arn_of_another_partition_is_refused(arn: str) -> None:
    error = refusal(f"resource {arn}")
    assert "partition, which this bot does not answer for" in error.user_message() and error.token == arn


@pytest.mark.parametrize(("text", "words"), [
    ("resource", "needs the resource"),
    ("resource x", "2 to 1600 characters"),
    ("resource a b", "conflicts with"),
    ("resource arn:aws:rds", "is not an ARN"),
    ("resource arn:aws:rds:mars-east-1:444455556666:db:x", "not an AWS Backup region"),
    (f"resource {RDS} account:111122223333", "contradicts the ARN's account"),
    (f"resource {RDS} region:us-east-1", "contradicts the ARN's region"),
    ("resource orders state:failed", "does not apply to `resource`"),
    ("resource orders account:AGGREGATE_ALL", "sums accounts"),
    ("coverage 7d", "is not something `coverage` understands"),
    ("coverage ou:ou-bad", "is not an organisational unit id"),
    ("coverage ou:Production ou:Data", "conflicts with `ou:Production`"),
    ("coverage type:Floppy", "is not an AWS Backup resource type"),
    ("coverage 30d 90d", "conflicts with"),
])
def test_bad_input_says_what_is_accepted(text: str, words: str) -> None:
    error = refusal(text)
    assert words in error.user_message() and "Accepted:" in error.user_message()


def test_coverage_words() -> None:
    assert parsed("coverage") == CoverageQuery(days=30, regions=DEFAULT)
    named = parsed('coverage 90d account:Prod-Payments ou:"Shared Services"')
    assert (named.account, named.account_name, named.unit) == (None, "Prod-Payments", "Shared Services")  # type: ignore[union-attr]
    assert parsed(named.to_text()) == named
    assert parsed("coverage 180d type:rds account:444455556666 eu-west-1") == \
        CoverageQuery(days=180, resource_type="RDS", account="444455556666", regions=("eu-west-1",))
    # `account:ANY` is kept (every account, those not read named): the footer says what was asked.
    assert parsed("coverage dynamodb period:90d account:ANY").to_text() == "coverage 90d type:DynamoDB account:ANY"
    assert parsed("coverage account:ANY").every and not parsed("coverage").every
    assert parsed("resource orders-db account:ANY").to_text() == "resource orders-db account:ANY"


def test_help_with_a_verb_is_help_and_other_commands_are_untouched() -> None:
    assert parse_command("resource help", DEFAULT).kind == "help"
    assert parse_command("failed 7d", DEFAULT).kind == "summary"
    assert parse_command("tests", DEFAULT).kind == "tests"
