"""bot.aws.identity: who the bot is to AWS Organizations (read once, kept, failing soft) and what an organisation-wide
answer covers from there. The reader's AWS calls are botocore Stubbers (no socket)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from bot.aws.identity import (
    KEEP_SECONDS,
    ORGANIZATIONS_ACTION,
    RETRY_SECONDS,
    CallerIdentity,
    IdentityReader,
    asked_account,
    only_account,
)
from bot.domain.coverage import Claim, Coverage, reassure
from bot.domain.query import AGGREGATE_ALL, ANY

ME, MANAGEMENT, OTHER = "111122223333", "999988887777", "444455556666"
MEMBER = CallerIdentity(account=ME, management=MANAGEMENT, organization=True)
ADMIN = CallerIdentity(account=ME, management=ME, organization=True)
NO_ORG_PERMISSION = CallerIdentity(account=ME, problem=f"grant {ORGANIZATIONS_ACTION} (AccessDeniedException)")


def test_a_member_asking_any_with_rows_of_its_own_account_only_is_shown_only_that_account() -> None:
    only = only_account(MEMBER, ANY, frozenset({ME}))
    assert only is not None and only.shown
    assert only.note.startswith(f"AWS shows only account {ME} to this bot")
    assert MANAGEMENT in only.note
    assert only_account(MEMBER, ANY, frozenset()) == only  # no row at all: the same (nothing else shown)


def test_aws_naming_another_account_proves_the_view_is_wider_a_delegated_administrator() -> None:
    assert only_account(MEMBER, ANY, frozenset({ME, OTHER})) is None
    assert only_account(MEMBER, ANY, frozenset({OTHER})) is None
    assert only_account(CallerIdentity(account=ME, management=MANAGEMENT, organization=True, sees_others=True),
                        ANY, frozenset({ME})) is None


def test_the_management_account_and_an_account_in_no_organisation_see_everything_there_is() -> None:
    assert only_account(ADMIN, ANY, frozenset({ME})) is None
    assert only_account(ADMIN, AGGREGATE_ALL, frozenset()) is None
    assert only_account(CallerIdentity(account=ME, organization=False), ANY, frozenset()) is None


def test_sums_and_a_named_account_cannot_tell_so_a_member_may_be_shown_its_own_only() -> None:
    summed = only_account(MEMBER, AGGREGATE_ALL, frozenset())
    assert summed is not None and not summed.shown
    assert summed.note.startswith(f"AWS may show only account {ME} to this bot")
    named = only_account(MEMBER, OTHER, frozenset())
    assert named is not None and not named.shown
    assert only_account(MEMBER, OTHER, frozenset({OTHER})) is None  # AWS showed it
    assert only_account(MEMBER, ME, frozenset()) is None  # the bot asked for itself
    assert only_account(MEMBER, None, frozenset()) is None  # AccountId not sent: the bot's own account, not org-wide


def test_without_organizations_permission_only_rows_of_the_callers_account_alone_say_so() -> None:
    only = only_account(NO_ORG_PERMISSION, ANY, frozenset({ME}))
    assert only is not None and only.management is None
    assert only.note == (f"AWS shows only account {ME} to this bot; whether it sees the organisation could not be told "
                         f"(grant {ORGANIZATIONS_ACTION})")
    assert only_account(NO_ORG_PERMISSION, ANY, frozenset({ME, OTHER})) is None
    assert only_account(NO_ORG_PERMISSION, AGGREGATE_ALL, frozenset()) is None  # nothing to tell it by: check says why
    assert only_account(CallerIdentity(problem="sts:GetCallerIdentity failed"), ANY, frozenset()) is None


def test_a_member_only_view_is_never_all_clear() -> None:
    only = only_account(MEMBER, ANY, frozenset())
    coverage = Coverage.of([], only_account=only)
    assert not coverage.complete
    said = reassure(coverage, Claim.ALL_CLEAR)
    assert "All clear" not in said and "not an all clear" in said and f"AWS shows only account {ME}" in said
    assert "All clear" not in reassure(coverage, Claim.NO_FAILED, style="fragment")
    assert reassure(Coverage.of(["eu-west-1"]), Claim.ALL_CLEAR) == (
        ":warning: *Incomplete:* eu-west-1 not read, so this is not an all clear.")  # unchanged without the limit


def test_the_account_an_answer_asked_for() -> None:
    assert asked_account({AGGREGATE_ALL, ANY}) == ANY
    assert asked_account({AGGREGATE_ALL}) == AGGREGATE_ALL
    assert asked_account({OTHER}) == OTHER
    assert asked_account({None}) is None


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class StubbedSession:
    """A boto3 session whose sts and organizations clients are stubbed, counting the reads. Each client is new (a
    Stubber answers its own client), made by one botocore session the tests share: a new session of its own would read
    botocore's model and endpoint files again (~50 ms a client)."""

    def __init__(self, core: botocore.session.Session, *, organization: dict[str, Any] | str) -> None:
        self.core = core
        self.region_name = "eu-west-1"
        self.organization = organization
        self.reads = 0

    def __call__(self) -> StubbedSession:
        self.reads += 1
        return self

    def client(self, service: str, **_: Any) -> Any:
        client = self.core.create_client(service, region_name="eu-west-1", aws_access_key_id="a",
                                         aws_secret_access_key="b")
        stub = Stubber(client)
        if service == "sts":
            stub.add_response("get_caller_identity", {"Account": ME, "Arn": f"arn:aws:iam::{ME}:user/bot", "UserId": "U"})
        elif isinstance(self.organization, str):
            stub.add_client_error("describe_organization", self.organization)
        else:
            stub.add_response("describe_organization", {"Organization": self.organization})
        stub.activate()
        return client


CALLER_ARN = f"arn:aws:iam::{ME}:user/bot"


def test_the_reader_asks_once_and_keeps_it_for_hours(botocore_core: botocore.session.Session) -> None:
    session, clock = StubbedSession(botocore_core, organization={"MasterAccountId": MANAGEMENT}), Clock()
    reader = IdentityReader(session, clock=clock)  # type: ignore[arg-type]
    member = replace(MEMBER, arn=CALLER_ARN)
    assert reader.current() == member and reader.current().principal() == "user bot"
    clock.now = KEEP_SECONDS - 1
    assert reader.current() == member and session.reads == 1
    reader.saw_others()
    assert reader.current().sees_others
    clock.now = KEEP_SECONDS
    assert reader.current() == member and session.reads == 2  # read again: the evidence starts over


@pytest.mark.parametrize(("arn", "principal"), [
    (f"arn:aws:sts::{ME}:assumed-role/restores-bot/i-0123456789abcdef0", "role restores-bot"),
    (f"arn:aws:iam::{ME}:role/service-role/restores-bot", "role restores-bot"),
    (f"arn:aws:iam::{ME}:user/ops/alice", "user alice"),
    (f"arn:aws:iam::{ME}:root", "the account's root user"),
    (f"arn:aws-cn:sts::{ME}:federated-user/bob", f"arn:aws-cn:sts::{ME}:federated-user/bob"),
    (None, "an unknown principal"),
])
def test_who_the_bot_runs_as_is_named_from_its_arn(arn: str | None, principal: str) -> None:
    assert CallerIdentity(account=ME, arn=arn).principal() == principal


@pytest.mark.parametrize(("error", "identity"), [
    ("AccessDeniedException", NO_ORG_PERMISSION),
    ("AWSOrganizationsNotInUseException", CallerIdentity(account=ME, organization=False)),
])
def test_the_reader_fails_soft_and_asks_again_sooner(error: str, identity: CallerIdentity,
                                                     botocore_core: botocore.session.Session) -> None:
    session, clock = StubbedSession(botocore_core, organization=error), Clock()
    reader = IdentityReader(session, clock=clock)  # type: ignore[arg-type]
    assert reader.current() == replace(identity, arn=CALLER_ARN)
    clock.now = RETRY_SECONDS
    reader.current()
    assert session.reads == (2 if identity.problem else 1)


def test_no_credentials_is_an_unknown_caller_not_an_error() -> None:
    def broken() -> Any:
        raise RuntimeError("no session")

    known = IdentityReader(broken).current()
    assert known.account is None and "sts:GetCallerIdentity failed" in known.problem
    assert known.describe()[0] is False
