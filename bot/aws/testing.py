"""Restore testing reads: plans, selections and their restore jobs, in the bot's own account and in assumed roles."""

from __future__ import annotations

import functools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials
from botocore.exceptions import ClientError

from bot.aws import botocore_internals, parsing
from bot.aws.client import BackupService
from bot.aws.errors import describe_error
from bot.aws.fanout import fan_out
from bot.aws.pages import Pages
from bot.aws.rows import as_utc, job_row
from bot.domain.regions import region_partitions
from bot.domain.results import AccountFailure, FailureKind, RestoreJobRow, TestingPlan, TestingResult, TestingSelection

log = logging.getLogger(__name__)

PLANS_ACTION = "backup:ListRestoreTestingPlans"
TESTING_ACTIONS = "backup:ListRestoreTestingPlans, backup:ListRestoreTestingSelections and backup:ListRestoreJobs"
MAX_PLAN_JOBS = 1000  # per plan and answer: a daily plan with a few selections runs far fewer in 30 days
SESSION_NAME = "restores-bot"
OWN = ""  # the bot's own account, whose id need not be known


def role_arn(account: str, role: str, home_region: str) -> str:
    partition = region_partitions().get(home_region, "aws")
    return f"arn:{partition}:iam::{account}:role/{role}"


class AccountSessions:
    """A boto3 session per account the bot reads restore tests in: its own, or a role it assumes there.

    botocore's AssumeRoleCredentialFetcher and DeferredRefreshableCredentials do what boto3 does for a profile
    with role_arn: the role is assumed on first use, the credentials are kept until shortly before they expire
    (botocore refreshes 15 minutes ahead) and refreshed by one thread while others keep signing. Hand-writing
    that cache would be a worse copy of it."""

    def __init__(self, backup: BackupService, role: str | None, home_region: str) -> None:
        self._backup = backup
        self._role = role
        self._home = home_region
        self._sessions: dict[str, boto3.session.Session] = {}
        # One loader for every account's session: each would otherwise load, and keep, its own copy of botocore's
        # endpoint and service data (~10 MB an account, kept for the process: `python -m bench.coverage` measures it).
        self._loader = botocore.loaders.create_loader()
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, account: str, region: str, service: str = "backup") -> Any:
        """A client of `service` (AWS Backup unless said) in the account's session; an emulator standing in for AWS
        Backup (BackupService.endpoint_url) answers the other services too."""
        if account == OWN and service == "backup":
            return self._backup.client(region)
        with self._lock:
            client = self._clients.get((account, region, service))
            if client is None:
                kwargs: dict[str, Any] = {"region_name": region, "config": self._backup.config}
                if self._backup.endpoint_url:
                    kwargs["endpoint_url"] = self._backup.endpoint_url
                session = self._backup.session() if account == OWN else self._session(account)
                client = session.client(service, **kwargs)
                self._clients[(account, region, service)] = client
            return client

    def _session(self, account: str) -> boto3.session.Session:
        session = self._sessions.get(account)
        if session is None:
            if not self._role:
                raise LookupError("no RESTORES_TESTING_ROLE to assume in other accounts")
            source = self._backup.session()
            fetcher = AssumeRoleCredentialFetcher(
                # boto3's public client() and get_credentials() hand these to the botocore session behind them.
                client_creator=lambda *args, **kwargs: source.client(
                    *args, **dict(kwargs, region_name=kwargs.get("region_name") or self._home)
                ),
                source_credentials=source.get_credentials(),
                role_arn=role_arn(account, self._role, self._home),
                extra_args={"RoleSessionName": SESSION_NAME},
            )
            core = botocore.session.Session()
            core.register_component("data_loader", self._loader)
            botocore_internals.attach_credentials(
                core, DeferredRefreshableCredentials(method="assume-role", refresh_using=fetcher.fetch_credentials)
            )
            session = boto3.session.Session(botocore_session=core, region_name=self._home)
            parsing.install(session)
            self._sessions[account] = session
        return session


@dataclass
class _Part:
    """What one (account, region) returned."""

    plans: list[TestingPlan] = field(default_factory=list)
    selections: list[TestingSelection] = field(default_factory=list)
    jobs: list[RestoreJobRow] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)
    calls: int = 0


class RestoreTestingReader:
    """Reads restore testing plans with their selections and jobs, every (account, region) at once."""

    def __init__(self, backup: BackupService, *, role: str | None, home_region: str, max_workers: int = 32) -> None:
        self.sessions = AccountSessions(backup, role, home_region)
        self._deadline = backup.deadline_seconds
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="aws-testing")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def read(
        self, accounts: tuple[str, ...], regions: tuple[str, ...], window: tuple[datetime, datetime]
    ) -> TestingResult:
        """Plans, selections and jobs created in `window` (all of a plan's jobs, by its ARN) for every
        account × region; an account whose role could not be assumed is one failure, named once."""
        started = time.monotonic()
        deadline = started + self._deadline
        done, failed = fan_out(
            self._pool,
            {
                (account, region): functools.partial(self._read_part, account, region, window, deadline)
                for account in accounts
                for region in regions
            },
            deadline,
            late=lambda task: AccountFailure(*task, FailureKind.TIMEOUT, f"no answer within {self._deadline:g} s"),
            failed=lambda task, exc: describe_failure(*task, exc),
        )
        parts = list(done.values())
        failures: dict[tuple[str, str | None], AccountFailure] = {}
        for (account, region), failure in failed.items():
            # The role: one failure for the account, not one a region.
            failures[(account, region if failure.region is not None else None)] = failure
        whole = {a for (a, r) in failures if r is None}
        named = [f for (a, r), f in failures.items() if r is None or a not in whole]
        for failure in named:
            log.warning("restore testing read failed account=%s region=%s kind=%s", failure.account_id or "own",
                        failure.region or "-", failure.kind.value)
        return TestingResult(
            regions=regions,
            accounts=accounts,
            window=window,
            plans=tuple(p for part in parts for p in part.plans),
            selections=tuple(s for part in parts for s in part.selections),
            jobs=tuple(j for part in parts for j in part.jobs),
            failures=tuple(sorted(named, key=lambda f: (f.account_id, f.region or ""))),
            truncated=tuple(arn for part in parts for arn in part.truncated),
            aws_calls=sum(part.calls for part in parts),
            elapsed=time.monotonic() - started,
        )

    def plan_jobs(
        self, account: str, region: str, plan_arn: str, window: tuple[datetime, datetime]
    ) -> tuple[list[RestoreJobRow], bool, int]:
        """The jobs of one plan created in `window` (for a drill-down): (jobs, truncated, calls)."""
        part = _Part()
        deadline = time.monotonic() + self._deadline
        self._jobs_of(part, account, region, plan_arn, window, deadline)
        return part.jobs, bool(part.truncated), part.calls

    # ----------------------------------------------------------------- one account and region

    def _read_part(self, account: str, region: str, window: tuple[datetime, datetime], deadline: float) -> _Part:
        part = _Part()
        client = self.sessions.client(account, region)
        for page in Pages(client.list_restore_testing_plans, {}, deadline, part):
            for item in page.get("RestoreTestingPlans", []):
                arn = str(item.get("RestoreTestingPlanArn", ""))
                part.plans.append(
                    TestingPlan(
                        region=region,
                        account_id=_account_of(arn) or account,
                        name=str(item.get("RestoreTestingPlanName", "")),
                        arn=arn,
                        schedule_expression=str(item.get("ScheduleExpression", "")),
                        schedule_timezone=item.get("ScheduleExpressionTimezone") or None,
                        start_window_hours=item.get("StartWindowHours"),
                        created=as_utc(item["CreationTime"]),
                        last_execution=as_utc(item["LastExecutionTime"]) if item.get("LastExecutionTime") else None,
                    )
                )
        for plan in part.plans:
            params = {"RestoreTestingPlanName": plan.name}
            for page in Pages(client.list_restore_testing_selections, params, deadline, part):
                for item in page.get("RestoreTestingSelections", []):
                    part.selections.append(
                        TestingSelection(
                            region=region,
                            account_id=plan.account_id,
                            plan_name=plan.name,
                            name=str(item.get("RestoreTestingSelectionName", "")),
                            resource_type=str(item.get("ProtectedResourceType", "")),
                        )
                    )
            self._jobs_of(part, account, region, plan.arn, window, deadline)
        return part

    def _jobs_of(
        self, part: _Part, account: str, region: str, plan_arn: str, window: tuple[datetime, datetime], deadline: float
    ) -> None:
        client = self.sessions.client(account, region)
        params = {"ByRestoreTestingPlanArn": plan_arn, "ByCreatedAfter": window[0], "ByCreatedBefore": window[1]}
        kept = 0
        for page in Pages(client.list_restore_jobs, params, deadline, part):
            for item in page.get("RestoreJobs", []):
                if kept >= MAX_PLAN_JOBS:
                    part.truncated.append(plan_arn)
                    return
                part.jobs.append(job_row(region, item))
                kept += 1


def _account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4].isdigit() else None


def describe_failure(account: str, region: str, exc: BaseException) -> AccountFailure:
    """An STS failure is the account's (its role), anything else is that region's."""
    if isinstance(exc, ClientError) and exc.operation_name == "AssumeRole":
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        return AccountFailure(
            account, None, FailureKind.ACCESS_DENIED,
            f"the bot could not assume its role in account {account} ({code}): check the role's trust policy "
            "and the bot's sts:AssumeRole permission",
        )
    if isinstance(exc, LookupError):
        return AccountFailure(account, None, FailureKind.NO_CREDENTIALS, str(exc))
    failure = describe_error(region, exc, TESTING_ACTIONS)
    return AccountFailure(account, region, failure.kind, failure.message)
