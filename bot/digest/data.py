"""What one digest says: totals, breakdowns and the 14-day trend for a UTC day, computed from summary rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.coverage import OnlyAccount
from bot.domain.query import BAD_VALUES, State
from bot.domain.results import Breakdowns, RegionFailure, SummaryRow
from bot.domain.words import day_text

TREND_DAYS = 14
AVERAGE_DAYS = 7


@dataclass(frozen=True)
class DigestRows:
    """The summary rows one digest query read (ONE_DAY, 14 days), per view, over the regions that answered every
    chain. `per_account`: every view's rows carry real account ids (needed to cut out a channel's accounts)."""

    regions: tuple[str, ...]
    totals: tuple[SummaryRow, ...]  # every state per day; types summed (accounts too, unless per_account)
    by_type: tuple[SummaryRow, ...]  # FAILED and ABORTED per type per day
    by_account: tuple[SummaryRow, ...] | None  # FAILED and ABORTED per account per day; None: totals serve
    failures: tuple[RegionFailure, ...] = ()
    truncated: tuple[str, ...] = ()  # regions where a chain hit the page cap
    per_account: bool = False
    aws_time: datetime | None = None  # AWS's clock when it answered (its Date header); None: not heard
    only_account: OnlyAccount | None = None  # AWS showed the bot's account alone to an organisation-wide query


@dataclass(frozen=True)
class DigestData(Breakdowns):
    """Everything one digest says, computed once per run from ONE_DAY summaries."""

    day: date  # the most recent complete UTC day
    regions: tuple[str, ...]
    failures: tuple[RegionFailure, ...]
    rows: tuple[SummaryRow, ...]  # FAILED/ABORTED rows of `day`, per region (the totals)
    completed: int  # COMPLETED restores on `day`
    trend: tuple[tuple[date, int], ...]  # failed+aborted per day, oldest first, ending with `day`
    truncated: tuple[str, ...] = ()
    account: str | None = None
    visible_accounts: frozenset[str] | None = None  # the channel's scope, when it has one
    own_account: str | None = None  # the bot's own account id, when AWS said it: the scope names it
    account_rows: tuple[SummaryRow, ...] | None = None  # FAILED/ABORTED rows of `day` per account; None: rows
    type_rows: tuple[SummaryRow, ...] | None = None  # FAILED/ABORTED rows of `day` per type; None: rows
    # (day, failed, aborted, completed) per day, oldest first, ending with `day`: what the trend chart draws.
    daily: tuple[tuple[date, int, int, int], ...] = ()
    # AWS answered no row at all for `day` (no ONE_DAY bucket): not summarised yet, never read as zero.
    unsummarised: bool = False
    only_account: OnlyAccount | None = None  # AWS showed only the bot's account to its organisation-wide query

    @property
    def incomplete(self) -> bool:
        """Some region did not answer or was cut short, AWS has no summary of the day yet, or AWS showed one account
        of an organisation: every number is a lower bound, nothing is "all clear"."""
        return bool(self.failures or self.truncated or self.limits)

    @property
    def retriable(self) -> bool:
        """Incomplete for a reason a later run may not have (a region down, a day not summarised yet); AWS showing the
        bot one account stays so."""
        return bool(self.failures or self.truncated or self.unsummarised)

    @property
    def limits(self) -> tuple[str, ...]:
        """What else keeps the numbers from being complete, in words the digest shows beside the regions that did not
        answer (render.py): the day not summarised yet, accounts AWS did not show."""
        notes = []
        if self.unsummarised:
            notes.append(f"AWS has not summarised {day_text(self.day)} yet (no ONE_DAY bucket; retried later)")
        if self.only_account is not None:
            notes.append(only_account_note(self.only_account))
        return tuple(notes)

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
        return self.bad == 0 and not self.incomplete

    @property
    def seven_day_average(self) -> float | None:
        """Average failed+aborted per day over the 7 days before `day`, or None without that history."""
        before = [n for d, n in self.trend if self.day - timedelta(days=AVERAGE_DAYS) <= d < self.day]
        return sum(before) / AVERAGE_DAYS if before else None


def only_account_note(only: OnlyAccount) -> str:
    """The words for an organisation-wide answer AWS gave for one account only (the bot runs in a member account,
    neither the management account nor a delegated administrator): for every renderer to say the same."""
    return only.note


def digest_day(now: datetime) -> date:
    """The latest full ONE_DAY bucket: buckets are UTC days, so yesterday in UTC."""
    return now.astimezone(UTC).date() - timedelta(days=1)


def build_digest(
    result: DigestRows, *, day: date, account: str | None = None, visible_accounts: frozenset[str] | None = None
) -> DigestData:
    """Totals, breakdowns and trend for `day`, from the rows a channel may see."""
    if visible_accounts is not None and not result.per_account:
        raise ValueError("a scoped digest needs rows per account")

    def visible(rows: tuple[SummaryRow, ...]) -> tuple[SummaryRow, ...] | list[SummaryRow]:
        return rows if visible_accounts is None else [r for r in rows if r.account_id in visible_accounts]

    # Tested per row of an organisation's digest (hundreds of thousands): plain set and datetime comparisons.
    day_start = datetime.combine(day, time.min, UTC)
    day_end = day_start + timedelta(days=1)

    def bad_of_day(rows: tuple[SummaryRow, ...]) -> tuple[SummaryRow, ...]:
        return tuple(r for r in visible(rows) if r.state in BAD_VALUES and day_start <= r.start < day_end)

    per_state: dict[tuple[date, str], int] = defaultdict(int)
    for row in visible(result.totals):
        if row.state in _COUNTED:
            per_state[(_day(row), row.state)] += row.count
    days = tuple(day - timedelta(days=i) for i in reversed(range(TREND_DAYS)))
    trend = tuple((d, sum(per_state[(d, state)] for state in BAD_VALUES)) for d in days)
    daily = tuple((d, per_state[(d, State.FAILED)], per_state[(d, State.ABORTED)], per_state[(d, State.COMPLETED)])
                  for d in days)
    return DigestData(
        day=day,
        # Any row of the day, any state, account or scope, means AWS has summarised it; none means not yet.
        unsummarised=bool(result.regions) and not any(day_start <= r.start < day_end for r in result.totals),
        only_account=_beyond(result.only_account, visible_accounts),
        regions=result.regions,
        failures=result.failures,
        rows=bad_of_day(result.totals),
        completed=per_state[(day, State.COMPLETED)],
        trend=trend,
        daily=daily,
        truncated=result.truncated,
        account=account,
        visible_accounts=visible_accounts,
        account_rows=bad_of_day(result.by_account) if result.by_account is not None else None,
        type_rows=bad_of_day(result.by_type),
    )


_COUNTED = BAD_VALUES | {State.COMPLETED.value}  # what the digest counts per day: the bad states and, for context, completed


def _day(row: SummaryRow) -> date:
    return row.start.astimezone(UTC).date()


def _beyond(only: OnlyAccount | None, visible_accounts: frozenset[str] | None) -> OnlyAccount | None:
    """AWS showing the bot its own account alone matters to a channel that may see other accounts too."""
    if only is None or visible_accounts is None or visible_accounts - {only.account}:
        return only
    return None
