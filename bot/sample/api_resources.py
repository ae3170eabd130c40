"""ListProtectedResources, DescribeProtectedResource and ListRestoreJobsByProtectedResource: the caller's protected
resources in a region, each one's latest restore as the service summarises it, and its restore jobs.

A resource's restore jobs are the loaded restore jobs whose SourceResourceArn is its ARN (in its account and region),
so the three operations and ListRestoreJobs always agree. The emulator has no vaults: a job's recovery point was
created at the last 02:00 UTC before the job (a nightly backup), which ListRestoreJobsByProtectedResource reports
and filters on as RecoveryPointCreationDate.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import unquote

from bot.sample.api_core import BackupApiCore, query_key
from bot.sample.api_jobs import _job_row, _parse_timestamp
from bot.sample.api_model import JOB_STATUSES, ApiError, epoch, invalid
from bot.sample.records import RestoreJob

__all__ = [
    "GET_RESOURCES_TARGET", "RESOURCES_PATH", "ProtectedResourceRecord", "ProtectedResources", "recovery_point_created",
]

RESOURCES_PATH: Final = "/resources/"  # GET: ListProtectedResources; /resources/{arn}[/restore-jobs/]: the others
RESOURCES_MAX_RESULTS: Final = 1000  # both list operations (botocore's model: 1..1000)
TAGGED_MAX_RESULTS: Final = 100  # GetResources' ResourcesPerPage (the service's limit)
TAG_FILTERS_MAX: Final = 50  # botocore's model
GET_RESOURCES_TARGET: Final = "ResourceGroupsTaggingAPI_20170126.GetResources"
_RESOURCE_PATH_RE: Final = re.compile(r"^/resources/(?P<arn>[^/]+)(?P<jobs>/restore-jobs/?)?$")
_BACKUP_HOUR: Final = 2  # the sample's nightly backups start at 02:00 UTC


@dataclass(frozen=True, slots=True)
class ProtectedResourceRecord:
    """One protected resource, in the account and region that backs it up."""

    region: str
    account_id: str
    arn: str
    resource_type: str
    name: str = ""
    last_backup: datetime | None = None
    last_recovery_point_arn: str = ""
    vault_arn: str = ""
    tags: tuple[tuple[str, str], ...] = ()  # the resource's own tags (Resource Groups Tagging API's GetResources)


def recovery_point_created(job: RestoreJob) -> datetime:
    """When the recovery point a job restored was created: the last nightly backup before the job."""
    backup = job.created.replace(hour=_BACKUP_HOUR, minute=0, second=0, microsecond=0)
    return backup if backup < job.created else backup - timedelta(days=1)


class ProtectedResources(BackupApiCore):
    """The protected resource reads, one of the operation families BackupApi is made of. Their data is loaded apart
    from the restore jobs' (``load_resources``); the jobs are ListRestoreJobs'."""

    def __init__(self, *args: Any, resources: Iterable[ProtectedResourceRecord] = (), **kwargs: Any) -> None:
        self._resources_lock = threading.Lock()
        self._resources: dict[tuple[str, str], list[ProtectedResourceRecord]] = {}
        self._rows: dict[tuple[str, str], list[dict[str, Any]]] = {}  # their ListProtectedResources items, made once
        super().__init__(*args, **kwargs)
        self.load_resources(resources)

    @property
    def resources(self) -> tuple[ProtectedResourceRecord, ...]:
        with self._resources_lock:
            return tuple(r for rows in self._resources.values() for r in rows)

    def load_resources(self, resources: Iterable[ProtectedResourceRecord]) -> None:
        """Replace the protected resources served (ARN order in each account and region: a stable order for pages)."""
        index: dict[tuple[str, str], list[ProtectedResourceRecord]] = {}
        for resource in sorted(resources, key=lambda r: r.arn):
            index.setdefault((resource.region, resource.account_id), []).append(resource)
        rows = {key: [_resource_row(resource) for resource in resources] for key, resources in index.items()}
        with self._resources_lock:
            self._resources, self._rows = index, rows

    # ----------------------------------------------------------------- the operations

    def route_resources(self, region: str, caller: str | None, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        """The operation a GET under /resources/ names, answered; ApiError(404) for a path none of them has."""
        if path in (RESOURCES_PATH, RESOURCES_PATH.rstrip("/")):
            return self.list_protected_resources(region, caller, params)
        match = _RESOURCE_PATH_RE.match(path)
        if match is None:
            raise ApiError(404, "UnknownOperationException", f"No operation for GET {path}")
        arn = unquote(match["arn"])  # botocore percent-encodes the ARN in the path
        if match["jobs"]:
            return self.list_restore_jobs_by_protected_resource(region, caller, arn, params)
        return self.describe_protected_resource(region, caller, arn)

    def list_protected_resources(self, region: str, caller: str | None, params: Mapping[str, str]) -> dict[str, Any]:
        """GET /resources/ in ``region``: the caller's protected resources there."""
        caller = caller if caller is not None else self.caller_account
        paging = ("maxResults", "nextToken")
        max_results, offset, digest = self._paging("ListProtectedResources", region, params, paging,
                                                   RESOURCES_MAX_RESULTS, caller)
        with self._resources_lock:
            rows = self._rows.get((region, caller), [])
        page, next_token = self._page(rows, offset, max_results, digest)
        body: dict[str, Any] = {"Results": list(page)}
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    def describe_protected_resource(self, region: str, caller: str | None, arn: str) -> dict[str, Any]:
        """GET /resources/{arn}: the resource and its latest restore (created, minutes, recovery point), or 404."""
        caller = caller if caller is not None else self.caller_account
        resource = self._resource(region, caller, arn)
        body = _resource_row(resource)
        jobs = self._jobs_of(region, caller, arn)
        if jobs:
            latest = jobs[0]
            body["LatestRestoreJobCreationDate"] = epoch(latest.created)
            body["LatestRestoreRecoveryPointCreationDate"] = epoch(recovery_point_created(latest))
            if latest.completion is not None and latest.status == "COMPLETED":
                body["LatestRestoreExecutionTimeMinutes"] = round((latest.completion - latest.created).total_seconds() / 60)
        return body

    def list_restore_jobs_by_protected_resource(
        self, region: str, caller: str | None, arn: str, params: Mapping[str, str]
    ) -> dict[str, Any]:
        """GET /resources/{arn}/restore-jobs/: the resource's restore jobs, newest first, or 404."""
        caller = caller if caller is not None else self.caller_account
        self._resource(region, caller, arn)
        status = params.get("status")
        if status is not None and status not in JOB_STATUSES:
            raise invalid("status", status, f"must be one of {', '.join(JOB_STATUSES)}")
        after = params.get("recoveryPointCreationDateAfter")
        before = params.get("recoveryPointCreationDateBefore")
        low = _parse_timestamp("recoveryPointCreationDateAfter", after) if after is not None else None
        high = _parse_timestamp("recoveryPointCreationDateBefore", before) if before is not None else None
        paging = ("maxResults", "nextToken")
        max_results, offset, digest = self._paging(f"ListRestoreJobsByProtectedResource:{arn}", region, params, paging,
                                                   RESOURCES_MAX_RESULTS, caller)
        _, generation = self._snapshot()
        key = ("resource-jobs", generation, region, arn, query_key(params, paging), caller)
        jobs: Sequence[RestoreJob] | None = self._cached(key)
        if jobs is None:
            jobs = [
                job for job in self._jobs_of(region, caller, arn)
                if (status is None or job.status == status)
                and (low is None or recovery_point_created(job) >= low)
                and (high is None or recovery_point_created(job) < high)
            ]
            self._keep(key, generation, jobs)
        page, next_token = self._page(jobs, offset, max_results, digest)
        body: dict[str, Any] = {
            "RestoreJobs": [
                dict(_job_row(job), RecoveryPointCreationDate=epoch(recovery_point_created(job))) for job in page
            ]
        }
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    def route_tagging(self, region: str, caller: str | None, target: str | None, body: bytes) -> dict[str, Any]:
        """A Resource Groups Tagging API request (JSON 1.1, signed for `tagging`): GetResources, the one it serves."""
        if target != GET_RESOURCES_TARGET:
            raise ApiError(400, "UnknownOperationException", f"No tagging operation {target}")
        try:
            parsed = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "SerializationException", "The request body is not JSON") from None
        if not isinstance(parsed, dict):
            raise ApiError(400, "SerializationException", "The request body is not a JSON object")
        return self.get_resources(region, caller, parsed)

    def get_resources(self, region: str, caller: str | None, body: Mapping[str, Any]) -> dict[str, Any]:
        """The Resource Groups Tagging API's GetResources (JSON 1.1) in ``region``: the caller's resources with every
        tag filter matched (a key, and one of its values when given), by ARN, in pages of ResourcesPerPage."""
        caller = caller if caller is not None else self.caller_account
        try:
            return self._get_resources(region, caller, body)
        except ApiError as error:  # the Tagging API names a bad parameter InvalidParameterException, not Backup's name
            if error.error_type != "InvalidParameterValueException":
                raise
            raise ApiError(400, "InvalidParameterException", error.message) from None

    def _get_resources(self, region: str, caller: str, body: Mapping[str, Any]) -> dict[str, Any]:
        filters = body.get("TagFilters") or []
        if not isinstance(filters, list) or len(filters) > TAG_FILTERS_MAX:
            raise invalid("TagFilters", str(filters)[:80], f"at most {TAG_FILTERS_MAX} filters")
        for tag_filter in filters:  # TagFilter: Key (string) and Values (a list of strings), as the model has it
            values = tag_filter.get("Values", []) if isinstance(tag_filter, dict) else None
            if not (isinstance(tag_filter, dict) and isinstance(tag_filter.get("Key"), str) and isinstance(values, list)
                    and all(isinstance(v, str) for v in values)):
                raise invalid("TagFilters", str(tag_filter)[:80], "each filter is a Key and a list of Values")
        size = body.get("ResourcesPerPage", TAGGED_MAX_RESULTS)
        if not isinstance(size, int) or not 1 <= size <= TAGGED_MAX_RESULTS:
            raise invalid("ResourcesPerPage", str(size), f"must be an integer between 1 and {TAGGED_MAX_RESULTS}")

        def matches(resource: ProtectedResourceRecord) -> bool:
            tags = dict(resource.tags)
            return all(f["Key"] in tags and (not f.get("Values") or tags[f["Key"]] in f["Values"]) for f in filters)

        with self._resources_lock:
            rows = [r for r in self._resources.get((region, caller), []) if matches(r)]
        params = {"filters": json.dumps(filters, sort_keys=True), "PaginationToken": body.get("PaginationToken") or ""}
        digest = self._query_digest("GetResources", region, params, ("PaginationToken",), caller)
        offset = self._redeem_token("PaginationToken", params["PaginationToken"], digest) if params["PaginationToken"] \
            else 0
        page, next_token = self._page(rows, offset, size, digest)
        return {
            "ResourceTagMappingList": [
                {"ResourceARN": r.arn, "Tags": [{"Key": k, "Value": v} for k, v in r.tags]} for r in page
            ],
            "PaginationToken": next_token or "",  # the service ends a listing with an empty token
        }

    # ----------------------------------------------------------------- helpers

    def _resource(self, region: str, caller: str, arn: str) -> ProtectedResourceRecord:
        with self._resources_lock:
            rows = self._resources.get((region, caller), [])
        for resource in rows:
            if resource.arn == arn:
                return resource
        raise ApiError(404, "ResourceNotFoundException", f"Resource {arn} was not found.")

    def _jobs_of(self, region: str, caller: str, arn: str) -> list[RestoreJob]:
        data, _ = self._snapshot()
        # jobs_by_account is newest first; the service lists a resource's restore jobs the same way.
        return [job for job in data.jobs_by_account.get((region, caller), []) if job.source_resource_arn == arn]


def _resource_row(resource: ProtectedResourceRecord) -> dict[str, Any]:
    row: dict[str, Any] = {"ResourceArn": resource.arn, "ResourceType": resource.resource_type}
    optional: dict[str, Any] = {
        "ResourceName": resource.name,
        "LastBackupTime": epoch(resource.last_backup) if resource.last_backup is not None else None,
        "LastRecoveryPointArn": resource.last_recovery_point_arn,
        "LastBackupVaultArn": resource.vault_arn,
    }
    row.update({k: v for k, v in optional.items() if v not in (None, "")})
    return row
