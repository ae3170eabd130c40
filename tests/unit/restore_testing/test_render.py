"""The restore testing scoreboard, judged and rendered, pure: arbitrary plans, selections and jobs stay within Slack's
limits, stay inert, and carry the numbers of the data (counted here, independently of bot.restore_testing.verdicts); worst plans
first, never an all clear over what was not read, and the digest's section only when there is something to say."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.domain.accounts import AccountNames
from bot.domain.results import AccountFailure, FailureKind, RestoreJobRow, TestingPlan, TestingResult, TestingSelection
from bot.restore_testing.grammar import TestsQuery
from bot.restore_testing.render import board_coverage, digest_section, headline, render_tests
from bot.restore_testing.verdicts import Scoreboard, Severity, judge
from bot.slack.blocks import MAX_FALLBACK_TEXT, Message
from tests.support import assert_inert, assert_within_slack_limits
from tests.unit.console_links import assert_inert_but_console_links

pytestmark = pytest.mark.dates

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
ACCOUNTS = ("111122223333", "444455556666", "777788889999")
HOSTILE = (
    "<!channel>", "<!here>", "<@U0ADMIN>", "<#C0GENERAL|general>", "<https://evil.example|x>", "<mailto:a@evil.example|m>",
    "&", "&lt;!channel&gt;", "a & b < c > d", "*bold* _it_ ~strike~ `tick` ```fence```", "<<!everyone>>", "\n\n• x",
    "x" * 400, "名前 🚨 \u202ertl", "",
)
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300))
# Expressions AWS would refuse, or text that is no expression at all: each must be reported as not understood.
GARBAGE = st.one_of(
    st.sampled_from(("", "every day", "cron(0 5 1 * MON *)", "cron(61 5 ? * * *)", "cron(0 5 ? * *)", "rate(0 days)",
                     "rate(1 fortnight)", "cron(0 5 ? * MON#9 *)", "cron(0 5 30 2 ? *)", "<!channel>",
                     "cron(<!here> 5 ? * * *)")),
    st.text(max_size=80).filter(lambda s: "(" not in s),  # cron(…) and rate(…) need their parentheses
)


@dataclass(frozen=True)
class Sched:
    """A plan's schedule as generated, and how to tell independently whether the plan is late."""

    expression: str
    timezone: str | None
    daily: tuple[int, int] | None = None  # (hour, minute) UTC of a valid daily cron
    rate: timedelta | None = None  # period of a valid rate()

    @property
    def valid(self) -> bool:
        return self.daily is not None or self.rate is not None


def daily_cron() -> st.SearchStrategy[Sched]:
    return st.builds(lambda h, m, tz: Sched(f"cron({m} {h} ? * * *)", tz, daily=(h, m)),
                     st.integers(0, 23), st.integers(0, 59), st.sampled_from((None, "UTC")))


def rate() -> st.SearchStrategy[Sched]:
    return st.builds(lambda n, unit: Sched(f"rate({n} {unit}{'s' * (n != 1)})", None, rate=timedelta(**{f"{unit}s": n})),
                     st.integers(1, 30), st.sampled_from(("hour", "day")))


def garbage() -> st.SearchStrategy[Sched]:
    unknown_zone = st.builds(lambda h: Sched(f"cron(0 {h} ? * * *)", "Mars/Olympus_Mons"), st.integers(0, 23))
    return st.one_of(st.builds(Sched, GARBAGE, st.sampled_from((None, "UTC"))), unknown_zone)


def expected_late(schedule: Sched, *, created: datetime, last: datetime | None, window_hours: int | None,
                  now: datetime) -> bool:
    """Late: a scheduled run whose start window has closed, after the plan's creation, with no run since."""
    closed = now - timedelta(hours=window_hours or 24)
    if schedule.daily is not None:
        hour, minute = schedule.daily
        due = closed.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if due > closed:
            due -= timedelta(days=1)
        return due > created and (last is None or last < due)
    if schedule.rate is not None:  # a rate() plan counts its runs from the last one (or its creation)
        since = created if last is None or last < created else last
        return closed >= since + schedule.rate
    return False


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


# Every strategy the scenario draws from, built once: a strategy built inside the draw is built and validated anew
# on every draw, which made this test spend most of its time making strategies rather than testing (13 s for 60 cases).
SCHEDULES = st.one_of(daily_cron(), rate(), garbage())
ANY_REGION, ANY_ACCOUNT = st.sampled_from(REGIONS), st.sampled_from(ACCOUNTS)
ARN_SUFFIX = st.text(max_size=20)
PLAN_AGE = st.timedeltas(timedelta(hours=1), timedelta(days=400))
SINCE_LAST_RUN = st.none() | st.timedeltas(timedelta(0), timedelta(days=30))
WINDOW_HOURS = st.none() | st.integers(1, 168)
SELECTIONS_PER_PLAN = st.integers(0, 2)
SELECTION_TYPE = st.sampled_from(("EBS", "RDS", "EFS", "<!here>"))
JOB_COUNT = st.integers(0, 150)
JOB_AGE = st.timedeltas(timedelta(minutes=1), timedelta(days=7))
TOOK_MINUTES = st.none() | st.integers(0, 600)
JOB_STATUS = st.sampled_from(("COMPLETED", "FAILED", "ABORTED", "RUNNING"))
JOB_TYPE = st.sampled_from(("EBS", "RDS", "EFS", "<!channel>"))
VALIDATION = st.sampled_from(("SUCCESSFUL", "FAILED", "TIMED_OUT", "VALIDATING", None))
DELETION = st.sampled_from(("SUCCESSFUL", "DELETING", "FAILED", None))
MAYBE_TEXT = st.none() | TEXT
EXPECTED_MINUTES = st.none() | st.integers(0, 300)
FAILURES = st.lists(st.builds(AccountFailure, st.sampled_from(("", *ACCOUNTS)), st.sampled_from((None, *REGIONS)),
                              st.sampled_from(FailureKind), TEXT), max_size=3)
AWS_CALLS = st.integers(0, 500)
TARGET = st.none() | st.integers(1, 600)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[TestingResult, dict[str, Sched], int | None, datetime]:
    now = datetime.now(UTC)
    n_plans = draw(st.integers(1, 40))
    plans, schedules = [], {}
    for index in range(n_plans):
        region, account = draw(ANY_REGION), draw(ANY_ACCOUNT)
        name = draw(TEXT)
        arn = f"arn:aws:backup:{region}:{account}:restore-testing-plan:p{index}-{draw(ARN_SUFFIX)}"
        schedule = draw(SCHEDULES)
        created = now - draw(PLAN_AGE)
        since_last = draw(SINCE_LAST_RUN)
        last = None if since_last is None else now - since_last
        window = draw(WINDOW_HOURS)
        plans.append(TestingPlan(region, account, name, arn, schedule.expression, schedule.timezone, window, created,
                                 last))
        schedules[arn] = schedule
    selections = [
        TestingSelection(p.region, p.account_id, p.name, draw(TEXT), draw(SELECTION_TYPE))
        for p in plans
        for _ in range(draw(SELECTIONS_PER_PLAN))
    ]
    arns = st.sampled_from([p.arn for p in plans] + ["arn:aws:backup:us-east-1:111122223333:restore-testing-plan:gone-1",
                                                     None])
    jobs = []
    for index in range(draw(JOB_COUNT)):
        arn = draw(arns)
        created = now - draw(JOB_AGE)
        took = draw(TOOK_MINUTES)
        jobs.append(RestoreJobRow(
            region=draw(ANY_REGION), account_id=draw(ANY_ACCOUNT), job_id=f"job-{index}",
            status=draw(JOB_STATUS), status_message=draw(TEXT),
            resource_type=draw(JOB_TYPE), created=created,
            resource_arn=draw(TEXT), restore_testing_plan_arn=arn,
            validation_status=draw(VALIDATION),
            validation_status_message=draw(MAYBE_TEXT),
            completed=None if took is None else created + timedelta(minutes=took),
            deletion_status=draw(DELETION),
            deletion_status_message=draw(MAYBE_TEXT), expected_minutes=draw(EXPECTED_MINUTES),
            source_arn=draw(MAYBE_TEXT),
        ))
    failures = draw(FAILURES)
    truncated = tuple(draw(st.lists(st.sampled_from([p.arn for p in plans]), max_size=2, unique=True)))
    result = TestingResult(regions=REGIONS, accounts=("", *ACCOUNTS[1:]), window=(now - timedelta(days=7), now),
                           plans=tuple(plans), selections=tuple(selections), jobs=tuple(jobs), failures=tuple(failures),
                           truncated=truncated, aws_calls=draw(AWS_CALLS), elapsed=1.5)
    return result, schedules, draw(TARGET), now


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_any_scoreboard_is_bounded_inert_and_counts_what_the_data_holds(
        scenario: tuple[TestingResult, dict[str, Sched], int | None, datetime]) -> None:
    result, schedules, target, now = scenario
    board = judge(result, now=now, days=7, target=target)
    message = render_tests(board, TestsQuery(days=7), now=now)
    assert_within_slack_limits(message.block_dicts())
    assert len(message.text) <= MAX_FALLBACK_TEXT
    assert_inert_but_console_links(message)

    # Counted from the data alone.
    by_arn = {v.plan.arn: v for v in board.verdicts}
    assert sorted(by_arn) == sorted(p.arn for p in result.plans)
    broken = leaking = late = 0
    for plan in result.plans:
        verdict = by_arn[plan.arn]
        mine = [j for j in result.jobs if j.restore_testing_plan_arn == plan.arn]
        failed = sum(1 for j in mine if j.status in ("FAILED", "ABORTED"))
        bad_validation = sum(1 for j in mine if j.validation_status in ("FAILED", "TIMED_OUT"))
        leaks = sum(1 for j in mine if j.deletion_status == "FAILED")
        assert (len(verdict.jobs), len(verdict.failed), len(verdict.validation_failed), len(verdict.leaks)) == (
            len(mine), failed, bad_validation, leaks)
        schedule = schedules[plan.arn]
        is_late = expected_late(schedule, created=plan.created, last=plan.last_execution,
                                window_hours=plan.start_window_hours, now=now)
        if schedule.valid:
            assert verdict.schedule_problem is None and verdict.late is is_late
        else:  # not understood: reported as such, never judged late (nor fine)
            assert verdict.schedule_problem and verdict.run is None and not verdict.late
            assert verdict.severity >= Severity.NOTE
        if failed or bad_validation or is_late:
            assert verdict.severity is Severity.BROKEN
            broken += 1
        elif leaks:
            assert verdict.severity is Severity.LEAK
        leaking += leaks
        late += is_late
    severities = [v.severity for v in board.verdicts]
    assert severities == sorted(severities, reverse=True)

    listed = [j for j in result.jobs if j.restore_testing_plan_arn in by_arn]
    jobs, plans = len(listed), len(result.plans)
    completed = sum(1 for j in listed if j.status == "COMPLETED")
    validated = sum(1 for j in listed if j.validation_status == "SUCCESSFUL")
    evidence = f"{plural(jobs, 'restore')} tested in {plural(plans, 'plan')}: {completed:,} completed, {validated:,} validated"
    sentence = headline(board, result.failures)
    complete = not result.failures and not result.truncated
    if broken:
        assert sentence.startswith(f":x: *Restores are not proven:* {broken:,} of {plural(plans, 'plan')} failed — ")
    elif leaking:
        assert sentence.startswith(":money_with_wings: *Restores work, but restored resources leak:*")
    elif not complete:
        assert sentence.startswith(":warning: *Incomplete:*")
    if broken or leaking or not complete or jobs:
        assert evidence in sentence and evidence in message.text
    if late:
        assert f"{plural(late, 'plan')} did not run on schedule" in sentence
    if leaking:
        assert f"{plural(leaking, 'restored resource')} not deleted" in sentence
    if not complete:
        assert "Incomplete" in sentence and not sentence.startswith(":white_check_mark:")
    assert json.dumps(message.block_dicts()).count(json.dumps(sentence)[1:-1]) == 1  # the headline, shown once

    section = section_blocks(board, now)
    if not broken and not leaking and not result.failures:
        assert section == []
    else:
        assert section
        digest = Message(text="", blocks=section)
        assert_within_slack_limits(digest.block_dicts())
        assert_inert(digest)


# --------------------------------------------------------------------------- examples


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
