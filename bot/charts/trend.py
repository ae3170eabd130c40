"""The Chart button's answers: a `1d` answer's 14 days as a chart to upload, and what the clicking user is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.charts.render import DAYS, DailySeries, series_from_rows
from bot.domain.query import COMMAND, WILDCARDS, RestoreFilter, State
from bot.domain.results import SummaryResult
from bot.domain.words import daily_counts, day_text, states_text, trend_line
from bot.slack.blocks import Message, clip, code, context, escape, fit_lines, fmt, region_notes, section

MAX_CHART_TITLE = 90  # drawn in the picture at 10 pt: about what 900 px hold


@dataclass(frozen=True)
class ChartAnswer:
    """What a Chart click gets: the series to upload to the channel with the filter as its title, and `message`, the
    confirmation once it is posted; without a series, `message` is the whole answer (a refusal, partial numbers)."""

    message: Message
    series: DailySeries | None = None
    command_text: str = ""


def chart_command(flt: RestoreFilter, command: str = COMMAND) -> str:
    """The filter as the command that answers it: the uploaded file's title, and how the user finds it again."""
    return f"{command} {flt.to_text()}"


def chart_series(result: SummaryResult, last_day: date, *, sample: bool = False) -> DailySeries:
    """The answer's own ONE_DAY rows (every state, per day) as the chart of the DAYS days ending with `last_day`."""
    flt = result.filter
    scope = " · ".join(part for part in (
        f"type {flt.resource_type}" if flt.resource_type not in WILDCARDS else "",
        f"account {flt.account}" if flt.account and flt.account not in WILDCARDS else "",
        ", ".join(flt.regions),
    ) if part)
    title = clip(f"Restore jobs per UTC day{' (sample data)' if sample else ''} — {scope}", MAX_CHART_TITLE)
    return series_from_rows(result.rows, last_day, highlight=last_day, title=title)


def chart_comment(series: DailySeries, command_text: str) -> str:
    """What the chart's message in the channel says: which filter, and the numbers a notification shows."""
    counts = states_text({State.FAILED: sum(series.failed), State.ABORTED: sum(series.aborted)}, zeros=True)
    return f":bar_chart: {DAYS}-day restore trend for {code(command_text)}: {counts}, {fmt(sum(series.completed))} completed"


def render_chart_posted(command_text: str) -> Message:
    return Message(text=f"Posted the {DAYS}-day chart of {command_text} to this channel.",
                   blocks=[section(f":bar_chart: Posted the {DAYS}-day chart of {code(command_text)} to this channel.")])


def render_chart_text(series: DailySeries, command_text: str, reason: str) -> Message:
    """The chart could not be posted: say why, and give the same 14 days as text (oldest first)."""
    bad = dict(zip(series.days, series.bad, strict=True))
    last = series.days[-1] if series.days else None
    lines = [trend_line(daily_counts(bad, last, len(series.days)) if last else ())]
    lines += [f"`{day_text(d)}` {states_text({State.FAILED: f, State.ABORTED: a}, zeros=True)}, {fmt(c)} completed"
              for d, f, a, c in zip(series.days, series.failed, series.aborted, series.completed, strict=True)]
    return Message(
        text=f"No chart posted ({reason}); the {DAYS} days as text follow.",
        blocks=[
            section(f":warning: No chart posted: {escape(reason)}."),
            section(f"*{DAYS}-day trend* of {code(command_text)}\n" + fit_lines(lines, limit=DAYS + 1)),
        ],
    )


def render_chart_partial(result: SummaryResult, series: DailySeries, command_text: str) -> Message:
    """Some region did not answer or was cut short: no picture of partial numbers (its average line would compare
    them); the days as text, each a lower bound, and which regions are missing."""
    text = render_chart_text(series, command_text, "not every region could be read, so every number is a lower bound")
    answered = bool(result.answered_regions)
    notes = region_notes(result.failures, result.truncated, answered)
    blocks = list(text.blocks) if answered else [section(":rotating_light: *No region could be queried*; no chart.")]
    return Message(text=text.text, blocks=[*blocks, *notes, context(code(command_text))])
