"""The digest's trend: per-day counts from the rows a channel may see, the chart in place of the sparkline when one was
uploaded, and no chart of partial numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.charts.render import ChartFile
from bot.digest.data import DigestRows, build_digest
from bot.digest.render import digest_series, render_digest
from bot.domain.results import FailureKind, RegionFailure, SummaryRow
from bot.slack.blocks import SPARK

pytestmark = pytest.mark.dates


def row(day: date, state: str, n: int, account: str = "111122223333", region: str = "us-east-1") -> SummaryRow:
    start = datetime.combine(day, datetime.min.time(), UTC)
    return SummaryRow(region, account, state, "EBS", n, start, start + timedelta(days=1))


def rows_for(day: date) -> DigestRows:
    totals = [row(day - timedelta(days=i), state, n) for i in range(14)
              for state, n in (("FAILED", i + 1), ("ABORTED", i % 3), ("COMPLETED", 100 + i), ("RUNNING", 7))]
    totals.append(row(day, "FAILED", 50, account="444455556666", region="eu-west-1"))
    return DigestRows(regions=("us-east-1", "eu-west-1"), totals=tuple(totals), by_type=(), by_account=None,
                      per_account=True)


def test_the_daily_counts_are_those_of_the_visible_accounts(day: date) -> None:
    everyone = build_digest(rows_for(day), day=day)
    assert everyone.daily[-1] == (day, 1 + 50, 0, 100) and everyone.daily[0] == (day - timedelta(days=13), 14, 13 % 3, 113)
    assert [n for _, n in everyone.trend] == [f + a for _, f, a, _ in everyone.daily]
    scoped = build_digest(rows_for(day), day=day, visible_accounts=frozenset({"111122223333"}))
    assert scoped.daily[-1] == (day, 1, 0, 100) and scoped.completed == 100


def test_with_an_uploaded_chart_the_image_replaces_the_sparkline(day: date) -> None:
    data = build_digest(rows_for(day), day=day)
    series = digest_series(data)
    assert series is not None and series.highlight == day and series.failed[-1] == 51
    chart = ChartFile("F0123456789", series.alt_text(), "Restore jobs per UTC day")
    blocks = render_digest(data, chart=chart).block_dicts()
    (image,) = [b for b in blocks if b["type"] == "image"]
    assert image["slack_file"] == {"id": "F0123456789"} and image["alt_text"] == series.alt_text()
    trend = blocks[blocks.index(image) - 1]["text"]["text"]
    assert trend.startswith("*14-day trend*") and not any(c in trend for c in SPARK)
    plain = render_digest(data).block_dicts()
    assert not [b for b in plain if b["type"] == "image"]
    assert any(c in b.get("text", {}).get("text", "") for b in plain for c in SPARK)


def test_no_chart_is_drawn_from_partial_numbers(day: date) -> None:
    failure = RegionFailure("eu-west-1", FailureKind.UNAVAILABLE, "eu-west-1 did not answer")
    partial = DigestRows(regions=("us-east-1", "eu-west-1"), totals=rows_for(day).totals, by_type=(), by_account=None,
                         failures=(failure,))
    assert digest_series(build_digest(partial, day=day)) is None
