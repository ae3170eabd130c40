"""Protected resource reads: the resources of every account and region (and their completed restores, for coverage),
and one resource's record, restore jobs and the restore testing selections that may cover it. Other accounts are read
through the role the restore testing reads assume (bot.aws.testing.AccountSessions)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from sys import intern
from typing import Any

from botocore.exceptions import ClientError

from bot.aws.errors import describe_error
from bot.aws.fanout import fan_out
from bot.aws.pages import Pages
from bot.aws.rows import as_utc, job_row
from bot.aws.testing import OWN, AccountSessions
from bot.domain.query import State
from bot.domain.recoverability import (
    CRITICAL_TAG,
    CoverageRead,
    LatestRestore,
    Lookup,
    ProtectedResource,
    ResourceReport,
    arn_account,
    proves,
)
from bot.domain.results import RestoreJobRow, TestingSelection
from bot.domain.words import account_text

log = logging.getLogger(__name__)

LIST_ACTIONS = "backup:ListProtectedResources and backup:ListRestoreJobs"
REPORT_ACTIONS = ("backup:DescribeProtectedResource, backup:ListRestoreJobsByProtectedResource, "
                  "backup:ListRestoreTestingPlans and backup:ListRestoreTestingSelections")
TAGS_ACTION = "tag:GetResources"
PAGE_SIZE = 1000  # both list operations' maximum
TAGGED_PAGE = 100  # GetResources' maximum
MAX_HISTORY_PAGES = 5  # a resource's restore jobs read for its report: 5,000, newest first


@dataclass
class _Part:
    """What one (account, region) returned."""

    resources: list[ProtectedResource] = field(default_factory=list)
    proven: set[str] = field(default_factory=set)
    critical: set[str] | None = None  # ARNs tagged restore-critical=true; None: the tags could not be read
    tags_failure: str = ""
    calls: int = 0


class ResourceReader:
    """Reads protected resources, every (account, region) at once, each over its own page chains."""

    def __init__(self, sessions: AccountSessions, *, deadline_seconds: float, own_account: Callable[[], str | None],
                 max_workers: int = 32) -> None:
        self.sessions = sessions
        self._deadline = deadline_seconds
        self._own = own_account
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="aws-resources")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def own_id(self) -> str:
        try:
            return self._own() or ""
        except Exception:  # who the bot is could not be told: its resources without an account in the ARN stay ""
            log.warning("protected resources: the bot's own account id could not be read", exc_info=True)
            return ""

    def find(self, fragment: str, accounts: tuple[str, ...], regions: tuple[str, ...]) -> Lookup:
        """The protected resources whose ARN is `fragment`, or whose name or id contains it."""
        read = self._read(accounts, regions, None)
        matches = tuple(r for r in read.resources if r.matches(fragment))
        return Lookup(fragment, matches, accounts, regions, read.not_read, read.calls)

    def coverage(self, accounts: tuple[str, ...], regions: tuple[str, ...],
                 window: tuple[datetime, datetime]) -> CoverageRead:
        """Every protected resource, and the restores created in `window` that completed, by source ARN: two page
        chains an (account, region) (ListProtectedResources, ListRestoreJobs by status), not one call a resource."""
        return self._read(accounts, regions, window)

    def _read(self, accounts: tuple[str, ...], regions: tuple[str, ...],
              window: tuple[datetime, datetime] | None) -> CoverageRead:
        started = time.monotonic()
        deadline = started + self._deadline
        own = self.own_id()
        done, failed = fan_out(
            self._pool,
            {(a, r): functools.partial(self._part, a, r, own, window, deadline) for a in accounts for r in regions},
            deadline,
            late=lambda task: f"{_where(task[0], task[1], own)} (no answer within {self._deadline:g} s)",
            failed=lambda task, exc: _failure(task[0], task[1], exc, own),
        )
        not_read = list(dict.fromkeys(failed.values()))  # an account whose role failed: once, not once a region
        for words in not_read:
            log.warning("protected resources not read: %s", words)
        parts = list(done.values())
        tagged = [part.critical for part in parts if part.critical is not None]
        return CoverageRead(
            resources=tuple(r for part in parts for r in part.resources),
            proven=frozenset(arn for part in parts for arn in part.proven),
            accounts=accounts,
            regions=regions,
            window=window or (datetime.min, datetime.min),
            not_read=tuple(not_read),
            critical=frozenset(arn for found in tagged for arn in found) if tagged else None,
            tags_not_read=tuple(part.tags_failure for part in parts if part.tags_failure),
            calls=sum(part.calls for part in parts),
            elapsed=time.monotonic() - started,
        )

    def _part(self, account: str, region: str, own: str, window: tuple[datetime, datetime] | None,
              deadline: float) -> _Part:
        part = _Part()
        client = self.sessions.client(account, region)
        owner = account or own
        for page in Pages(client.list_protected_resources, {"MaxResults": PAGE_SIZE}, deadline, part):
            # Coverage lists a resource by name and type: its recovery point and vault are a report's, not kept here.
            part.resources += [protected_row(region, owner, item, detail=False) for item in page.get("Results", [])]
        if window is None:
            return part
        arns = {r.arn for r in part.resources}
        params = {"ByStatus": State.COMPLETED.value, "ByCreatedAfter": window[0], "ByCreatedBefore": window[1],
                  "MaxResults": PAGE_SIZE}
        for page in Pages(client.list_restore_jobs, params, deadline, part):
            for item in page.get("RestoreJobs", []):
                source = item.get("SourceResourceArn")
                if source in arns and source not in part.proven and proves(job_row(region, item)):
                    part.proven.add(source)
        self._critical(part, account, region, deadline, own)
        return part

    def _critical(self, part: _Part, account: str, region: str, deadline: float, own: str = "") -> None:
        """The resources tagged restore-critical=true (Resource Groups Tagging API): they only sort the list, so a
        failure is named (what to grant) and nothing else changes."""
        key, value = CRITICAL_TAG
        params = {"TagFilters": [{"Key": key, "Values": [value]}], "ResourcesPerPage": TAGGED_PAGE}
        try:
            client = self.sessions.client(account, region, "resourcegroupstaggingapi")
            found: set[str] = set()
            for page in Pages(client.get_resources, params, deadline, part, next_key="PaginationToken"):
                found.update(str(m.get("ResourceARN", "")) for m in page.get("ResourceTagMappingList", []))
            part.critical = found
        except Exception as exc:
            part.tags_failure = f"{_where(account, region, own)} ({failure_words(region, exc, TAGS_ACTION)})"

    def report(self, resource: ProtectedResource, read_as: str) -> ResourceReport:
        """One resource: DescribeProtectedResource, its restore jobs (newest first, up to MAX_HISTORY_PAGES pages) and
        the restore testing selections of its type in its account and region. `read_as`: the account whose session
        reads it (OWN: the bot's own). A part that fails is named in `not_read`; what was read is kept."""
        deadline = time.monotonic() + self._deadline
        client = self.sessions.client(read_as, resource.region)
        tally = _Part()
        not_read: list[str] = []
        latest = LatestRestore()
        described = resource
        try:
            answer = client.describe_protected_resource(ResourceArn=resource.arn)
            tally.calls += 1
            described = protected_row(resource.region, resource.account_id, answer)
            latest = LatestRestore(
                created=_time(answer.get("LatestRestoreJobCreationDate")),
                minutes=answer.get("LatestRestoreExecutionTimeMinutes"),
                recovery_point_created=_time(answer.get("LatestRestoreRecoveryPointCreationDate")),
            )
        except Exception as exc:
            if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return ResourceReport(resource, latest, (), calls=tally.calls + 1, missing=True)
            not_read.append(f"its record ({failure_words(resource.region, exc, 'backup:DescribeProtectedResource')})")
        jobs: list[RestoreJobRow] = []
        pages = Pages(client.list_restore_jobs_by_protected_resource, {"ResourceArn": resource.arn,
                      "MaxResults": PAGE_SIZE}, deadline, tally, MAX_HISTORY_PAGES)
        try:
            for page in pages:
                jobs += [job_row(resource.region, item) for item in page.get("RestoreJobs", [])]
        except Exception as exc:
            not_read.append("its restore jobs "
                            f"({failure_words(resource.region, exc, 'backup:ListRestoreJobsByProtectedResource')})")
        selections: list[TestingSelection] = []
        plan_names: dict[str, str] = {}
        try:
            selections, plan_names = self._selections(client, described, deadline, tally)
        except Exception as exc:
            not_read.append("its restore testing selections ("
                            f"{failure_words(resource.region, exc, 'backup:ListRestoreTestingSelections')})")
        return ResourceReport(
            resource=described,
            latest=latest,
            jobs=tuple(sorted(jobs, key=lambda j: j.created, reverse=True)),
            jobs_capped=pages.capped,
            selections=tuple(selections),
            plan_names=plan_names,
            not_read=tuple(not_read),
            calls=tally.calls,
        )

    def _selections(self, client: Any, resource: ProtectedResource, deadline: float,
                    tally: _Part) -> tuple[list[TestingSelection], dict[str, str]]:
        """The restore testing selections of the resource's type in its account and region, and every plan's name."""
        plans: dict[str, str] = {}
        for page in Pages(client.list_restore_testing_plans, {}, deadline, tally):
            for item in page.get("RestoreTestingPlans", []):
                plans[str(item.get("RestoreTestingPlanArn", ""))] = str(item.get("RestoreTestingPlanName", ""))
        found: list[TestingSelection] = []
        for name in plans.values():
            for page in Pages(client.list_restore_testing_selections, {"RestoreTestingPlanName": name}, deadline, tally):
                found += [
                    TestingSelection(region=resource.region, account_id=resource.account_id, plan_name=name,
                                     name=str(item.get("RestoreTestingSelectionName", "")),
                                     resource_type=str(item.get("ProtectedResourceType", "")))
                    for item in page.get("RestoreTestingSelections", [])
                    if item.get("ProtectedResourceType") == resource.resource_type
                ]
        return found, plans


def protected_row(region: str, owner: str, item: dict[str, Any], *, detail: bool = True) -> ProtectedResource:
    """One ListProtectedResources item (or DescribeProtectedResource answer); its account is its ARN's, else `owner`
    (the account it was read in). Type, region and account repeat in every row: interned. `detail`: keep its newest
    recovery point and vault (a report shows them; coverage over 100,000s of resources does not)."""
    arn = str(item.get("ResourceArn", ""))
    return ProtectedResource(
        account_id=intern(arn_account(arn) or owner),
        region=intern(region),
        arn=arn,
        resource_type=intern(str(item.get("ResourceType", ""))),
        name=str(item.get("ResourceName", "")),
        last_backup=_time(item.get("LastBackupTime")),
        last_recovery_point_arn=str(item.get("LastRecoveryPointArn", "")) if detail else "",
        vault_arn=str(item.get("LastBackupVaultArn", "")) if detail else "",
    )


def _time(value: Any) -> datetime | None:
    return as_utc(value) if value is not None else None


def _where(account: str, region: str, own: str = "") -> str:
    """"account 444455556666 in eu-west-1"; the bot's own (OWN) by its id when known: words.account_text."""
    return f"{account_text(None, own or None) if account == OWN else 'account ' + account} in {region}"


def _failure(account: str, region: str, exc: BaseException, own: str = "") -> str:
    """A failed (account, region) in words; a role that could not be assumed is the whole account's."""
    words = failure_words(region, exc, LIST_ACTIONS)
    if isinstance(exc, LookupError) or (isinstance(exc, ClientError) and exc.operation_name == "AssumeRole"):
        return f"account {account} ({words})"
    return f"{_where(account, region, own)} ({words})"


def failure_words(region: str, exc: BaseException, action: str) -> str:
    """A failed read in words: the role that could not be assumed (STS), or AWS's error as the grant to make."""
    if isinstance(exc, ClientError) and exc.operation_name == "AssumeRole":
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        return (f"the bot could not assume its role ({code}): check the role's trust policy and the bot's "
                "sts:AssumeRole permission")
    if isinstance(exc, LookupError):
        return str(exc)
    return describe_error(region, exc, action).message
