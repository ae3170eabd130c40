"""The digest's one AWS query: the planner's chains asked once with the digest's deadline and page cap, their rows put
in the right views, and the regions that failed or were cut short carried along to the digest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest.mock import Mock

from bot.aws.client import BackupService, ChainsAnswer
from bot.aws.plan import digest_chains
from bot.digest.data import DigestRows
from bot.digest.query import DIGEST_MAX_PAGES, collect_digest, query_digest
from bot.domain.query import ANY, Period
from bot.domain.results import FailureKind, RegionFailure, SummaryRow

DAY = date(2027, 1, 9)
REGIONS = ("us-east-1", "eu-west-1", "ap-south-1")
DOWN = RegionFailure("ap-south-1", FailureKind.ACCESS_DENIED, "access denied")


def row(state: str, count: int, *, region: str = "us-east-1", account: str = "", resource_type: str = "ANY",
        day: date = DAY) -> SummaryRow:
    start = datetime.combine(day, datetime.min.time(), UTC)
    return SummaryRow(region, account, state, resource_type, count, start, start + timedelta(days=1))


def backup_answering(rows: dict[str, list[SummaryRow]], *, failures: tuple[RegionFailure, ...] = (),
                     truncated: tuple[str, ...] = ()) -> Mock:
    backup = Mock(BackupService)
    backup.summary_chains.side_effect = lambda regions, chains, **_: ChainsAnswer(
        rows={name: rows.get(name, []) for name in chains}, period=Period.ONE_DAY, failures=failures,
        truncated=truncated, calls=len(chains) * len(regions), elapsed=0.1)
    return backup


def test_the_organisation_digest_asks_every_chain_once_with_its_deadline_and_page_cap() -> None:
    backup = backup_answering({
        "totals": [row("FAILED", 3), row("COMPLETED", 40)],
        "type:FAILED": [row("FAILED", 2, resource_type="EBS"), row("FAILED", 1, resource_type="RDS")],
        "type:ABORTED": [row("ABORTED", 4, resource_type="EFS")],
        "account:FAILED": [row("FAILED", 3, account="111122223333")],
        "account:ABORTED": [row("ABORTED", 4, account="444455556666")],
    }, failures=(DOWN,), truncated=("eu-west-1",))
    rows = query_digest(backup, REGIONS, ANY, deadline_seconds=120)
    backup.summary_chains.assert_called_once_with(REGIONS, digest_chains(ANY, per_account=False), deadline_seconds=120,
                                                  max_pages=DIGEST_MAX_PAGES)
    assert rows == DigestRows(
        regions=REGIONS,
        totals=(row("FAILED", 3), row("COMPLETED", 40)),
        # Each bad state's chain in turn, in BAD_STATES order (ABORTED, FAILED).
        by_type=(row("ABORTED", 4, resource_type="EFS"), row("FAILED", 2, resource_type="EBS"),
                 row("FAILED", 1, resource_type="RDS")),
        by_account=(row("ABORTED", 4, account="444455556666"), row("FAILED", 3, account="111122223333")),
        failures=(DOWN,), truncated=("eu-west-1",), per_account=False,
    )


def test_one_account_has_no_per_account_view_and_the_default_deadline_is_the_service_own() -> None:
    backup = backup_answering({"totals": [row("FAILED", 1)], "type:FAILED": [row("FAILED", 1, resource_type="EBS")]})
    rows = query_digest(backup, REGIONS)
    assert set(backup.summary_chains.call_args.args[1]) == {"totals", "type:FAILED", "type:ABORTED"}
    assert backup.summary_chains.call_args.kwargs["deadline_seconds"] is None
    assert rows.by_account is None and rows.by_type == (row("FAILED", 1, resource_type="EBS"),)
    assert rows.failures == () and rows.truncated == ()


def test_a_scoped_digest_keeps_account_ids_in_every_chain() -> None:
    backup = backup_answering({"totals": [row("FAILED", 5, account="111122223333")]})
    rows = query_digest(backup, REGIONS, None, per_account=True)
    chains = backup.summary_chains.call_args.args[1]
    assert chains == digest_chains(ANY, per_account=True) and all(c["AccountId"] == ANY for c in chains.values())
    assert rows.per_account and rows.by_account is None and rows.totals[0].account_id == "111122223333"


def test_collect_digest_builds_the_day_from_the_rows_and_carries_the_failures() -> None:
    backup = backup_answering({
        "totals": [row("FAILED", 3), row("ABORTED", 1, region="eu-west-1"), row("COMPLETED", 40),
                   row("FAILED", 9, day=DAY - timedelta(days=1))],
    }, failures=(DOWN,))
    data = collect_digest(backup, REGIONS, day=DAY, account="111122223333")
    assert (data.failed, data.aborted, data.completed, data.account) == (3, 1, 40, "111122223333")
    assert data.trend[-2:] == ((DAY - timedelta(days=1), 9), (DAY, 4))
    assert data.failures == (DOWN,) and data.incomplete and not data.all_clear
