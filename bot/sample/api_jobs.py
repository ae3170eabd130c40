"""ListRestoreJobs: one account's restore jobs in a region, newest first, filtered by status, type, plan and time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.sample.api_core import BackupApiCore, query_key
from bot.sample.api_model import (
    ACCOUNT_ID_RE,
    JOB_STATUSES,
    JOBS_MAX_RESULTS,
    RESOURCE_TYPE_RE,
    epoch,
    invalid,
)
from bot.sample.records import RestoreJob

__all__ = ["RestoreJobs"]


class RestoreJobs(BackupApiCore):
    """ListRestoreJobs, one of the operation families BackupApi is made of."""

    def list_restore_jobs(self, region: str, params: Mapping[str, str], caller: str | None = None) -> dict[str, Any]:
        """GET /restore-jobs/ in ``region``: one account's restore jobs (the caller's by default), newest first."""
        status = params.get("status")
        if status is not None and status not in JOB_STATUSES:
            raise invalid("status", status, f"must be one of {', '.join(JOB_STATUSES)}")
        caller = caller if caller is not None else self.caller_account
        account = params.get("accountId", caller)
        if not ACCOUNT_ID_RE.match(account):
            raise invalid("accountId", account, "must be a 12-digit account ID")
        resource_type = params.get("resourceType")
        if resource_type is not None and not RESOURCE_TYPE_RE.match(resource_type):
            raise invalid("resourceType", resource_type, "must match ^[a-zA-Z0-9\\-\\_\\.]{1,50}$")
        bounds = {
            name: _parse_timestamp(name, params[name])
            for name in ("createdBefore", "createdAfter", "completeBefore", "completeAfter")
            if name in params
        }
        paging = ("maxResults", "nextToken")
        max_results, offset, digest = self._paging("ListRestoreJobs", region, params, paging, JOBS_MAX_RESULTS, caller)

        data, generation = self._snapshot()
        key = ("jobs", generation, region, query_key(params, paging), account)
        jobs: Sequence[RestoreJob] | None = self._cached(key)
        if jobs is None:
            jobs = _filter_jobs(data.jobs_by_account.get((region, account), []), params, bounds, status, resource_type)
            self._keep(key, generation, jobs)

        page, next_token = self._page(jobs, offset, max_results, digest)
        body: dict[str, Any] = {"RestoreJobs": [_job_row(job) for job in page]}
        if next_token is not None:
            body["NextToken"] = next_token
        return body


def _parse_timestamp(parameter: str, raw: str) -> datetime:
    # botocore serialises querystring timestamps as ISO 8601 ("...Z"); accept
    # epoch seconds too because hand-written clients sometimes send those.
    try:
        parsed = datetime.fromtimestamp(float(raw), UTC)
    except (ValueError, OverflowError, OSError):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise invalid(parameter, raw, "expected an ISO 8601 timestamp") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _filter_jobs(
    candidates: Sequence[RestoreJob],
    params: Mapping[str, str],
    bounds: Mapping[str, datetime],
    status: str | None,
    resource_type: str | None,
) -> list[RestoreJob]:
    plan_arn = params.get("restoreTestingPlanArn")
    if params.get("parentJobId") is not None:
        return []  # restore jobs here never have parents

    def wanted(job: RestoreJob) -> bool:
        # "After" bounds are inclusive and "Before" bounds exclusive so that
        # consecutive day windows [00:00, next 00:00) never double count.
        if status is not None and job.status != status:
            return False
        if resource_type is not None and job.resource_type != resource_type:
            return False
        if plan_arn is not None and job.restore_testing_plan_arn != plan_arn:
            return False
        if "createdAfter" in bounds and job.created < bounds["createdAfter"]:
            return False
        if "createdBefore" in bounds and job.created >= bounds["createdBefore"]:
            return False
        if "completeAfter" not in bounds and "completeBefore" not in bounds:
            return True
        # Completion bounds exclude jobs that have not completed yet.
        if job.completion is None:
            return False
        if "completeAfter" in bounds and job.completion < bounds["completeAfter"]:
            return False
        return not ("completeBefore" in bounds and job.completion >= bounds["completeBefore"])

    return [job for job in candidates if wanted(job)]


def _job_row(job: RestoreJob) -> dict[str, Any]:
    # The service omits absent members rather than sending nulls or "".
    row: dict[str, Any] = {
        "AccountId": job.account_id,
        "RestoreJobId": job.job_id,
        "CreationDate": epoch(job.created),
        "Status": job.status,
        "ResourceType": job.resource_type,
    }
    optional: dict[str, Any] = {
        "RecoveryPointArn": job.recovery_point_arn,
        "SourceResourceArn": job.source_resource_arn,
        "CreatedResourceArn": job.created_resource_arn,
        "StatusMessage": job.status_message,
        "CompletionDate": epoch(job.completion) if job.completion is not None else None,
        "CreatedBy": ({"RestoreTestingPlanArn": job.restore_testing_plan_arn} if job.restore_testing_plan_arn else None),
        "ValidationStatus": job.validation_status,
        "ValidationStatusMessage": job.validation_status_message,
        "DeletionStatus": job.deletion_status,
        "DeletionStatusMessage": job.deletion_status_message,
        "ExpectedCompletionTimeMinutes": job.expected_completion_minutes,
    }
    row.update({k: v for k, v in optional.items() if v not in (None, "")})
    return row

