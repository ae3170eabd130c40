"""Alerts as Slack messages: the day's parent ("Restore failures today: N"), a reply per failure reason, a catch-up
notice. Pure: every AWS string is escaped and clipped here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from slack_sdk.models.blocks import Block

from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.console import job_url, plan_url, resource_url
from bot.domain.query import RestoreFilter, Span, State
from bot.domain.results import RestoreJobRow
from bot.domain.words import covering_span, day_text, jobs_command, window_text
from bot.slack.blocks import Message, clip, code, context, escape, fmt, link, plain, quoted, section

REASON_CHARS = 600  # of the first job's StatusMessage, in the reply's quote
REASON_FALLBACK_CHARS = 150  # in the notification text


def mention(group_id: str | None) -> str:
    """How Slack notifies a user group (a bare @handle in a bot's text notifies nobody)."""
    return f"<!subteam^{group_id}>" if group_id else ""


def ran_for(job: RestoreJobRow) -> str:
    """How long a job ran, from its creation to its completion, in the unit that reads best."""
    if job.completed is None:
        return "unknown time"
    seconds = max(0, int((job.completed - job.created).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def span(delta: timedelta) -> str:
    hours, seconds = divmod(int(delta.total_seconds()), 3600)
    days, hours = divmod(hours, 24)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours or days else []
    parts.append(f"{seconds // 60} min")
    return " ".join(parts)


def render_parent(day: date, count: int, group_id: str | None) -> Message:
    """The day's thread parent in a channel, posted with the first failure (mentioning the on-call group) and edited
    in place as the count grows (an edit notifies nobody, so the mention may stay)."""
    ping = mention(group_id)
    headline = f"Restore failures today: {fmt(count)}"
    text = f"{ping} {headline}" if ping else headline
    blocks: list[Block] = [
        section(f"{ping + ' ' if ping else ''}:rotating_light: *Restore failures today* ({day_text(day)} {day.year}, UTC): "
                f"*{fmt(count)}*"),
        context(f"Each failed or aborted restore job is a reply in this thread, a few minutes after AWS Backup reports "
                f"it · {_listing(Span.DAY)} list the last 24 h, today's included"),
    ]
    return Message(text=text, blocks=tuple(blocks), response_type="in_channel")


def _plan_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1] if ":" in arn else arn


def _job_section(job: RestoreJobRow, names: AccountNames = NO_NAMES) -> str:
    """One job, led by what it restored (the resource, with its console page), then where, how long, the plan, and
    last the job id (36 characters nobody reads first) with its console page."""
    kind = escape(clip(job.resource_type, 60)) or "resource"
    if job.resource_arn:
        line = f"• *{kind}* {code(job.resource_arn, 300)}"
        line += _console(resource_url(job.region, job.resource_arn), "resource")
    else:
        line = f"• *{kind}* (AWS named no resource)"
    account = names.text(job.account_id) if job.account_id else ""
    where = " · ".join(escape(clip(v, 60)) for v in (account, job.region) if v)
    line += f"\n   {where} · ran {ran_for(job)}"
    if job.completed is not None:
        line += f" · ended {job.completed:%H:%M} UTC"
    if job.is_restore_test:
        plan = job.restore_testing_plan_arn or ""
        line += f"\n   :test_tube: restore testing plan {code(_plan_name(plan), 120)}{_console(plan_url(plan), 'plan')}"
        if job.validation_status:
            line += f", validation *{escape(clip(job.validation_status, 40))}*"
    else:
        line += " · on-demand"
    line += f"\n   job {code(job.job_id, 80)}{_console(job_url(job.region, job.job_id), 'job')}"
    return line


def _console(url: str | None, what: str) -> str:
    shown = link(url, f"{what} in the AWS console")
    return f" ({shown})" if shown else ""


def render_reply(jobs: Sequence[RestoreJobRow], names: AccountNames = NO_NAMES) -> Message:
    """One thread reply for jobs that failed for the same reason in one poll: the reason once (the first job's own
    words), then each job with its resource, account (its name when `names` has it), region, restore testing plan and
    how long it ran."""
    first = jobs[0]
    label = State.of(first.status)
    icon = label.icon if label else ":warning:"
    status = escape(clip(first.status, 40))
    reason = first.status_message or "(no status message)"
    many = f"{len(jobs)} restore jobs" if len(jobs) > 1 else "1 restore job"
    blocks: list[Block] = [section(f"{icon} *{status}* — {many}\n>{quoted(reason, REASON_CHARS)}")]
    blocks += [section(_job_section(job, names)) for job in jobs]
    text = f"{status}: {many} — {plain(reason, REASON_FALLBACK_CHARS)}"
    return Message(text=text, blocks=tuple(blocks), response_type="in_channel")


def _listing(span: Span) -> str:
    """The job lists that hold what the alerts say (failed and aborted), over the rolling `span` ending now."""
    failed, aborted = (jobs_command(RestoreFilter(state=state), span) for state in (State.FAILED, State.ABORTED))
    return f"`{failed}` and `{aborted}`"


def render_gap(skipped_from: datetime, skipped_to: datetime, catch_up: timedelta) -> Message:
    """Said once in a channel when the bot was not polling for longer than it catches up on."""
    missed = span(skipped_to - skipped_from)
    text = (f":warning: *Restore alerts were not checked for {missed}*, {window_text(skipped_from, skipped_to)}: "
            f"the bot was not polling for longer than the {span(catch_up)} it catches up on. Restores that failed or were "
            f"aborted then are not in these alerts; {_listing(covering_span(skipped_from, skipped_to + catch_up))} list "
            "them.")
    return Message(text=f"Restore alerts were not checked for {missed}", blocks=(section(text),),
                   response_type="in_channel")
