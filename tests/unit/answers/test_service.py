"""RestoresService with its real collaborators from bot.wiring and a Mock(BackupService): who is refused and which
accounts are out of scope before AWS is asked, faults and usage errors answered, exactly the filter and window asked
of AWS, and answers whose numbers are the mocked rows'."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from unittest.mock import Mock

import pytest

from bot.answers.controls import ActionValue
from bot.answers.service import RestoresService, merge_views
from bot.aws.client import BackupService
from bot.aws.plan import View
from bot.config import load_settings
from bot.domain.query import ANY, Period, RestoreFilter, State
from bot.domain.results import FailureKind, JobsQuery, JobsResult, RegionFailure, RestoreJobRow, SummaryResult, SummaryRow
from bot.domain.subscriptions import ChannelProblem
from bot.domain.words import window_text
from bot.restore_testing.controls import TestJobsKind, TestJobsValue
from bot.slack.blocks import Message
from bot.wiring import Wiring
from tests.support import assert_inert, settled_now

pytestmark = pytest.mark.dates

REGIONS = ("us-east-1", "eu-west-1")
A, B, C = "111122223333", "444455556666", "777788889999"
TEAM = "T0TEAM"
BASE_ENV = {"RESTORES_REGIONS": ",".join(REGIONS), "SLACK_TEAM_ID": TEAM}
SCOPES = f"C0TEAMA={A};C0TEAMAB={A},{B}"
T1 = datetime(2026, 11, 26, tzinfo=UTC)
T0 = T1 - timedelta(days=7)
REFERENCE = re.compile(r"this reference: `([0-9a-f]{12})`")


Build = Callable[..., tuple[RestoresService, Mock]]


@pytest.fixture
def make() -> Iterator[Build]:
    wirings: list[Wiring] = []

    def build(**env: str) -> tuple[RestoresService, Mock]:
        backup = Mock(BackupService)
        backup.max_jobs = 2000
        wiring = Wiring(load_settings({**BASE_ENV, **env}, "local"), backup=backup)
        wirings.append(wiring)
        return wiring.answers, backup

    yield build
    for wiring in wirings:
        wiring.close()


def row(state: str, count: int, *, region: str = "us-east-1", account: str = A, rtype: str = "EBS",
        start: datetime = T0, end: datetime = T1) -> SummaryRow:
    return SummaryRow(region, account, state, rtype, count, start, end)


def summary(flt: RestoreFilter, rows: list[SummaryRow], failures: tuple[RegionFailure, ...] = (),
            **extra: object) -> SummaryResult:
    return SummaryResult(flt, flt.period, tuple(rows), failures, aws_calls=2, elapsed=0.1, **extra)  # type: ignore[arg-type]


def echo_summary(rows: list[SummaryRow], failures: tuple[RegionFailure, ...] = ()) -> object:
    """A restore_job_summaries that answers whatever filter it is asked with these rows."""
    return lambda flt, views=None: summary(flt, rows, failures)


def text_of(message: Message) -> str:
    return message.text + json.dumps(message.block_dicts(), ensure_ascii=False)


def first_section(message: Message) -> str:
    return next(b["text"]["text"] for b in message.block_dicts() if b["type"] == "section")


def totals_block(message: Message) -> dict:  # type: ignore[type-arg]
    return next(b for b in message.block_dicts() if b["type"] == "section" and b.get("fields"))


# --------------------------------------------------------------------------- refusals


def test_a_user_not_on_the_allow_list_is_refused_without_asking_aws(make: Build) -> None:
    service, backup = make(RESTORES_ALLOWED_USERS="U0ALICE")
    message = service.answer("failed", user_id="U0MALLORY", channel_id="C0ANY", teams=(TEAM,))
    assert first_section(message) == (":lock: Sorry, `/restores` is not enabled for you in this channel. Ask the bot's "
                                      "admins to add you or this channel to its allow-list.")
    assert backup.mock_calls == []
    allowed = service.answer("help", user_id="U0ALICE", channel_id="C0ANY", teams=(TEAM,))
    assert "Sorry" not in text_of(allowed)


def test_a_channel_not_on_the_allow_list_is_refused(make: Build) -> None:
    service, backup = make(RESTORES_ALLOWED_CHANNELS="C0OPS")
    message = service.answer_filter(RestoreFilter(regions=REGIONS), user_id="U0ALICE", channel_id="C0OTHER", teams=(TEAM,))
    assert "is not enabled for you in this channel" in first_section(message)
    assert backup.mock_calls == []


@pytest.mark.parametrize("teams", [("T0OTHER",), (TEAM, "T0OTHER"), ()], ids=["other", "connect-guest", "none"])
def test_a_request_from_another_workspace_is_refused(make: Build, teams: tuple[str, ...]) -> None:
    service, backup = make()
    message = service.answer("failed", user_id="U0ALICE", channel_id="C0OPS", teams=teams)
    assert first_section(message).startswith(":lock: Sorry, `/restores` only answers people of the workspace it is "
                                             "installed in.")
    assert backup.mock_calls == []


def test_a_conversation_without_a_scope_is_refused_once_channels_are_scoped(make: Build) -> None:
    service, backup = make(RESTORES_CHANNEL_ACCOUNTS=SCOPES)
    message = service.answer("failed", user_id="U0ALICE", channel_id="D0DIRECT", teams=(TEAM,), command="/r")
    assert first_section(message).startswith(":lock: Sorry, `/r` has no AWS accounts to show in this conversation")
    assert "`RESTORES_CHANNEL_ACCOUNTS`" in first_section(message)
    assert backup.mock_calls == []


def test_a_home_button_is_refused_once_the_home_tab_has_no_accounts(make: Build) -> None:
    service, backup = make(RESTORES_CHANNEL_ACCOUNTS=SCOPES)
    value = ActionValue(RestoreFilter(state=State.FAILED, regions=REGIONS), (T0, T1))
    message = service.answer_jobs(value, user_id="U0ALICE", channel_id="", teams=(TEAM,), home=True)
    assert first_section(message).startswith(":lock: Sorry, the Home tab shows no AWS accounts any more")
    assert backup.mock_calls == []


# --------------------------------------------------------------------------- scope


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"failed account:{B}", f"This channel only sees accounts {A}; account {B} is not one of them."),
        ("failed account:AGGREGATE_ALL", f"This channel only sees accounts {A}, so a sum over every account is not "
                                         "available here."),
        (f"jobs failed account:{B}", f"account {B} is not one of them."),
        (f"tests account:{B}", f"account {B} is not one of them."),
    ],
    ids=["summary", "sum", "jobs", "tests"],
)
def test_accounts_outside_the_channels_scope_are_refused_without_asking_aws(make: Build, text: str, reason: str) -> None:
    service, backup = make(RESTORES_CHANNEL_ACCOUNTS=SCOPES)
    message = service.answer(text, user_id="U0ALICE", channel_id="C0TEAMA", teams=(TEAM,))
    assert first_section(message).startswith(":lock: ")
    assert reason in first_section(message)
    assert backup.mock_calls == []


def test_a_button_naming_another_partitions_region_is_refused(make: Build) -> None:
    service, backup = make()
    message = service.answer_filter(RestoreFilter(regions=("cn-north-1",)), user_id="U0ALICE", channel_id="C0OPS",
                                    teams=(TEAM,))
    assert first_section(message) == (":lock: Region cn-north-1 is outside the AWS partition this bot answers for (aws).")
    assert backup.mock_calls == []


def test_a_restore_testing_plan_of_another_account_is_refused(make: Build) -> None:
    service, backup = make(RESTORES_CHANNEL_ACCOUNTS=SCOPES)
    value = TestJobsValue(f"arn:aws:backup:us-east-1:{B}:restore-testing-plan:nightly-1a2b", TestJobsKind.FAILED, (T0, T1))
    message = service.answer_test_jobs(value, user_id="U0ALICE", channel_id="C0TEAMA", teams=(TEAM,))
    assert first_section(message) == f":lock: This channel only sees accounts {A}; that plan is in account {B}."
    assert backup.mock_calls == []


@pytest.mark.parametrize(("partition", "region"), [("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")])
@pytest.mark.parametrize("home", [False, True], ids=["channel", "home"])
def test_a_restore_testing_button_naming_another_partitions_plan_is_refused(
    make: Build, partition: str, region: str, home: bool
) -> None:
    service, backup = make(RESTORES_HOME_ACCOUNTS="ANY")
    reader = Mock(wraps=service.tests.reader)
    service.tests.reader = reader
    arn = f"arn:{partition}:backup:{region}:{A}:restore-testing-plan:nightly-1a2b"
    value = TestJobsValue(arn, TestJobsKind.FAILED, (T0, T1))
    message = service.answer_test_jobs(value, user_id="U0ALICE", channel_id="C0OPS", teams=(TEAM,), home=home)
    assert first_section(message) == f":lock: Region {region} is outside the AWS partition this bot answers for (aws)."
    assert backup.mock_calls == [] and reader.mock_calls == []


def test_a_scoped_channel_asks_aws_only_for_its_accounts(make: Build) -> None:
    service, backup = make(RESTORES_CHANNEL_ACCOUNTS=SCOPES)
    backup.restore_job_summaries.side_effect = echo_summary([row("FAILED", 3)])
    service.answer("failed", user_id="U0ALICE", channel_id="C0TEAMA", teams=(TEAM,))
    service.answer("failed", user_id="U0ALICE", channel_id="C0TEAMAB", teams=(TEAM,))
    one, two = (c.args[0] for c in backup.restore_job_summaries.call_args_list)
    # One visible account: asked for directly. Two: every account asked, only these kept.
    assert (one.account, one.visible_accounts) == (A, frozenset({A}))
    assert (two.account, two.visible_accounts) == (ANY, frozenset({A, B}))


# --------------------------------------------------------------------------- faults and usage errors


def test_a_fault_becomes_an_answer_with_a_reference_and_no_detail(make: Build, caplog: pytest.LogCaptureFixture) -> None:
    service, backup = make()
    backup.restore_job_summaries.side_effect = RuntimeError("secret internals")
    caplog.set_level(logging.INFO, logger="bot.answers.service")
    first = service.answer("failed", user_id="U0ALICE", channel_id="C0OPS", teams=(TEAM,))
    second = service.answer("failed", user_id="U0ALICE", channel_id="C0OPS", teams=(TEAM,))
    assert first_section(first).startswith(":boom: Something went wrong while answering; nothing was shown to others.")
    references = [REFERENCE.search(first_section(m)) for m in (first, second)]
    assert all(references) and references[0].group(1) != references[1].group(1)  # type: ignore[union-attr]
    assert "secret internals" not in text_of(first)
    failed = [r for r in caplog.records if r.getMessage() == "failed to answer command"]
    assert len(failed) == 2 and all(r.exc_info and r.exc_info[0] is RuntimeError for r in failed)


def test_a_fault_of_every_entry_point_is_answered(make: Build) -> None:
    service, backup = make()
    backup.restore_job_summaries.side_effect = RuntimeError("x")
    backup.list_restore_jobs.side_effect = RuntimeError("x")
    flt = RestoreFilter(state=State.FAILED, regions=REGIONS)
    for message in (
        service.answer_filter(flt, user_id="U0ALICE", channel_id="C0OPS"),
        service.answer_jobs(ActionValue(flt, (T0, T1)), user_id="U0ALICE", channel_id="C0OPS"),
        service.answer_chart(ActionValue(flt), user_id="U0ALICE", channel_id="C0OPS").message,
    ):
        assert REFERENCE.search(first_section(message))


def test_a_command_that_does_not_parse_is_answered_with_the_token_and_a_suggestion(make: Build) -> None:
    service, backup = make()
    message = service.answer("fialed 7d", user_id="U0ALICE", channel_id="C0OPS", teams=(TEAM,), command="/r")
    assert first_section(message).startswith(":thinking_face: `fialed` is not something I understand. Did you mean "
                                             "`failed`?\nAccepted: ")
    assert first_section(message).endswith("See `/r help` for examples.")
    assert backup.mock_calls == []


def test_a_hostile_token_is_quoted_inert(make: Build) -> None:
    service, _ = make()
    message = service.answer("<!channel>", user_id="U0ALICE", channel_id="C0OPS")
    assert "`&lt;!channel&gt;` is not something I understand" in first_section(message)
    assert_inert(message)


def test_help_names_the_configured_regions(make: Build) -> None:
    service, backup = make()
    message = service.answer("help", user_id="U0ALICE", channel_id="C0OPS", command="/r")
    assert "Default: us-east-1, eu-west-1" in text_of(message)
    assert message.text.startswith("/r usage:")
    assert backup.mock_calls == []


def test_subscription_commands_go_to_the_subscriptions_with_the_channel_check(make: Build) -> None:
    service, backup = make()
    check = Mock(return_value=ChannelProblem.ARCHIVED)
    message = service.answer("subscribe digest", user_id="U0ALICE", channel_id="C0OPS", teams=(TEAM,), channel_check=check)
    check.assert_called_once_with("C0OPS")
    assert first_section(message).startswith(":no_entry: This channel is archived")
    no_channel = service.answer("subscriptions", user_id="U0ALICE", channel_id="")
    assert "Subscriptions belong to a Slack channel" in first_section(no_channel)
    assert backup.mock_calls == []


# --------------------------------------------------------------------------- summaries


def test_a_summary_states_the_mocked_rows_totals(make: Build) -> None:
    service, backup = make()
    rows = [row("FAILED", 3), row("FAILED", 4, region="eu-west-1"), row("COMPLETED", 120, rtype="RDS"),
            row("ABORTED", 2, account=B)]
    backup.restore_job_summaries.side_effect = echo_summary(rows)
    message = service.answer("7d", user_id="U0ALICE", channel_id="C0OPS", teams=(TEAM,))
    backup.restore_job_summaries.assert_called_once_with(RestoreFilter(regions=REGIONS))
    block = totals_block(message)
    assert block["text"]["text"] == "*129 restore jobs* in 2 regions"
    assert [f["text"] for f in block["fields"]] == [":x: *Failed*\n7", ":no_entry_sign: *Aborted*\n2",
                                                    ":heavy_check_mark: *Completed*\n120"]
    assert "129 restore jobs; 7 failed, 2 aborted, 120 completed" in message.text


def test_the_parsed_filter_is_what_aws_is_asked(make: Build) -> None:
    service, backup = make()
    backup.restore_job_summaries.side_effect = echo_summary([])
    service.answer(f"aborted 14d rds eu-west-1 account:{A} share", user_id="U0ALICE", channel_id="C0OPS")
    backup.restore_job_summaries.assert_called_once_with(RestoreFilter(
        state=State.ABORTED, period=Period.FOURTEEN_DAYS, resource_type="RDS", account=A, regions=("eu-west-1",),
        share=True))


def test_a_region_that_failed_is_named_and_the_numbers_exclude_it(make: Build) -> None:
    service, backup = make()
    failure = RegionFailure("eu-west-1", FailureKind.ACCESS_DENIED, "access denied: grant `backup:ListRestoreJobSummaries`")
    backup.restore_job_summaries.side_effect = echo_summary([row("FAILED", 5)], (failure,))
    message = service.answer("failed", user_id="U0ALICE", channel_id="C0OPS")
    assert ":x: *5 failed restore jobs* in 1 region" in text_of(message)
    text = text_of(message)
    assert "_Numbers above exclude the regions listed here._" in text
    assert "regions not answering: eu-west-1" in message.text


def test_an_org_wide_answer_shows_the_totals_first_then_the_whole_answer(make: Build) -> None:
    service, backup = make()
    typed = [row("FAILED", 7, rtype="EBS"), row("FAILED", 2, rtype="RDS", region="eu-west-1")]
    by_account = [row("FAILED", 6, account=A), row("FAILED", 3, account=B, region="eu-west-1")]

    def summaries(flt: RestoreFilter, views: tuple[View, ...]) -> SummaryResult:
        if views == (View.TOTALS, View.BY_TYPE):
            return summary(flt, typed, type_rows=tuple(typed))
        assert views == (View.BY_ACCOUNT,)
        return summary(flt, [], account_rows=tuple(by_account))

    backup.restore_job_summaries.side_effect = summaries
    early: list[Message] = []
    final = service.answer("failed account:ANY", user_id="U0ALICE", channel_id="C0OPS", progress=early.append)
    assert len(early) == 1
    assert early[0].text.startswith("[still counting accounts] ")
    assert "_still counting…_" in text_of(early[0])
    assert ":x: *9 failed restore jobs* in 2 regions" in text_of(final)
    assert f"*{A} · us-east-1* — 6" in text_of(final) and f"*{B} · eu-west-1* — 3" in text_of(final)
    assert "still counting" not in text_of(final)


def test_no_early_answer_when_no_region_answered_the_first_read(make: Build) -> None:
    service, backup = make()
    failures = tuple(RegionFailure(r, FailureKind.THROTTLED, "throttled") for r in REGIONS)
    backup.restore_job_summaries.side_effect = echo_summary([], failures)
    early: list[Message] = []
    final = service.answer("failed account:ANY", user_id="U0ALICE", channel_id="C0OPS", progress=early.append)
    assert early == []
    assert "*Couldn't read restore jobs*" in text_of(final)


def test_merged_views_leave_out_a_region_that_failed_either_read() -> None:
    flt = RestoreFilter(account=ANY, regions=REGIONS)
    eu = RegionFailure("eu-west-1", FailureKind.TIMEOUT, "no answer within 20 s")
    us = RegionFailure("us-east-1", FailureKind.THROTTLED, "throttled")
    early = summary(flt, [row("FAILED", 1), row("FAILED", 2, region="eu-west-1")], (),
                    type_rows=(row("FAILED", 1), row("FAILED", 2, region="eu-west-1")), truncated=("us-east-1",))
    later = summary(flt, [], (eu,), account_rows=(row("FAILED", 1),), truncated=("us-east-1",))
    merged = merge_views(early, later)
    assert merged.rows == (row("FAILED", 1),)
    assert merged.type_rows == (row("FAILED", 1),)
    assert merged.account_rows == (row("FAILED", 1),)
    assert merged.failures == (eu,)
    assert merged.truncated == ("us-east-1",)
    assert (merged.aws_calls, merged.elapsed) == (4, 0.2)
    # A region failing both reads is named once.
    both = merge_views(summary(flt, [], (us,)), summary(flt, [], (us, eu)))
    assert both.failures == (us, eu)


# --------------------------------------------------------------------------- drill-downs


def job(n: int, account: str = A, region: str = "us-east-1") -> RestoreJobRow:
    return RestoreJobRow(region, account, f"j{n}", "FAILED", "Access denied", "EBS", T1 - timedelta(hours=n + 1), "")


def jobs_result(query: JobsQuery, jobs: list[RestoreJobRow], **extra: object) -> JobsResult:
    return JobsResult(query, tuple(jobs), (), aws_calls=1, **extra)  # type: ignore[arg-type]


def test_a_drill_down_asks_for_exactly_the_rows_window_and_status(make: Build) -> None:
    service, backup = make()
    backup.list_restore_jobs.side_effect = lambda query: jobs_result(query, [job(0), job(1)])
    flt = RestoreFilter(state=State.FAILED, resource_type="EBS", account=A, regions=("us-east-1",))
    message = service.answer_jobs(ActionValue(flt, (T0, T1)), user_id="U0ALICE", channel_id="C0OPS", teams=(TEAM,))
    backup.list_restore_jobs.assert_called_once_with(JobsQuery(
        regions=("us-east-1",), created_after=T0, created_before=T1, status=State.FAILED, resource_type="EBS",
        accounts=(A,)))
    assert "*2 failed restore jobs*" in text_of(message)
    backup.restore_job_summaries.assert_not_called()


def test_a_type_the_api_cannot_filter_on_is_filtered_locally_and_any_state_is_every_status(make: Build) -> None:
    service, backup = make()
    backup.list_restore_jobs.side_effect = lambda query: jobs_result(query, [])
    service.answer('jobs state:ANY type:"Storage Gateway" 1d', user_id="U0ALICE", channel_id="C0OPS")
    query = backup.list_restore_jobs.call_args.args[0]
    assert (query.status, query.resource_type, query.local_resource_type) == (None, None, "Storage Gateway")
    assert query.accounts == ()  # the bot's own account


def test_a_scoped_channels_drill_down_lists_its_own_accounts_without_a_summary(make: Build) -> None:
    service, backup = make(RESTORES_CHANNEL_ACCOUNTS=SCOPES)
    backup.list_restore_jobs.side_effect = lambda query: jobs_result(query, [])
    service.answer("jobs failed", user_id="U0ALICE", channel_id="C0TEAMAB")
    query = backup.list_restore_jobs.call_args.args[0]
    assert (query.accounts, query.accounts_by_region, query.visible_accounts) == ((A, B), None, frozenset({A, B}))
    backup.restore_job_summaries.assert_not_called()


def test_an_org_wide_drill_down_lists_accounts_with_jobs_most_jobs_first_and_says_what_it_cannot_cover(make: Build) -> None:
    service, backup = make()
    now = settled_now()
    failure = RegionFailure("eu-west-1", FailureKind.THROTTLED, "throttled")
    counted = [row("FAILED", 2, account=A), row("FAILED", 9, account=B), row("FAILED", 0, account=C),
               row("FAILED", 4, account="not-an-account")]
    backup.restore_job_summaries.side_effect = echo_summary(counted, (failure,))
    backup.list_restore_jobs.side_effect = lambda query: jobs_result(query, [job(0)], unlisted=(("us-east-1", A),))
    message = service.answer("jobs failed 14d account:ANY", user_id="U0ALICE", channel_id="C0OPS")
    asked = backup.restore_job_summaries.call_args
    assert asked.args[0].period is Period.FOURTEEN_DAYS and asked.kwargs == {"views": (View.BY_ACCOUNT,)}
    query = backup.list_restore_jobs.call_args.args[0]
    assert query.accounts == (A, B)
    # Each region asks for the accounts its rows name, most jobs first; a failed region asks for every account found.
    assert query.accounts_by_region == {"us-east-1": (B, A), "eu-west-1": (A, B)}
    assert query.created_before - query.created_after == timedelta(days=14)
    assert abs((query.created_before - now).total_seconds()) < 60
    text = text_of(message)
    assert "eu-west-1: the accounts with jobs could not be listed (throttled); only accounts found in other regions " \
           "were read there" in text
    assert "jobs created today are listed only for accounts with jobs in the last 14 days" in text
    assert "jobs created before" not in text  # the last 14 days from now are all in the summaries' span
    assert ("1 account in us-east-1 not listed (a drill-down reads at most 2,000 jobs a region, accounts with the most "
            "jobs first, and starts no account after half its time): AWS's 14-day summaries count 2 failed jobs there"
            ) in text
    assert "*at least 1 failed restore job*" in text
    assert message.text.startswith("incomplete: ")


def test_an_org_wide_drill_down_never_calls_a_region_answered_that_it_did_not_ask(make: Build) -> None:
    # eu-west-1's summaries were throttled and no other region names an account with jobs: eu-west-1 gets no
    # ListRestoreJobs call, so it did not answer; it must not be among the regions said to have no failed jobs.
    three = "us-east-1,eu-west-1,ap-southeast-2"
    service, backup = make(RESTORES_REGIONS=three)
    failure = RegionFailure("eu-west-1", FailureKind.THROTTLED, "throttled")
    backup.restore_job_summaries.side_effect = echo_summary([], (failure,))
    backup.list_restore_jobs.side_effect = lambda query: jobs_result(query, [])
    message = service.answer("jobs failed 7d account:ANY", user_id="U0ALICE", channel_id="C0OPS", teams=(TEAM,))
    query = backup.list_restore_jobs.call_args.args[0]
    assert not (query.accounts_by_region or {}).get("eu-west-1")  # no account to ask there
    result = service.list_jobs(service.policy.scope(RestoreFilter(state=State.FAILED, account=ANY,
                                                                  regions=tuple(three.split(","))),
                                                     service.policy.check(user_id="U0ALICE", channel_id="C0OPS")))
    assert [(f.region, f.kind) for f in result.failures] == [("eu-west-1", FailureKind.THROTTLED)]
    text = text_of(message)
    assert "eu-west-1" in text and "were created in" not in text
    assert first_section(message).startswith(":warning:")


def test_a_window_older_than_the_summaries_span_says_so(make: Build) -> None:
    service, backup = make()
    today = datetime.combine(settled_now().date(), datetime.min.time(), UTC)
    backup.restore_job_summaries.side_effect = echo_summary([row("FAILED", 1)])
    backup.list_restore_jobs.side_effect = lambda query: jobs_result(query, [])
    flt = RestoreFilter(state=State.FAILED, account=ANY, regions=REGIONS)
    window = (today - timedelta(days=20), today - timedelta(days=13))
    text = text_of(service.answer_jobs(ActionValue(flt, window), user_id="U0ALICE", channel_id="C0OPS"))
    assert (f"jobs created before {today - timedelta(days=14):%d %b} are listed only for accounts with jobs in the last "
            "14 days (AWS's summaries span 14 days)") in text
    assert "jobs created today" not in text  # the window ends before today
    assert ":warning: *Incomplete:*" in text
    query = backup.list_restore_jobs.call_args.args[0]
    assert (query.created_after, query.created_before) == window


def test_the_unlisted_note_names_five_regions_and_counts_the_rest(make: Build) -> None:
    service, backup = make()
    regions = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1")
    counted = [row("FAILED", 1, account=A, region=r) for r in regions]
    backup.restore_job_summaries.side_effect = echo_summary(counted)
    backup.list_restore_jobs.side_effect = lambda query: jobs_result(query, [], unlisted=tuple((r, A) for r in regions))
    flt = RestoreFilter(state=State.FAILED, account=ANY, regions=regions)
    message = service.answer_jobs(ActionValue(flt, (T0, T1)), user_id="U0ALICE", channel_id="C0OPS")
    assert ("1 account in eu-central-1, eu-west-1, eu-west-2, us-east-1, us-east-2 and 2 more regions not listed"
            in text_of(message))
    assert "AWS's 14-day summaries count 7 failed jobs there" in text_of(message)


# --------------------------------------------------------------------------- the chart


def test_a_chart_of_complete_numbers_carries_the_series_and_every_state(make: Build) -> None:
    service, backup = make()
    yesterday = datetime.combine(settled_now().date(), datetime.min.time(), UTC) - timedelta(days=1)
    rows = [row("FAILED", 3, start=yesterday, end=yesterday + timedelta(days=1)),
            row("COMPLETED", 10, start=yesterday, end=yesterday + timedelta(days=1))]
    backup.restore_job_summaries.side_effect = echo_summary(rows)
    flt = RestoreFilter(state=State.FAILED, period=Period.SEVEN_DAYS, regions=REGIONS, share=True)
    chart = service.answer_chart(ActionValue(flt), user_id="U0ALICE", channel_id="C0OPS", teams=(TEAM,))
    asked = backup.restore_job_summaries.call_args
    assert asked.args[0] == replace(flt, state=State.ANY, period=Period.ONE_DAY, share=False)
    assert asked.kwargs == {"views": (View.TOTALS,)}
    assert chart.series is not None
    assert (chart.series.days[-1], chart.series.failed[-1], chart.series.completed[-1]) == (yesterday.date(), 3, 10)
    assert chart.command_text == "/restores state:ANY daily region:us-east-1,eu-west-1"
    assert "Posted the 14-day chart of `/restores state:ANY daily region:us-east-1,eu-west-1`" in text_of(chart.message)


def test_a_chart_of_partial_numbers_is_text_with_the_missing_region_named(make: Build) -> None:
    service, backup = make()
    failure = RegionFailure("eu-west-1", FailureKind.TIMEOUT, "no answer within 20 s")
    backup.restore_job_summaries.side_effect = echo_summary([row("FAILED", 3)], (failure,))
    chart = service.answer_chart(ActionValue(RestoreFilter(regions=REGIONS)), user_id="U0ALICE", channel_id="C0OPS")
    assert chart.series is None
    text = text_of(chart.message)
    assert "every number is a lower bound" in text and "*eu-west-1*: no answer within 20 s" in text


def test_a_refused_chart_has_no_series(make: Build) -> None:
    service, backup = make(RESTORES_ALLOWED_USERS="U0ALICE")
    chart = service.answer_chart(ActionValue(RestoreFilter(regions=REGIONS)), user_id="U0BOB", channel_id="C0OPS")
    assert chart.series is None and "is not enabled for you" in first_section(chart.message)
    assert backup.mock_calls == []


def test_one_day_is_the_last_full_utc_day_in_every_view(make: Build) -> None:
    """`1d`: the ONE_DAY buckets read, cut to yesterday (UTC) in the totals, the types and the accounts alike."""
    service, backup = make()
    yesterday = datetime.combine(settled_now().date(), datetime.min.time(), UTC) - timedelta(days=1)
    day = {"start": yesterday, "end": yesterday + timedelta(days=1)}
    before = {"start": yesterday - timedelta(days=3), "end": yesterday - timedelta(days=2)}
    rows = [row("FAILED", 3, **day), row("FAILED", 40, **before)]
    backup.restore_job_summaries.side_effect = lambda flt, views=None: summary(
        flt, rows, type_rows=tuple(rows), account_rows=tuple(rows))
    message = service.answer("failed 1d", user_id="U0ALICE", channel_id="C0OPS")
    asked = backup.restore_job_summaries.call_args.args[0]
    assert (asked.period, asked.last_day) == (Period.ONE_DAY, True)
    text = text_of(message)
    assert ":x: *3 failed restore jobs* in 2 regions" in text and "40" not in first_section(message)
    assert "*EBS* — 3" in text and f"*{A} · us-east-1* — 3" in text
    # Yesterday's whole UTC day, in the words every surface uses (a window across New Year names both years).
    assert f"*Window:* {window_text(day['start'], day['end'])} (the last full UTC day AWS has counted)" in text
    assert "today's jobs are not in AWS's daily counts yet: `/restores jobs failed 1d" in text


def test_a_job_list_states_its_rolling_window(make: Build) -> None:
    service, backup = make()
    backup.list_restore_jobs.side_effect = lambda query: JobsResult(query, (), ())
    message = service.answer("jobs aborted 24h", user_id="U0ALICE", channel_id="C0OPS")
    query = backup.list_restore_jobs.call_args.args[0]
    assert query.created_before - query.created_after == timedelta(days=1)
    assert "*Created:* last 24 h, to " in text_of(message)
    assert message.block_dicts()[0]["text"]["text"] == "Restore jobs — aborted, created last 24 h"


def test_tests_share_posts_the_board_in_the_channel(make: Build) -> None:
    service, _ = make()
    service.tests.answer = Mock(return_value=Message(text="board"))  # type: ignore[method-assign]
    shared = service.answer("tests share 14d", user_id="U0ALICE", channel_id="C0OPS")
    assert shared.response_type == "in_channel" and shared.text == "board"
    query = service.tests.answer.call_args.args[0]
    assert (query.days, query.share) == (14, True)
    assert service.answer("tests", user_id="U0ALICE", channel_id="C0OPS").response_type == "ephemeral"
