"""The 14-day trend as a PNG (matplotlib, Agg) with alt text that says the same numbers in words (pure)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.domain.query import State
from bot.domain.results import SummaryRow

DAYS = 14
AVERAGE_DAYS = 7
MAX_ALT_TEXT = 2000  # Slack's limit for an image block's alt_text
# 6 x 3 inches at 150 dpi: 900 x 450 px, readable at phone width (Slack scales images to the message's width).
SIZE_INCHES = (6.0, 3.0)
DPI = 150
# An opaque white card with dark ink reads the same in Slack's light and dark themes (a transparent chart would
# put dark text on a dark background); red and orange keep their meaning for red-green colour blindness too.
BACKGROUND = "#ffffff"
INK = "#1d1c1d"
GRID = "#dddddd"
FAILED = "#c62828"
ABORTED = "#f29900"
COMPLETED = "#6b6b6b"
HIGHLIGHT = "#fff3c4"
MAX_TITLE = 70  # characters that fit across the chart at the title's size
MARGINS = {"left": 0.1, "right": 0.93, "top": 0.88, "bottom": 0.14}


@dataclass(frozen=True)
class DailySeries:
    """Restore jobs per UTC day, oldest first; `highlight` is the day a digest is about."""

    days: tuple[date, ...]
    failed: tuple[int, ...]
    aborted: tuple[int, ...]
    completed: tuple[int, ...]
    highlight: date | None = None
    title: str = "Restore jobs per day"

    @property
    def bad(self) -> tuple[int, ...]:
        return tuple(f + a for f, a in zip(self.failed, self.aborted, strict=True))

    def average(self) -> float | None:
        """Failed + aborted a day over the AVERAGE_DAYS before the highlighted (else the last) day."""
        end = self.days.index(self.highlight) if self.highlight in self.days else len(self.days)
        window = self.bad[max(0, end - AVERAGE_DAYS) : end]
        return sum(window) / len(window) if len(window) == AVERAGE_DAYS else None

    def alt_text(self) -> str:
        """The chart in words: what a screen reader (or a notification) says instead of the picture."""
        if not self.days:
            return "No restore jobs to chart."
        span = f"{self.days[0]:%d %b}–{self.days[-1]:%d %b}"
        per_day = ", ".join(f"{d:%d %b} {n}" for d, n in zip(self.days, self.bad, strict=True))
        text = f"{self.title}, {span}. Failed or aborted per day: {per_day}."
        if self.highlight in self.days:
            i = self.days.index(self.highlight)
            text += (f" {self.highlight:%d %b} (highlighted): {self.failed[i]} failed, {self.aborted[i]} aborted, "
                     f"{self.completed[i]} completed.")
        average = self.average()
        if average is not None:
            text += f" {AVERAGE_DAYS}-day average before it: {average:.1f} failed or aborted a day."
        text += f" Completed in all: {sum(self.completed)}."
        return text[: MAX_ALT_TEXT - 1] + "…" if len(text) > MAX_ALT_TEXT else text


@dataclass(frozen=True)
class ChartFile:
    """A chart uploaded to Slack: the file id an image block shows it by, and the same chart in words."""

    file_id: str
    alt_text: str
    title: str


def series_from_rows(rows: Iterable[SummaryRow], last_day: date, *, highlight: date | None = None,
                     title: str = "Restore jobs per day") -> DailySeries:
    """Daily ONE_DAY summary rows (any accounts, types, regions) summed per day and state, for the DAYS days
    ending with `last_day`; days without rows count zero."""
    days = tuple(last_day - timedelta(days=i) for i in reversed(range(DAYS)))
    sums: dict[tuple[date, str], int] = {}
    for row in rows:
        day = row.start.astimezone(UTC).date()
        sums[(day, row.state)] = sums.get((day, row.state), 0) + row.count
    return DailySeries(
        days=days,
        failed=tuple(sums.get((d, State.FAILED.value), 0) for d in days),
        aborted=tuple(sums.get((d, State.ABORTED.value), 0) for d in days),
        completed=tuple(sums.get((d, State.COMPLETED.value), 0) for d in days),
        highlight=highlight,
        title=title,
    )


def compact(value: float) -> str:
    """An axis count in at most five characters (the margins are fixed): 950, 9500, 95k, 950k, 9.5M."""
    n = round(value)
    if abs(n) < 10_000:
        return str(n)
    if abs(n) < 999_500:
        return f"{n / 1000:.0f}k" if n % 1000 == 0 or abs(n) >= 100_000 else f"{n / 1000:.1f}k".replace(".0k", "k")
    return f"{n / 1_000_000:.1f}M".replace(".0M", "M")


_drawing = threading.Lock()
_figure: list[Any] = []  # the one Figure every chart is drawn on, made on first use


def render_png(series: DailySeries) -> bytes:
    """The chart as PNG bytes, drawn in this process (the renderer process and the CLI call this; bot processes go
    through bot.charts.renderer, which caches by content). matplotlib is imported here, on first use.

    Every chart is drawn on one Figure, cleared each time, under a lock: a new Figure per chart made matplotlib's
    text-metrics cache (keyed by renderer) and the process grow by ~1.7 MB a chart; one Figure keeps one renderer."""
    with _drawing:
        return _draw(series)


def _draw(series: DailySeries) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure  # the object API: no pyplot global state shared between threads
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if not _figure:
        _figure.append(Figure(figsize=SIZE_INCHES, dpi=DPI, facecolor=BACKGROUND))
    figure = _figure[0]
    figure.clear()
    axes = figure.add_subplot()
    axes.set_facecolor(BACKGROUND)
    x = list(range(len(series.days)))
    if series.highlight in series.days:
        i = series.days.index(series.highlight)
        axes.axvspan(i - 0.5, i + 0.5, color=HIGHLIGHT, zorder=0)
    axes.bar(x, series.failed, color=FAILED, label="failed", zorder=2, width=0.7)
    axes.bar(x, series.aborted, bottom=series.failed, color=ABORTED, label="aborted", zorder=2, width=0.7)
    bad = series.bad
    # Each day against the average of the AVERAGE_DAYS before it: the digest's "vs the 7-day average".
    averaged = [i for i in x if i >= AVERAGE_DAYS]
    axes.plot(averaged, [sum(bad[i - AVERAGE_DAYS : i]) / AVERAGE_DAYS for i in averaged], color=INK, linestyle="--",
              linewidth=1.2, label=f"average of the {AVERAGE_DAYS} days before", zorder=3)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: compact(value)))
    axes.set_ylim(0, max([*bad, 1]) * 1.15)
    axes.set_ylabel("failed + aborted", color=INK, fontsize=8)
    context = axes.twinx()
    context.plot(x, series.completed, color=COMPLETED, linewidth=1.0, marker=".", markersize=3,
                 label="completed (right)", zorder=1)
    context.set_ylim(0, max([*series.completed, 1]) * 1.15)
    context.tick_params(colors=COMPLETED, labelsize=7)
    context.yaxis.set_major_locator(MaxNLocator(integer=True))
    context.yaxis.set_major_formatter(FuncFormatter(lambda value, _: compact(value)))
    for ax in (axes, context):
        for side in ("top",):
            ax.spines[side].set_visible(False)
    axes.grid(axis="y", color=GRID, linewidth=0.6, zorder=0)
    axes.set_xticks(x)
    axes.set_xticklabels([f"{d:%d}\n{d:%b}" if i in (0, len(x) - 1) or d.day == 1 else f"{d:%d}"
                          for i, d in enumerate(series.days)], fontsize=7, color=INK)
    axes.tick_params(axis="y", colors=INK, labelsize=7)
    if series.highlight in series.days:
        label = axes.get_xticklabels()[series.days.index(series.highlight)]
        label.set_fontweight("bold")
    title = series.title if len(series.title) <= MAX_TITLE else series.title[: MAX_TITLE - 1] + "…"
    axes.set_title(title, color=INK, fontsize=10, loc="left")
    handles = axes.get_legend_handles_labels()
    more = context.get_legend_handles_labels()
    axes.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=6.5, frameon=False, ncol=4)
    # Fixed margins, measured to fit six-digit counts on both axes, the two-line day labels and the title: the chart's
    # size never changes, and tight_layout() drew every chart one extra time to work them out (40% of the time).
    figure.subplots_adjust(**MARGINS)
    out = io.BytesIO()
    # zlib level 1: about 5% larger than the default level 6, and the encoding is not a tenth of the time any more.
    figure.savefig(out, format="png", facecolor=BACKGROUND, pil_kwargs={"compress_level": 1})
    return out.getvalue()


def sample_series(now: datetime | None = None) -> DailySeries:
    """The bundled sample data's trend (for `python -m bot chart --sample` and the README's picture)."""
    from bot.sample.data import sample_counts

    today = (now or datetime.now(UTC)).date()
    yesterday = today - timedelta(days=1)
    days = tuple(yesterday - timedelta(days=i) for i in reversed(range(DAYS)))
    sums: dict[tuple[date, str], int] = {}
    for count in sample_counts(today):
        sums[(count.day, count.state)] = sums.get((count.day, count.state), 0) + count.count
    return DailySeries(days, tuple(sums.get((d, State.FAILED.value), 0) for d in days),
                       tuple(sums.get((d, State.ABORTED.value), 0) for d in days),
                       tuple(sums.get((d, State.COMPLETED.value), 0) for d in days), highlight=yesterday,
                       title="Restore jobs per day (sample data)")
