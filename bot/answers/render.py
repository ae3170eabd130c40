"""The answer to `/restores`: totals, breakdowns, per-day series, drill-down and filter controls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    Option,
    OptionGroup,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.answers.controls import MAX_OPTION_VALUE_CHARS, ActionId, ActionValue, BlockId
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import AGGREGATE_ALL, ANY, BAD_STATES, COMMAND, Period, RestoreFilter, State
from bot.domain.results import SummaryResult, SummaryRow
from bot.slack.blocks import (
    MAX_FALLBACK_TEXT,
    MAX_FIELDS,
    MAX_OPTION_TEXT,
    MAX_ROW_OPTIONS,
    SAMPLE_NOTE,
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
    fmt_time,
    group_lines,
    header,
    mrkdwn,
    region_notes,
    section,
    sparkline,
    state_breakdown,
    state_label,
    totals_by,
)


def _daily_lines(rows: Sequence[SummaryRow]) -> list[str]:
    days = totals_by(rows, lambda r: r.start)
    days.sort(key=lambda item: item[0])
    values = [n for _, n in days]
    failed = dict(totals_by((r for r in rows if State.is_bad_value(r.state)), lambda r: r.start))
    lines = [f"`{sparkline(values)}` daily totals, oldest first"]
    for day, total in days:
        line = f"`{day:%a %d %b}` {fmt(total)}"
        if failed.get(day) and len({r.state for r in rows}) > 1:
            line += f" ({fmt(failed[day])} failed or aborted)"
        lines.append(line)
    return lines


def render_summary(
    result: SummaryResult, *, sample: bool = False, command: str = COMMAND, counting_accounts: bool = False
) -> Message:
    """The answer to a `/restores` query. `counting_accounts`: the first, quick answer of an org-wide query (the
    totals and types are in, the per-account chain is still paging); it is replaced in place by the full one."""
    flt = result.filter
    rows = result.rows
    total = sum(r.count for r in rows)
    title_state = state_label(flt.state) if flt.state != ANY else "all states"
    blocks: list[Block] = [header(f"AWS Backup restores — {title_state}, {result.period.label}")]
    if sample:
        blocks.append(context(SAMPLE_NOTE))

    window = result.window
    window_text = f"{fmt_time(window[0])} – {fmt_time(window[1])}" if window else "no jobs in the window"
    blocks.append(context(f"*Window:* {window_text}", f"*Scope:* {describe_scope(flt)}"))

    answered = result.answered_regions
    if not answered:
        blocks.append(section(":rotating_light: *No region could be queried*, so there are no numbers to show."))
    elif total == 0:
        blocks.append(
            section(
                f"*No restore jobs* matched in {', '.join(answered)} ({result.period.label}). "
                "AWS returned no rows: either nothing ran, or the bot's account cannot see these jobs."
            )
        )
    else:
        by_state = totals_by(rows, lambda r: r.state)
        by_state.sort(key=lambda item: State.rank_of(item[0]))
        fields = [
            field_text(f"{State.icon_of(state)} *{escape(state_label(state))}*\n{fmt(count)}".strip())
            for state, count in by_state[:MAX_FIELDS]
        ]
        blocks.append(
            SectionBlock(
                text=mrkdwn(f"*{fmt(total)} restore jobs* in {len(answered)} region{'s' * (len(answered) != 1)}"),
                fields=fields,
            )
        )
        show_states = len(by_state) > 1
        if result.period is Period.ONE_DAY:
            blocks.append(section("*Per day*\n" + fit_lines(_daily_lines(rows), limit=16)))
        if flt.resource_type != AGGREGATE_ALL:
            blocks.append(
                section(
                    "*By resource type*\n"
                    + fit_lines(group_lines(result.by_type_rows, lambda r: r.resource_type, show_states))
                )
            )
        if counting_accounts:
            blocks.append(section("*By account / region*\n:hourglass_flowing_sand: _still counting…_"))
        else:
            by_account = group_lines(result.by_account_rows, lambda r: f"{r.account_id} · {r.region}", show_states)
            blocks.append(section("*By account / region*\n" + fit_lines(by_account)))

    blocks += region_notes(result.failures, result.truncated, bool(answered))
    if result.only_account is not None and answered:  # the member-account note (bot.aws.identity)
        blocks.append(section(f":warning: {escape(result.only_account.note)}"))
    if counting_accounts:
        # No buttons on a message about to be replaced: a click would act on a half answer.
        footer = f"`{command} {flt.to_text()}` · still counting accounts, this message updates in place"
        text = "[still counting accounts] " + _fallback(result, total, sample)
        return bounded(Message(text=clip(text, MAX_FALLBACK_TEXT), blocks=blocks + [context(footer)],
                               response_type="in_channel" if flt.share else "ephemeral"))

    trailer: list[Block] = []
    if total and result.window:
        trailer += _drill_down_controls(result, result.window)
    if not flt.share:
        # In-place controls only on the caller's own (ephemeral) copy: redrawing a channel message would
        # change it for everyone.
        trailer.append(_filter_controls(flt))
    trailer.append(
        context(
            f"`{command} {flt.to_text()}` · {result.aws_calls} AWS call{'s' * (result.aws_calls != 1)} · "
            f"{result.elapsed:.1f} s · `{command} help` for options"
        )
    )
    text = _fallback(result, total, sample)
    response_type: Literal["ephemeral", "in_channel"] = "in_channel" if flt.share else "ephemeral"
    return bounded(Message(text=text, blocks=blocks + trailer, response_type=response_type), keep_tail=len(trailer))


def drill_states(flt: RestoreFilter) -> tuple[State, ...]:
    """The job statuses a drill-down can list for this answer: the one asked for, or the bad ones."""
    return (flt.state,) if flt.state.listable else BAD_STATES


def _drill_down_controls(result: SummaryResult, window: tuple[datetime, datetime]) -> list[Block]:
    flt = result.filter
    by_state = dict(totals_by(result.rows, lambda r: r.state))
    buttons = [
        button(
            f"{State.icon_of(s)} {fmt(by_state[s])} {s.lower()} jobs",
            ActionId.JOBS.with_suffix(s.lower()),
            ActionValue(replace(flt, state=s, share=False), window),
        )
        for s in drill_states(flt)
        if by_state.get(s)
    ]
    groups = _row_option_groups(result, window)
    elements: list[Any] = list(buttons)
    if groups:
        elements.append(
            StaticSelectElement(
                placeholder=PlainTextObject(text="Jobs behind a row…"),
                action_id=ActionId.JOBS_ROW.value,
                option_groups=groups,
            )
        )
    if not elements:
        return []
    return [
        context("*Why?* Open the jobs behind a count, grouped by failure reason:"),
        ActionsBlock(block_id=BlockId.DRILL, elements=elements),
    ]


# A row of a breakdown -> (its label, the resource type it stands for, the region it stands for).
_RowKey = Callable[[SummaryRow], tuple[str, str | None, str | None]]


def _row_option_groups(result: SummaryResult, window: tuple[datetime, datetime]) -> list[OptionGroup]:
    flt = replace(result.filter, share=False)
    budget = MAX_ROW_OPTIONS
    groups: list[OptionGroup] = []
    dimensions: list[tuple[str, _RowKey, Sequence[SummaryRow]]] = []
    if flt.resource_type == ANY:
        dimensions.append(("By resource type", lambda r: (r.resource_type, r.resource_type, None), result.by_type_rows))
    if flt.account in (ANY, None) or len(flt.regions) > 1:
        dimensions.append(
            ("By account · region", lambda r: (f"{r.account_id} · {r.region}", None, r.region), result.by_account_rows)
        )
    for label, key, source in dimensions:
        options: list[Option] = []
        for state in drill_states(flt):
            rows = [r for r in source if r.state == state]
            for (name, rtype, region), count in totals_by(rows, key):
                if budget <= 0:
                    break
                account = name.split(" · ")[0] if region else flt.account
                target = replace(
                    flt,
                    state=state,
                    resource_type=rtype or flt.resource_type,
                    account=account if account and ACCOUNT_ID_RE.match(account) else flt.account,
                    regions=(region,) if region else flt.regions,
                )
                value = ActionValue(target, window).encode()
                if len(value) > MAX_OPTION_VALUE_CHARS:
                    continue
                options.append(
                    Option(
                        text=PlainTextObject(text=clip(f"{name} — {fmt(count)} {state.lower()}", MAX_OPTION_TEXT)),
                        value=value,
                    )
                )
                budget -= 1
        if options:
            groups.append(OptionGroup(label=PlainTextObject(text=label), options=options))
    return groups


def _filter_controls(flt: RestoreFilter) -> ActionsBlock:
    base = replace(flt, share=False)
    elements: list[Any] = [
        button(
            period.short,
            ActionId.PERIOD.with_suffix(period.short),
            ActionValue(replace(base, period=period)),
            primary=flt.period is period,
        )
        for period in Period
    ]
    for label, state in (("Failed", State.FAILED), ("Aborted", State.ABORTED), ("All states", State.ANY)):
        elements.append(
            button(
                label,
                ActionId.STATE.with_suffix(state.lower()),
                ActionValue(replace(base, state=state)),
                primary=flt.state == state,
            )
        )
    elements.append(button(":loudspeaker: Share to channel", ActionId.SHARE.value, ActionValue(base)))
    if flt.period is Period.ONE_DAY:
        # Day by day is a trend: one click posts it as a picture to the channel (the answer itself stays private).
        elements.append(button(":bar_chart: Chart", ActionId.CHART.value, ActionValue(base)))
    return ActionsBlock(block_id=BlockId.CONTROLS, elements=elements)


def _fallback(result: SummaryResult, total: int, sample: bool) -> str:
    flt = result.filter
    parts = [f"AWS Backup restores ({state_label(flt.state)}, {result.period.label}): {fmt(total)} jobs"]
    breakdown = state_breakdown(result.rows, icons=False)  # notifications show plain text, not emoji codes
    if breakdown and flt.state == ANY:
        parts.append(breakdown)
    if result.failures:
        parts.append("regions not answering: " + ", ".join(escape(f.region) for f in result.failures))
    if result.only_account is not None:
        parts.append(escape(result.only_account.note))
    text = "; ".join(parts)
    if sample:
        text = "[sample data] " + text
    return clip(text, MAX_FALLBACK_TEXT)
