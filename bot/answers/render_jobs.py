"""The jobs behind a count (ListRestoreJobs), grouped by failure reason, restore tests told apart."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from slack_sdk.models.blocks import Block

from bot.answers.render import named_scope
from bot.domain import words
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.console import job_url, plan_url, resource_url
from bot.domain.coverage import Claim, Coverage, reassure
from bot.domain.query import COMMAND, RestoreFilter, State
from bot.domain.reasons import group_reasons
from bot.domain.results import JobsResult, RestoreJobRow
from bot.slack.blocks import (
    JOB_EXAMPLES,
    JOB_GROUPS,
    MAX_FALLBACK_TEXT,
    MAX_SECTION_TEXT,
    SAMPLE_NOTE,
    Message,
    bounded,
    clip,
    code,
    context,
    escape,
    fit_lines,
    fmt,
    header,
    link,
    plain,
    quoted,
    region_notes,
    section,
)

MAX_LINK_URL = 600  # a console link longer than this (a very long ARN) is left out rather than crowd its group


def _plan_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1] if ":" in arn else arn


def _job_origin(job: RestoreJobRow) -> str:
    if not job.is_restore_test:
        return "on-demand"
    # Plan names and validation messages are free text set in member accounts (PutRestoreValidationResult).
    text = f":test_tube: restore test {code(_plan_name(job.restore_testing_plan_arn or ''), 120)}"
    if job.validation_status:
        text += f", validation *{escape(job.validation_status)}*"
        if job.validation_status_message:
            text += f" ({quoted(job.validation_status_message, 80)})"
    return text


def _job_line(job: RestoreJobRow, names: AccountNames, *, links: bool = True) -> str:
    """One job; under it, with `links`, its resource, restore testing plan and job in the AWS console."""
    arn = f" · {code(job.resource_arn, 120)}" if job.resource_arn else ""
    where = " · ".join(escape(v) for v in (job.resource_type, names.text(job.account_id), job.region))
    line = f"• `{job.created:%Y-%m-%d %H:%M}` {where}{arn} · {_job_origin(job)}"
    console = _console_links(job) if links else ""
    return f"{line}\n   {console}" if console else line


def _console_links(job: RestoreJobRow) -> str:
    """The resource first, then the plan and the job (bot.domain.console: none in a partition without a console, nor
    for a URL too long to show whole)."""
    plan = job.restore_testing_plan_arn if job.is_restore_test else None
    urls = ((resource_url(job.region, job.resource_arn) if job.resource_arn else None, "resource"),
            (plan_url(plan) if plan else None, "plan"), (job_url(job.region, job.job_id), "job"))
    shown = [link(url, f"{what} in the AWS console") for url, what in urls if url and len(url) <= MAX_LINK_URL]
    return " · ".join(s for s in shown if s)


def _counted(values: Iterable[str]) -> str:
    sums: dict[str, int] = defaultdict(int)
    for value in values:
        sums[value] += 1
    return ", ".join(f"{escape(name)} ×{n}" for name, n in sorted(sums.items(), key=lambda item: (-item[1], item[0])))


def render_jobs(
    result: JobsResult,
    flt: RestoreFilter,
    *,
    sample: bool = False,
    command: str = COMMAND,
    title: str | None = None,
    footer: str | None = None,
    rolling: bool = False,
    own_account: str | None = None,
    names: AccountNames = NO_NAMES,
    links: bool = True,
) -> Message:
    """The jobs behind a count, grouped by failure reason (StatusMessage), most frequent first. `names`: the accounts'
    names (ids alone when empty). `title` and `footer`
    replace the header and the command shown at the bottom (a restore testing plan's jobs have no summary filter).
    `rolling`: the window is the typed one, ending now ("last 24 h, to …"), not a count's fixed days. Each example job
    links its resource, plan and job in the AWS console (`links`), unless the links would push sections out of the
    message: then none does."""
    query = result.query
    jobs = result.jobs
    status = (query.status or "all").lower()
    length = query.created_before - query.created_after
    window = (words.rolling_text(length, query.created_before) if rolling
              else words.window_text(query.created_after, query.created_before))
    created = f"last {words.duration_text(length)}" if rolling else window
    blocks: list[Block] = [header(title or f"Restore jobs — {status}, created {created}")]
    if sample:
        blocks.append(context(SAMPLE_NOTE))
    scope = named_scope(words.scope_text(replace(flt, state=query.status or State.ANY), own_account), flt.account, names)
    blocks.append(context(f"*Created:* {window}", f"*Scope:* {escape(scope)}"))
    answered = [r for r in query.regions if r not in {f.region for f in result.failures}]
    coverage = Coverage.of(
        result.incomplete, [f.region for f in result.failures], [f"{r} (cut short)" for r in result.truncated]
    )
    if not answered:
        blocks.append(section(
            f":rotating_light: *Couldn't read restore jobs* in {escape(', '.join(query.regions) or 'any region')}: "
            "no region answered (why below), so there are no jobs to show."
        ))
    elif not jobs and not coverage.complete:
        # Not every region, account or page was read (listed below): nothing found is not "none were created".
        blocks.append(section(f":warning: *No {status} restore jobs found in what was read*; the read was incomplete, so "
                              "this is not an all clear."))
    elif not jobs:
        blocks.append(section(reassure(coverage, Claim.NO_JOBS, f" were created in {', '.join(answered)} in this window.",
                                       what=status, style="bold")))
    else:
        tests = [j for j in jobs if j.is_restore_test]
        at_least = "at least " if result.incomplete or not result.not_read_exact else ""
        total = len(jobs) + result.not_read
        summary = f"*{at_least}{words.jobs_text(total, query.status)}*"
        if result.not_read:
            # Past the cap jobs are counted, not kept: the total is exact, the grouping covers the ones read.
            summary += f" · {fmt(len(jobs))} grouped below; {at_least}{fmt(result.not_read)} more counted, not read"
        if tests:
            validation = _counted(j.validation_status or "no validation" for j in tests)
            summary += f" · :test_tube: {fmt(len(tests))} from restore testing ({validation})"
            summary += f" · {fmt(len(jobs) - len(tests))} on-demand"
        blocks.append(section(summary))
        ordered = sorted(group_reasons(jobs).items(), key=lambda item: (-len(item[1]), item[0]))
        for reason, members in ordered[:JOB_GROUPS]:
            variants = {j.status_message for j in members}
            # StatusMessage is AWS's free text (and reason keys hold <ARN>-style placeholders): escaped, never mrkdwn.
            example = (
                quoted(next(iter(variants)), 400)
                if len(variants) == 1
                else f"{quoted(reason, 400)}  _({len(variants)} variants)_"
            )
            lines = [
                f"*{fmt(len(members))} ×* {example}",
                f"{_counted(j.resource_type for j in members)} · "
                f"accounts {_counted(names.text(j.account_id) for j in members)} · {_counted(j.region for j in members)}",
            ]
            tests_here = [j for j in members if j.is_restore_test]
            if tests_here:
                lines[1] += f" · :test_tube: {fmt(len(tests_here))} from restore testing"
            examples = list(members[:JOB_EXAMPLES])
            if tests_here and not any(j.is_restore_test for j in examples):
                examples[-1] = tests_here[0]  # show what a failing restore test looks like, not only on-demand
            tail = [f"_…and {len(members) - JOB_EXAMPLES} more with this reason_"] if len(members) > JOB_EXAMPLES else []
            text = "\n".join(lines + [_job_line(j, names, links=links) for j in examples] + tail)
            if len(text) > MAX_SECTION_TEXT:  # a link is never clipped mid-way: a group too long for them shows none
                text = "\n".join(lines + [_job_line(j, names, links=False) for j in examples] + tail)
            blocks.append(section(text))
        if len(ordered) > JOB_GROUPS:
            rest = sum(len(m) for _, m in ordered[JOB_GROUPS:])
            more = words.plural(len(ordered) - JOB_GROUPS, "more reason")
            blocks.append(section(f"_…and {more} ({words.plural(rest, 'job')})_"))
    if result.incomplete:
        lines = [":warning: *Incomplete:*"] + [f"• {escape(note)}" for note in result.incomplete]
        blocks.append(section(fit_lines(lines, limit=10)))
    blocks += region_notes(
        result.failures, result.truncated, False, "more jobs than the bot reads at once; counts are a lower bound."
    )
    shown = footer or f"{command} jobs {flt.to_text()}"
    footer_block = context(
        f"`{shown}` · {result.aws_calls} AWS call{'s' * (result.aws_calls != 1)} · {result.elapsed:.1f} s"
    )
    counted = len(jobs) + result.not_read  # past the cap jobs are counted, not kept: the notification says them too
    at_least = "at least " if result.incomplete or (result.not_read and not result.not_read_exact) else ""
    said = f"{at_least}{words.jobs_text(counted, query.status)}"
    text = f"{'incomplete: ' if result.incomplete else ''}{said} created {window}"
    if not answered:
        text = f"couldn't read restore jobs created {window}: no region answered"
    if jobs:
        top = max(((r, len(m)) for r, m in group_reasons(jobs).items()), key=lambda item: item[1])
        text += f"; most common reason ({top[1]}): {plain(top[0], 200)}"
    if result.failures:
        text += "; regions not answering: " + ", ".join(escape(f.region) for f in result.failures)
    message = Message(text=clip(text, MAX_FALLBACK_TEXT), blocks=(*blocks, footer_block))
    fitted = bounded(message)
    if links and tuple(fitted.blocks) != message.blocks:  # the sections matter more than their console links
        return render_jobs(result, flt, sample=sample, command=command, title=title, footer=footer, rolling=rolling,
                           own_account=own_account, names=names, links=False)
    return fitted
