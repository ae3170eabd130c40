"""RestoreTests over a Mock RestoreTestingReader: which accounts a query and a channel's scope read, OutOfScope for an
account the channel may not see, the scoreboard cut to the visible accounts (plans, their jobs, failures), a named
account that could not be read said so, a plan's drill-down, and the digest's section read once per run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import Mock

import pytest
from botocore.exceptions import ClientError

from bot.aws.testing import OWN, RestoreTestingReader
from bot.config import Settings
from bot.domain.access import OutOfScope
from bot.domain.results import AccountFailure, FailureKind, RestoreJobRow, TestingPlan, TestingResult
from bot.restore_testing.controls import TestJobsKind, TestJobsValue
from bot.restore_testing.grammar import TestsQuery
from bot.restore_testing.service import RestoreTests
from bot.restore_testing.verdicts import Severity

NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)
OWN_ID, A2, A3, STRANGER = "111122223333", "444455556666", "777788889999", "999900001111"
REGIONS = ("us-east-1", "eu-west-1")
DAILY = "cron(0 5 ? * * *)"


def settings(**changes: object) -> Settings:
    fields: dict[str, object] = {"regions": REGIONS, "testing_accounts": (A2, A3), "testing_role": "reader"}
    fields.update(changes)
    return Settings(**fields)  # type: ignore[arg-type]


def plan(account: str, name: str, region: str = "us-east-1") -> TestingPlan:
    return TestingPlan(region, account, name, f"arn:aws:backup:{region}:{account}:restore-testing-plan:{name}-1a",
                       DAILY, None, 1, NOW - timedelta(days=300), NOW - timedelta(hours=6))


def job(of: TestingPlan, n: int, status: str = "COMPLETED", *, validation: str | None = "SUCCESSFUL",
        deletion: str | None = "SUCCESSFUL") -> RestoreJobRow:
    created = NOW - timedelta(hours=n + 1)
    return RestoreJobRow(of.region, of.account_id, f"{of.name}-job-{n}", status, "Access denied" if status != "COMPLETED"
                         else "", "EBS", created, f"arn:aws:ec2:{of.region}:{of.account_id}:volume/vol-{n:017x}", of.arn,
                         validation, None, created + timedelta(minutes=10), deletion, None, None)


OWN_PLAN, A2_PLAN, A3_PLAN = plan(OWN_ID, "own"), plan(A2, "team"), plan(A3, "other", "eu-west-1")
EVERYTHING = TestingResult(
    regions=REGIONS, accounts=(OWN, A2, A3), window=(NOW - timedelta(days=7), NOW),
    plans=(OWN_PLAN, A2_PLAN, A3_PLAN), selections=(),
    jobs=(job(OWN_PLAN, 1), job(A2_PLAN, 1, "FAILED"), job(A2_PLAN, 2), job(A3_PLAN, 1, "FAILED")),
    failures=(AccountFailure(A3, "us-east-1", FailureKind.ACCESS_DENIED, "denied"),
              AccountFailure(OWN, "eu-west-1", FailureKind.TIMEOUT, "late")),
    truncated=(A3_PLAN.arn,), aws_calls=12, elapsed=0.5,
)


def reader_returning(result: TestingResult = EVERYTHING) -> Mock:
    reader = Mock(RestoreTestingReader)
    reader.read.return_value = result
    return reader


def service_with(reader: Mock, **changes: object) -> RestoreTests:
    return RestoreTests(settings(**changes), reader)


def query(**fields: object) -> TestsQuery:
    return TestsQuery(regions=REGIONS, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("asked", "visible", "read"),
    [
        (None, None, (OWN, A2, A3)),  # the bot's own and every configured account
        (None, frozenset({A2}), (OWN, A2)),  # the own account's plans are cut to the scope by their ARNs
        (None, frozenset({STRANGER}), (OWN,)),
        (A2, None, (A2,)),  # a configured account through its role
        (A2, frozenset({A2, A3}), (A2,)),
        (STRANGER, None, (OWN,)),  # not configured: perhaps the bot's own
    ],
)
def test_the_accounts_read_for_a_query_and_a_scope(asked: str | None, visible: frozenset[str] | None,
                                                   read: tuple[str, ...]) -> None:
    assert service_with(reader_returning()).accounts(query(account=asked), visible) == read


def test_an_account_outside_the_channel_scope_is_out_of_scope() -> None:
    reader = reader_returning()
    with pytest.raises(OutOfScope, match=f"only sees accounts {A2}, {A3}; account {OWN_ID} is not one of them"):
        service_with(reader).scoreboard(query(account=OWN_ID), frozenset({A3, A2}), NOW)
    reader.read.assert_not_called()


def test_the_scoreboard_reads_the_window_and_judges_every_plan() -> None:
    reader = reader_returning()
    board = service_with(reader).scoreboard(query(days=14), None, NOW)
    reader.read.assert_called_once_with((OWN, A2, A3), REGIONS, (NOW - timedelta(days=14), NOW))
    assert board.result is EVERYTHING and board.days == 14
    assert {v.plan.name: v.severity for v in board.verdicts} == {"own": Severity.OK, "team": Severity.BROKEN,
                                                                 "other": Severity.BROKEN}
    assert board.jobs == 4 and not board.complete


def test_the_scoreboard_is_cut_to_the_visible_accounts() -> None:
    board = service_with(reader_returning()).scoreboard(query(), frozenset({A2}), NOW)
    cut = board.result
    assert cut.plans == (A2_PLAN,) and [j.job_id for j in cut.jobs] == ["team-job-1", "team-job-2"]
    # Another account's failure and truncated plan are not this channel's; the bot's own account's failure is.
    assert cut.failures == (AccountFailure(OWN, "eu-west-1", FailureKind.TIMEOUT, "late"),)
    assert cut.truncated == () and [v.plan.name for v in board.verdicts] == ["team"]
    assert board.count("failed") == 1 and not board.complete


def test_a_named_account_is_cut_to_its_own_plans_even_without_a_scope() -> None:
    board = service_with(reader_returning()).scoreboard(query(account=A3), None, NOW)
    assert board.result.plans == (A3_PLAN,) and board.result.truncated == (A3_PLAN.arn,)
    assert [f.account_id for f in board.result.failures] == [A3, OWN]


def test_a_named_account_not_configured_and_without_plans_says_only_the_own_account_was_read() -> None:
    reader = reader_returning()
    board = service_with(reader).scoreboard(query(account=STRANGER), None, NOW)
    assert reader.read.call_args.args[0] == (OWN,)
    assert board.result.plans == () and board.verdicts == ()
    note = board.result.failures[-1]
    assert (note.account_id, note.region, note.kind) == (STRANGER, None, FailureKind.NO_CREDENTIALS)
    assert note.message.startswith("not in RESTORES_TESTING_ACCOUNTS, so only the bot's own account (id not known) "
                                   "was read")
    # Its id known, it is still not named in an answer about other accounts (a scoped channel is shown no other
    # account's id), and never said to be unknown.
    named = RestoreTests(settings(), reader_returning(), own_account=lambda: "111122223333")
    said = named.scoreboard(query(account=STRANGER), None, NOW).result.failures[-1].message
    assert said.startswith("not in RESTORES_TESTING_ACCOUNTS, so only the bot's own account was read")
    assert "111122223333" not in said


PASSING = TestingResult(
    regions=REGIONS, accounts=(OWN, A2, A3), window=(NOW - timedelta(days=7), NOW), plans=(A2_PLAN,), selections=(),
    jobs=(job(A2_PLAN, 1), job(A2_PLAN, 2)), aws_calls=3,
)


def test_a_scoped_account_not_configured_is_named_not_read_and_restores_are_not_said_to_work() -> None:
    # The channel sees A2 (configured, every plan passed) and STRANGER (not in RESTORES_TESTING_ACCOUNTS: only the
    # bot's own account could hold its plans, and none came back). STRANGER was never read: no "Restores work".
    service = service_with(reader_returning(PASSING))
    board = service.scoreboard(query(), frozenset({A2, STRANGER}), NOW)
    assert [(f.account_id, f.region, f.kind) for f in board.result.failures] == [
        (STRANGER, None, FailureKind.NO_CREDENTIALS)]
    assert not board.complete
    text = service.answer(query(), frozenset({A2, STRANGER})).text
    assert "Restores work" not in text and "Incomplete" in text
    # A configured account, and the bot's own account's plans, need no such note.
    assert service.scoreboard(query(), frozenset({A2}), NOW).complete


def test_the_bots_own_account_is_read_by_id_once_aws_said_who_the_bot_is() -> None:
    """A channel scoped to the bot's own account, which has no plans: read (no note) when sts:GetCallerIdentity named
    it; when who the bot is could not be read, it stays named as not read (never a reassurance on a guess)."""
    known = service_with(reader_returning(PASSING))
    known.own_account = lambda: STRANGER
    assert known.scoreboard(query(), frozenset({A2, STRANGER}), NOW).complete

    def broken() -> str | None:
        raise RuntimeError("sts unreachable")

    unknown = service_with(reader_returning(PASSING))
    unknown.own_account = broken
    assert not unknown.scoreboard(query(), frozenset({A2, STRANGER}), NOW).complete


def test_the_digest_section_names_a_scoped_account_it_could_not_read() -> None:
    section = service_with(reader_returning(PASSING)).digest_sections(REGIONS, (NOW - timedelta(days=1), NOW), NOW)
    shown = section(frozenset({A2, STRANGER}))
    assert shown is not None and shown.summary == "1 part not read"


def test_a_plan_jobs_are_read_in_its_account_and_kept_by_kind() -> None:
    reader = reader_returning()
    jobs = [job(A2_PLAN, 1, "FAILED"), job(A2_PLAN, 2, "ABORTED"), job(A2_PLAN, 3, validation="FAILED"),
            job(A2_PLAN, 4, deletion="FAILED")]
    reader.plan_jobs.return_value = (jobs, False, 3)
    service = service_with(reader)
    window = (NOW - timedelta(days=7), NOW)
    failed = service.answer_jobs(TestJobsValue(A2_PLAN.arn, TestJobsKind.FAILED, window), frozenset({A2}))
    reader.plan_jobs.assert_called_once_with(A2, "us-east-1", A2_PLAN.arn, window)
    assert failed.text.startswith("2 failed restore jobs created")
    validation = service.answer_jobs(TestJobsValue(A2_PLAN.arn, TestJobsKind.VALIDATION, window), None)
    leaked = service.answer_jobs(TestJobsValue(A2_PLAN.arn, TestJobsKind.LEAKED, window), None)
    assert validation.text.startswith("1 restore job created") and leaked.text.startswith("1 restore job created")


def test_a_plan_of_an_account_not_configured_is_read_as_the_bot_own() -> None:
    reader = reader_returning()
    reader.plan_jobs.return_value = ([], False, 1)
    arn = plan(STRANGER, "x").arn
    service_with(reader).answer_jobs(TestJobsValue(arn, TestJobsKind.FAILED, (NOW - timedelta(days=1), NOW)), None)
    assert reader.plan_jobs.call_args.args[0] == OWN


def test_a_plan_drill_down_outside_the_scope_is_refused() -> None:
    reader = reader_returning()
    value = TestJobsValue(A3_PLAN.arn, TestJobsKind.FAILED, (NOW - timedelta(days=1), NOW))
    with pytest.raises(OutOfScope, match=f"that plan is in account {A3}"):
        service_with(reader).answer_jobs(value, frozenset({A2}))
    reader.plan_jobs.assert_not_called()


def test_a_region_that_refused_the_drill_down_is_named_and_no_jobs_are_claimed() -> None:
    reader = reader_returning()
    reader.plan_jobs.side_effect = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}},
                                               "ListRestoreJobs")
    value = TestJobsValue(A3_PLAN.arn, TestJobsKind.FAILED, (NOW - timedelta(days=1), NOW))
    message = service_with(reader).answer_jobs(value, None)
    assert message.text.endswith("; regions not answering: eu-west-1")
    shown = str(message.block_dicts())
    assert "*Couldn't read restore jobs* in eu-west-1" in shown and "No failed restore jobs" not in shown


def test_a_plan_whose_role_could_not_be_assumed_claims_no_jobs() -> None:
    reader = reader_returning()
    reader.plan_jobs.side_effect = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")
    value = TestJobsValue(A3_PLAN.arn, TestJobsKind.FAILED, (NOW - timedelta(days=1), NOW))
    message = service_with(reader).answer_jobs(value, None)
    assert "No failed restore jobs" not in str(message.block_dicts())
    assert message.text.endswith("; regions not answering: eu-west-1")


def test_the_digest_section_reads_every_account_once_and_cuts_per_scope() -> None:
    reader = reader_returning()
    window = (NOW - timedelta(days=1), NOW)
    section = service_with(reader).digest_sections(REGIONS, window, NOW)
    everyone, team, stranger = section(None), section(frozenset({A2})), section(frozenset({STRANGER}))
    reader.read.assert_called_once_with((OWN, A2, A3), REGIONS, window)
    assert everyone is not None and "2 plans failed" in everyone.summary and "2 parts not read" in everyone.summary
    assert team is not None and team.summary == "1 plan failed, did not run or leaked, 1 part not read"
    # The bot's own account's failure, and STRANGER itself: not configured, no plans of it read.
    assert stranger is not None and stranger.summary == "2 parts not read"


def test_no_digest_section_and_no_read_when_restore_testing_is_off() -> None:
    reader = reader_returning()
    section = service_with(reader, digest_tests=False).digest_sections(REGIONS, (NOW - timedelta(days=1), NOW), NOW)
    assert section(None) is None
    reader.read.assert_not_called()
