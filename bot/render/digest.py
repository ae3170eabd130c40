"""The daily FAILED/ABORTED digest message for one UTC day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import ActionsBlock, Block, SectionBlock

from bot.controls import ActionId, ActionValue, BlockId
from bot.digest.data import DigestData
from bot.query import COMMAND, Period, RestoreFilter, State
from bot.render.message import (
    MAX_FALLBACK_TEXT,
    Message,
    bounded,
    button,
    clip,
    context,
    describe_scope,
    escape,
    field_text,
    fit_lines,
    fmt,
    group_lines,
    header,
    mrkdwn,
    region_notes,
    section,
    sparkline,
)


def _trend_text(data: DigestData) -> str:
    values = [n for _, n in data.trend]
    average = data.seven_day_average
    text = f"*{len(values)}-day trend* `{sparkline(values)}` (failed + aborted per day, oldest first)"
    if average is None:
        return text
    if average == 0:
        change = "none in the 7 days before" if data.bad == 0 else "none in the 7 days before: *new*"
    else:
        pct = (data.bad - average) / average * 100
        arrow = ":small_red_triangle:" if pct > 0 else ":small_red_triangle_down:" if pct < 0 else ":heavy_minus_sign:"
        change = f"{arrow} {pct:+.0f}% vs the 7-day average of {average:.1f}/day"
    return f"{text}\nYesterday {fmt(data.bad)} — {change}"


def render_digest(data: DigestData, *, command: str = COMMAND) -> Message:
    """The daily FAILED/ABORTED digest for one UTC day."""
    day = f"{data.day:%a %d %b %Y}"
    blocks: list[Block] = [header(f"Daily restore digest — {day} (UTC)")]
    answered = [r for r in data.regions if r not in {f.region for f in data.failures}]
    scope = describe_scope(
        RestoreFilter(state=State.FAILED, account=data.account, regions=data.regions, visible_accounts=data.visible_accounts)
    )
    blocks.append(context(f"*Scope:* failed and aborted · {scope.split(' · ', 1)[1]}"))
    if not answered:
        blocks.append(section(":rotating_light: *No region could be queried*; no numbers for this day."))
    elif data.all_clear:
        blocks.append(
            section(
                f":white_check_mark: *All clear*: no failed or aborted restores on {day}; {fmt(data.completed)} completed."
            )
        )
    else:
        blocks.append(
            SectionBlock(
                text=mrkdwn(
                    f"*{fmt(data.bad)} restore jobs failed or were aborted* on {day}; {fmt(data.completed)} completed."
                ),
                fields=[
                    field_text(f"{State.FAILED.icon} *FAILED*\n{fmt(data.failed)}"),
                    field_text(f"{State.ABORTED.icon} *ABORTED*\n{fmt(data.aborted)}"),
                ],
            )
        )
        rows = data.rows
        blocks.append(section("*By account*\n" + fit_lines(group_lines(rows, lambda r: r.account_id, True), limit=8)))
        blocks.append(section("*By region*\n" + fit_lines(group_lines(rows, lambda r: r.region, True), limit=8)))
        blocks.append(
            section("*By resource type*\n" + fit_lines(group_lines(rows, lambda r: r.resource_type, True), limit=8))
        )
    if answered:
        blocks.append(section(_trend_text(data)))
    drill = _digest_drill_down(data)
    blocks += region_notes(data.failures, data.truncated, bool(answered))
    blocks += drill
    blocks.append(context(f"`{command} failed 1d` for the last 14 days · posted by restores bot"))

    if not answered:
        text = f"Restore digest {data.day.isoformat()}: no region could be queried"
    elif data.all_clear:
        text = f"Restore digest {data.day.isoformat()}: all clear, {fmt(data.completed)} completed"
    else:
        text = (
            f"Restore digest {data.day.isoformat()}: {fmt(data.failed)} failed, {fmt(data.aborted)} aborted, "
            f"{fmt(data.completed)} completed"
        )
    if data.failures:
        text += "; regions not answering: " + ", ".join(escape(f.region) for f in data.failures)
    return bounded(
        Message(text=clip(text, MAX_FALLBACK_TEXT), blocks=blocks, response_type="in_channel"),
        keep_tail=len(drill) + 1,
    )


def _digest_drill_down(data: DigestData) -> list[Block]:
    start = datetime(data.day.year, data.day.month, data.day.day, tzinfo=UTC)
    window = (start, start + timedelta(days=1))
    counts = {State.FAILED: data.failed, State.ABORTED: data.aborted}
    buttons = [
        button(
            f"{state.icon} {fmt(n)} {state.lower()} jobs",
            ActionId.JOBS.with_suffix(state.lower()),
            ActionValue(
                RestoreFilter(state=state, period=Period.ONE_DAY, account=data.account, regions=data.regions), window
            ),
        )
        for state, n in counts.items()
        if n
    ]
    return [ActionsBlock(block_id=BlockId.DIGEST_DRILL, elements=buttons)] if buttons else []
