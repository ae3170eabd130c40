"""The query planner changes how the bot asks, never what it answers: for every view, on multi-page data, the planned
chains give exactly the sums of the brute-force cross product (account × type × state × day) read from the same API."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import boto3
import pytest

from bot.aws.client import BackupService
from bot.digest.data import DigestRows, build_digest
from bot.digest.query import query_digest
from bot.domain.query import Period, RestoreFilter, State
from bot.domain.results import SummaryRow
from tests.fakes.aws import multi_page_counts

pytestmark = pytest.mark.dates

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
ACCOUNTS = ("111122223333", "444455556666", "777788889999", "123456789012")
TYPES = ("EBS", "RDS", "EFS", "Storage Gateway")


@pytest.fixture
def backup(fakes, today: date) -> BackupService:  # type: ignore[no-untyped-def]
    emulator, _ = fakes
    emulator.load(counts=multi_page_counts(REGIONS, ACCOUNTS, TYPES, 14, today))
    emulator.page_size = 3  # every chain, planned or brute force, is many pages long
    return BackupService(lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"),
                         endpoint_url=emulator.url, deadline_seconds=30)


def brute_force(backup: BackupService, flt: RestoreFilter) -> list[SummaryRow]:
    """Every (account, type, state, day) row the filter covers, as the pre-planner bot asked for them."""
    params = {"State": flt.state.value if flt.state != State.AGGREGATE_ALL else "ANY", "ResourceType": "ANY",
              "AggregationPeriod": flt.period.value, "MaxResults": 500}
    if flt.account:
        params["AccountId"] = "ANY" if flt.account == "AGGREGATE_ALL" else flt.account
    rows = backup.summary_chains(flt.regions, {"all": params}).rows["all"]
    if flt.resource_type not in ("ANY", "AGGREGATE_ALL"):
        rows = [r for r in rows if r.resource_type == flt.resource_type]
    if flt.visible_accounts is not None:
        rows = [r for r in rows if r.account_id in flt.visible_accounts]
    return rows


def sums(rows: list[SummaryRow] | tuple[SummaryRow, ...], *key: str, state_summed: bool = False) -> Counter[tuple[str, ...]]:
    total: Counter[tuple[str, ...]] = Counter()
    for row in rows:
        parts = tuple("AGGREGATE_ALL" if (k == "state" and state_summed) else str(getattr(row, k)) for k in key)
        total[parts] += row.count
    return total


FILTERS = [
    RestoreFilter(state=State.FAILED, period=Period.SEVEN_DAYS, account="ANY", regions=REGIONS),
    RestoreFilter(state=State.ANY, period=Period.ONE_DAY, account="ANY", regions=REGIONS),
    RestoreFilter(state=State.ANY, period=Period.FOURTEEN_DAYS, account="AGGREGATE_ALL", regions=REGIONS),
    RestoreFilter(state=State.AGGREGATE_ALL, period=Period.SEVEN_DAYS, account="ANY", regions=REGIONS),
    RestoreFilter(state=State.ABORTED, period=Period.ONE_DAY, regions=REGIONS),  # the bot's own account
    RestoreFilter(state=State.ANY, period=Period.SEVEN_DAYS, account="444455556666", resource_type="RDS", regions=REGIONS),
    RestoreFilter(state=State.FAILED, period=Period.FOURTEEN_DAYS, account="ANY", resource_type="Storage Gateway",
                  regions=REGIONS),
    RestoreFilter(state=State.ANY, period=Period.SEVEN_DAYS, account="ANY", resource_type="AGGREGATE_ALL", regions=REGIONS),
    # A channel scoped to two accounts: nothing may be summed over the others by AWS.
    RestoreFilter(state=State.ANY, period=Period.ONE_DAY, account="ANY", regions=REGIONS,
                  visible_accounts=frozenset({"111122223333", "777788889999"})),
]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: f.to_text() + (" scoped" if f.visible_accounts else ""))
def test_every_view_equals_the_brute_force_sums(backup: BackupService, flt: RestoreFilter) -> None:
    planned = backup.restore_job_summaries(flt)
    truth = brute_force(backup, flt)
    assert planned.failures == () and planned.truncated == ()
    summed_states = flt.state == State.AGGREGATE_ALL
    assert sum(r.count for r in planned.rows) == sum(r.count for r in truth) > 0
    assert sums(planned.rows, "state", "start", state_summed=summed_states) == sums(truth, "state", "start",
                                                                                   state_summed=summed_states)
    if flt.resource_type != "AGGREGATE_ALL":
        assert sums(planned.by_type_rows, "resource_type", "state", state_summed=summed_states) == sums(
            truth, "resource_type", "state", state_summed=summed_states)
    if flt.account in ("ANY", None) or flt.account.isdigit():
        assert sums(planned.by_account_rows, "account_id", "region", "state", state_summed=summed_states) == sums(
            truth, "account_id", "region", "state", state_summed=summed_states)


def test_chains_grow_with_accounts_plus_types_not_their_product(backup: BackupService, fakes) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = fakes
    flt = FILTERS[0]
    emulator.reset()
    backup.restore_job_summaries(flt)
    planned_calls = len(emulator.calls("/audit/"))
    emulator.reset()
    brute_force(backup, flt)
    brute_calls = len(emulator.calls("/audit/"))
    # Per region: types (4) + accounts (4) rows against accounts × types (16) rows, 3 rows a page.
    assert planned_calls < brute_calls
    assert planned_calls == len(REGIONS) * (2 + 2)  # ceil(4/3) pages for each of the two chains


@pytest.mark.parametrize("scope", [None, frozenset({"444455556666"}), frozenset({"111122223333", "123456789012"})])
@pytest.mark.parametrize("account", [None, "ANY", "AGGREGATE_ALL"])
def test_the_digest_equals_the_brute_force_sums(backup: BackupService, day: date, account: str | None,
                                                scope: frozenset[str] | None) -> None:
    if scope is not None and account is None:
        account = "ANY"  # what the runner asks for a scoped channel when RESTORES_DIGEST_ACCOUNT is unset
    planned = build_digest(query_digest(backup, REGIONS, account, per_account=scope is not None), day=day,
                           account=account, visible_accounts=scope)
    flt = RestoreFilter(state=State.ANY, period=Period.ONE_DAY, account=account, regions=REGIONS, visible_accounts=scope)
    truth_rows = tuple(brute_force(backup, replace(flt, account="ANY" if account == "AGGREGATE_ALL" else account)))
    truth = build_digest(DigestRows(regions=REGIONS, totals=truth_rows, by_type=truth_rows, by_account=truth_rows,
                                    per_account=True), day=day, account=account, visible_accounts=scope)
    assert (planned.failed, planned.aborted, planned.completed) == (truth.failed, truth.aborted, truth.completed)
    assert planned.bad > 0
    assert planned.trend == truth.trend
    assert sums(planned.rows, "region", "state") == sums(truth.rows, "region", "state")
    assert sums(planned.by_type_rows, "resource_type", "state") == sums(truth.by_type_rows, "resource_type", "state")
    if account == "ANY":
        assert sums(planned.by_account_rows, "account_id", "state") == sums(truth.by_account_rows, "account_id", "state")


def test_a_daily_answer_reads_its_account_view_as_one_fourteen_day_aggregate(backup: BackupService, fakes) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = fakes
    emulator.reset()
    result = backup.restore_job_summaries(FILTERS[1])  # ANY states, ONE_DAY, account:ANY
    assert result.period is Period.ONE_DAY
    by_account = [c for c in emulator.calls("/audit/") if c.params.get("AccountId") == "ANY"]
    assert by_account and {c.params["AggregationPeriod"] for c in by_account} == {"FOURTEEN_DAYS"}
    assert {r.end - r.start for r in result.rows} == {timedelta(days=1)}  # the totals stay day by day
