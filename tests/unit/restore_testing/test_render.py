"""The restore testing scoreboard, judged and rendered, pure, by example: worst plans first, never an all clear over what
was not read, and the digest's section only when there is something to say. The property over arbitrary plans,
selections and jobs (within Slack's limits, inert, the numbers of the data) is tests/hardening/test_scoreboard.py."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from slack_sdk.models.blocks import Block

from bot.domain.accounts import AccountNames
from bot.domain.results import AccountFailure, FailureKind, RestoreJobRow, TestingPlan, TestingResult, TestingSelection
from bot.restore_testing.grammar import TestsQuery
from bot.restore_testing.render import board_coverage, digest_section, headline, render_tests
from bot.restore_testing.verdicts import Scoreboard, Severity, judge
from bot.slack.blocks import Message
from tests.support import assert_inert, assert_within_slack_limits
from tests.unit.console_links import assert_inert_but_console_links

pytestmark = pytest.mark.dates

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def section_blocks(board: Scoreboard, now: datetime) -> list[Block]:
    """The digest's restore testing blocks; none when it has nothing to say."""
    section = digest_section(board, now=now)
    assert section is None or section.blocks  # never an empty section in a digest
    return section.blocks if section is not None else []


ACCOUNT = "111122223333"


def plan(name: str, now: datetime, *, expression: str | None = None, last: datetime | None = None, ran: bool = True,
         region: str = "us-east-1", account: str = ACCOUNT, timezone: str | None = None) -> TestingPlan:
    """A daily plan created 30 days ago that last ran at `last`, by default five minutes after its scheduled time an
    hour ago; with ran=False, never."""
    hour_ago = now - timedelta(hours=1)
    if expression is None:
        expression = f"cron({hour_ago.minute} {hour_ago.hour} ? * * *)"
    if ran and last is None:
        last = hour_ago + timedelta(minutes=5)
    return TestingPlan(region, account, name, f"arn:aws:backup:{region}:{account}:restore-testing-plan:{name}-0a1b2c3d",
                       expression, timezone, None, now - timedelta(days=30), last if ran else None)


def job(of: TestingPlan, n: int, now: datetime, status: str = "COMPLETED", *, validation: str | None = "SUCCESSFUL",
        deletion: str | None = "SUCCESSFUL", minutes: int = 20, expected: int | None = 60, rtype: str = "EBS") -> RestoreJobRow:
    created = now - timedelta(hours=5, minutes=n)
    return RestoreJobRow(
        region=of.region, account_id=of.account_id, job_id=f"{of.name}-{n}", status=status,
        status_message="Access denied" if status != "COMPLETED" else "", resource_type=rtype, created=created,
        resource_arn=f"arn:aws:ec2:{of.region}:{of.account_id}:volume/vol-restored-{of.name}{n}",
        restore_testing_plan_arn=of.arn, validation_status=validation, completed=created + timedelta(minutes=minutes),
        deletion_status=deletion, expected_minutes=expected,
        source_arn=f"arn:aws:ec2:{of.region}:{of.account_id}:volume/vol-{of.name}{n}",
    )


def result_of(now: datetime, plans: list[TestingPlan], jobs: list[RestoreJobRow], *,
            selections: tuple[TestingSelection, ...] = (), failures: tuple[AccountFailure, ...] = (),
            truncated: tuple[str, ...] = ()) -> TestingResult:
    return TestingResult(regions=REGIONS, accounts=("",), window=(now - timedelta(days=7), now), plans=tuple(plans),
                         selections=selections, jobs=tuple(jobs), failures=failures, truncated=truncated, aws_calls=9)


def blocks_text(message: Message) -> str:
    return json.dumps(message.block_dicts(), ensure_ascii=False)


def test_plans_are_listed_worst_first(now: datetime) -> None:
    ok, note, leak = plan("ok", now), plan("note", now), plan("leak", now)
    one_failure, three_failures = plan("a-broken", now), plan("z-broken", now)
    jobs = [job(ok, 1, now), job(note, 2, now, minutes=95, expected=60), job(leak, 3, now, deletion="FAILED"),
            job(one_failure, 4, now, "FAILED", validation=None, deletion=None),
            *(job(three_failures, 5 + n, now, "ABORTED", validation=None, deletion=None) for n in range(3))]
    board = judge(result_of(now, [ok, note, leak, one_failure, three_failures], jobs), now=now, days=7)
    assert [(v.plan.name, v.severity) for v in board.verdicts] == [
        ("z-broken", Severity.BROKEN), ("a-broken", Severity.BROKEN), ("leak", Severity.LEAK), ("note", Severity.NOTE),
        ("ok", Severity.OK)]
    text = blocks_text(render_tests(board, TestsQuery(), now=now))
    positions = [text.index(f"*{name}*") for name in ("z-broken", "a-broken", "leak", "note", "ok")]
    assert positions == sorted(positions)
    assert ":x: *z-broken*" in text and ":money_with_wings: *leak*" in text and ":warning: *note*" in text
    assert ":white_check_mark: *ok*" in text


def test_what_could_not_be_read_is_never_an_all_clear(now: datetime) -> None:
    good = plan("good", now)
    failure = AccountFailure("", "eu-west-1", FailureKind.ACCESS_DENIED, "not authorized: <!channel>")
    passing = result_of(now, [good], [job(good, 1, now)])
    assert headline(judge(passing, now=now, days=7), ()).startswith(":white_check_mark: *Restores work:*")  # the control

    for result in (result_of(now, [good], [job(good, 1, now)], failures=(failure,)),
                   result_of(now, [good], [job(good, 1, now)], truncated=(good.arn,))):
        board = judge(result, now=now, days=7)
        message = render_tests(board, TestsQuery(), now=now)
        sentence = headline(board, result.failures)
        assert sentence.startswith(":warning: *Incomplete:* what could be read passed")
        assert not message.text.startswith(("Restores work", ":white_check_mark:"))
        assert "Incomplete" in message.text
    board = judge(result_of(now, [good], [job(good, 1, now)], failures=(failure,)), now=now, days=7)
    message = render_tests(board, TestsQuery(), now=now)
    assert "*the bot's own account (id not known) in eu-west-1* not read: not authorized: &lt;!channel&gt;" in blocks_text(message)
    assert_inert_but_console_links(message)
    # Nothing read at all is not "no plans" either.
    nothing = judge(result_of(now, [], [], failures=(failure,)), now=now, days=7)
    assert headline(nothing, (failure,)).startswith(":warning: *Incomplete:* no restore testing plan found")


def test_no_plans_says_nothing_proves_restores_work(now: datetime) -> None:
    board = judge(result_of(now, [], []), now=now, days=7)
    message = render_tests(board, TestsQuery(), now=now)
    assert message.text.startswith(":grey_question: Nothing proves that restores work:")
    assert "Nothing proves that restores work" in blocks_text(message)
    assert "Restores work:" not in blocks_text(message)
    assert_within_slack_limits(message.block_dicts())


@pytest.mark.parametrize(("expression", "timezone"), [
    ("cron(0 5 1 * MON *)", None),  # both day fields set
    ("every day at five", None),
    ("cron(0 5 ? * *)", None),  # five fields
    ("cron(0 5 ? * * *)", "Mars/Olympus_Mons"),  # a valid cron in a zone that does not exist
])
def test_an_unparseable_schedule_is_reported_not_judged(now: datetime, expression: str, timezone: str | None) -> None:
    # Never ran since its creation 30 days ago: as a daily plan it would be late.
    odd = plan("odd", now, expression=expression, ran=False, timezone=timezone)
    daily = plan("daily", now, expression="cron(0 5 ? * * *)", ran=False)
    board = judge(result_of(now, [odd, daily], []), now=now, days=7)
    verdicts = {v.plan.name: v for v in board.verdicts}
    assert verdicts["daily"].late  # the control: the same plan with a schedule understood is late
    odd_verdict = verdicts["odd"]
    assert odd_verdict.run is None and not odd_verdict.late and odd_verdict.schedule_problem
    assert odd_verdict.severity is Severity.NOTE
    text = blocks_text(render_tests(board, TestsQuery(), now=now))
    assert f"• Schedule: `{expression}` not understood, so not checked (" in text
    odd_section = next(t for t in text.split('"text": "') if t.startswith(":warning: *odd*"))
    assert "never ran" not in odd_section and "due" not in odd_section.split("not understood")[1]
    assert "1 plan did not run on schedule" in headline(board, ())  # only `daily`
    section = json.dumps([b.to_dict() for b in section_blocks(board, now)])
    assert "*daily*" in section and "*odd*" not in section


@pytest.mark.parametrize("with_jobs", [True, False])
def test_a_schedule_not_understood_is_not_claimed_to_have_run_on_schedule(now: datetime, with_jobs: bool) -> None:
    good, odd = plan("good", now), plan("odd", now, expression="every day at five")
    jobs = [job(good, 1, now), job(odd, 2, now)] if with_jobs else []
    board = judge(result_of(now, [good, odd], jobs), now=now, days=7)
    assert board.verdicts[0].schedule_problem  # the premise
    assert "ran on schedule" not in headline(board, ())


def test_the_digest_section_is_empty_when_every_plan_is_fine(now: datetime) -> None:
    ok, slow = plan("ok", now), plan("slow", now)
    never_validated, odd = plan("unvalidated", now), plan("odd", now, expression="whenever")
    uncovered = plan("uncovered", now)
    jobs = [job(ok, 1, now), job(slow, 2, now, minutes=200, expected=30), job(never_validated, 3, now, validation=None),
            job(uncovered, 4, now)]
    selections = (TestingSelection("us-east-1", ACCOUNT, "uncovered", "rds", "RDS"),)
    board = judge(result_of(now, [ok, slow, never_validated, odd, uncovered], jobs, selections=selections), now=now, days=7)
    assert {v.plan.name: v.severity for v in board.verdicts} == {
        "ok": Severity.OK, "slow": Severity.NOTE, "unvalidated": Severity.NOTE, "odd": Severity.NOTE,
        "uncovered": Severity.NOTE}
    assert section_blocks(board, now) == []
    assert section_blocks(judge(result_of(now, [], []), now=now, days=7), now) == []


def test_the_digest_section_names_failing_late_and_leaking_plans(now: datetime) -> None:
    ok, failing, leaking = plan("ok", now), plan("failing", now, region="eu-west-1"), plan("leaking", now)
    late = plan("late", now, last=now - timedelta(days=3))
    hostile = plan("<!channel> <https://evil.example|x>", now, region="ap-southeast-2")
    jobs = [job(ok, 1, now), job(failing, 2, now, "FAILED", validation=None, deletion=None),
            job(failing, 3, now, "ABORTED", validation=None, deletion=None), job(failing, 4, now, validation="TIMED_OUT"),
            job(leaking, 5, now, deletion="FAILED"), job(hostile, 6, now, validation="FAILED")]
    board = judge(result_of(now, [ok, failing, leaking, late, hostile], jobs), now=now, days=7)
    blocks = section_blocks(board, now)
    digest = Message(text="", blocks=blocks)
    summary = digest_section(board, now=now)
    assert summary is not None and summary.summary == "4 plans failed, did not run or leaked"
    assert_inert(digest)
    assert_within_slack_limits(digest.block_dicts())
    (text,) = [b["text"]["text"] for b in digest.block_dicts() if b["type"] == "section"]
    lines = text.split("\n")
    assert lines[0] == "*Restore testing*"
    assert f":x: *failing* · eu-west-1 · {ACCOUNT}: 2 restores failed; 1 failed validation" in lines
    assert f":money_with_wings: *leaking* · us-east-1 · {ACCOUNT}: 1 restored resource not deleted" in lines
    assert any(line.startswith(f":x: *late* · us-east-1 · {ACCOUNT}: last ran 3 days ago, daily plan (due ") for line in lines)
    assert any(line.startswith(":x: *&lt;!channel&gt; &lt;https://evil.example|x&gt;* · ap-southeast-2") for line in lines)
    assert "*ok*" not in text
    # Worst first here too: the broken plans before the leak.
    assert text.index("*leaking*") > max(text.index("*failing*"), text.index("*late*"))


def test_the_digest_section_says_what_could_not_be_read(now: datetime) -> None:
    ok = plan("ok", now)
    failure = AccountFailure("444455556666", None, FailureKind.ACCESS_DENIED, "could not assume the role")
    board = judge(result_of(now, [ok], [job(ok, 1, now)], failures=(failure,)), now=now, days=7)
    (text,) = [b["text"]["text"] for b in Message(text="", blocks=section_blocks(board, now)).block_dicts()
               if b["type"] == "section"]
    assert text.startswith("*Restore testing* (incomplete)\n")
    assert ":warning: *account 444455556666* not read: could not assume the role" in text
    assert "*ok*" not in text


def test_one_voice_in_the_tests_message(now: datetime) -> None:
    """Issue 23, items 7-8: one relative-time form ("last ran … h ago" in the schedule line and the passing plans'
    line alike), "UTC" for AWS's "Etc/UTC", the clean-up failure shortened in its middle so the missing IAM action
    at its end stays, and the plan and the leaked restore's job linked to the AWS console."""
    leaky = plan("leaky", now, timezone="Etc/UTC")
    late = plan("late_plan", now, expression="cron(0 5 * * ? *)", last=now - timedelta(days=3), timezone="Etc/UTC")
    fine = plan("fine", now)
    message_text = ("Deletion of the restored file system failed: IAM role arn:aws:iam::111122223333:role/service-role/"
                    + "AWSBackupDefaultServiceRole " * 12 + "is not authorized to perform elasticfilesystem:DeleteFileSystem")
    leak_job = replace(job(leaky, 1, now, deletion="FAILED"), deletion_status_message=message_text)
    board = judge(result_of(now, [leaky, late, fine], [leak_job, job(late, 2, now), job(fine, 3, now)]), now=now, days=7)
    text = blocks_text(render_tests(board, TestsQuery(), now=now))
    assert "Etc/UTC" not in text and "hours ago" not in text and "hour ago" not in text
    assert "• Schedule: last ran 55 min ago" in text and "· last ran 55 min ago" in text  # a flagged and a passing plan
    assert "last ran 3 days ago, daily plan (due " in text and " 05:00 UTC" in text
    clean_up = next(line for line in text.split("\\n") if "Clean-up" in line)
    assert "…" in clean_up and "is not authorized to perform elasticfilesystem:DeleteFileSystem`" in clean_up
    console = "https://console.aws.amazon.com/backup/home?region=us-east-1#/"
    assert f"(<{console}jobs/restore/details/leaky-1|job in the AWS console>)" in clean_up
    assert f"*leaky* · us-east-1 · {ACCOUNT} · <{console}restoretesting/details/leaky|plan in the AWS console>" in text
    assert "*Window:* last 7 days, to " in text and text.count(" UTC") >= 2


def test_the_tests_answer_has_one_share_button_unless_shared(now: datetime) -> None:
    """Issue 23, item 8: a Share button (never primary) carrying the query, none on the copy posted in the channel."""
    from bot.answers.controls import ActionId
    from bot.restore_testing.controls import TestsShareValue

    good = plan("good", now)
    board = judge(result_of(now, [good], [job(good, 1, now)]), now=now, days=14)
    query = TestsQuery(days=14, regions=("eu-west-1",))
    blocks = render_tests(board, query, now=now).block_dicts()
    shares = [e for b in blocks if b["type"] == "actions" for e in b["elements"]
              if e["action_id"] == ActionId.TESTS_SHARE.value]
    assert len(shares) == 1 and "style" not in shares[0]
    assert TestsShareValue.decode(shares[0]["value"]).shared() == "tests 14d region:eu-west-1 share"
    assert blocks[-1]["type"] == "context"  # the footer stays last
    shared = render_tests(board, TestsQuery(days=14, regions=("eu-west-1",), share=True), now=now).block_dicts()
    assert ActionId.TESTS_SHARE.value not in str(shared)


def test_an_account_that_could_not_be_read_is_named_and_the_headline_says_incomplete(now: datetime) -> None:
    good = plan("nightly", now)
    failure = AccountFailure("444455556666", None, FailureKind.ACCESS_DENIED, "could not assume its role")
    board = judge(result_of(now, [good], [job(good, 1, now)], failures=(failure,)), now=now, days=7)
    names = AccountNames({"444455556666": "prod-<b>&payments"})
    assert headline(board, board.result.failures, names).startswith(":warning: *Incomplete:*")
    assert [str(part) for part in board_coverage(board, names).not_read] == [
        "account prod-&lt;b&gt;&amp;payments · 4444…6666"]
    assert [str(part) for part in board_coverage(board).not_read] == ["account 444455556666"]  # no directory: the id
    text = blocks_text(render_tests(board, TestsQuery(days=7), now=now, names=names))
    assert "account prod-&lt;b&gt;&amp;payments · 4444…6666* not read: could not assume its role" in text
    assert "444455556666" not in text.replace("4444…6666", "")  # the whole id only where the directory has no name
