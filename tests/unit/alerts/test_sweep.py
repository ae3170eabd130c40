"""The event path's safety sweep (bot.alerts.sweep.hot_pairs), over a Mock(BackupService): one organisation-wide
summary chain per region and state, and only the (region, account) pairs they count failures for listed, each over
the same window; regions that did not answer in full named."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from unittest.mock import Mock

from bot.alerts.sweep import EVENTS_SINCE, LOOKBACK, HotPairs, hot_pairs
from bot.aws.client import BackupService, ChainsAnswer
from bot.domain.ids import REGION_RE
from bot.domain.query import ANY
from bot.domain.results import FailureKind, RegionFailure, SummaryRow

NOW = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)  # just after a New Year's midnight: yesterday's bucket is last year's
LONG_AGO = NOW - timedelta(days=30)
A, B, C = "111122223333", "444455556666", "777788889999"
STATUSES = ("FAILED", "ABORTED")


def row(region: str, account: str, *, count: int = 1, end: datetime = NOW - timedelta(hours=1),
        state: str = "FAILED") -> SummaryRow:
    return SummaryRow(region=region, account_id=account, state=state, resource_type="EBS", count=count,
                      start=end - timedelta(days=1), end=end)


def backup_answering(rows: dict[str, list[SummaryRow]], *, failures: Sequence[RegionFailure] = (),
                     truncated: Sequence[str] = (), calls: int = 4) -> Mock:
    backup = Mock(BackupService)
    backup.summary_chains.return_value = ChainsAnswer(rows=rows, period=None, failures=tuple(failures),
                                                      truncated=tuple(truncated), calls=calls, elapsed=0.1)
    return backup


def sweep(backup: Mock, *, since: datetime = LONG_AGO, active: frozenset[str] | None = None,
          regions: Sequence[str] = ("us-east-1", "eu-west-1")) -> HotPairs:
    return hot_pairs(backup, regions, STATUSES, since=since, now=NOW, active=active, deadline_seconds=42.0)


def test_one_organisation_wide_daily_chain_per_state_in_every_region() -> None:
    backup = backup_answering({"FAILED": [], "ABORTED": []})
    hot = sweep(backup, regions=["us-east-1", "eu-west-1"])
    backup.summary_chains.assert_called_once_with(
        ("us-east-1", "eu-west-1"),  # a tuple whatever sequence was given: the cache keys on it
        {
            "FAILED": {"AccountId": ANY, "State": "FAILED", "AggregationPeriod": "ONE_DAY"},
            "ABORTED": {"AccountId": ANY, "State": "ABORTED", "AggregationPeriod": "ONE_DAY"},
        },
        deadline_seconds=42.0,
    )
    assert hot == HotPairs(windows={}, failures=(), calls=4)  # a quiet organisation: nothing to list


def test_only_the_pairs_with_failures_are_listed_each_once_in_order_over_one_window() -> None:
    backup = backup_answering({
        "FAILED": [row("us-east-1", B), row("eu-west-1", A), row("us-east-1", A, count=3),
                   row("us-east-1", B, end=NOW - timedelta(hours=20))],  # B again, another bucket
        "ABORTED": [row("us-east-1", B, state="ABORTED"), row("eu-west-1", C, count=0, state="ABORTED")],
    }, calls=7)
    hot = sweep(backup)
    window = (NOW - LOOKBACK, NOW)
    assert list(hot.windows.items()) == [
        (("eu-west-1", A), window), (("us-east-1", A), window), (("us-east-1", B), window),
    ]
    assert ("eu-west-1", C) not in hot.windows  # a bucket that counts no job names nothing
    assert hot.calls == 7 and hot.failures == ()


def test_the_window_reaches_back_to_the_event_path_start_or_lookback_whichever_is_later() -> None:
    rows = {"FAILED": [row("us-east-1", A, end=NOW - timedelta(hours=2))], "ABORTED": []}
    recent = NOW - timedelta(hours=3)
    assert sweep(backup_answering(rows), since=recent).windows == {("us-east-1", A): (recent, NOW)}
    assert sweep(backup_answering(rows), since=LONG_AGO).windows == {("us-east-1", A): (NOW - LOOKBACK, NOW)}
    # Read just after midnight, the buckets of yesterday and the day before reach into the window; earlier ones not.
    days = {"FAILED": [row("us-east-1", A, end=datetime(2027, 1, 1, tzinfo=UTC)),
                       row("us-east-1", B, end=datetime(2026, 12, 31, tzinfo=UTC)),
                       row("us-east-1", C, end=datetime(2026, 12, 30, tzinfo=UTC))], "ABORTED": []}
    assert list(sweep(backup_answering(days)).windows) == [("us-east-1", A), ("us-east-1", B)]


def test_a_bucket_that_ended_before_the_window_is_not_hot() -> None:
    """A bucket ending at or before the window's start holds jobs already past (or before alerts were on)."""
    since = NOW - timedelta(hours=10)
    rows = {"FAILED": [row("us-east-1", A, end=since), row("us-east-1", B, end=since - timedelta(hours=5)),
                       row("us-east-1", C, end=since + timedelta(seconds=1))], "ABORTED": []}
    assert list(sweep(backup_answering(rows), since=since).windows) == [("us-east-1", C)]
    lookback_edge = {"FAILED": [row("eu-west-1", A, end=NOW - LOOKBACK)], "ABORTED": []}
    assert sweep(backup_answering(lookback_edge)).windows == {}


def test_accounts_the_directory_does_not_list_as_active_are_left_out() -> None:
    rows = {"FAILED": [row("us-east-1", A), row("us-east-1", B), row("eu-west-1", C)], "ABORTED": []}
    assert list(sweep(backup_answering(rows), active=frozenset({A, C})).windows) == [("eu-west-1", C), ("us-east-1", A)]
    assert sweep(backup_answering(rows), active=frozenset()).windows == {}  # an empty directory leaves none
    assert len(sweep(backup_answering(rows), active=None).windows) == 3  # no readable directory: every account


def test_regions_not_read_in_full_are_named_failed_first_then_truncated() -> None:
    failures = [RegionFailure("eu-west-1", FailureKind.THROTTLED, "Throttled"),
                RegionFailure("ap-south-1", FailureKind.ACCESS_DENIED, "Denied")]
    backup = backup_answering({"FAILED": [row("us-east-1", A)], "ABORTED": []}, failures=failures,
                              truncated=["us-east-1"], calls=9)
    hot = sweep(backup, regions=("us-east-1", "eu-west-1", "ap-south-1"))
    assert hot.failures == ("eu-west-1 (throttled)", "ap-south-1 (access denied)", "us-east-1 (too many pages)")
    # A truncated region's rows still count: its pairs are listed, and the region named to be read again.
    assert list(hot.windows) == [("us-east-1", A)] and hot.calls == 9


def test_the_event_path_checkpoint_cannot_be_a_polled_pair() -> None:
    """It shares the checkpoints table with the (region, account) pairs (account "" is the bot's own): its region is
    not one any region code can be."""
    region, account = EVENTS_SINCE
    assert not REGION_RE.match(region) and not REGION_RE.match(region.lower())
    assert (region, account) == ("*events*", "")
