"""Hardening: the restore testing scoreboard, judged and rendered, for arbitrary plans, selections and jobs. It stays
within Slack's limits, stays inert, and carries the numbers of the data (counted here, independently of
bot.restore_testing.verdicts); worst plans first, never an all clear over what was not read, and the digest's section
only when there is something to say. The examples live in tests/unit/restore_testing/test_render.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.results import AccountFailure, FailureKind, RestoreJobRow, TestingPlan, TestingResult, TestingSelection
from bot.restore_testing.grammar import TestsQuery
from bot.restore_testing.render import headline, render_tests
from bot.restore_testing.verdicts import Severity, judge
from bot.slack.blocks import MAX_FALLBACK_TEXT, Message
from tests.hardening.examples import examples
from tests.support import assert_inert, assert_within_slack_limits
from tests.unit.console_links import assert_inert_but_console_links
from tests.unit.restore_testing.test_render import section_blocks

pytestmark = [pytest.mark.hardening, pytest.mark.dates]

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


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
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


