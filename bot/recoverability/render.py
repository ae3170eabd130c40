"""`/restores resource` and `/restores coverage` as Block Kit (pure). Reassuring marks come from reassure() alone, and
only when every part was read."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock, PlainTextObject

from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.console import resource_url
from bot.domain.coverage import MARK, Claim, Coverage, reassure
from bot.domain.query import COMMAND, State
from bot.domain.recoverability import VALIDATION_PASSED, CoverageRead, Lookup, ProtectedResource, ResourceReport
from bot.domain.results import RestoreJobRow
from bot.domain.words import OWN_UNKNOWN, mark_own, rolling_text
from bot.recoverability.controls import HistoryValue, ResourceAction
from bot.recoverability.grammar import CoverageQuery, ResourceQuery
from bot.recoverability.verdicts import (
    VALIDATING,
    CoverageVerdict,
    Standing,
    Tally,
    ago,
    judge,
    minutes,
)
from bot.slack.blocks import (
    MAX_FALLBACK_TEXT,
    SAMPLE_NOTE,
    Message,
    bounded,
    button,
    clip,
    code,
    context,
    escape,
    fit_lines,
    fmt,
    fmt_time,
    header,
    one_line,
    section,
)

HISTORY = 5  # restores listed under a resource's verdict
MATCHES = 15  # resources listed when a name matches several
UNPROVEN = 20  # resources without a good restore listed under the coverage
BLOCK_ID = "restores_resource"
HISTORY_LINES = 25  # restores the history button lists


def _plural(n: int, word: str) -> str:
    return f"{fmt(n)} {word}{'s' * (n != 1)}"


def account_words(account: str, names: AccountNames = NO_NAMES, own: str = "") -> str:
    """"account prod-payments · 4444…6666", "account management · 1111…3333 (the bot's own)"; "" is the bot's own
    account whose id could not be read."""
    return f"account {_shown(account, names, own)}" if account else OWN_UNKNOWN


def _shown(account: str, names: AccountNames, own: str) -> str:
    return mark_own(names.label(account), account, own) if account else OWN_UNKNOWN


def accounts_line(accounts: tuple[str, ...], names: AccountNames = NO_NAMES, own: str = "") -> str:
    named = [_shown(a, names, own) for a in accounts if a]
    words = [OWN_UNKNOWN] if "" in accounts else []
    if named:
        words.append(f"account{'s' * (len(named) > 1)} {', '.join(named)}")
    return clip(" and ".join(words) or "no account", 300)


def _where(resource: ProtectedResource, names: AccountNames = NO_NAMES, own: str = "") -> str:
    return (f"{escape(resource.resource_type)} · {account_words(resource.account_id, names, own)} · "
            f"{escape(resource.region)}")


def _plan(job: RestoreJobRow, plans: dict[str, str]) -> str:
    arn = job.restore_testing_plan_arn or ""
    return escape(clip(plans.get(arn) or arn.rsplit(":", 1)[-1], 80))


def _job_line(job: RestoreJobRow, plans: dict[str, str], now: datetime) -> str:
    state = State(job.status) if job.status in State.__members__ else None
    icon = state.icon if state is not None and state.icon else ":grey_question:"
    parts = [f"{icon} {escape(job.status.lower())}", f"{fmt_time(job.created)} ({ago(job.created, now)})"]
    if job.minutes is not None:
        parts.append(minutes(job))
    if job.validation_status:
        parts.append(f"validation {escape(job.validation_status.lower())}")
    if job.restore_testing_plan_arn:
        parts.append(f"restore test of plan {_plan(job, plans)}")
    line = " · ".join(parts)
    reason = job.status_message or job.validation_status_message or ""
    return line + (f" — {code(reason, 200)}" if reason else "")


def verdict_line(report: ResourceReport, now: datetime) -> str:
    """The verdict in words; a mark of success only through reassure() (nothing unread)."""
    verdict = judge(report)
    coverage = Coverage.of(report.not_read, ["its restore jobs past the first pages"] if report.jobs_capped else [])
    latest, proof = verdict.latest, verdict.last_proof
    if verdict.standing is Standing.NEVER:
        line = ":x: *Never restored: no evidence it can be.*"
        if report.latest.created is not None:  # AWS's summary knows one the job list did not show
            line = f":warning: *AWS last restored it {ago(report.latest.created, now)}, but its restore jobs were not read.*"
    elif verdict.standing is Standing.FAILED and latest is not None:
        reason = code(latest.status_message, 300) if latest.status_message else "no reason given"
        line = f":x: *Last restore {escape(latest.status.lower())} {ago(latest.created, now)}:* {reason}"
        if proof is not None:
            line += f"\nThe last good restore was {ago(proof.created, now)}, in {minutes(proof)}."
    elif verdict.standing is Standing.UNVALIDATED and latest is not None:
        what = "is still running" if latest.validation_status == VALIDATING else \
            f"ended {escape((latest.validation_status or '').lower())}"
        line = f":warning: *Restored {ago(latest.created, now)} in {minutes(latest)}, but its validation {what}*"
        if latest.validation_status_message:
            line += f": {code(latest.validation_status_message, 300)}"
    elif latest is not None:
        validated = latest.validation_status == VALIDATION_PASSED
        words = "Restored and validated" if validated else "Restored"
        by = f" by restore testing plan {_plan(latest, report.plan_names)}" if latest.restore_testing_plan_arn else ""
        line = f"{reassure(coverage, Claim.PASSED)} *{words} {ago(latest.created, now)} in {minutes(latest)}*{by}"
        if not validated:
            line += " (not validated: no validation ran)"
    else:
        line = ":grey_question: *No verdict*"
    if verdict.running is not None:
        line += f"\n:hourglass: A restore is in progress since {fmt_time(verdict.running.created)}."
    if not coverage.complete:
        line = reassure(coverage, Claim.ALL_CLEAR) + "\nFrom what was read: " + line
    return line


def _facts(report: ResourceReport, now: datetime) -> list[str]:
    resource, latest = report.resource, report.latest
    backup = f"{fmt_time(resource.last_backup)} ({ago(resource.last_backup, now)})" if resource.last_backup else "none"
    facts = [f"*Last backup:* {backup}"]
    if resource.last_recovery_point_arn:
        facts.append(f"*Newest recovery point:* {code(resource.last_recovery_point_arn, 200)}")
    if latest.created is not None:
        took = f", took {latest.minutes:,} min" if latest.minutes is not None else ""
        point = (f", from the recovery point of {fmt_time(latest.recovery_point_created)}"
                 if latest.recovery_point_created else "")
        facts.append(f"*Latest restore (AWS):* {fmt_time(latest.created)}{point}{took}")
    facts.append(f"*Restore testing:* {_testing(report)}")
    return facts


def _testing(report: ResourceReport) -> str:
    tested = {j.restore_testing_plan_arn for j in report.jobs if j.restore_testing_plan_arn}
    if tested:
        names = ", ".join(sorted(escape(clip(report.plan_names.get(a) or a.rsplit(":", 1)[-1], 60)) for a in tested if a))
        return f"restored by plan {names}"
    if report.selections:
        chosen = ", ".join(f"{escape(clip(s.plan_name, 60))} / {escape(clip(s.name, 60))}" for s in report.selections[:3])
        return (f"selection {chosen} takes {escape(report.resource.resource_type)} resources here, but none of its "
                "restores was of this one")
    return f"no restore testing selection of {escape(report.resource.resource_type)} in this account and region"


def render_resource(report: ResourceReport, query: ResourceQuery, *, now: datetime, sample: bool = False,
                    command: str = COMMAND, names: AccountNames = NO_NAMES, own: str = "") -> Message:
    resource = report.resource
    blocks: list[Block] = [header(f"Can we restore {escape(clip(one_line(resource.label), 100))}?")]
    if sample:
        blocks.append(context(SAMPLE_NOTE))
    blocks.append(context(f"*Resource:* {code(resource.arn, 300)}", _where(resource, names, own)))
    sentence = verdict_line(report, now)
    blocks.append(section(sentence))
    blocks.append(section(fit_lines(_facts(report, now), limit=8)))
    if report.jobs:
        blocks.append(DividerBlock())
        shown = [_job_line(j, report.plan_names, now) for j in report.jobs[:HISTORY]]
        more = len(report.jobs) - HISTORY
        if more > 0 or report.jobs_capped:
            shown.append(f"_…and {'at least ' if report.jobs_capped else ''}{_plural(max(more, 0), 'earlier restore')}_")
        blocks.append(section(f"*Last restores*\n{fit_lines(shown, limit=HISTORY + 1)}"))
    buttons: list[ButtonElement] = []
    if report.jobs and resource.account_id:
        buttons.append(button("Restore history", ResourceAction.HISTORY,
                              HistoryValue(resource.arn, resource.account_id, resource.region)))
    url = resource_url(resource.region, resource.arn)
    if url is not None:
        buttons.append(ButtonElement(text=PlainTextObject(text="Open in the AWS Backup console"),
                                     action_id=ResourceAction.CONSOLE, url=url))
    if buttons:
        blocks.append(ActionsBlock(block_id=BLOCK_ID, elements=buttons))
    blocks.append(context(f"`{command} {escape(clip(query.to_text(), 200))}` · {_plural(report.calls, 'AWS call')}"))
    return bounded(Message(text=_fallback(sentence), blocks=blocks))


def render_history(report: ResourceReport, *, now: datetime, sample: bool = False,
                   names: AccountNames = NO_NAMES, own: str = "") -> Message:
    """The restore history button's answer: the resource's restores, newest first, each with status and reason."""
    resource = report.resource
    blocks: list[Block] = [header(f"Restore history — {escape(clip(one_line(resource.label), 100))}")]
    if sample:
        blocks.append(context(SAMPLE_NOTE))
    blocks.append(context(f"*Resource:* {code(resource.arn, 300)}", _where(resource, names, own)))
    counts = " · ".join(f"{escape(status.lower())} {fmt(n)}" for status, n in
                        sorted(Counter(j.status for j in report.jobs).items()))
    if report.not_read or report.jobs_capped:
        gaps = list(report.not_read) + (["its restore jobs past the first pages"] if report.jobs_capped else [])
        blocks.append(section(reassure(Coverage.of(gaps), Claim.ALL_CLEAR)))
    sentence = f"*{_plural(len(report.jobs), 'restore')}* read" + (f": {counts}" if counts else "")
    blocks.append(section(sentence))
    lines = [_job_line(j, report.plan_names, now) for j in report.jobs[:HISTORY_LINES]]
    if len(report.jobs) > HISTORY_LINES:
        lines.append(f"_…and {_plural(len(report.jobs) - HISTORY_LINES, 'earlier restore')}: the console lists them_")
    if lines:
        blocks.append(section(fit_lines(lines, limit=HISTORY_LINES + 1)))
    blocks.append(context(_plural(report.calls, "AWS call")))
    return bounded(Message(text=_fallback(sentence), blocks=blocks))


def render_lookup(lookup: Lookup, query: ResourceQuery, *, sample: bool = False, command: str = COMMAND,
                  names: AccountNames = NO_NAMES, own: str = "") -> Message:
    """No resource, or several, match the name: say what was searched, list the matches."""
    blocks: list[Block] = [header("Which resource?" if lookup.matches else "No such protected resource")]
    if sample:
        blocks.append(context(SAMPLE_NOTE))
    searched = (f"in {accounts_line(lookup.accounts, names, own)} and regions "
                f"{escape(clip(', '.join(lookup.regions), 300))}")
    if lookup.matches:
        sentence = (f"*{_plural(len(lookup.matches), 'protected resource')}* match {code(lookup.fragment, 100)} "
                    f"{searched}. Name one by its ARN:")
        lines = [f"• {code(r.arn, 250)} — {escape(clip(r.label, 80))} · {_where(r, names, own)}"
                 for r in lookup.matches[:MATCHES]]
        if len(lookup.matches) > MATCHES:
            lines.append(f"_…and {_plural(len(lookup.matches) - MATCHES, 'more')}_")
        blocks += [section(sentence), section(fit_lines(lines, limit=MATCHES + 1))]
    else:
        sentence = f"No protected resource matches {code(lookup.fragment, 100)} {searched}."
        blocks.append(section(sentence))
    if lookup.not_read:
        blocks.append(section(reassure(Coverage.of(lookup.not_read), Claim.ALL_CLEAR)))
    blocks.append(context(f"`{command} {escape(clip(query.to_text(), 200))}` · {_plural(lookup.calls, 'AWS call')}"))
    return bounded(Message(text=_fallback(sentence), blocks=blocks))


def _tally_line(name: str, tally: Tally) -> str:
    """`name` escaped already."""
    return f"*{clip(name, 120)}* — {fmt(tally.proven)} of {fmt(tally.resources)} ({tally.percent:.0f}%)"


def _figure(read: CoverageRead, total: Tally, days: int, complete: bool) -> str:
    """The coverage figure; none when nothing was counted (no "0 of 0 (0%)")."""
    if total.resources:
        return (f"*{fmt(total.proven)} of {_plural(total.resources, 'protected resource')}* ({total.percent:.0f}%) had "
                f"a successful restore, validated where tested, in the last {days} days.")
    if not complete:
        return "*No protected resource was read*, so there is no coverage figure."
    return "*No protected resources* in the accounts and regions read: nothing to cover."


def render_coverage(read: CoverageRead, verdict: CoverageVerdict, query: CoverageQuery, *, sample: bool = False,
                    command: str = COMMAND, names: AccountNames = NO_NAMES, own: str = "") -> Message:
    """`read.accounts`: the accounts asked for, read or not (the headline names those not read); `own`: the bot's own
    account id when known ("" : not known)."""
    coverage = Coverage.of(read.not_read)
    total = verdict.total
    blocks: list[Block] = [header(f"Restore coverage — last {query.days} days")]
    if sample:
        blocks.append(context(SAMPLE_NOTE))
    blocks.append(context(f"*Window:* {rolling_text(read.window[1] - read.window[0], read.window[1])}",
                          f"*Accounts:* {accounts_line(read.accounts, names, own)}",
                          f"*Regions:* {escape(clip(', '.join(read.regions), 300))}"))
    figure = _figure(read, total, query.days, coverage.complete)
    mark = reassure(coverage, Claim.PASSED) if total.resources and total.proven == total.resources else ""
    sentence = f"{mark} {figure}".strip() if coverage.complete else reassure(coverage, Claim.ALL_CLEAR) + "\n" + figure
    blocks.append(section(sentence))
    if total.resources:
        blocks.append(section("*By resource type*\n" + fit_lines([_tally_line(escape(t), n) for t, n in verdict.by_type])))
        blocks.append(section("*By account*\n" + fit_lines(
            [_tally_line(_shown(a, names, own), n) for a, n in verdict.by_account])))
    if verdict.unproven:
        critical = read.critical or frozenset()
        lines = []
        for resource in verdict.unproven[:UNPROVEN]:
            flag = ":rotating_light: restore-critical · " if resource.arn in critical else ""
            backup = f" · last backup {fmt_time(resource.last_backup)}" if resource.last_backup else " · never backed up"
            lines.append(f"• {flag}*{escape(clip(resource.label, 80))}* · {_where(resource, names, own)}{backup}")
        if len(verdict.unproven) > UNPROVEN:
            lines.append(f"_…and {_plural(len(verdict.unproven) - UNPROVEN, 'more')}_")
        title = f"*No successful restore in {query.days} days* ({fmt(len(verdict.unproven))})"
        if read.critical is None:
            title += " — tags not read, so restore-critical resources are not sorted first"
        elif read.tags_not_read:
            title += f" — tags not read in {escape(clip('; '.join(read.tags_not_read), 300))}: restore-critical " \
                     "resources there are not sorted first"
        blocks += [DividerBlock(), section(title + "\n" + fit_lines(lines, limit=UNPROVEN + 1))]
    blocks.append(context(f"`{command} {escape(query.to_text())}` · {_plural(read.calls, 'AWS call')} · "
                          f"{read.elapsed:.1f} s"))
    return bounded(Message(text=_fallback(sentence), blocks=blocks))


def _fallback(sentence: str) -> str:
    return clip(sentence.replace("*", "").replace(f"{MARK} ", ""), MAX_FALLBACK_TEXT)
