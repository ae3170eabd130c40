"""The restore testing scoreboard, judged: one verdict per plan from its jobs, selections and schedule, its severity
(broken, leak, note, ok), its top reasons, the types never exercised, the slow restores; plans worst first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.results import AccountFailure, FailureKind, RestoreJobRow, TestingPlan, TestingResult, TestingSelection
from bot.restore_testing.verdicts import Severity, judge, status_counts

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=300)
ACCOUNT = "111122223333"
DAILY = "cron(0 5 ? * * *)"


def plan(name: str, *, schedule: str = DAILY, last: datetime | None = NOW - timedelta(hours=6)) -> TestingPlan:
    return TestingPlan("us-east-1", ACCOUNT, name, f"arn:aws:backup:us-east-1:{ACCOUNT}:restore-testing-plan:{name}-1",
                       schedule, None, 1, LONG_AGO, last)


def job(of: TestingPlan, n: int, status: str = "COMPLETED", *, message: str = "", took: int | None = 10,
        validation: str | None = "SUCCESSFUL", deletion: str | None = "SUCCESSFUL", resource_type: str = "EBS",
        expected: int | None = None) -> RestoreJobRow:
    created = NOW - timedelta(hours=n + 1)
    return RestoreJobRow(of.region, of.account_id, f"{of.name}-job-{n}", status, message, resource_type, created,
                         f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-{n:017x}", of.arn, validation, None,
                         None if took is None else created + timedelta(minutes=took), deletion, None, expected)


def result(plans: list[TestingPlan], jobs: list[RestoreJobRow], *, selections: tuple[TestingSelection, ...] = (),
           truncated: tuple[str, ...] = (), failures: tuple[AccountFailure, ...] = ()) -> TestingResult:
    return TestingResult(regions=("us-east-1",), accounts=("",), window=(NOW - timedelta(days=7), NOW),
                         plans=tuple(plans), selections=selections, jobs=tuple(jobs), failures=failures,
                         truncated=truncated, aws_calls=3, elapsed=0.1)


def test_a_plan_whose_restores_work_is_ok() -> None:
    good = plan("good")
    [verdict] = judge(result([good], [job(good, 1), job(good, 2)]), now=NOW, days=7).verdicts
    assert verdict.severity is Severity.OK
    assert (verdict.completed, verdict.validated, len(verdict.failed), verdict.late) == (2, 2, 0, False)


@pytest.mark.parametrize(
    ("jobs", "why"),
    [
        (lambda p: [job(p, 1, "FAILED", message="Access denied")], "failed"),
        (lambda p: [job(p, 1, "ABORTED")], "failed"),
        (lambda p: [job(p, 1, validation="TIMED_OUT")], "validation_failed"),
        (lambda p: [job(p, 1, validation="FAILED")], "validation_failed"),
    ],
)
def test_failed_restores_or_validations_break_a_plan(jobs, why: str) -> None:  # type: ignore[no-untyped-def]
    broken = plan("broken")
    [verdict] = judge(result([broken], jobs(broken)), now=NOW, days=7).verdicts
    assert verdict.severity is Severity.BROKEN and len(getattr(verdict, why)) == 1


def test_a_plan_that_did_not_run_is_broken_and_one_without_a_readable_schedule_is_only_noted() -> None:
    late, unreadable = plan("late", last=NOW - timedelta(days=3)), plan("odd", schedule="every tuesday")
    board = judge(result([unreadable, late], []), now=NOW, days=7)
    by_name = {v.plan.name: v for v in board.verdicts}
    assert by_name["late"].late and by_name["late"].severity is Severity.BROKEN
    assert by_name["odd"].schedule_problem and by_name["odd"].run is None and not by_name["odd"].late
    assert by_name["odd"].severity is Severity.NOTE


def test_a_leak_is_worse_than_a_note_but_not_broken() -> None:
    leaky = plan("leaky")
    [verdict] = judge(result([leaky], [job(leaky, 1, deletion="FAILED"), job(leaky, 2)]), now=NOW, days=7).verdicts
    assert verdict.severity is Severity.LEAK and len(verdict.leaks) == 1


def test_notes_slow_restores_uncovered_types_and_unvalidated_restores() -> None:
    p = plan("p")
    slow = judge(result([p], [job(p, 1, took=90, expected=30), job(p, 2, took=200), job(p, 3, took=60)]),
                 now=NOW, days=7, target=100).verdicts[0]
    assert [j.job_id for j in slow.slow] == ["p-job-2", "p-job-1"]  # over their own or the configured time, slowest first
    assert slow.severity is Severity.NOTE
    assert judge(result([p], [job(p, 1, took=90, expected=30)]), now=NOW, days=7).verdicts[0].slow  # expected alone
    assert not judge(result([p], [job(p, 1, took=200)]), now=NOW, days=7).verdicts[0].slow  # no limit at all

    selections = (TestingSelection("us-east-1", ACCOUNT, "p", "vols", "EBS"),
                  TestingSelection("us-east-1", ACCOUNT, "p", "dbs", "RDS"),
                  TestingSelection("eu-west-1", ACCOUNT, "p", "other region", "EFS"))
    uncovered = judge(result([p], [job(p, 1)], selections=selections), now=NOW, days=7).verdicts[0]
    assert uncovered.uncovered == ("RDS",) and uncovered.severity is Severity.NOTE

    unvalidated = judge(result([p], [job(p, 1, validation=None)]), now=NOW, days=7).verdicts[0]
    assert unvalidated.never_validated == 1 and unvalidated.severity is Severity.NOTE


def test_reasons_group_by_cause_most_frequent_first_top_three() -> None:
    p = plan("p")
    messages = ["Access denied to vol-0123456789abcdef0"] * 3 + ["Access denied to vol-0fedcba987654321f"] + \
               ["Quota exceeded"] * 2 + ["Bad subnet"] * 2 + ["Timeout"]
    jobs = [job(p, n, "FAILED", message=m) for n, m in enumerate(messages)]
    verdict = judge(result([p], jobs), now=NOW, days=7).verdicts[0]
    assert verdict.reasons == (("Access denied to <id>", 4), ("Bad subnet", 2), ("Quota exceeded", 2))


def test_plans_are_worst_first_and_the_board_counts_over_them() -> None:
    ok, leaky, broken, worse = plan("a-ok"), plan("b-leaky"), plan("c-broken"), plan("d-worse")
    jobs = [job(ok, 1), job(leaky, 2, deletion="FAILED"), job(broken, 3, "FAILED"), job(worse, 4, "FAILED"),
            job(worse, 5, "ABORTED"), job(plan("gone"), 6, "FAILED")]
    board = judge(result([ok, leaky, broken, worse], jobs, truncated=(broken.arn,)), now=NOW, days=7)
    assert [v.plan.name for v in board.verdicts] == ["d-worse", "c-broken", "b-leaky", "a-ok"]
    assert [v.plan.name for v in board.broken] == ["d-worse", "c-broken"]
    assert board.jobs == 5  # the job of a plan that is gone belongs to no verdict
    assert (board.count("failed"), board.count("leaks"), board.count("completed")) == (3, 1, 2)
    assert [v.truncated for v in board.verdicts] == [False, True, False, False]
    assert not board.complete and board.days == 7


def test_a_board_is_complete_only_when_everything_was_read() -> None:
    p = plan("p")
    assert judge(result([p], []), now=NOW, days=14).complete
    failure = AccountFailure(ACCOUNT, "us-east-1", FailureKind.ACCESS_DENIED, "no access")
    assert not judge(result([p], [], failures=(failure,)), now=NOW, days=14).complete


def test_status_counts() -> None:
    p = plan("p")
    assert status_counts((job(p, 1), job(p, 2, "FAILED"), job(p, 3))) == {"COMPLETED": 2, "FAILED": 1}
