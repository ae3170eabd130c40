"""Bundled realistic sample data set for `ask --sample`: three regions, three accounts, two weeks of restore jobs.

Everything is generated from fixed seeds, so the same ``today`` always yields
the same data (tests can rely on exact numbers) while the story stays the
same relative to ``today``:

* mostly COMPLETED restores, unevenly spread across resource types,
  regions and accounts (ap-southeast-2 is quiet, us-east-1 is busy);
* a few FAILED restores most days, and a spike ``SPIKE_DAYS_AGO`` days ago
  (EC2 capacity shortage in us-east-1 plus a revoked KMS grant for RDS);
* very few ABORTED restores;
* RUNNING / PENDING / CREATED only on the most recent days;
* seven daily restore testing plans in the caller's account, one healthy and
  one per way a restore test goes wrong (see ``sample_testing_plans``).

``sample_jobs`` produces one ``RestoreJob`` per counted job (except CREATED,
which ListRestoreJobs cannot filter on), so drilling down from a count to
the individual jobs always matches.  The restore tests' jobs are counted too
(``sample_counts`` adds them): their times follow ``now``, but a complete
day's numbers depend only on the date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Final

from bot.sample.api_organizations import SAMPLE_ORGANIZATION
from bot.sample.emulator import BackupEmulator
from bot.sample.estate import (
    HISTORY_DAYS,
    SAMPLE_CALLER_ACCOUNT,
    as_utc,
    created_resource_arn,
    draw,
    failure_message,
    midnight,
    new_uuid,
    recovery_point_arn,
    source_arn,
)
from bot.sample.records import DailyCount, RestoreJob
from bot.sample.resources import sample_protected_resources, with_ledger_db
from bot.sample.testing import sample_testing_jobs, sample_testing_plans, sample_testing_selections

SPIKE_DAYS_AGO: Final = 3

# Typical completed restores per weekday for each (region, account) and type.
# Deliberately lopsided: that is what real estates look like.
_DAILY_RATE: Final[dict[tuple[str, str], dict[str, int]]] = {
    ("us-east-1", "111122223333"): {"EBS": 9, "EC2": 6, "RDS": 4, "Aurora": 3, "S3": 5, "DynamoDB": 2},
    ("us-east-1", "444455556666"): {"EC2": 4, "EBS": 3, "DynamoDB": 2, "FSx": 1},
    ("us-east-1", "777788889999"): {"S3": 2, "RDS": 1},
    ("eu-west-1", "111122223333"): {"EBS": 5, "RDS": 3, "EFS": 2},
    ("eu-west-1", "444455556666"): {"Aurora": 2, "S3": 3, "EFS": 1},
    ("eu-west-1", "777788889999"): {"EBS": 1},
    ("ap-southeast-2", "111122223333"): {"EBS": 2, "FSx": 1},
    ("ap-southeast-2", "777788889999"): {"RDS": 2, "EC2": 2, "EFS": 1},
}

# Chance that a given group has a failed restore on a given day.
_FAILURE_CHANCE: Final[dict[str, float]] = {
    "EBS": 0.08,
    "EC2": 0.2,
    "RDS": 0.12,
    "Aurora": 0.1,
    "EFS": 0.1,
    "DynamoDB": 0.06,
    "S3": 0.05,
    "FSx": 0.2,
}
_ABORT_CHANCE: Final = 0.025

# Extra failures on the spike day: (region, account, type) -> (count, failure kind).
_SPIKES: Final[dict[tuple[str, str, str], tuple[int, str]]] = {
    ("us-east-1", "444455556666", "EC2"): (7, "capacity"),
    ("us-east-1", "111122223333", "RDS"): (4, "kms"),
}

# Restores that take hours are the ones still in flight the next day.
_LONG_RUNNING: Final = frozenset({"EC2", "RDS", "Aurora", "FSx", "EFS"})

_FAILURE_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "EBS": ("kms", "iam", "kms"),
    "EC2": ("capacity", "subnet", "security_group", "kms", "iam"),
    "RDS": ("kms", "db_subnet_group", "exists"),
    "Aurora": ("kms", "exists", "parameter_group"),
    "EFS": ("iam", "efs_limit"),
    "DynamoDB": ("exists", "iam"),
    "S3": ("s3_denied", "kms"),
    "FSx": ("fsx_ips", "subnet"),
}

# Minutes a restore of each type takes (low, high).
_DURATION_MINUTES: Final = {
    "EBS": (4, 40),
    "EC2": (10, 75),
    "RDS": (20, 140),
    "Aurora": (30, 180),
    "EFS": (10, 240),
    "DynamoDB": (5, 60),
    "S3": (10, 300),
    "FSx": (30, 240),
}


def sample_counts(today: date, *, now: datetime | None = None) -> list[DailyCount]:
    """Daily restore job counts for the 14 days before ``today``, plus in-flight jobs created today.

    Only non-zero counts are returned.  They include the restore tests' jobs as of ``now`` (without it, noon
    UTC ``today``, like ``sample_jobs``); only today's counts depend on the hour.
    """
    counts = _generated_counts(today)
    merged = {(c.region, c.account_id, c.state, c.resource_type, c.day): c.count for c in counts}
    for job in sample_testing_jobs(_cutoff(today, now)):
        key = (job.region, job.account_id, job.status, job.resource_type, job.created.date())
        merged[key] = merged.get(key, 0) + 1
    return [DailyCount(*key, n) for key, n in merged.items()]


def _generated_counts(today: date) -> list[DailyCount]:
    counts: list[DailyCount] = []
    for (region, account), rates in _DAILY_RATE.items():
        for resource_type, rate in rates.items():
            for days_ago in range(HISTORY_DAYS, -1, -1):
                day = today - timedelta(days=days_ago)
                rng = draw("count", region, account, resource_type, days_ago)
                by_state: dict[str, int] = {}
                if days_ago >= 1:
                    weekend = day.weekday() >= 5
                    expected = rate * (0.4 if weekend else 1.0)
                    by_state["COMPLETED"] = max(0, round(expected + rng.uniform(-1.5, 1.5)))
                    if rng.random() < _FAILURE_CHANCE[resource_type]:
                        by_state["FAILED"] = 1 if rng.random() < 0.75 else 2
                    if days_ago == SPIKE_DAYS_AGO and (region, account, resource_type) in _SPIKES:
                        by_state["FAILED"] = by_state.get("FAILED", 0) + _SPIKES[(region, account, resource_type)][0]
                    if rng.random() < _ABORT_CHANCE:
                        by_state["ABORTED"] = 1
                if days_ago == 1 and resource_type in _LONG_RUNNING and rng.random() < 0.35:
                    by_state["RUNNING"] = 1
                if days_ago == 0:
                    # Today: only restores that have not finished yet.
                    if rng.random() < 0.5:
                        by_state["RUNNING"] = rng.randint(1, 2)
                    if rng.random() < 0.25:
                        by_state["PENDING"] = 1
                    if rng.random() < 0.1:
                        by_state["CREATED"] = 1
                counts.extend(
                    DailyCount(region, account, state, resource_type, day, n) for state, n in by_state.items() if n > 0
                )
    return counts


def _cutoff(today: date, now: datetime | None) -> datetime:
    # Without a clock, noon: a pure function of the day, late enough for the morning's restore tests to be done.
    return as_utc(now) if now is not None else midnight(today) + timedelta(hours=12)


def sample_jobs(today: date, counts: Iterable[DailyCount], *, now: datetime | None = None) -> list[RestoreJob]:
    """One RestoreJob per job in ``counts`` (CREATED excluded: it is not a ListRestoreJobs status).

    ``now`` bounds creation/completion times so nothing lies in the future;
    without it, today's jobs are spread over the morning (00:00-12:00 UTC),
    which keeps the result a pure function of the arguments.  The restore
    tests' jobs (``sample_testing_jobs``) stand in for as many counted jobs
    of their region, account, type, day and status.
    """
    cutoff = _cutoff(today, now)
    testing = sample_testing_jobs(cutoff)
    taken = Counter((j.region, j.account_id, j.status, j.resource_type, j.created.date()) for j in testing)
    jobs: list[RestoreJob] = []
    for count in counts:
        if count.state == "CREATED" or count.count <= 0:
            continue
        region, account, resource_type, day = count.region, count.account_id, count.resource_type, count.day
        key = (region, account, count.state, resource_type, day)
        tests = min(count.count, taken[key])
        taken[key] -= tests
        rng = draw("jobs", region, account, resource_type, day.isoformat(), count.state)
        spike_left, spike_message = 0, ""
        spike = _SPIKES.get((region, account, resource_type))
        if count.state == "FAILED" and (today - day).days == SPIKE_DAYS_AGO and spike is not None:
            spike_left, spike_kind = spike
            # One root cause, one message: the spike's jobs all fail identically.
            spike_rng = draw("spike", region, account, resource_type)
            spike_message = failure_message(spike_kind, spike_rng, region, account, resource_type)
        start = midnight(day)
        latest = min(start + timedelta(days=1), cutoff - timedelta(minutes=1))
        window = max(0, int((latest - start).total_seconds()))
        for _ in range(count.count - tests):
            created = start + timedelta(seconds=rng.randrange(window + 1))
            low, high = _DURATION_MINUTES[resource_type]
            status_message = ""
            restored_arn = ""
            completion: datetime | None = None

            if count.state == "COMPLETED":
                completion = created + timedelta(minutes=rng.randint(low, high))
                restored_arn = created_resource_arn(rng, region, account, resource_type)
            elif count.state == "FAILED":
                completion = created + timedelta(minutes=rng.randint(1, 30))
                if spike_left > 0:
                    status_message = spike_message
                    spike_left -= 1
                else:
                    kind = rng.choice(_FAILURE_KINDS[resource_type])
                    status_message = failure_message(kind, rng, region, account, resource_type)
            elif count.state == "ABORTED":
                completion = created + timedelta(minutes=rng.randint(5, 90))
                status_message = "Restore aborted by user"
            # RUNNING and PENDING jobs have neither completion nor message yet.
            if completion is not None and completion > cutoff:
                # Never finish in the future; clamping (rather than changing the
                # status) keeps the jobs consistent with the counts.
                completion = max(created, cutoff)
            status = count.state
            jobs.append(
                RestoreJob(
                    region=region,
                    account_id=account,
                    job_id=new_uuid(rng).upper(),
                    status=status,
                    resource_type=resource_type,
                    created=created,
                    status_message=status_message,
                    recovery_point_arn=recovery_point_arn(rng, region, account, resource_type),
                    created_resource_arn=restored_arn,
                    source_resource_arn=source_arn(rng, region, account, resource_type),
                    completion=completion,
                )
            )
    return jobs + testing


def sample_emulator(now: datetime | None = None, *, page_size: int = 50) -> BackupEmulator:
    """A (not yet started) emulator loaded with the sample data, seen from the organisation's admin account, which
    lists the sample organisation (account names and OUs).

    With ``now`` given the emulator's clock is frozen there; otherwise it follows
    the wall clock (the data is generated for the current UTC day).
    """
    moment = as_utc(now) if now is not None else datetime.now(UTC)
    today = moment.date()
    counts = sample_counts(today, now=moment)
    jobs = with_ledger_db(sample_jobs(today, counts, now=moment), moment)
    emulator = BackupEmulator(
        counts,
        jobs,
        resources=sample_protected_resources(jobs, moment),
        plans=sample_testing_plans(moment),
        selections=sample_testing_selections(moment),
        caller_account=SAMPLE_CALLER_ACCOUNT,
        org_admin=True,
        page_size=page_size,
        now=(lambda: moment) if now is not None else None,
    )
    emulator.organization = SAMPLE_ORGANIZATION  # the accounts' names and OUs (bot.sample.estate)
    return emulator
