"""The emulator's names, paths, enums and limits are botocore's service model's."""

from __future__ import annotations

import botocore.session

from bot.sample.api_model import (
    ACCOUNT_ID_PATTERN,
    AGGREGATION_PERIODS,
    JOB_PARAMETERS,
    JOB_STATUSES,
    JOBS_MAX_RESULTS,
    RESOURCE_TYPE_PATTERN,
    RESTORE_JOBS_PATH,
    SUMMARIES_MAX_RESULTS,
    SUMMARIES_PATH,
    SUMMARY_PARAMETERS,
    SUMMARY_STATES,
)


def test_names_paths_and_patterns_are_botocores() -> None:
    model = botocore.session.get_session().get_service_model("backup")
    summaries_op = model.operation_model("ListRestoreJobSummaries")
    jobs_op = model.operation_model("ListRestoreJobs")

    assert (summaries_op.http["method"], summaries_op.http["requestUri"]) == ("GET", SUMMARIES_PATH)
    assert (jobs_op.http["method"], jobs_op.http["requestUri"]) == ("GET", RESTORE_JOBS_PATH)
    summary_members = summaries_op.input_shape.members
    job_members = jobs_op.input_shape.members
    assert sorted(m.serialization["name"] for m in summary_members.values()) == sorted(SUMMARY_PARAMETERS)
    assert sorted(m.serialization["name"] for m in job_members.values()) == sorted(JOB_PARAMETERS)
    assert tuple(summary_members["State"].enum) == SUMMARY_STATES
    assert tuple(summary_members["AggregationPeriod"].enum) == AGGREGATION_PERIODS
    assert tuple(job_members["ByStatus"].enum) == JOB_STATUSES
    assert summary_members["ResourceType"].metadata["pattern"] == RESOURCE_TYPE_PATTERN
    assert job_members["ByAccountId"].metadata["pattern"] == ACCOUNT_ID_PATTERN
    assert job_members["MaxResults"].metadata["max"] == JOBS_MAX_RESULTS
    # The API reference documents 1..500 for summaries, tighter than the model's shared MaxResults shape.
    assert summary_members["MaxResults"].metadata["max"] >= SUMMARIES_MAX_RESULTS
