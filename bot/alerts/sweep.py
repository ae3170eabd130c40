"""The event path's safety sweep over the whole organisation, at a cost that does not grow with it.

Listing every account's jobs (ListRestoreJobs takes one account a call) costs regions x accounts x 2 calls a sweep.
Instead one ListRestoreJobSummaries chain per region and state with AccountId=ANY names the (region, account) pairs
that had failed or aborted jobs in AWS's daily buckets, and only those pairs are listed, over the last LOOKBACK:
a quiet organisation costs regions x 2 calls whatever its size. AWS summarises a day once it is over, so a lost
event is caught here by the next day's sweeps; the bot's own account, RESTORES_ALERT_ACCOUNTS and the channels'
scopes are still polled from their checkpoints by every sweep (bot.alerts.poll).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.aws.client import BackupService
from bot.domain.query import ANY

# How far back a sweep lists a pair its summaries name: the daily bucket of yesterday, read today, reaches back two
# days at most. The outbox (kept 7 days) makes reading a job again harmless.
LOOKBACK = timedelta(hours=48)
# The checkpoint row that remembers when the event path began (alerts begin when they are switched on).
EVENTS_SINCE = ("*events*", "")


@dataclass(frozen=True)
class HotPairs:
    """The pairs to list and their windows; the regions whose summaries did not answer (named, retried next sweep)."""

    windows: dict[tuple[str, str], tuple[datetime, datetime]]
    failures: tuple[str, ...]
    calls: int


def hot_pairs(
    backup: BackupService,
    regions: Sequence[str],
    statuses: Sequence[str],
    *,
    since: datetime,
    now: datetime,
    active: frozenset[str] | None,
    deadline_seconds: float,
) -> HotPairs:
    """The (region, account) pairs AWS counts failed or aborted jobs for since `since` (at most LOOKBACK ago), each
    with the window to list; an account the readable directory does not list as active is left out."""
    after = max(since, now - LOOKBACK)
    chains = {status: {"AccountId": ANY, "State": status, "AggregationPeriod": "ONE_DAY"} for status in statuses}
    answer = backup.summary_chains(tuple(regions), chains, deadline_seconds=deadline_seconds)
    pairs = {
        (row.region, row.account_id)
        for rows in answer.rows.values()
        for row in rows
        if row.count > 0 and row.end > after and (active is None or row.account_id in active)
    }
    return HotPairs(
        windows=dict.fromkeys(sorted(pairs), (after, now)),
        # A region not read in full may hide a pair: named (the poll is then not ok), read again next sweep.
        failures=tuple(f"{f.region} ({f.kind.value})" for f in answer.failures)
        + tuple(f"{region} (too many pages)" for region in answer.truncated),
        calls=answer.calls,
    )
