"""The daily FAILED/ABORTED digest message for one UTC day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from slack_sdk.models.blocks import ActionsBlock, Block, SectionBlock

from bot.answers.controls import ActionId, ActionValue, BlockId
from bot.charts.render import ChartFile, DailySeries
from bot.digest.data import AVERAGE_DAYS, DigestData
from bot.domain.accounts import NO_NAMES, NOT_IN_DIRECTORY, AccountNames
from bot.domain.coverage import Claim, Coverage, reassure
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import ANY, COMMAND, Period, RestoreFilter, Span, State
from bot.domain.results import SummaryRow
from bot.domain.words import (
    SERIES_DAYS,
    change_text,
    counts_window_text,
    daily_counts,
    day_text,
    days_window,
    jobs_text,
    plural,
    state_word,
    states_text,
    trend_line,
)
from bot.slack import blocks as kit

CHART_TITLE = "Restore jobs per UTC day"


def digest_series(data: DigestData) -> DailySeries | None:
    """The digest's 14 days as a chart, its day highlighted; None when the numbers are partial (a region did not
    answer or was cut short): the chart's average line is a comparison, and the digest makes none from partial
    numbers, so such a digest keeps the text trend that says so."""
    if data.incomplete or not data.daily:
        return None
    return DailySeries(
        days=tuple(d[0] for d in data.daily),
        failed=tuple(d[1] for d in data.daily),
        aborted=tuple(d[2] for d in data.daily),
        completed=tuple(d[3] for d in data.daily),
        highlight=data.day,
        title=CHART_TITLE,
    )


def digest_coverage(data: DigestData) -> Coverage:
    """What the digest's restore jobs did not read: regions that did not answer or were cut short, and its limits (a
    day AWS has not summarised yet, accounts it did not show)."""
    return Coverage.of([f.region for f in data.failures], [f"{r} (cut short)" for r in data.truncated], data.limits)


def digest_trend(data: DigestData) -> tuple[tuple[date, int], ...]:
    """The digest's failed + aborted per day: the SERIES_DAYS days ending with its day, one bar per day, zeros
    included (words.daily_counts fills a day AWS sent no row for)."""
    return daily_counts(dict(data.trend), data.day)


def _trend_text(data: DigestData, *, charted: bool = False) -> str:
    series = digest_trend(data)
    if charted:
        text = f"*{len(series)}-day trend* (failed + aborted per day, completed for context)"
    else:
        text = f"*{len(series)}-day trend* {trend_line(series)}"
    if data.incomplete:
        # A comparison from partial numbers would read as a trend; say what is known instead.
        return (f"{text}\n{day_text(data.day)}: at least {kit.fmt(data.bad)} failed or aborted in what was read — no "
                "comparison made from partial numbers")
    change = change_text(data.bad, data.seven_day_average, days=AVERAGE_DAYS)
    if not change:
        return text
    return f"{text}\n{day_text(data.day)}: {kit.fmt(data.bad)} failed or aborted — {change}"


def labelled_lines(rows: Sequence[SummaryRow], key: Callable[[SummaryRow], str]) -> list[str]:
    """A breakdown whose every row says what its count is: "*us-east-1* — 2 failed, 1 aborted" (failed first)."""
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        per[key(row)][row.state] += row.count
    return [f"*{kit.escape(name)}* — {states_text(per[name])}" for name, _ in kit.totals_by(rows, key)]


@dataclass(frozen=True)
class DigestSection:
    """A section another part of the bot adds to a digest (restore testing), with what the notification says of it.
    `informational` (the weekly coverage line): it neither removes nor grants the digest's all clear."""

    blocks: list[Block]
    summary: str
    informational: bool = False


def render_digest(
    data: DigestData, *, command: str = COMMAND, extra: DigestSection | None = None, chart: ChartFile | None = None,
    names: AccountNames = NO_NAMES,
) -> kit.Message:
    """The daily FAILED/ABORTED digest for one UTC day, with `extra` (a section with something to say) before the
    footer. "All clear" is said only when neither the restore jobs nor the extra section have anything wrong.
    `chart`: the uploaded trend chart (digest_series), shown in place of the text sparkline. `names`: the accounts'
    names, and their OUs for the "By OU" lines (ids alone, no By OU, when empty)."""
    clear = data.all_clear and (extra is None or extra.informational)  # an informational section: neither way
    day = f"{day_text(data.day)} {data.day.year}"
    blocks: list[Block] = [kit.header(f"Daily restore digest — {day} (UTC)")]
    answered = [r for r in data.regions if r not in {f.region for f in data.failures}]
    scope = kit.describe_scope(
        RestoreFilter(state=State.FAILED, account=data.account, regions=data.regions,
                      visible_accounts=data.visible_accounts),
        data.own_account,
    )
    blocks.append(kit.context(f"*Window:* {counts_window_text(Span.DAY, *days_window(data.day))}",
                              f"*Scope:* failed and aborted · {scope.split(' · ', 1)[1]}"))
    if not answered:
        blocks.append(kit.section(":rotating_light: *No region could be queried*; no numbers for this day."))
    else:
        blocks += _digest_body(data, day, clear=clear, chart=chart, names=names)
    drill = _digest_drill_down(data)
    blocks += kit.region_notes(data.failures, data.truncated, bool(answered))
    if extra is not None:
        blocks += extra.blocks
    blocks += drill
    blocks.append(kit.context(f"`{command} failed daily` for each of the last {SERIES_DAYS} days · posted by restores bot"))

    if not answered:
        text = f"Restore digest {data.day.isoformat()}: no region could be queried"
    elif data.incomplete:
        text = (
            f"Restore digest {data.day.isoformat()}: incomplete, at least {kit.fmt(data.failed)} failed, "
            f"{kit.fmt(data.aborted)} aborted, {kit.fmt(data.completed)} completed"
        )
    elif clear:
        said = reassure(digest_coverage(data), Claim.ALL_CLEAR, f", {kit.fmt(data.completed)} completed", style="fragment")
        text = f"Restore digest {data.day.isoformat()}: {said}"
    elif data.all_clear:
        said = reassure(digest_coverage(data), Claim.NO_FAILED, f", {kit.fmt(data.completed)} completed", style="fragment")
        text = f"Restore digest {data.day.isoformat()}: {said}"
    else:
        text = (
            f"Restore digest {data.day.isoformat()}: {kit.fmt(data.failed)} failed, {kit.fmt(data.aborted)} aborted, "
            f"{kit.fmt(data.completed)} completed"
        )
    if data.failures:
        text += "; regions not answering: " + ", ".join(kit.escape(f.region) for f in data.failures)
    if extra is not None:
        text += f"; {extra.summary}" if extra.informational else f"; restore testing: {extra.summary}"
    return kit.bounded(
        kit.Message(text=kit.clip(text, kit.MAX_FALLBACK_TEXT), blocks=blocks, response_type="in_channel"),
        keep_tail=len(drill) + 1,
    )


def _digest_body(
    data: DigestData, day: str, *, clear: bool, chart: ChartFile | None, names: AccountNames = NO_NAMES
) -> list[Block]:
    blocks: list[Block] = []
    if data.incomplete:
        missing = [f"{kit.escape(f.region)} did not answer" for f in data.failures]
        missing += [f"{kit.escape(r)} was cut short (too many pages)" for r in data.truncated]
        missing += [kit.escape(note) for note in data.limits]  # the day not summarised, accounts AWS did not show
        blocks.append(
            kit.section(
                f":warning: *Incomplete:* {', '.join(missing)}. The numbers below are a lower bound: they cover only "
                "what was read, so this is not an all clear."
            )
        )
    coverage = digest_coverage(data)
    completed = f" on {day}; {kit.fmt(data.completed)} completed."
    if clear:
        none = reassure(coverage, Claim.NO_FAILED, completed, style="fragment")
        blocks.append(kit.section(reassure(coverage, Claim.ALL_CLEAR, f": {none}")))
    elif data.all_clear:  # no failed restore jobs, but another section (restore testing) has something to say
        blocks.append(kit.section(reassure(coverage, Claim.NO_FAILED, completed, style="sentence")))
    else:
        blocks.append(
            SectionBlock(
                text=kit.mrkdwn(
                    f"*{jobs_text(data.bad)} failed or {'was' if data.bad == 1 else 'were'} aborted* on {day}; "
                    f"{kit.fmt(data.completed)} completed."
                ),
                fields=[
                    kit.field_text(f"{State.FAILED.icon} *FAILED*\n{kit.fmt(data.failed)}"),
                    kit.field_text(f"{State.ABORTED.icon} *ABORTED*\n{kit.fmt(data.aborted)}"),
                ],
            )
        )
        by_account = labelled_lines(data.by_account_rows, lambda r: names.text(r.account_id))
        by_region = labelled_lines(data.rows, lambda r: r.region)
        by_type = labelled_lines(data.by_type_rows, lambda r: r.resource_type)
        blocks.append(kit.section("*By account*\n" + kit.fit_lines(by_account, limit=8)))
        blocks += _by_unit(data.by_account_rows, names) if data.account == ANY else []
        blocks.append(kit.section("*By region*\n" + kit.fit_lines(by_region, limit=8)))
        blocks.append(kit.section("*By resource type*\n" + kit.fit_lines(by_type, limit=8)))
    blocks.append(kit.section(_trend_text(data, charted=chart is not None)))
    if chart is not None:
        blocks.append(kit.uploaded_image(chart.file_id, chart.alt_text, chart.title))
    return blocks


def _by_unit(rows: Sequence[SummaryRow], names: AccountNames) -> list[Block]:
    """The day's failed and aborted per top-level OU (as the answers' By OU: accounts at the root under AT_ROOT, ones
    the directory does not hold by themselves), every row in one line; nothing without names or per-account rows."""
    if not names.tops or not any(ACCOUNT_ID_RE.match(r.account_id) for r in rows):
        return []
    lines = labelled_lines(rows, lambda r: names.top(r.account_id) or NOT_IN_DIRECTORY)
    return [kit.section("*By OU*\n" + kit.fit_lines(lines, limit=8))]


def _digest_drill_down(data: DigestData) -> list[Block]:
    start = datetime(data.day.year, data.day.month, data.day.day, tzinfo=UTC)
    window = (start, start + timedelta(days=1))
    counts = {State.FAILED: data.failed, State.ABORTED: data.aborted}
    buttons = [
        kit.button(
            f"{state.icon} {plural(n, f'{state_word(state)} job')}",
            ActionId.JOBS.with_suffix(state.lower()),
            ActionValue(
                RestoreFilter(state=state, period=Period.ONE_DAY, last_day=True, account=data.account,
                              regions=data.regions),
                window,
            ),
        )
        for state, n in counts.items()
        if n
    ]
    return [ActionsBlock(block_id=BlockId.DIGEST_DRILL, elements=buttons)] if buttons else []
