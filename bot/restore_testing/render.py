"""`/restores tests`: the restore testing scoreboard as Block Kit, worst plan first (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock

from bot.answers.controls import ActionId, BlockId
from bot.digest.render import DigestSection
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.console import job_url, plan_url
from bot.domain.coverage import LEAK_ICON, MARK, Claim, Coverage, reassure
from bot.domain.query import COMMAND, State
from bot.domain.results import AccountFailure
from bot.domain.words import OWN_UNKNOWN, ago_text, mark_own, nonzero, plural, rolling_text
from bot.restore_testing.controls import TestJobsKind, TestJobsValue, TestsShareValue
from bot.restore_testing.grammar import TestsQuery
from bot.restore_testing.verdicts import PlanVerdict, Scoreboard, Severity
from bot.slack import blocks as kit

DETAILED_PLANS = 15  # plans with something to say, each a section and its buttons (Slack allows 50 blocks)
HEALTHY_LINES = 20
# A plan that passed gets its check mark from reassure() (bot.domain.coverage), only when all of it was read.
ICONS = {Severity.BROKEN: ":x:", Severity.LEAK: LEAK_ICON, Severity.NOTE: ":warning:"}
DOCS = "https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html"


def problems(verdict: PlanVerdict) -> list[str]:
    """What is wrong with a flagged plan, in the words every surface uses (the digest, the Home tab)."""
    late = [kit.escape(kit.clip(verdict.run.summary, 200))] if verdict.late and verdict.run is not None else []
    failed, validation_failed, leaks = len(verdict.failed), len(verdict.validation_failed), len(verdict.leaks)
    return late + nonzero((failed, f"{plural(failed, 'restore')} failed"),
                          (validation_failed, f"{kit.fmt(validation_failed)} failed validation"),
                          (leaks, f"{plural(leaks, 'restored resource')} not deleted"))


def _plan_link(verdict: PlanVerdict) -> str:
    shown = kit.link(plan_url(verdict.plan.arn, verdict.plan.name), "plan in the AWS console")
    return f" · {shown}" if shown else ""


def _where(verdict: PlanVerdict, names: AccountNames = NO_NAMES) -> str:
    plan = verdict.plan
    return f"{kit.escape(plan.region)} · {names.label(plan.account_id)}"


def headline(board: Scoreboard, failures: tuple[AccountFailure, ...], names: AccountNames = NO_NAMES, own: str = "",
             own_words: str = OWN_UNKNOWN) -> str:
    """One sentence answering "do our restores work?", with the numbers behind it. Never reassuring about what
    was not read (named as every other line names accounts: `names`, `own`, `own_words` as in render_tests)."""
    plans = len(board.verdicts)
    jobs = board.jobs
    completed = board.count("completed")
    validated = board.count("validated")
    window = f"last {board.days} days"
    if not plans:
        if failures:
            return (f":warning: *Incomplete:* no restore testing plan found in what could be read, and "
                    f"{plural(len(failures), 'part')} could not be read ({window}).")
        return (f":grey_question: *Nothing proves that restores work:* there are no restore testing plans in these "
                f"accounts and regions. Set one up (AWS Backup console › Restore testing, {DOCS}) and "
                f"`{COMMAND} tests` will report on it.")
    failed, validation_failed, leaks = board.count("failed"), board.count("validation_failed"), board.count("leaks")
    late = sum(1 for v in board.verdicts if v.late)
    problems = nonzero((failed, f"{plural(failed, 'restore')} failed"),
                       (validation_failed, f"{kit.fmt(validation_failed)} failed validation"),
                       (late, f"{plural(late, 'plan')} did not run on schedule"),
                       (leaks, f"{plural(leaks, 'restored resource')} not deleted"))
    evidence = (f"{plural(jobs, 'restore')} tested in {plural(plans, 'plan')}: {kit.fmt(completed)} completed, "
                f"{kit.fmt(validated)} validated ({window})")
    broken = len(board.broken)
    incomplete = (
        "" if board.complete else " *Incomplete:* some of it could not be read (below), so this is not the whole picture."
    )
    coverage = board_coverage(board, names, own, own_words)
    if broken:
        return f":x: *Restores are not proven:* {kit.fmt(broken)} of {plural(plans, 'plan')} failed — " + \
            ", ".join(problems) + f". {evidence}.{incomplete}"
    if leaks and not board.complete:
        return f"{LEAK_ICON} *Restored resources leak:* {', '.join(problems)}. {evidence}.{incomplete}"
    if leaks:
        return reassure(coverage, Claim.RESTORES_WORK_BUT_LEAK, f" {', '.join(problems)}. {evidence}.")
    if not board.complete:
        return f":warning: *Incomplete:* what could be read passed — {evidence}.{incomplete}"
    unchecked = sum(1 for v in board.verdicts if v.schedule_problem)
    if unchecked and not jobs:
        return (f":warning: *Not proven:* no restore was tested in the {window}, and the schedule of "
                f"{plural(unchecked, 'plan')} was not understood (below).")
    if unchecked:
        return (f":warning: *Restores passed, but not every schedule could be checked:* the schedule of "
                f"{plural(unchecked, 'plan')} was not understood (below). {evidence}.")
    if not jobs:
        return (f":warning: *Not proven:* {plural(plans, 'plan')} ran on schedule but no restore was tested in the "
                f"{window}.")
    return reassure(coverage, Claim.RESTORES_WORK, f" every plan ran on schedule and passed — {evidence}.")


def board_coverage(board: Scoreboard, names: AccountNames = NO_NAMES, own: str = "",
                   own_words: str = OWN_UNKNOWN) -> Coverage:
    """What the scoreboard did not read: accounts or regions that failed, plans whose jobs were cut at the cap."""
    return Coverage.of(
        [_not_read(f, names, own, own_words) for f in board.result.failures],
        [f"jobs of {plural(len(board.result.truncated), 'plan')} past the cap"] if board.result.truncated else [],
    )


def _who(account_id: str, names: AccountNames = NO_NAMES, own: str = "", own_words: str = OWN_UNKNOWN) -> str:
    """An account by its name and id (its id alone when the directory has no name), "(the bot's own)" after the bot's;
    "" is the bot's own: by `own` when known and shown, else `own_words` (words.own_account_text)."""
    account_id = account_id or own
    return f"account {mark_own(names.label(account_id), account_id, own)}" if account_id else own_words


def _not_read(failure: AccountFailure, names: AccountNames = NO_NAMES, own: str = "", own_words: str = OWN_UNKNOWN) -> str:
    return _who(failure.account_id, names, own, own_words) + (f" in {kit.escape(failure.region)}" if failure.region else "")


def plan_coverage(verdict: PlanVerdict, failures: tuple[AccountFailure, ...]) -> Coverage:
    """One plan's part: its jobs past the cap, or a failure of its account (whole, or in its region)."""
    plan = verdict.plan
    return Coverage.of(
        ["jobs past the cap"] if verdict.truncated else [],
        [_not_read(f) for f in failures
         if f.account_id in (plan.account_id, "") and f.region in (None, plan.region)],
    )


def _plan_lines(verdict: PlanVerdict, now: datetime, names: AccountNames = NO_NAMES) -> list[str]:
    plan = verdict.plan
    lines = [f"{ICONS[verdict.severity]} *{kit.escape(kit.clip(plan.name, 80))}* · {_where(verdict, names)}"
             f"{_plan_link(verdict)}"]
    if verdict.schedule_problem:
        lines.append(f"• Schedule: `{kit.escape(kit.clip(plan.schedule_expression, 80))}` not understood, so not checked "
                     f"({kit.escape(kit.clip(verdict.schedule_problem, 160))})")
    elif verdict.run is not None:
        mark = ":x: " if verdict.run.late else ""
        lines.append(f"• Schedule: {mark}{kit.escape(verdict.run.summary)}")
    jobs = verdict.jobs
    failed = sum(1 for j in verdict.failed if j.status == State.FAILED.value)
    aborted = len(verdict.failed) - failed
    counts = [f"{kit.fmt(verdict.completed)} completed", *nonzero((failed, f"*{kit.fmt(failed)} failed*"),
                                                              (aborted, f"*{kit.fmt(aborted)} aborted*"),
                                                              (verdict.running, f"{kit.fmt(verdict.running)} running"))]
    restores = f"• Restores: {plural(len(jobs), 'job')} — {', '.join(counts)}" if jobs else "• Restores: none in the window"
    if verdict.truncated:
        restores += " (at least: more jobs than the bot reads at once)"
    lines.append(restores)
    for reason, n in verdict.reasons:
        lines.append(f"    ◦ {kit.fmt(n)} × {kit.quoted(reason, 200)}")
    failed_validation = verdict.validation_failed
    timed_out = sum(1 for j in failed_validation if j.validation_status == "TIMED_OUT")
    not_valid = len(failed_validation) - timed_out
    validation = nonzero((not_valid, f"*{kit.fmt(not_valid)} failed*"),
                         (timed_out, f"*{kit.fmt(timed_out)} timed out*"),
                         (verdict.validating, f"{kit.fmt(verdict.validating)} still validating"),
                         (verdict.never_validated, f"{kit.fmt(verdict.never_validated)} never validated"),
                         (verdict.validated, f"{kit.fmt(verdict.validated)} passed"))
    if validation:
        line = "• Validation: " + ", ".join(validation)
        example = next((j for j in failed_validation if j.validation_status_message), None)
        if example is not None:
            line += f" — {kit.quoted(example.validation_status_message or '', 160)}"
        lines.append(line)
    if verdict.leaks:
        leak = verdict.leaks[0]
        line = f"• Clean-up: *{plural(len(verdict.leaks), 'restored resource')} not deleted* (it keeps costing money)"
        if leak.resource_arn:
            line += f" — {kit.code(leak.resource_arn, 120)}"
        if leak.deletion_status_message:
            # Shortened in its middle: the end names the permission the deletion lacked.
            line += f": {kit.quoted(leak.deletion_status_message, 240)}"
        job = kit.link(job_url(leak.region, leak.job_id), "job in the AWS console")
        lines.append(line + (f" ({job})" if job else ""))
    if verdict.slow:
        slowest = verdict.slow[0]
        limit = slowest.expected_minutes
        target = f"expected {limit} min" if limit else "over the target"
        lines.append(f"• Restore time: {kit.fmt(len(verdict.slow))} of {kit.fmt(len(jobs))} over their target; slowest "
                     f"{kit.code(slowest.source_arn or slowest.resource_arn or slowest.job_id, 100)} took "
                     f"{slowest.minutes or 0:.0f} min ({target})")
    if verdict.uncovered:
        types = ", ".join(kit.escape(t) for t in verdict.uncovered)
        them = "it" if len(verdict.uncovered) == 1 else "them"
        lines.append(f"• Coverage: no restore of {types} in the window, though the plan selects {them}")
    return lines


def _healthy_line(
    verdict: PlanVerdict, now: datetime, failures: tuple[AccountFailure, ...] = (), names: AccountNames = NO_NAMES
) -> str:
    plan = verdict.plan
    ran = f"last ran {ago_text(plan.last_execution, now)}" if plan.last_execution else "not run yet"
    validated = f", {kit.fmt(verdict.validated)} validated" if verdict.validated else ""
    return (f"{reassure(plan_coverage(verdict, failures), Claim.PASSED)} *{kit.escape(kit.clip(plan.name, 80))}* · "
            f"{_where(verdict, names)} · "
            f"{plural(len(verdict.jobs), 'restore')} completed{validated} · {ran}")


def _buttons(verdict: PlanVerdict, window: tuple[datetime, datetime], index: int) -> ActionsBlock | None:
    wanted = [
        (TestJobsKind.FAILED, "Failed restores", len(verdict.failed)),
        (TestJobsKind.VALIDATION, "Validation failures", len(verdict.validation_failed)),
        (TestJobsKind.LEAKED, "Not deleted", len(verdict.leaks)),
    ]
    elements = [
        kit.button(f"{label} ({kit.fmt(n)})", ActionId.TEST_JOBS.with_suffix(kind.value),
               TestJobsValue(verdict.plan.arn, kind, window))
        for kind, label, n in wanted
        if n
    ]
    if not elements:
        return None
    return ActionsBlock(block_id=f"{BlockId.TEST_DRILL.value}:{index}", elements=elements)


def failure_lines(failures: tuple[AccountFailure, ...], names: AccountNames = NO_NAMES, own: str = "",
                  own_words: str = OWN_UNKNOWN) -> list[str]:
    lines = []
    for failure in failures:
        lines.append(f":warning: *{_not_read(failure, names, own, own_words)}* not read: {kit.escape(failure.message)}")
    return lines


def render_tests(board: Scoreboard, query: TestsQuery, *, now: datetime, sample: bool = False,
                 command: str = COMMAND, names: AccountNames = NO_NAMES, own: str = "",
                 own_words: str = OWN_UNKNOWN) -> kit.Message:
    """The restore tests scoreboard; `names`: the accounts' names (ids alone when empty); `own`: the bot's own account
    id where it may be shown ("": not known, or outside the scope), `own_words`: it in words then."""
    result = board.result
    start, end = result.window
    blocks: list[Block] = [kit.header(f"Restore tests — last {board.days} days")]
    if sample:
        blocks.append(kit.context(kit.SAMPLE_NOTE))
    shown = dict.fromkeys(a or own for a in result.accounts)
    accounts = ", ".join(_who(a, names, own, own_words).removeprefix("account ") for a in shown)
    regions = kit.escape(kit.clip(", ".join(result.regions), 300))
    blocks.append(kit.context(f"*Window:* {rolling_text(end - start, end)}", f"*Accounts:* {kit.clip(accounts, 300)}",
                          f"*Regions:* {regions}"))
    sentence = headline(board, result.failures, names, own, own_words)
    blocks.append(kit.section(sentence))
    if result.failures:
        blocks.append(kit.section(kit.fit_lines(failure_lines(result.failures, names, own, own_words), limit=10)))
    worth_saying = [v for v in board.verdicts if v.severity is not Severity.OK]
    healthy = [v for v in board.verdicts if v.severity is Severity.OK]
    for index, verdict in enumerate(worth_saying[:DETAILED_PLANS]):
        blocks.append(DividerBlock())
        blocks.append(kit.section(kit.fit_lines(_plan_lines(verdict, now, names), limit=14)))
        actions = _buttons(verdict, (start, end), index)
        if actions is not None:
            blocks.append(actions)
    if len(worth_saying) > DETAILED_PLANS:
        rest = worth_saying[DETAILED_PLANS:]
        others = ", ".join(f"{kit.escape(kit.clip(v.plan.name, 40))} ({kit.escape(v.plan.region)})" for v in rest[:10])
        blocks.append(kit.section(f"_…and {plural(len(rest), 'more plan')} with something to look at: {others}_"))
    if healthy:
        blocks.append(DividerBlock())
        blocks.append(kit.section(kit.fit_lines([_healthy_line(v, now, result.failures, names) for v in healthy],
                                        limit=HEALTHY_LINES)))
    footer = kit.context(f"`{command} {query.to_text()}` · {result.aws_calls} AWS call{'s' * (result.aws_calls != 1)} · "
                     f"{result.elapsed:.1f} s")
    text = kit.clip(sentence.replace("*", "").replace(":x: ", "").replace(f"{MARK} ", ""), kit.MAX_FALLBACK_TEXT)
    if query.share:  # posted in the channel already: nothing to share
        return kit.bounded(kit.Message(text=text, blocks=[*blocks, footer]))
    share = kit.button(":loudspeaker: Share to channel", ActionId.TESTS_SHARE.value,
                   TestsShareValue(replace(query, share=False).to_text()))
    controls = ActionsBlock(block_id=BlockId.CONTROLS, elements=[share])
    return kit.bounded(kit.Message(text=text, blocks=[*blocks, controls, footer]), keep_tail=2)


def digest_section(board: Scoreboard, *, now: datetime, names: AccountNames = NO_NAMES) -> DigestSection | None:
    """The digest's restore testing part: plans that failed, did not run or leaked; nothing when all is well (or
    when there are no plans), a warning when some of it could not be read."""
    flagged = [v for v in board.verdicts if v.severity in (Severity.BROKEN, Severity.LEAK)]
    failures = board.result.failures
    if not flagged and not failures:
        return None
    lines = []
    for verdict in flagged[:10]:
        name = kit.escape(kit.clip(verdict.plan.name, 80))
        lines.append(f"{ICONS[verdict.severity]} *{name}* · {_where(verdict, names)}: " + "; ".join(problems(verdict)))
    if len(flagged) > 10:
        lines.append(f"_…and {plural(len(flagged) - 10, 'more plan')}: `{COMMAND} tests` lists them_")
    lines += failure_lines(failures, names)
    title = "*Restore testing*" + ("" if board.complete else " (incomplete)")
    summary = ", ".join(
        part for part in (
            f"{plural(len(flagged), 'plan')} failed, did not run or leaked" if flagged else "",
            f"{plural(len(failures), 'part')} not read" if failures else "",
        ) if part
    )
    return DigestSection([DividerBlock(), kit.section(title + "\n" + kit.fit_lines(lines, limit=14))], summary)


def window_for(days: int, now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=days), now
