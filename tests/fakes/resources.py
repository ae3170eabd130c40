"""Protected resources and their restore jobs for the tests and the coverage benchmark, with oracles computed from the
raw records alone (never through the bot's verdicts): what coverage and a resource's verdict must say."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.sample.api_resources import ProtectedResourceRecord
from bot.sample.records import RestoreJob

__all__ = ["Estate", "coverage_oracle", "estate", "latest_finished", "resource_arn"]

TYPES = ("RDS", "EBS", "DynamoDB", "EFS")
# What each resource's history is, by its index in an (account, region) modulo len(STORIES).
STORIES = ("validated", "completed", "never", "failed_last", "validation_failed", "old", "running", "aborted_then_ok",
           "validating", "validated")


def resource_arn(region: str, account: str, resource_type: str, name: str) -> str:
    return {
        "RDS": f"arn:aws:rds:{region}:{account}:db:{name}",
        "EBS": f"arn:aws:ec2:{region}:{account}:volume/vol-{name}",
        "DynamoDB": f"arn:aws:dynamodb:{region}:{account}:table/{name}",
        "EFS": f"arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-{name}",
    }[resource_type]


@dataclass(frozen=True)
class Estate:
    resources: list[ProtectedResourceRecord]
    jobs: list[RestoreJob]
    stories: dict[str, str]  # ARN -> story


def estate(now: datetime, accounts: Sequence[str], regions: Sequence[str], per_pair: int,
           *, jobs_per_story: int = 1) -> Estate:
    """`per_pair` resources in every (account, region), their stories cycling through STORIES; `jobs_per_story`
    repeats each story's good restores (more jobs, more pages)."""
    resources: list[ProtectedResourceRecord] = []
    jobs: list[RestoreJob] = []
    stories: dict[str, str] = {}
    for account in accounts:
        for region in regions:
            for n in range(per_pair):
                kind = TYPES[n % len(TYPES)]
                name = f"app{n:04d}-{region}-{account[-4:]}"
                arn = resource_arn(region, account, kind, name)
                story = STORIES[n % len(STORIES)]
                stories[arn] = story
                resources.append(ProtectedResourceRecord(
                    region=region, account_id=account, arn=arn, resource_type=kind, name=name,
                    last_backup=now - timedelta(hours=5 + n % 7),
                    last_recovery_point_arn=f"arn:aws:backup:{region}:{account}:recovery-point:{name}",
                    vault_arn=f"arn:aws:backup:{region}:{account}:backup-vault:Default",
                    tags=(("restore-critical", "true"),) if n % 25 == 6 else (("team", "orders"),)))
                jobs += _history(story, now, region, account, arn, kind, name, jobs_per_story)
    return Estate(resources, jobs, stories)


def _history(story: str, now: datetime, region: str, account: str, arn: str, kind: str, name: str,
             repeats: int) -> list[RestoreJob]:
    plan = f"arn:aws:backup:{region}:{account}:restore-testing-plan:nightly-0a1b"

    def job(n: int, status: str, days: float, minutes: int | None = 40, **fields: object) -> RestoreJob:
        created = now - timedelta(days=days)
        return RestoreJob(region=region, account_id=account, job_id=f"{name}-{n}", status=status, resource_type=kind,
                          created=created, source_resource_arn=arn,
                          recovery_point_arn=f"arn:aws:backup:{region}:{account}:recovery-point:{name}-{n}",
                          completion=created + timedelta(minutes=minutes) if minutes is not None else None,
                          **fields)  # type: ignore[arg-type]

    good = [job(10 + i, "COMPLETED", 3 + i * 2) for i in range(repeats)]
    if story == "validated":
        return [job(1, "COMPLETED", 1, 41, restore_testing_plan_arn=plan, validation_status="SUCCESSFUL"), *good]
    if story == "completed":
        return good
    if story == "failed_last":
        return [job(1, "FAILED", 0.5, 5, status_message=f"Access denied to KMS key for {name}"), *good]
    if story == "validation_failed":
        return [job(1, "COMPLETED", 2, 30, restore_testing_plan_arn=plan, validation_status="FAILED",
                    validation_status_message="row count 0")]
    if story == "old":
        return [job(1, "COMPLETED", 200)]
    if story == "running":
        return [job(1, "RUNNING", 0.1, None), job(2, "FAILED", 4, 3, status_message="subnet missing")]
    if story == "aborted_then_ok":
        return [job(1, "ABORTED", 1, 9, status_message="Restore aborted by user"), *good]
    if story == "validating":
        return [job(1, "COMPLETED", 0.2, 20, restore_testing_plan_arn=plan, validation_status="VALIDATING")]
    return []  # never


def coverage_oracle(resources: Iterable[ProtectedResourceRecord], jobs: Iterable[RestoreJob], now: datetime,
                    days: int) -> tuple[Counter[str], Counter[str], Counter[str], Counter[str], set[str]]:
    """From the raw records: resources by type and by account, those proven by type and by account (a restore created
    in the window that completed and was validated where a validation ran), and the ARNs not proven."""
    since = now - timedelta(days=days)
    proven = {j.source_resource_arn for j in jobs
              if j.status == "COMPLETED" and j.created >= since and j.validation_status in (None, "SUCCESSFUL")}
    by_type: Counter[str] = Counter()
    by_account: Counter[str] = Counter()
    proven_type: Counter[str] = Counter()
    proven_account: Counter[str] = Counter()
    unproven: set[str] = set()
    for r in resources:
        by_type[r.resource_type] += 1
        by_account[r.account_id] += 1
        if r.arn in proven:
            proven_type[r.resource_type] += 1
            proven_account[r.account_id] += 1
        else:
            unproven.add(r.arn)
    return by_type, by_account, proven_type, proven_account, unproven


def latest_finished(jobs: Iterable[RestoreJob], arn: str) -> RestoreJob | None:
    """The resource's newest restore that is no longer running."""
    done = [j for j in jobs if j.source_resource_arn == arn and j.status not in ("PENDING", "RUNNING")]
    return max(done, key=lambda j: j.created) if done else None
