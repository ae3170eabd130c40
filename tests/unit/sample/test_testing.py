"""The sample's restore testing: seven daily plans in the caller's account, their selections and the restore jobs their
runs started, each as far along as it is at a given moment; the stories the plans tell, and what they serve checked
against botocore's backup model."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.sample import testing
from bot.sample.backup_api import BackupApi
from bot.sample.estate import SAMPLE_CALLER_ACCOUNT
from bot.sample.records import RestoreJob
from bot.sample.testing import sample_testing_jobs, sample_testing_plans, sample_testing_selections
from tests.unit.sample.botocore_shapes import BACKUP, conforms

JOB_SHAPE = BACKUP.shape_for("RestoreJobsListMember")
NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
TODAY = NOW.date()
ROLE = f"arn:aws:iam::{SAMPLE_CALLER_ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
REGIONS = {
    testing.HEALTHY_PLAN: "us-east-1", testing.STALE_PLAN: "us-east-1", testing.SLOW_PLAN: "us-east-1",
    testing.VALIDATION_PLAN: "eu-west-1", testing.LEAKING_PLAN: "eu-west-1",
    testing.FAILING_PLAN: "ap-southeast-2", testing.UNCOVERED_PLAN: "ap-southeast-2",
}


@functools.cache
def jobs_at(now: datetime) -> tuple[RestoreJob, ...]:
    """sample_testing_jobs(now), computed once a moment (frozen records in a tuple: nothing a test can change)."""
    return tuple(sample_testing_jobs(now))


def by_plan(now: datetime = NOW) -> dict[str, list[RestoreJob]]:
    """The jobs at ``now`` by the name of the plan that started them, oldest first."""
    names = {plan.arn: plan.name for plan in sample_testing_plans(now)}
    grouped: dict[str, list[RestoreJob]] = {name: [] for name in names.values()}
    for job in sorted(jobs_at(now), key=lambda j: j.created):
        assert job.restore_testing_plan_arn is not None
        grouped[names[job.restore_testing_plan_arn]].append(job)
    return grouped


def days_ago(job: RestoreJob, now: datetime = NOW) -> int:
    return (now.date() - job.created.date()).days



# --------------------------------------------------------------------------- plans and selections


@pytest.mark.parametrize("now", [NOW, datetime(2026, 11, 26, 0, 30, tzinfo=UTC), datetime(2026, 11, 26, 23, 59, tzinfo=UTC)])
def test_seven_daily_plans_each_last_run_at_its_hour(now: datetime) -> None:
    plans = sample_testing_plans(now)
    assert {p.name: p.region for p in plans} == REGIONS and len(plans) == 7
    for p in plans:
        hour = int(p.schedule_expression.split()[1])
        assert p.schedule_expression == f"cron(0 {hour} ? * * *)" and p.schedule_timezone == "Etc/UTC"
        assert p.account_id == SAMPLE_CALLER_ACCOUNT
        assert p.arn.startswith(f"arn:aws:backup:{p.region}:{SAMPLE_CALLER_ACCOUNT}:restore-testing-plan:{p.name}-")
        assert p.last_execution is not None and p.last_execution.hour == hour and p.last_execution.minute == 0
        assert p.created < p.last_execution <= now
        if p.name == testing.STALE_PLAN:
            assert (now.date() - p.last_execution.date()).days == 3
            assert p.last_update == datetime.combine(now.date() - timedelta(days=3), datetime.min.time(), UTC) \
                + timedelta(hours=10)
            assert p.last_update > p.last_execution  # edited after its last run
        else:
            expected_day = now.date() if hour <= now.hour else now.date() - timedelta(days=1)
            assert p.last_execution.date() == expected_day and p.last_update is None


def test_the_clock_is_read_as_utc() -> None:
    naive = NOW.replace(tzinfo=None)
    sydney = NOW.astimezone(timezone(timedelta(hours=11)))
    assert sample_testing_plans(naive) == sample_testing_plans(sydney) == sample_testing_plans(NOW)
    assert sample_testing_selections(naive) == sample_testing_selections(sydney) == sample_testing_selections(NOW)
    assert sample_testing_jobs(naive) == sample_testing_jobs(sydney) == list(jobs_at(NOW))


def test_selections_name_the_types_their_plans_restore() -> None:
    plans = {p.name: p for p in sample_testing_plans(NOW)}
    selections = sample_testing_selections(NOW)
    assert len(selections) == 8
    types: dict[str, set[str]] = {}
    for s in selections:
        plan = plans[s.plan_name]
        assert (s.region, s.account_id, s.iam_role_arn) == (plan.region, SAMPLE_CALLER_ACCOUNT, ROLE)
        assert s.created == plan.created + timedelta(minutes=5)
        types.setdefault(s.plan_name, set()).add(s.protected_resource_type)
    assert types[testing.UNCOVERED_PLAN] == {"EBS", "RDS"}
    assert all(len(t) == 1 for name, t in types.items() if name != testing.UNCOVERED_PLAN)
    for name, jobs in by_plan().items():
        assert {j.resource_type for j in jobs} == types[name]
    windows = {(s.plan_name, s.name): s.validation_window_hours for s in selections}
    assert windows[(testing.LEAKING_PLAN, "efs_file_systems")] is None
    assert windows[(testing.VALIDATION_PLAN, "rds_with_checks")] == 48


def test_served_plans_and_selections_fit_the_model() -> None:
    api = BackupApi(plans=sample_testing_plans(NOW), selections=sample_testing_selections(NOW), now=NOW, page_size=100)
    served = 0
    for region in sorted(set(REGIONS.values())):
        body = api.list_restore_testing_plans(region, None, {})
        conforms(body, "ListRestoreTestingPlans")
        for row in body["RestoreTestingPlans"]:
            name = row["RestoreTestingPlanName"]
            conforms(api.get_restore_testing_plan(region, None, name), "GetRestoreTestingPlan")
            selections = api.list_restore_testing_selections(region, None, name, {})
            conforms(selections, "ListRestoreTestingSelections")
            served += len(selections["RestoreTestingSelections"])
    assert served == 8


# --------------------------------------------------------------------------- jobs


def test_jobs_are_the_plans_runs_each_started_just_after_the_hour() -> None:
    plans = {p.name: p for p in sample_testing_plans(NOW)}
    jobs = jobs_at(NOW)
    assert len({j.job_id for j in jobs}) == len(jobs)
    for name, started in by_plan().items():
        plan = plans[name]
        hour = int(plan.schedule_expression.split()[1])
        for job in started:
            assert (job.region, job.account_id) == (plan.region, SAMPLE_CALLER_ACCOUNT)
            assert job.created <= NOW and job.created.hour == hour and 5 <= job.created.minute * 60 + job.created.second <= 90
            assert 0 <= days_ago(job) <= 14 and job.job_id == job.job_id.upper()
            assert job.status in JOB_SHAPE.members["Status"].enum
            assert job.validation_status in (None, *JOB_SHAPE.members["ValidationStatus"].enum)
            assert job.deletion_status in (None, *JOB_SHAPE.members["DeletionStatus"].enum)
            if job.completion is not None:
                assert job.completion > job.created
        last = max(j.created for j in started)
        assert last.date() == plan.last_execution.date()  # type: ignore[union-attr]


def test_served_jobs_fit_the_model() -> None:
    api = BackupApi(jobs=jobs_at(NOW), now=NOW, page_size=1000)
    rows = 0
    for region in sorted(set(REGIONS.values())):
        body = api.list_restore_jobs(region, {})
        conforms(body, "ListRestoreJobs")
        rows += len(body["RestoreJobs"])
        assert all(r["CreatedBy"]["RestoreTestingPlanArn"].startswith(f"arn:aws:backup:{region}:") for r in body["RestoreJobs"])
    assert rows == len(jobs_at(NOW))


def test_the_healthy_plan_restores_validates_and_cleans_up_every_day() -> None:
    jobs = by_plan()[testing.HEALTHY_PLAN]
    assert sorted(days_ago(j) for j in jobs) == list(range(15))
    for j in jobs:
        assert (j.status, j.validation_status, j.deletion_status) == ("COMPLETED", "SUCCESSFUL", "SUCCESSFUL")
        assert j.validation_status_message == "Validation script completed successfully"
        assert j.created_resource_arn and j.recovery_point_arn and j.source_resource_arn
        assert j.completion is not None and j.completion - j.created <= timedelta(minutes=j.expected_completion_minutes or 0)


def test_the_stale_plan_has_not_run_for_three_days() -> None:
    jobs = by_plan()[testing.STALE_PLAN]
    assert min(days_ago(j) for j in jobs) == 3 and len(jobs) == 12


def test_the_slow_plan_restores_orders_db_far_past_its_expected_hour() -> None:
    jobs = by_plan()[testing.SLOW_PLAN]
    slowest = [j for j in jobs if j.source_resource_arn == testing.SLOWEST_SOURCE_ARN]
    assert len(slowest) == len(jobs) // 2 == 15
    for j in slowest:
        assert j.completion is not None and j.expected_completion_minutes == 60
        assert timedelta(minutes=150) <= j.completion - j.created <= timedelta(minutes=230)
    assert all(j.completion is not None and j.completion - j.created <= timedelta(minutes=50)
               for j in jobs if j not in slowest)


@pytest.mark.parametrize("now", [NOW, datetime(2026, 11, 26, 0, 30, tzinfo=UTC), datetime(2026, 11, 26, 23, 30, tzinfo=UTC)])
def test_the_validation_plans_story_does_not_move_with_the_hour(now: datetime) -> None:
    outcomes = {days_ago(j, now): (j.validation_status, j.validation_status_message, j.deletion_status)
                for j in by_plan(now)[testing.VALIDATION_PLAN] if days_ago(j, now) >= 1}
    assert outcomes[1] == ("VALIDATING", None, None)  # its 48-hour window has not run out: still kept
    assert outcomes[2][0] == "FAILED" and "connection refused" in (outcomes[2][1] or "")
    assert outcomes[4] == ("TIMED_OUT", "Validation did not complete within the validation window of 48 hours",
                           "SUCCESSFUL")
    assert outcomes[5] == (None, None, "SUCCESSFUL")  # no validation ran
    assert outcomes[6][0] == "FAILED" and "'orders' not found" in (outcomes[6][1] or "")
    assert {d: o[0] for d, o in outcomes.items() if d not in (1, 2, 4, 5, 6)} == dict.fromkeys(
        [3, *range(7, 15)], "SUCCESSFUL")


def test_the_leaking_plan_could_not_delete_one_file_system() -> None:
    failed = [j for j in by_plan()[testing.LEAKING_PLAN] if j.deletion_status != "SUCCESSFUL"]
    assert [(days_ago(j), j.deletion_status) for j in failed] == [(2, "FAILED")]
    assert "elasticfilesystem:DeleteFileSystem" in (failed[0].deletion_status_message or "")
    assert failed[0].status == "COMPLETED" and failed[0].validation_status == "SUCCESSFUL"


def test_the_failing_plan_failed_three_of_the_last_seven_days() -> None:
    jobs = by_plan()[testing.FAILING_PLAN]
    failed = {days_ago(j): j for j in jobs if j.status == "FAILED"}
    assert sorted(failed) == [1, 2, 5]
    assert "KMS" in failed[2].status_message and "free IP addresses" in failed[1].status_message
    for j in failed.values():
        assert j.completion is not None and not j.created_resource_arn
        assert j.validation_status is None and j.deletion_status is None
    assert all(j.status == "COMPLETED" for j in jobs if days_ago(j) not in failed)


def test_the_uncovered_plans_rds_selection_restored_nothing_for_eight_days() -> None:
    jobs = by_plan()[testing.UNCOVERED_PLAN]
    assert sorted(days_ago(j) for j in jobs if j.resource_type == "RDS") == list(range(8, 15))
    assert sorted(days_ago(j) for j in jobs if j.resource_type == "EBS") == list(range(15))


# --------------------------------------------------------------------------- the clock


def todays_healthy_job(now: datetime) -> RestoreJob | None:
    jobs = [j for j in by_plan(now)[testing.HEALTHY_PLAN] if j.created.date() == TODAY]
    assert len(jobs) <= 1  # one run a day, one restore a run
    return jobs[0] if jobs else None


def test_a_run_moves_through_restore_validation_and_deletion_as_the_clock_does() -> None:
    final = todays_healthy_job(NOW)
    assert final is not None and final.completion is not None
    created, ended = final.created, final.completion
    validated = ended + timedelta(minutes=15)
    deleted = validated + timedelta(minutes=5)
    second = timedelta(seconds=1)
    stages: list[tuple[datetime, Callable[[RestoreJob], tuple[object, ...]], tuple[object, ...]]] = [
        (created, lambda j: (j.status, j.completion, j.created_resource_arn, j.validation_status), ("RUNNING", None, "", None)),
        (ended - second, lambda j: (j.status, j.completion), ("RUNNING", None)),
        (ended, lambda j: (j.status, j.completion, j.validation_status, j.deletion_status), ("COMPLETED", ended, "VALIDATING", None)),
        (validated - second, lambda j: (j.validation_status, j.deletion_status), ("VALIDATING", None)),
        (validated, lambda j: (j.validation_status, j.deletion_status), ("SUCCESSFUL", "DELETING")),
        (deleted - second, lambda j: (j.deletion_status,), ("DELETING",)),
        (deleted, lambda j: (j.validation_status, j.deletion_status), ("SUCCESSFUL", "SUCCESSFUL")),
    ]
    assert todays_healthy_job(created - second) is None  # not started yet
    for moment, seen, expected in stages:
        job = todays_healthy_job(moment)
        assert job is not None and seen(job) == expected, moment
        # the same job all along: its identity is drawn before the clock is consulted
        assert (job.job_id, job.created, job.recovery_point_arn, job.source_resource_arn) == \
            (final.job_id, final.created, final.recovery_point_arn, final.source_resource_arn)
        assert job.expected_completion_minutes == 30
    assert todays_healthy_job(deleted) == final


def test_later_moments_only_add_jobs() -> None:
    def identities(now: datetime) -> dict[str, tuple[object, ...]]:
        return {j.job_id: (j.created, j.region, j.resource_type, j.recovery_point_arn, j.source_resource_arn)
                for j in jobs_at(now)}

    earlier, later = identities(NOW - timedelta(hours=6)), identities(NOW)
    assert earlier.items() <= later.items() and len(later) > len(earlier)
    assert tuple(sample_testing_jobs(NOW)) == jobs_at(NOW)  # drawn, not random: a fresh computation is the same
