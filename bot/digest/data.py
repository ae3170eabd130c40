"""What one digest says: totals, breakdowns and the 14-day trend for a UTC day, computed from summary rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.query import State
from bot.results import RegionFailure, SummaryResult, SummaryRow

TREND_DAYS = 14
AVERAGE_DAYS = 7


@dataclass(frozen=True)
class DigestData:
    """Everything one digest says, computed once per run from ONE_DAY summaries."""

    day: date  # the most recent complete UTC day
    regions: tuple[str, ...]
    failures: tuple[RegionFailure, ...]
    rows: tuple[SummaryRow, ...]  # FAILED/ABORTED rows of `day`
    completed: int  # COMPLETED restores on `day`
    trend: tuple[tuple[date, int], ...]  # failed+aborted per day, oldest first, ending with `day`
    truncated: tuple[str, ...] = ()
    account: str | None = None
    visible_accounts: frozenset[str] | None = None  # the channel's scope, when it has one

    @property
    def failed(self) -> int:
        return sum(r.count for r in self.rows if r.state == State.FAILED)

    @property
    def aborted(self) -> int:
        return sum(r.count for r in self.rows if r.state == State.ABORTED)

    @property
    def bad(self) -> int:
        return self.failed + self.aborted

    @property
    def all_clear(self) -> bool:
        return self.bad == 0

    @property
    def seven_day_average(self) -> float | None:
        """Average failed+aborted per day over the 7 days before `day`, or None without that history."""
        before = [n for d, n in self.trend if self.day - timedelta(days=AVERAGE_DAYS) <= d < self.day]
        return sum(before) / AVERAGE_DAYS if before else None


def digest_day(now: datetime) -> date:
    """The latest full ONE_DAY bucket: buckets are UTC days, so yesterday in UTC."""
    return now.astimezone(UTC).date() - timedelta(days=1)


def build_digest(
    result: SummaryResult, *, day: date, account: str | None = None, visible_accounts: frozenset[str] | None = None
) -> DigestData:
    """Totals, breakdowns and trend for `day`, from the rows a channel may see."""
    per_day: dict[date, int] = defaultdict(int)
    day_rows: list[SummaryRow] = []
    completed = 0
    for row in result.rows:
        if visible_accounts is not None and row.account_id not in visible_accounts:
            continue
        row_day = row.start.astimezone(UTC).date()
        if State.is_bad_value(row.state):
            per_day[row_day] += row.count
            if row_day == day:
                day_rows.append(row)
        elif row.state == State.COMPLETED and row_day == day:
            completed += row.count
    trend = tuple((day - timedelta(days=i), per_day.get(day - timedelta(days=i), 0)) for i in reversed(range(TREND_DAYS)))
    return DigestData(
        day=day,
        regions=result.filter.regions,
        failures=result.failures,
        rows=tuple(day_rows),
        completed=completed,
        trend=trend,
        truncated=result.truncated,
        account=account,
        visible_accounts=visible_accounts,
    )
