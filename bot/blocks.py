"""Pure Block Kit formatting: typed results -> Slack messages, with Slack's size limits enforced here, once."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.actions import MAX_OPTION_VALUE_CHARS, ActionId, ActionValue
from bot.backup import JobsResult, RegionFailure, RestoreJobRow, SummaryResult, SummaryRow
from bot.config import ACCOUNT_ID_RE

if TYPE_CHECKING:
    from bot.digest import DigestData
from bot.query import AGGREGATE_ALL, ANY, JOB_LIST_STATES, ParseError, Period, RestoreFilter

# Slack's limits (https://api.slack.com/reference/block-kit/blocks); we stay a little under each.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_MESSAGE_CHARS = 12000
MAX_FALLBACK_TEXT = 3000
LIST_LINES = 12  # rows per breakdown before "and N more"
MAX_ROW_OPTIONS = 20  # drill-down choices in the "jobs behind a row" menu
MAX_OPTION_TEXT = 75
JOB_GROUPS = 8  # failure reasons shown in a jobs answer
JOB_EXAMPLES = 3  # jobs shown per reason

STATE_ORDER = ("FAILED", "ABORTED", "COMPLETED", "RUNNING", "PENDING", "CREATED", AGGREGATE_ALL)
STATE_ICONS = {
    "FAILED": ":x:",
    "ABORTED": ":no_entry_sign:",
    "COMPLETED": ":white_check_mark:",
    "RUNNING": ":arrows_counterclockwise:",
    "PENDING": ":hourglass_flowing_sand:",
    "CREATED": ":new:",
    AGGREGATE_ALL: ":heavy_plus_sign:",
}
SPARK = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Message:
    """A Slack message: blocks plus the plain-text fallback Slack shows in notifications."""

    text: str
    blocks: Sequence[Block] = field(default_factory=tuple)
    response_type: Literal["ephemeral", "in_channel"] = "ephemeral"

    def block_dicts(self) -> list[dict[str, Any]]:
        return [block.to_dict() for block in self.blocks]

    def for_respond(self) -> dict[str, Any]:
        """Keyword arguments for Bolt's respond()."""
        return {"text": self.text, "blocks": self.block_dicts(), "response_type": self.response_type}


def fmt(n: int) -> str:
    return f"{n:,}"


def fmt_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def state_label(state: str) -> str:
    return "all states" if state == AGGREGATE_ALL else state


def sparkline(values: Sequence[int]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, round(v / top * (len(SPARK) - 1)))] for v in values)


def totals_by(rows: Iterable[SummaryRow], key: Callable[[SummaryRow], Any]) -> list[tuple[Any, int]]:
    """Exact sums per key, biggest first, ties by key so output is stable."""
    sums: dict[Any, int] = defaultdict(int)
    for row in rows:
        sums[key(row)] += row.count
    return sorted(sums.items(), key=lambda item: (-item[1], str(item[0])))


def fit_lines(lines: Sequence[str], *, limit: int = LIST_LINES, max_chars: int = MAX_SECTION_TEXT - 100) -> str:
    """Join lines, keeping within `limit` lines and `max_chars`, saying how many were left out."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        remaining = len(lines) - index
        more = f"_…and {remaining} more_"
        # Room for the "and N more" line is kept unless this is the last line.
        reserve = len(more) + 1 if remaining > 1 else 0
        if index >= limit or used + len(line) + 1 + reserve > max_chars:
            kept.append(more)
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=_clip(text, MAX_SECTION_TEXT))


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=_mrkdwn(text))


def _context(*parts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=_clip(p, MAX_FIELD_TEXT)) for p in parts[:MAX_CONTEXT_ELEMENTS]])


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=_clip(text, MAX_HEADER_TEXT), emoji=True))


def describe_scope(flt: RestoreFilter) -> str:
    accounts = {
        None: "the bot's own account",
        ANY: "every account in the organization",
        AGGREGATE_ALL: "all accounts, summed",
    }.get(flt.account, f"account {flt.account}")
    types = {ANY: "every resource type", AGGREGATE_ALL: "all resource types, summed"}.get(
        flt.resource_type, f"type {flt.resource_type}"
    )
    if flt.visible_accounts is not None:
        accounts = "accounts " + ", ".join(sorted(flt.visible_accounts)) + " (this channel's scope)"
    states = {ANY: "every state", AGGREGATE_ALL: "all states, summed"}.get(flt.state, f"state {flt.state}")
    regions = ", ".join(flt.regions) if flt.regions else "no region"
    return f"{states} · {types} · {accounts} · {regions}"


def _state_breakdown(rows: Sequence[SummaryRow], *, icons: bool = True) -> str:
    by_state = dict(totals_by(rows, lambda r: r.state))
    parts = [
        f"{STATE_ICONS.get(s, '') if icons else ''} {fmt(by_state[s])} {s.lower()}".strip()
        for s in STATE_ORDER
        if s in by_state
    ]
    parts += [f"{fmt(n)} {s}" for s, n in by_state.items() if s not in STATE_ORDER]
    return ", ".join(parts)


def _group_lines(rows: Sequence[SummaryRow], key: Callable[[SummaryRow], str], show_states: bool) -> list[str]:
    groups: dict[str, list[SummaryRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    lines = []
    for name, total in totals_by(rows, key):
        line = f"*{name}* — {fmt(total)}"
        if show_states and len({r.state for r in groups[name]}) > 1:
            line += f"  ({_state_breakdown(groups[name])})"
        lines.append(line)
    return lines


def _daily_lines(rows: Sequence[SummaryRow]) -> list[str]:
    days = totals_by(rows, lambda r: r.start)
    days.sort(key=lambda item: item[0])
    values = [n for _, n in days]
    failed = dict(totals_by((r for r in rows if r.state in ("FAILED", "ABORTED")), lambda r: r.start))
    lines = [f"`{sparkline(values)}` daily totals, oldest first"]
    for day, total in days:
        line = f"`{day:%a %d %b}` {fmt(total)}"
        if failed.get(day) and len({r.state for r in rows}) > 1:
            line += f" ({fmt(failed[day])} failed or aborted)"
        lines.append(line)
    return lines


def _region_notes(
    failures: Sequence[RegionFailure],
    truncated: Sequence[str],
    partial: bool,
    truncated_text: str = "too many pages; numbers are a lower bound.",
) -> list[Block]:
    """Which regions failed and why, and which were cut short; nothing when all is well."""
    notes = [f":warning: *{f.region}*: {f.message}" for f in failures]
    if failures and partial:
        notes.append("_Numbers above exclude the regions listed here._")
    notes += [f":scissors: *{region}*: {truncated_text}" for region in truncated]
    return [DividerBlock(), _section(fit_lines(notes, limit=20))] if notes else []


def render_summary(result: SummaryResult, *, sample: bool = False, command: str = "/restores") -> Message:
    """The answer to a `/restores` query."""
    flt = result.filter
    rows = result.rows
    total = sum(r.count for r in rows)
    title_state = state_label(flt.state) if flt.state != ANY else "all states"
    blocks: list[Block] = [_header(f"AWS Backup restores — {title_state}, {result.period.label}")]
    if sample:
        blocks.append(_context(":test_tube: *Sample data* bundled with the bot — not your AWS account."))

    window = result.window
    window_text = f"{fmt_time(window[0])} – {fmt_time(window[1])}" if window else "no jobs in the window"
    blocks.append(_context(f"*Window:* {window_text}", f"*Scope:* {describe_scope(flt)}"))

    answered = result.answered_regions
    if not answered:
        blocks.append(_section(":rotating_light: *No region could be queried*, so there are no numbers to show."))
    elif total == 0:
        blocks.append(
            _section(
                f"*No restore jobs* matched in {', '.join(answered)} ({result.period.label}). "
                "AWS returned no rows: either nothing ran, or the bot's account cannot see these jobs."
            )
        )
    else:
        by_state = totals_by(rows, lambda r: r.state)
        by_state.sort(key=lambda item: STATE_ORDER.index(item[0]) if item[0] in STATE_ORDER else 99)
        fields = [
            MarkdownTextObject(text=f"{STATE_ICONS.get(state, '')} *{state_label(state)}*\n{fmt(count)}".strip())
            for state, count in by_state[:MAX_FIELDS]
        ]
        blocks.append(
            SectionBlock(
                text=_mrkdwn(f"*{fmt(total)} restore jobs* in {len(answered)} region{'s' * (len(answered) != 1)}"),
                fields=fields,
            )
        )
        show_states = len(by_state) > 1
        if result.period is Period.ONE_DAY:
            blocks.append(_section("*Per day*\n" + fit_lines(_daily_lines(rows), limit=16)))
        if flt.resource_type != AGGREGATE_ALL:
            blocks.append(
                _section("*By resource type*\n" + fit_lines(_group_lines(rows, lambda r: r.resource_type, show_states)))
            )
        blocks.append(
            _section(
                "*By account / region*\n"
                + fit_lines(_group_lines(rows, lambda r: f"{r.account_id} · {r.region}", show_states))
            )
        )

    blocks += _region_notes(result.failures, result.truncated, bool(answered))

    trailer: list[Block] = []
    if total and result.window:
        trailer += _drill_down_controls(result, result.window)
    if not flt.share:
        # In-place controls only on the caller's own (ephemeral) copy: redrawing a channel message would
        # change it for everyone.
        trailer.append(_filter_controls(flt))
    trailer.append(
        _context(
            f"`{command} {flt.to_text()}` · {result.aws_calls} AWS call{'s' * (result.aws_calls != 1)} · "
            f"{result.elapsed:.1f} s · `{command} help` for options"
        )
    )
    text = _fallback(result, total, sample)
    response_type: Literal["ephemeral", "in_channel"] = "in_channel" if flt.share else "ephemeral"
    return _bounded(Message(text=text, blocks=blocks + trailer, response_type=response_type), keep_tail=len(trailer))


def _button(label: str, action_id: str, value: ActionValue, *, primary: bool = False) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=_clip(label, 75), emoji=True),
        action_id=action_id,
        value=value.encode(),
        style="primary" if primary else None,
    )


def drill_states(flt: RestoreFilter) -> tuple[str, ...]:
    """The job statuses a drill-down can list for this answer."""
    return (flt.state,) if flt.state in JOB_LIST_STATES else ("FAILED", "ABORTED")


def _drill_down_controls(result: SummaryResult, window: tuple[datetime, datetime]) -> list[Block]:
    flt = result.filter
    by_state = dict(totals_by(result.rows, lambda r: r.state))
    buttons = [
        _button(
            f"{STATE_ICONS[s]} {fmt(by_state[s])} {s.lower()} jobs",
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
        _context("*Why?* Open the jobs behind a count, grouped by failure reason:"),
        ActionsBlock(block_id="restores_drill", elements=elements),
    ]


def _row_option_groups(result: SummaryResult, window: tuple[datetime, datetime]) -> list[OptionGroup]:
    flt = replace(result.filter, share=False)
    budget = MAX_ROW_OPTIONS
    groups: list[OptionGroup] = []
    dimensions: list[tuple[str, Callable[[SummaryRow], tuple[str, str | None, str | None]]]] = []
    if flt.resource_type == ANY:
        dimensions.append(("By resource type", lambda r: (r.resource_type, r.resource_type, None)))
    if flt.account in (ANY, None) or len(flt.regions) > 1:
        dimensions.append(("By account · region", lambda r: (f"{r.account_id} · {r.region}", None, r.region)))
    for label, key in dimensions:
        options: list[Option] = []
        for state in drill_states(flt):
            rows = [r for r in result.rows if r.state == state]
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
                        text=PlainTextObject(text=_clip(f"{name} — {fmt(count)} {state.lower()}", MAX_OPTION_TEXT)),
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
        _button(
            period.short,
            ActionId.PERIOD.with_suffix(period.short),
            ActionValue(replace(base, period=period)),
            primary=flt.period is period,
        )
        for period in Period
    ]
    for label, state in (("Failed", "FAILED"), ("Aborted", "ABORTED"), ("All states", ANY)):
        elements.append(
            _button(
                label,
                ActionId.STATE.with_suffix(state.lower()),
                ActionValue(replace(base, state=state)),
                primary=flt.state == state,
            )
        )
    elements.append(_button(":loudspeaker: Share to channel", ActionId.SHARE.value, ActionValue(base)))
    return ActionsBlock(block_id="restores_controls", elements=elements)


def _fallback(result: SummaryResult, total: int, sample: bool) -> str:
    flt = result.filter
    parts = [f"AWS Backup restores ({state_label(flt.state)}, {result.period.label}): {fmt(total)} jobs"]
    breakdown = _state_breakdown(result.rows, icons=False)  # notifications show plain text, not emoji codes
    if breakdown and flt.state == ANY:
        parts.append(breakdown)
    if result.failures:
        parts.append("regions not answering: " + ", ".join(f.region for f in result.failures))
    text = "; ".join(parts)
    if sample:
        text = "[sample data] " + text
    return _clip(text, MAX_FALLBACK_TEXT)


def _bounded(message: Message, *, keep_tail: int = 1) -> Message:
    """Last line of defence: drop content blocks (never the header or the trailing controls) until the
    message fits Slack's block count and size limits, and say so."""
    blocks = list(message.blocks)
    dropped = 0

    def size() -> int:
        return sum(len(json.dumps(b.to_dict(), ensure_ascii=False)) for b in blocks)

    while len(blocks) > keep_tail + 2 and (len(blocks) >= MAX_BLOCKS or size() > MAX_MESSAGE_CHARS):
        blocks.pop(-(keep_tail + 1))
        dropped += 1
    if dropped:
        note = _context(f"_{dropped} more section{'s' * (dropped != 1)} left out to fit Slack's limits._")
        blocks.insert(len(blocks) - keep_tail, note)
    return Message(text=message.text, blocks=tuple(blocks), response_type=message.response_type)


def _plan_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1] if ":" in arn else arn


def _job_origin(job: RestoreJobRow) -> str:
    if not job.is_restore_test:
        return "on-demand"
    text = f":test_tube: restore test `{_plan_name(job.restore_testing_plan_arn or '')}`"
    if job.validation_status:
        text += f", validation *{job.validation_status}*"
        if job.validation_status_message:
            text += f" ({_clip(job.validation_status_message, 80)})"
    return text


def _job_line(job: RestoreJobRow) -> str:
    arn = f" · `{_clip(job.resource_arn, 120)}`" if job.resource_arn else ""
    return (
        f"• `{job.created:%Y-%m-%d %H:%M}` {job.resource_type} · {job.account_id} · {job.region}{arn} · {_job_origin(job)}"
    )


def _counted(values: Iterable[str]) -> str:
    sums: dict[str, int] = defaultdict(int)
    for value in values:
        sums[value] += 1
    return ", ".join(f"{name} ×{n}" for name, n in sorted(sums.items(), key=lambda item: (-item[1], item[0])))


def render_jobs(result: JobsResult, flt: RestoreFilter, *, sample: bool = False, command: str = "/restores") -> Message:
    """The jobs behind a count, grouped by failure reason (StatusMessage), most frequent first."""
    query = result.query
    jobs = result.jobs
    status = (query.status or "all").lower()
    window = f"{fmt_time(query.created_after)} – {fmt_time(query.created_before)}"
    blocks: list[Block] = [
        _header(f"Restore jobs — {status}, created {query.created_after:%d %b}–{query.created_before:%d %b}")
    ]
    if sample:
        blocks.append(_context(":test_tube: *Sample data* bundled with the bot — not your AWS account."))
    blocks.append(_context(f"*Created:* {window}", f"*Scope:* {describe_scope(replace(flt, state=query.status or ANY))}"))
    answered = [r for r in query.regions if r not in {f.region for f in result.failures}]
    if not answered:
        blocks.append(_section(":rotating_light: *No region could be queried*, so there are no jobs to show."))
    elif not jobs:
        blocks.append(_section(f"*No {status} restore jobs* were created in {', '.join(answered)} in this window."))
    else:
        tests = [j for j in jobs if j.is_restore_test]
        summary = f"*{fmt(len(jobs))} {status} restore job{'s' * (len(jobs) != 1)}*"
        if tests:
            validation = _counted(j.validation_status or "no validation" for j in tests)
            summary += f" · :test_tube: {fmt(len(tests))} from restore testing ({validation})"
            summary += f" · {fmt(len(jobs) - len(tests))} on-demand"
        blocks.append(_section(summary))
        ordered = sorted(_group_reasons(jobs).items(), key=lambda item: (-len(item[1]), item[0]))
        for reason, members in ordered[:JOB_GROUPS]:
            variants = {j.status_message for j in members}
            example = next(iter(variants)) if len(variants) == 1 else f"{reason}  _({len(variants)} variants)_"
            lines = [
                f"*{fmt(len(members))} ×* {_clip(example, 400)}",
                f"{_counted(j.resource_type for j in members)} · accounts {_counted(j.account_id for j in members)} · "
                f"{_counted(j.region for j in members)}",
            ]
            tests_here = [j for j in members if j.is_restore_test]
            if tests_here:
                lines[1] += f" · :test_tube: {fmt(len(tests_here))} from restore testing"
            examples = list(members[:JOB_EXAMPLES])
            if tests_here and not any(j.is_restore_test for j in examples):
                examples[-1] = tests_here[0]  # show what a failing restore test looks like, not only on-demand
            lines += [_job_line(j) for j in examples]
            if len(members) > JOB_EXAMPLES:
                lines.append(f"_…and {len(members) - JOB_EXAMPLES} more with this reason_")
            blocks.append(_section("\n".join(lines)))
        if len(ordered) > JOB_GROUPS:
            rest = sum(len(m) for _, m in ordered[JOB_GROUPS:])
            blocks.append(_section(f"_…and {len(ordered) - JOB_GROUPS} more reasons ({fmt(rest)} jobs)_"))
    blocks += _region_notes(
        result.failures, result.truncated, False, "more jobs than the bot reads at once; counts are a lower bound."
    )
    footer = _context(
        f"`{command} jobs {flt.to_text()}` · {result.aws_calls} AWS call{'s' * (result.aws_calls != 1)} · "
        f"{result.elapsed:.1f} s"
    )
    text = f"{fmt(len(jobs))} {status} restore jobs created {window}"
    if jobs:
        top = max(((r, len(m)) for r, m in _group_reasons(jobs).items()), key=lambda item: item[1])
        text += f"; most common reason ({top[1]}): {_clip(top[0], 200)}"
    if result.failures:
        text += "; regions not answering: " + ", ".join(f.region for f in result.failures)
    return _bounded(Message(text=_clip(text, MAX_FALLBACK_TEXT), blocks=[*blocks, footer]))


_REASON_IDS = (
    (re.compile(r"arn:aws[a-z-]*:[^\s'\"]+"), "<ARN>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b(?:vol|i|subnet|sg|snap|ami|vpc|eni|fs|fsvol|rtb|igw)-[0-9a-f]{8,17}\b"), "<id>"),
    (re.compile(r"\b[0-9]{12}\b"), "<account>"),
)


def reason_key(message: str) -> str:
    """A failure reason with its resource ids taken out, so the same cause on different resources groups."""
    key = message.strip() or "(no status message)"
    for pattern, placeholder in _REASON_IDS:
        key = pattern.sub(placeholder, key)
    return key


def _group_reasons(jobs: Sequence[RestoreJobRow]) -> dict[str, list[RestoreJobRow]]:
    groups: dict[str, list[RestoreJobRow]] = defaultdict(list)
    for job in jobs:
        groups[reason_key(job.status_message)].append(job)
    return groups


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


def render_digest(data: DigestData, *, command: str = "/restores") -> Message:
    """The daily FAILED/ABORTED digest for one UTC day."""
    day = f"{data.day:%a %d %b %Y}"
    blocks: list[Block] = [_header(f"Daily restore digest — {day} (UTC)")]
    answered = [r for r in data.regions if r not in {f.region for f in data.failures}]
    scope = describe_scope(
        RestoreFilter(state="FAILED", account=data.account, regions=data.regions, visible_accounts=data.visible_accounts)
    )
    blocks.append(_context(f"*Scope:* failed and aborted · {scope.split(' · ', 1)[1]}"))
    if not answered:
        blocks.append(_section(":rotating_light: *No region could be queried*; no numbers for this day."))
    elif data.all_clear:
        blocks.append(
            _section(
                f":white_check_mark: *All clear*: no failed or aborted restores on {day}; {fmt(data.completed)} completed."
            )
        )
    else:
        blocks.append(
            SectionBlock(
                text=_mrkdwn(
                    f"*{fmt(data.bad)} restore jobs failed or were aborted* on {day}; {fmt(data.completed)} completed."
                ),
                fields=[
                    MarkdownTextObject(text=f"{STATE_ICONS['FAILED']} *FAILED*\n{fmt(data.failed)}"),
                    MarkdownTextObject(text=f"{STATE_ICONS['ABORTED']} *ABORTED*\n{fmt(data.aborted)}"),
                ],
            )
        )
        rows = data.rows
        blocks.append(_section("*By account*\n" + fit_lines(_group_lines(rows, lambda r: r.account_id, True), limit=8)))
        blocks.append(_section("*By region*\n" + fit_lines(_group_lines(rows, lambda r: r.region, True), limit=8)))
        blocks.append(
            _section("*By resource type*\n" + fit_lines(_group_lines(rows, lambda r: r.resource_type, True), limit=8))
        )
    if answered:
        blocks.append(_section(_trend_text(data)))
    drill = _digest_drill_down(data)
    blocks += _region_notes(data.failures, data.truncated, bool(answered))
    blocks += drill
    blocks.append(_context(f"`{command} failed 1d` for the last 14 days · posted by restores bot"))

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
        text += "; regions not answering: " + ", ".join(f.region for f in data.failures)
    return _bounded(
        Message(text=_clip(text, MAX_FALLBACK_TEXT), blocks=blocks, response_type="in_channel"),
        keep_tail=len(drill) + 1,
    )


def _digest_drill_down(data: DigestData) -> list[Block]:
    start = datetime(data.day.year, data.day.month, data.day.day, tzinfo=UTC)
    window = (start, start + timedelta(days=1))
    counts = {"FAILED": data.failed, "ABORTED": data.aborted}
    buttons = [
        _button(
            f"{STATE_ICONS[state]} {fmt(n)} {state.lower()} jobs",
            ActionId.JOBS.with_suffix(state.lower()),
            ActionValue(
                RestoreFilter(state=state, period=Period.ONE_DAY, account=data.account, regions=data.regions), window
            ),
        )
        for state, n in counts.items()
        if n
    ]
    return [ActionsBlock(block_id="restores_digest_drill", elements=buttons)] if buttons else []


HELP_EXAMPLES = (
    ("`/restores`", "everything in the last 7 days, in the default regions"),
    ("`/restores failed 7d`", "failed restores in the last 7 days"),
    ("`/restores aborted 1d type:EBS`", "aborted EBS restores, day by day for 14 days"),
    ("`/restores completed 14d rds eu-west-1`", "completed RDS restores in eu-west-1"),
    ("`/restores failed account:ANY`", "every account of the organization (management or delegated admin only)"),
    ("`/restores failed region:us-east-1,eu-west-1 share`", "post the answer to the channel"),
    ("`/restores jobs failed 1d type:EBS`", "which EBS restores failed in the last day, and why"),
)


def render_help(command: str = "/restores", default_regions: Sequence[str] = ()) -> Message:
    regions = ", ".join(default_regions) or "the AWS default region"
    grammar = (
        "*State* — `failed` `aborted` `completed` `running` `pending` `created`, or `state:ANY` (a row per state, "
        "the default) / `state:AGGREGATE_ALL` (summed)\n"
        "*Period* — `1d` (day by day, last 14 days), `7d` (default), `14d`; also `period:SEVEN_DAYS`\n"
        '*Resource type* — `type:EBS`, `type:"Storage Gateway"`, or just `ebs`, `rds`, `dynamodb`, `efs`, ... '
        "(`type:ANY` default, `type:AGGREGATE_ALL` summed)\n"
        "*Account* — `123456789012` or `account:ANY` / `account:AGGREGATE_ALL` (org-wide: needs the "
        "Organizations management or delegated-admin account). Default: the bot's own account\n"
        f"*Region* — `eu-west-1` or `region:us-east-1,eu-west-1`. Default: {regions}\n"
        "*share* — post the answer in the channel instead of only to you (or click *Share to channel*)\n"
        "*jobs* — list the jobs themselves, grouped by failure reason, with restore tests told apart: "
        "`jobs failed 1d type:EBS` (`1d`/`7d`/`14d` = created in the last 1/7/14 days; default state failed)"
    )
    examples = "\n".join(f"{cmd} — {what}" for cmd, what in HELP_EXAMPLES).replace("/restores", command)
    blocks: list[Block] = [
        _header("restores bot — is our AWS Backup restore working?"),
        _section(f"Type `{command}` with filters in any order, any case."),
        _section(grammar),
        _section("*Examples*\n" + examples),
        _context(
            "Answers carry buttons: open the jobs behind a count, switch period or state in place, share to the "
            "channel. Counts come from AWS Backup `ListRestoreJobSummaries` (jobs of the last 30 days), jobs "
            "from `ListRestoreJobs`."
        ),
    ]
    return Message(text=f"{command} usage: [state] [1d|7d|14d] [type:TYPE] [account:ID] [region] [share]", blocks=blocks)


def render_parse_error(error: ParseError, command: str = "/restores") -> Message:
    text = f":thinking_face: {error.user_message()}\nSee `{command} help` for examples."
    return Message(text=_clip(text, MAX_FALLBACK_TEXT), blocks=(_section(text),))


def render_refusal(command: str = "/restores") -> Message:
    text = (
        f":lock: Sorry, `{command}` is not enabled for you in this channel. "
        "Ask the bot's admins to add you or this channel to its allow-list."
    )
    return Message(text=text, blocks=(_section(text),))


def render_out_of_scope(reason: str) -> Message:
    text = f":lock: {reason}"
    return Message(text=_clip(text, MAX_FALLBACK_TEXT), blocks=(_section(text),))


def render_stale_action() -> Message:
    text = (
        ":hourglass: That button is from an older or unknown message, so I can't act on it. "
        "Run `/restores` again for a fresh answer."
    )
    return Message(text=text, blocks=(_section(text),))


def render_internal_error(reference: str) -> Message:
    text = (
        ":boom: Something went wrong while answering; nothing was shown to others. "
        f"Try again in a minute. If it keeps happening, give the bot's admins this reference: `{reference}`."
    )
    return Message(text=text, blocks=(_section(text),))


TERMINAL_EMOJI = {
    ":x:": "✖",
    ":no_entry_sign:": "⊘",
    ":white_check_mark:": "✔",
    ":arrows_counterclockwise:": "↻",
    ":hourglass_flowing_sand:": "⧗",
    ":new:": "+",
    ":heavy_plus_sign:": "Σ",
    ":warning:": "⚠",
    ":rotating_light:": "‼",
    ":scissors:": "✂",
    ":test_tube:": "⚗",
    ":thinking_face:": "?",
    ":lock:": "🔒",
    ":boom:": "!",
    ":small_red_triangle:": "▲",
    ":small_red_triangle_down:": "▼",
    ":heavy_minus_sign:": "=",
}


def message_as_text(message: Message) -> str:
    """Readable rendering of a message for a terminal (`python -m bot ask`)."""
    text = _blocks_as_text(message)
    for code, symbol in TERMINAL_EMOJI.items():
        text = text.replace(code, symbol)
    return text


def _blocks_as_text(message: Message) -> str:
    out: list[str] = []
    for block in message.block_dicts():
        kind = block.get("type")
        if kind == "header":
            title = block["text"]["text"]
            out += [title, "=" * len(title)]
        elif kind == "section":
            if block.get("text"):
                out.append(block["text"]["text"])
            if block.get("fields"):
                out.append("   ".join(f["text"].replace("\n", ": ") for f in block["fields"]))
        elif kind == "context":
            out.append("  ".join(e.get("text", "") for e in block["elements"]))
        elif kind == "divider":
            out.append("-" * 40)
        out.append("")
    return "\n".join(out).rstrip() + "\n"
