"""The bundled sample data set: deterministic, realistic, and its jobs match its counts for drill-down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sample.data import SPIKE_DAYS_AGO, sample_counts, sample_jobs
from bot.sample.estate import SAMPLE_ACCOUNTS, SAMPLE_REGIONS
from tests.fakes.aws import expected_sum

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
TODAY = NOW.date()


def test_sample_data_is_deterministic_and_realistic() -> None:
    counts = sample_counts(TODAY)
    assert counts == sample_counts(TODAY)
    assert all(c.count > 0 for c in counts)
    assert {c.region for c in counts} == set(SAMPLE_REGIONS)
    assert {c.account_id for c in counts} == set(SAMPLE_ACCOUNTS)
    completed = expected_sum(counts, state="COMPLETED")
    failed = expected_sum(counts, state="FAILED")
    assert failed < completed / 5 and expected_sum(counts, state="ABORTED") < failed
    in_flight_days = {c.day for c in counts if c.state in ("RUNNING", "PENDING", "CREATED")}
    assert in_flight_days <= {TODAY, TODAY - timedelta(days=1)}
    failures_by_day = [
        expected_sum(counts, state="FAILED", start=TODAY - timedelta(days=d), end=TODAY - timedelta(days=d - 1))
        for d in range(1, 15)
    ]
    assert max(failures_by_day) == failures_by_day[SPIKE_DAYS_AGO - 1]  # the spike stands out


def test_sample_jobs_match_the_counts_for_drill_down() -> None:
    counts = sample_counts(TODAY)
    jobs = sample_jobs(TODAY, counts, now=NOW)
    assert jobs == sample_jobs(TODAY, counts, now=NOW)
    for state in ("FAILED", "ABORTED", "COMPLETED"):
        for region in SAMPLE_REGIONS:
            assert sum(1 for j in jobs if j.status == state and j.region == region) == expected_sum(
                counts, state=state, region=region
            )
    assert all(j.status_message for j in jobs if j.status in ("FAILED", "ABORTED"))
    assert all(j.created <= NOW and (j.completion is None or j.completion <= NOW) for j in jobs)
    tested = [j for j in jobs if j.restore_testing_plan_arn]
    assert {j.validation_status for j in tested if j.status == "COMPLETED"} >= {"SUCCESSFUL", "FAILED"}
