"""The answer to `/restores`: totals, breakdowns, per-day series, drill-down and filter controls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
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
from bot.domain import words
from bot.domain.accounts import NO_NAMES, NOT_IN_DIRECTORY, AccountNames
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import AGGREGATE_ALL, ANY, BAD_STATES, COMMAND, RestoreFilter, Span, State
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
    escape,
    field_text,
    fit_lines,
    fmt,
    group_lines,
    header,
    mrkdwn,
    region_notes,
    section,
    state_breakdown,
    totals_by,
)


def _daily_lines(rows: Sequence[SummaryRow], last_day: date) -> list[str]:
    """The daily series: one line per UTC day of the 14, zeros included (AWS sends no row for a day without jobs)."""
    totals = {_day(day): n for day, n in totals_by(rows, lambda r: r.start)}
    bad = {_day(day): n for day, n in totals_by((r for r in rows if State.is_bad_value(r.state)), lambda r: r.start)}
    newest = max((*totals, last_day))
    series = words.daily_counts(totals, newest)
    several_states = len({r.state for r in rows}) > 1
    lines = [words.trend_line(series, "restore jobs")]
    for day, total in series:
        line = f"`{words.day_text(day)}` {fmt(total)}"
        if bad.get(day) and several_states:
            line += f" ({fmt(bad[day])} failed or aborted)"
        lines.append(line)
    return lines


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def counts_window(result: SummaryResult, last_day: date | None) -> tuple[datetime, datetime] | None:
    """The whole UTC days an answer's counts cover: the window word's days up to `last_day` (the newest AWS has
    summarised), widened to the rows AWS sent if its days differ (AWS's clock decides which day is complete)."""
    span = result.filter.span
    asked = words.counts_window(span, last_day) if last_day is not None else None
    rows = result.window
    if asked is None or span is Span.DAY:
        return asked or rows
    if rows is None:
        return asked
    if span is Span.DAILY:
        return min(asked[0], rows[0]), max(asked[1], rows[1])
    return rows


def render_summary(
    result: SummaryResult,
    *,
    sample: bool = False,
    command: str = COMMAND,
    counting_accounts: bool = False,
    last_day: date | None = None,
    own_account: str | None = None,
    names: AccountNames = NO_NAMES,
) -> Message:
    """The answer to a `/restores` query. `counting_accounts`: the first, quick answer of an org-wide query (the
    totals and types are in, the per-account chain is still paging); it is replaced in place by the full one.
    `last_day`: the newest UTC day AWS has summarised (yesterday), which the window's words and the daily series
    end with. `own_account`: the bot's account id when AWS said it (named wherever "the bot's own" is). `names`: the
    organisation's account names (ids alone when empty), and its OUs for the "By OU" breakdown of an org-wide answer."""
    flt = result.filter
    rows = result.rows
    total = sum(r.count for r in rows)
    span = flt.span
    if last_day is None and rows:  # not told: the newest day AWS sent
        last_day = _day(max(r.start for r in rows))
    title_state = words.state_title(flt.state) if flt.state != ANY else "All states"
    blocks: list[Block] = [header(f"AWS Backup restores — {title_state}, {words.span_title(span, last_day)}")]
    if sample:
        blocks.append(context(SAMPLE_NOTE))

    window = counts_window(result, last_day)
    window_words = words.counts_window_text(span, *window) if window else f"{span.label} (AWS's daily counts)"
    scope = named_scope(words.scope_text(flt, own_account), flt.account, names)
    blocks.append(context(f"*Window:* {escape(window_words)}", f"*Scope:* {escape(scope)}"))

    answered = result.answered_regions
    if not answered:
        blocks.append(section(
            f":rotating_light: *Couldn't read restore jobs* in {escape(', '.join(flt.regions) or 'any region')}: "
            "no region answered (why below), so there are no numbers to show."
        ))
    elif total == 0:
        where = ", ".join(answered)
        nothing = f"*AWS counted {words.jobs_text(0, flt.state)}* in {escape(where)} ({words.span_title(span, last_day)})"
        if flt.account in (None, ANY, AGGREGATE_ALL) and flt.visible_accounts is None:
            whose = words.account_text(flt.account, own_account)
            nothing += f" for {escape(whose)}."
            if flt.account is None:
                nothing += " Jobs of other accounts of the organization are not in this count: ask with `account:ANY`."
        else:
            nothing += f" for {escape(words.account_text(flt.account))}."
        if span is Span.DAY and last_day is not None:
            # AWS sends no row for a day without jobs, nor for one it has not summarised yet: the two look the same.
            nothing += " A day AWS has not summarised yet has no count either."
        blocks.append(section(nothing))
    else:
        by_state = totals_by(rows, lambda r: r.state)
        by_state.sort(key=lambda item: State.rank_of(item[0]))
        regions = words.plural(len(answered), "region")
        if len(by_state) == 1:
            only = by_state[0][0]
            blocks.append(section(
                f"{State.icon_of(only)} *{words.jobs_text(total, only)}* in {regions}".strip()
            ))
        else:
            fields = [
                field_text(f"{State.icon_of(state)} *{escape(words.state_title(state))}*\n{fmt(count)}".strip())
                for state, count in by_state[:MAX_FIELDS]
            ]
            blocks.append(SectionBlock(text=mrkdwn(f"*{words.jobs_text(total)}* in {regions}"), fields=fields))
        show_states = len(by_state) > 1
        if span is Span.DAILY and last_day is not None:
            blocks.append(section("*Per day*\n" + fit_lines(_daily_lines(rows, last_day), limit=words.SERIES_DAYS + 2)))
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
            by_account = group_lines(result.by_account_rows, lambda r: f"{names.text(r.account_id)} · {r.region}",
                                     show_states)
            blocks.append(section("*By account / region*\n" + fit_lines(by_account)))
            blocks += by_unit_section(result.by_account_rows, names, show_states) if flt.account == ANY else []
    if answered:
        # Counts are of whole days AWS has summarised: today is never in them. Say so, and what lists today's jobs.
        blocks.append(context(escape(words.today_not_counted(words.jobs_command(flt, command=command)))))

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
        trailer += _drill_down_controls(result, result.window, names)
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


def named_scope(scope: str, account: str | None, names: AccountNames) -> str:
    """The scope's words with the account's name beside its id ("account prod-payments (444455556666)"); unescaped."""
    name = names.name(account) if account else None
    return scope.replace(f"account {account}", f"account {name} ({account})", 1) if name else scope


def by_unit_section(rows: Sequence[SummaryRow], names: AccountNames, show_states: bool) -> list[Block]:
    """"By OU": the rows per top-level OU (AT_ROOT: accounts at the root; accounts the directory does not hold, by
    themselves), so every row is in exactly one line and the lines sum to the per-account ones. Top-level, not the
    whole path: a few lines whatever the organisation's depth (`ou:<name>` answers one OU and what is under it).
    Nothing when the directory could not be read or no row names an account."""
    if not names.tops or not any(ACCOUNT_ID_RE.match(r.account_id) for r in rows):
        return []
    lines = group_lines(rows, lambda r: names.top(r.account_id) or NOT_IN_DIRECTORY, show_states)
    return [section("*By OU*\n" + fit_lines(lines))]


def _drill_down_controls(
    result: SummaryResult, window: tuple[datetime, datetime], names: AccountNames = NO_NAMES
) -> list[Block]:
    flt = result.filter
    by_state = dict(totals_by(result.rows, lambda r: r.state))
    buttons = [
        button(
            f"{State.icon_of(s)} {words.plural(by_state[s], f'{s.lower()} job')}",
            ActionId.JOBS.with_suffix(s.lower()),
            ActionValue(replace(flt, state=s, share=False), window),
        )
        for s in sorted(drill_states(flt), key=lambda s: s.rank)
        if by_state.get(s)
    ]
    groups = _row_option_groups(result, window, names)
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


# A row of a breakdown -> (its label, the resource type, the region and the account it stands for).
_RowKey = Callable[[SummaryRow], tuple[str, str | None, str | None, str | None]]


def _row_option_groups(
    result: SummaryResult, window: tuple[datetime, datetime], names: AccountNames = NO_NAMES
) -> list[OptionGroup]:
    flt = replace(result.filter, share=False)
    budget = MAX_ROW_OPTIONS
    groups: list[OptionGroup] = []
    dimensions: list[tuple[str, _RowKey, Sequence[SummaryRow]]] = []
    if flt.resource_type == ANY:
        dimensions.append(
            ("By resource type", lambda r: (r.resource_type, r.resource_type, None, None), result.by_type_rows)
        )
    if flt.account in (ANY, None) or len(flt.regions) > 1:
        dimensions.append(
            ("By account · region", lambda r: (f"{names.text(r.account_id)} · {r.region}", None, r.region, r.account_id),
             result.by_account_rows)
        )
    for label, key, source in dimensions:
        options: list[Option] = []
        for state in drill_states(flt):
            rows = [r for r in source if r.state == state]
            for (name, rtype, region, account), count in totals_by(rows, key):
                if budget <= 0:
                    break
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
    """Switch the window or the state in place, share, chart. The current window and state have no button (what the
    answer shows already says them), and no button is primary: Slack keeps that style for the one main action."""
    base = replace(flt, share=False)
    elements: list[Any] = [
        button(
            span.value,
            ActionId.PERIOD.with_suffix(span.value),
            ActionValue(replace(base, period=span.period, last_day=span is Span.DAY)),
        )
        for span in Span
        if span is not flt.span
    ]
    for label, state in (("Failed", State.FAILED), ("Aborted", State.ABORTED), ("All states", State.ANY)):
        if flt.state != state:
            elements.append(
                button(label, ActionId.STATE.with_suffix(state.lower()), ActionValue(replace(base, state=state)))
            )
    elements.append(button(":loudspeaker: Share to channel", ActionId.SHARE.value, ActionValue(base)))
    if flt.span is Span.DAILY:
        # Day by day is a trend: one click posts it as a picture to the channel (the answer itself stays private).
        elements.append(button(":bar_chart: Chart", ActionId.CHART.value, ActionValue(base)))
    return ActionsBlock(block_id=BlockId.CONTROLS, elements=elements)


def _fallback(result: SummaryResult, total: int, sample: bool) -> str:
    flt = result.filter
    parts = [f"AWS Backup restores ({words.state_title(flt.state)}, {flt.span.label}): {words.jobs_text(total)}"]
    if not result.answered_regions:
        parts = [f"AWS Backup restores ({words.state_title(flt.state)}, {flt.span.label}): couldn't read any region"]
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
