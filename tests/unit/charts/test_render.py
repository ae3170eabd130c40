"""The trend chart: a real PNG of the stated size, not blank, the same numbers in its alt text. That matplotlib is
loaded only when a chart is drawn is checked in a fresh interpreter: tests/integration/charts."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.charts.render import DPI, SIZE_INCHES, DailySeries, render_png, series_from_rows
from bot.domain.results import SummaryRow

pytestmark = pytest.mark.dates


def series(now: datetime) -> DailySeries:
    last = now.date() - timedelta(days=1)
    rows = [SummaryRow("us-east-1", "111122223333", state, "EBS", n, start, start + timedelta(days=1))
            for i in range(14)
            for state, n in (("FAILED", i % 4), ("ABORTED", i % 2), ("COMPLETED", 40 + i))
            for start in [datetime.combine(last - timedelta(days=i), datetime.min.time(), UTC)]]
    rows.append(SummaryRow("eu-west-1", "444455556666", "FAILED", "RDS", 5, *[
        datetime.combine(last, datetime.min.time(), UTC) + timedelta(days=d) for d in (0, 1)]))
    return series_from_rows(rows, last, highlight=last)


def test_rows_are_summed_per_day_and_state(now: datetime) -> None:
    s = series(now)
    last = now.date() - timedelta(days=1)
    assert s.days[-1] == last and len(s.days) == 14 and s.days[0] == last - timedelta(days=13)
    assert s.failed[-1] == 0 % 4 + 5 and s.aborted[-1] == 0 and s.completed[-1] == 40
    assert s.failed[0] == 13 % 4 and s.aborted[0] == 13 % 2 and s.completed[0] == 53


def test_the_png_is_real_sized_and_not_blank(now: datetime) -> None:
    png = render_png(series(now))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (int(SIZE_INCHES[0] * DPI), int(SIZE_INCHES[1] * DPI))
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # bars, lines, text, anti-aliasing
    red = sum(n for n, (r, g, b) in colours if r > 150 and g < 80 and b < 80)
    assert red > 500  # the failed bars are drawn


def test_alt_text_says_the_numbers(now: datetime) -> None:
    s = series(now)
    text = s.alt_text()
    last = s.days[-1]
    assert f"{last:%d %b} (highlighted): 5 failed, 0 aborted, 40 completed." in text
    assert f"{s.days[0]:%d %b} {s.bad[0]}," in text
    before = s.bad[-8:-1]
    assert f"7-day average before it: {sum(before) / 7:.1f} failed or aborted a day." in text
    assert len(text) <= 2000
