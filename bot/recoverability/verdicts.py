"""Whether a restore proves a resource can be restored, one resource's verdict in words, and the coverage of many
(pure). The words say what AWS reported; whether they may reassure is the renderer's call through reassure()."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from bot.domain.query import BAD_VALUES, IN_PROGRESS_VALUES
from bot.domain.recoverability import CoverageRead, ProtectedResource, ResourceReport, proves
from bot.domain.results import RestoreJobRow

VALIDATING = "VALIDATING"


class Standing(IntEnum):
    """How one resource stands, worst first when sorted descending."""

    PROVEN = 0  # its latest finished restore completed (and validated where tested)
    UNVALIDATED = 1  # completed, but its validation failed, timed out or is still running
    FAILED = 2  # its latest finished restore failed or was aborted
    NEVER = 3  # no restore at all


@dataclass(frozen=True)
class ResourceVerdict:
    standing: Standing
    latest: RestoreJobRow | None  # the latest finished restore, when one was read
    last_proof: RestoreJobRow | None  # the latest restore that proves it, when one was read
    running: RestoreJobRow | None  # a restore in progress now


def judge(report: ResourceReport) -> ResourceVerdict:
    """The resource's standing from its restore jobs (newest first); from AWS's own summary when no job was read."""
    running = next((j for j in report.jobs if j.status in IN_PROGRESS_VALUES), None)
    finished = [j for j in report.jobs if j.status not in IN_PROGRESS_VALUES]
    latest = finished[0] if finished else None
    proof = next((j for j in finished if proves(j)), None)
    if latest is None:
        return ResourceVerdict(Standing.NEVER, None, None, running)
    if latest.status in BAD_VALUES:
        standing = Standing.FAILED
    elif proves(latest):
        standing = Standing.PROVEN
    else:
        standing = Standing.UNVALIDATED
    return ResourceVerdict(standing, latest, proof, running)


def ago(moment: datetime, now: datetime) -> str:
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def minutes(job: RestoreJobRow) -> str:
    taken = job.minutes
    return f"{round(taken):,} min" if taken is not None else "an unknown time"


@dataclass(frozen=True)
class Tally:
    """Resources, and those with a restore that proves them in the window."""

    resources: int = 0
    proven: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.proven / self.resources if self.resources else 0.0


@dataclass(frozen=True)
class CoverageVerdict:
    total: Tally
    by_type: tuple[tuple[str, Tally], ...]  # most resources first
    by_account: tuple[tuple[str, Tally], ...]
    unproven: tuple[ProtectedResource, ...]  # critical first (when tags were read), then by type and name


def cover(read: CoverageRead) -> CoverageVerdict:
    """How many of the resources read had a restore that proves them in the window, by type and by account."""
    proven = read.proven
    by_type: Counter[str] = Counter()
    by_type_proven: Counter[str] = Counter()
    by_account: Counter[str] = Counter()
    by_account_proven: Counter[str] = Counter()
    for resource in read.resources:
        good = resource.arn in proven
        by_type[resource.resource_type] += 1
        by_type_proven[resource.resource_type] += good
        by_account[resource.account_id] += 1
        by_account_proven[resource.account_id] += good
    critical = read.critical or frozenset()
    unproven = sorted(
        (r for r in read.resources if r.arn not in proven),
        key=lambda r: (r.arn not in critical, r.resource_type, r.label.lower(), r.arn),
    )
    total = Tally(len(read.resources), sum(by_type_proven.values()))
    return CoverageVerdict(
        total=total,
        by_type=tuple((t, Tally(n, by_type_proven[t])) for t, n in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_account=tuple((a, Tally(n, by_account_proven[a])) for a, n in sorted(by_account.items())),
        unproven=tuple(unproven),
    )
