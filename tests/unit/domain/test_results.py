"""What results say about their own completeness: which regions answered (the filter's order, failures left out), the
window the rows cover, the breakdowns falling back to the main rows, and a job's duration once it finished."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.query import Period, RestoreFilter
from bot.domain.results import FailureKind, RegionFailure, RestoreJobRow, SummaryResult, SummaryRow

T0 = datetime(2026, 3, 1, tzinfo=UTC)
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def row(region: str, day: int, state: str = "FAILED") -> SummaryRow:
    start = T0 + timedelta(days=day)
    return SummaryRow(region, "111122223333", state, "EBS", 1, start, start + timedelta(days=1))


def result(rows: tuple[SummaryRow, ...] = (), failures: tuple[RegionFailure, ...] = (), **kwargs: object) -> SummaryResult:
    return SummaryResult(RestoreFilter(regions=REGIONS), Period.SEVEN_DAYS, rows, failures, **kwargs)  # type: ignore[arg-type]


def test_answered_regions_are_the_filters_less_those_that_failed() -> None:
    failure = RegionFailure("eu-west-1", FailureKind.THROTTLED, "throttled")
    assert result(failures=(failure,)).answered_regions == ("us-east-1", "ap-southeast-2")
    assert result().answered_regions == REGIONS
    everything_failed = tuple(RegionFailure(r, FailureKind.TIMEOUT, "timed out") for r in REGIONS)
    assert result(failures=everything_failed).answered_regions == ()


def test_a_truncated_region_still_answered() -> None:
    # Cut short is a lower bound, not a failure: its numbers are shown with a note.
    assert result(truncated=("eu-west-1",)).answered_regions == REGIONS


def test_the_window_spans_every_row_and_is_none_without_rows() -> None:
    assert result().window is None
    rows = (row("us-east-1", 3), row("eu-west-1", 0), row("us-east-1", 6))
    assert result(rows).window == (T0, T0 + timedelta(days=7))


def test_breakdowns_fall_back_to_the_main_rows() -> None:
    rows, types, accounts = (row("us-east-1", 0),), (row("us-east-1", 1),), (row("eu-west-1", 2),)
    plain = result(rows)
    assert plain.by_type_rows == rows and plain.by_account_rows == rows
    split = result(rows, type_rows=types, account_rows=accounts)
    assert split.by_type_rows == types and split.by_account_rows == accounts
    assert result(rows, type_rows=()).by_type_rows == ()  # an empty breakdown is an answer, not "not asked"


def job(**overrides: object) -> RestoreJobRow:
    fields: dict[str, object] = {"region": "us-east-1", "account_id": "111122223333", "job_id": "j1",
                                 "status": "COMPLETED", "status_message": "", "resource_type": "EBS", "created": T0,
                                 "resource_arn": "arn:aws:ec2:x", **overrides}
    return RestoreJobRow(**fields)  # type: ignore[arg-type]


def test_a_jobs_minutes_once_it_finished() -> None:
    assert job().minutes is None
    assert job(completed=T0 + timedelta(minutes=90, seconds=30)).minutes == 90.5


def test_a_restore_test_is_one_with_a_plan() -> None:
    assert job(restore_testing_plan_arn="arn:aws:backup:us-east-1:111122223333:restore-testing-plan:p").is_restore_test
    assert not job().is_restore_test and not job(restore_testing_plan_arn="").is_restore_test
