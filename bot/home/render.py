"""The App Home tab: the restore health dashboard, and the views shown instead of it (refusal, not enabled, error)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    ImageBlock,
    PlainTextObject,
    SectionBlock,
)

from bot.answers.controls import ActionId, ActionValue, BlockId, StaleAction
from bot.charts.render import DailySeries, series_from_rows
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.console import plan_url
from bot.domain.coverage import Claim, Coverage, reassure
from bot.domain.query import ANY, COMMAND, Period, RestoreFilter, Span, State
from bot.domain.reasons import group_reasons
from bot.domain.results import JobsResult, SummaryResult, SummaryRow
from bot.domain.words import (
    change_text,
    counts_window_text,
    daily_counts,
    day_text,
    jobs_text,
    moment_text,
    plural,
    series_days,
    state_word,
    states_text,
    success_text,
    trend_line,
)
from bot.restore_testing.controls import TestJobsKind, TestJobsValue
from bot.restore_testing.render import ICONS, failure_lines, headline, problems
from bot.restore_testing.verdicts import Scoreboard, Severity
from bot.slack import blocks as kit
from bot.subscriptions.render import alert_filter, digest_time

if TYPE_CHECKING:
    from bot.domain.subscriptions import AlertSubscription, DigestSubscription

# Slack's limit for a Home tab view (a message allows 50): https://docs.slack.dev/reference/views/home-tab-views
MAX_HOME_BLOCKS = 100
HOME_DAYS = 14
TOP_TYPES = 6  # failing resource types, a row and a button each
TOP_ACCOUNTS = 8  # failing accounts, a row and a button each
TOP_REASONS = 5
TOP_PLANS = 5  # restore testing plans with something wrong, a row and its buttons each
SUBSCRIPTION_LINES = 15


@dataclass(frozen=True)
class TrendImage:
    """The seam for the trend chart (bot/charts/render.py): once the bot can upload files, the caller uploads
    `render_png(data.series)` and passes the file here; the Home tab then shows it (with the series' alt text) in
    place of the text sparkline, which stays the fallback whenever there is no image."""

    slack_file_id: str = ""
    image_url: str = ""


@dataclass(frozen=True)
class HomeChannel:
    """What one of the user's channels gets."""

    channel: str
    digest: tuple[DigestSubscription, ...] = ()
    alerts: tuple[AlertSubscription, ...] = ()
    scope: frozenset[str] | None = None  # the channel's accounts (bot.domain.access), for what its alerts cover


@dataclass(frozen=True)
class HomeData:
    """Everything the dashboard shows, read by bot.home.service (pure data: rendering reads nothing)."""

    now: datetime
    flt: RestoreFilter  # the scoped filter the numbers were asked with (state ANY, ONE_DAY, the Home's accounts)
    summary: SummaryResult  # ListRestoreJobSummaries over the last HOME_DAYS UTC days, per type and per account
    failed_jobs: JobsResult | None  # FAILED jobs of the same days, for the reasons; None: not read
    tests: Scoreboard | None  # restore testing verdicts; None: not read
    # The user's channels with subscriptions; None: which channels are the user's could not be told (not listed).
    subscriptions: tuple[HomeChannel, ...] | None = ()
    cache_ttl: int = 0
    sample: bool = False
    trend_image: TrendImage | None = None
    names: AccountNames = NO_NAMES  # the accounts' names (ids alone when empty)

    @property
    def today(self) -> date:
        return self.now.astimezone(UTC).date()

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The HOME_DAYS complete UTC days before today: what ListRestoreJobSummaries' ONE_DAY buckets cover."""
        end = datetime.combine(self.today, time.min, UTC)
        return end - timedelta(days=HOME_DAYS), end

    @property
    def coverage(self) -> Coverage:
        """What the numbers did not read: regions that failed, chains cut short (their numbers a lower bound), and the
        accounts AWS did not show (the bot's account alone)."""
        summary = self.summary
        return Coverage.of([f.region for f in summary.failures], [f"{r} (cut short)" for r in summary.truncated],
                           only_account=summary.only_account)

    @property
    def series(self) -> DailySeries:
        return series_from_rows(self.summary.rows, self.today - timedelta(days=1), title="Restore jobs per day")


@dataclass(frozen=True)
class HomeView:
    """A Home tab view for views.publish."""

    blocks: tuple[Block, ...]

    def block_dicts(self) -> list[dict[str, Any]]:
        return [block.to_dict() for block in self.blocks]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "home", "blocks": self.block_dicts()}


def refresh_button() -> ButtonElement:
    return ButtonElement(text=PlainTextObject(text=":arrows_counterclockwise: Refresh", emoji=True),
                         action_id=ActionId.HOME_REFRESH.value, value="refresh")


def _block_id(name: str) -> str:
    return f"{BlockId.HOME.value}:{name}"


def _states(rows: Sequence[SummaryRow]) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for row in rows:
        sums[row.state] += row.count
    return sums


def _bad_by(rows: Sequence[SummaryRow], key: str) -> list[tuple[str, int, int, tuple[str, ...]]]:
    """(name, failed, aborted, regions) per type or account with any failed or aborted job, worst first."""
    failed: dict[str, int] = defaultdict(int)
    aborted: dict[str, int] = defaultdict(int)
    regions: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        name = getattr(row, key)
        if row.state == State.FAILED:
            failed[name] += row.count
        elif row.state == State.ABORTED:
            aborted[name] += row.count
        else:
            continue
        if row.count:
            regions[name].add(row.region)
    names = [n for n in set(failed) | set(aborted) if failed[n] + aborted[n] > 0]
    names.sort(key=lambda n: (-(failed[n] + aborted[n]), n))
    return [(n, failed[n], aborted[n], tuple(sorted(regions[n]))) for n in names]


def _counts(failed: int, aborted: int) -> str:
    return states_text({State.FAILED.value: failed, State.ABORTED.value: aborted})


def _jobs_value(data: HomeData, state: State, *, resource_type: str = ANY, account: str | None = None,
                regions: tuple[str, ...] = ()) -> ActionValue:
    """What a jobs button carries: the Home's filter narrowed to one state, type or account, over the dashboard's days.
    The scope is not in it: it is applied again to whoever clicks (bot.domain.access.AccessPolicy.check_home)."""
    flt = RestoreFilter(state=state, period=Period.FOURTEEN_DAYS, resource_type=resource_type,
                        account=account or data.flt.account, regions=regions or data.flt.regions)
    return ActionValue(flt, data.window)


def _jobs_button(data: HomeData, failed: int, aborted: int, **narrow: Any) -> ButtonElement | None:
    """The button for a row's jobs; None when its value would not be accepted back (a type or region name AWS sent that
    the bot's grammar does not know): a button that can only answer "stale" is left out instead."""
    state, n = (State.FAILED, failed) if failed else (State.ABORTED, aborted)
    value = _jobs_value(data, state, **narrow)
    if not _accepted(ActionValue.decode, value.encode(), data.now):
        return None
    return kit.button(plural(n, f"{state_word(state)} job"), ActionId.JOBS.with_suffix(state.lower()), value)


def _accepted(decode: Callable[..., object], value: str | None, now: datetime) -> bool:
    """Whether a click would bring this value back as valid (the handlers decode it exactly so)."""
    try:
        decode(value, now=now)
    except StaleAction:
        return False
    return True


def _row(text: str, accessory: ButtonElement | None, block: str) -> SectionBlock:
    return SectionBlock(block_id=_block_id(block), text=kit.mrkdwn(text), accessory=accessory)


def _headline(data: HomeData) -> list[Block]:
    summary = data.summary
    states = _states(summary.rows)
    total = sum(states.values())
    completed, failed, aborted = (states.get(s, 0) for s in (State.COMPLETED, State.FAILED, State.ABORTED))
    in_flight = sum(states.get(s, 0) for s in State if s.in_progress)
    finished = completed + failed + aborted
    answered = summary.answered_regions
    lower = " (at least: part of it could not be read, below)" if not data.coverage.complete else ""
    text = f"*{jobs_text(total)}* in the last {HOME_DAYS} days in {plural(len(answered), 'region')}{lower}"
    # A rate of what was read would pass for the whole.
    rate = success_text(completed, finished) if data.coverage.complete else "not computed from partial numbers"
    fields = [
        kit.field_text(f"{State.COMPLETED.icon} *Completed*\n{kit.fmt(completed)}"),
        kit.field_text(f"{State.FAILED.icon} *Failed*\n{kit.fmt(failed)}"),
        kit.field_text(f"{State.ABORTED.icon} *Aborted*\n{kit.fmt(aborted)}"),
        kit.field_text(f"*Success rate*\n{rate}"),
    ]
    if in_flight:
        fields.append(kit.field_text(f"*Created, pending or running*\n{kit.fmt(in_flight)}"))
    blocks: list[Block] = [SectionBlock(block_id=_block_id("headline"), text=kit.mrkdwn(text), fields=fields)]
    buttons = [
        kit.button(f"{state.icon} {plural(n, f'{state_word(state)} job')}", ActionId.JOBS.with_suffix(state.lower()),
                   _jobs_value(data, state))
        for state, n in ((State.FAILED, failed), (State.ABORTED, aborted))
        if n
    ]
    blocks.append(ActionsBlock(block_id=_block_id("drill"), elements=[*buttons, refresh_button()]))
    return blocks


def _trend(data: HomeData) -> list[Block]:
    series = data.series
    bad = series.bad
    span = f"{series.days[0].day} {series.days[0]:%b} – {series.days[-1].day} {series.days[-1]:%b}"
    if data.trend_image is not None:
        image = data.trend_image
        kwargs: dict[str, Any] = (
            {"slack_file": {"id": image.slack_file_id}} if image.slack_file_id else {"image_url": image.image_url}
        )
        return [ImageBlock(block_id=_block_id("chart"), alt_text=kit.clip(series.alt_text(), 2000), **kwargs)]
    if not data.coverage.complete:
        return [kit.section(f"*Trend, {span}*\n_Not drawn: part of these days could not be read (above), and a trend of "
                            "partial numbers would pass for the whole._")]
    days = series_days(series.days[-1])  # HOME_DAYS bars, one per UTC day, zeros included
    per_day = dict(zip(series.days, bad, strict=True))
    completed = dict(zip(series.days, series.completed, strict=True))
    lines = [
        f"*Trend, {span}* (UTC days)",
        trend_line(daily_counts(per_day, days[-1])) + f" · most {kit.fmt(max(bad, default=0))}",
        trend_line(daily_counts(completed, days[-1]), "completed") + f" · most {kit.fmt(max(series.completed, default=0))}",
    ]
    # The last day against the 7 before it (the digest's comparison), not a week that includes it.
    change = change_text(bad[-1], replace(series, highlight=series.days[-1]).average())
    if change:
        lines.append(f"{day_text(series.days[-1])}: {kit.fmt(bad[-1])} failed or aborted — {change}")
    return [kit.section("\n".join(lines))]


def _breakdowns(data: HomeData) -> list[Block]:
    summary = data.summary
    blocks: list[Block] = []
    types = _bad_by(summary.by_type_rows, "resource_type")
    accounts = _bad_by(summary.by_account_rows, "account_id")
    if not types and not accounts:
        return [kit.section(reassure(data.coverage, Claim.NO_FAILED, " in these days."))]
    blocks.append(kit.section(f"*Failing resource types* ({kit.fmt(len(types))})"))
    for i, (name, failed, aborted, _) in enumerate(types[:TOP_TYPES]):
        blocks.append(_row(f"*{kit.escape(kit.clip(name, 80))}* — {_counts(failed, aborted)}",
                           _jobs_button(data, failed, aborted, resource_type=name), f"type:{i}"))
    if len(types) > TOP_TYPES:
        rest = types[TOP_TYPES:]
        blocks.append(kit.context(f"_…and {kit.fmt(len(rest))} more: "
                              f"{kit.escape(kit.clip(', '.join(n for n, *_ in rest), 300))}_"))
    if data.flt.account != ANY:
        return blocks  # one account: the types above are that account's
    blocks.append(kit.section(f"*Failing accounts* ({kit.fmt(len(accounts))})"))
    for i, (name, failed, aborted, regions) in enumerate(accounts[:TOP_ACCOUNTS]):
        where = kit.escape(kit.clip(", ".join(regions), 200))
        blocks.append(_row(f"*{data.names.label(name)}* — {_counts(failed, aborted)} · {where}",
                           _jobs_button(data, failed, aborted, account=name, regions=regions), f"account:{i}"))
    if len(accounts) > TOP_ACCOUNTS:
        rest = accounts[TOP_ACCOUNTS:]
        blocks.append(kit.context(f"_…and {plural(len(rest), 'more account')} with failures, "
                              f"{plural(sum(f + a for _, f, a, _ in rest), 'job')} in all: "
                              f"`{COMMAND} failed 14d account:ANY` lists them_"))
    return blocks


def _reasons(data: HomeData) -> list[Block]:
    result = data.failed_jobs
    if result is None:
        return []
    title = f"*Top failure reasons* (failed jobs, last {HOME_DAYS} days)"
    gaps = [kit.escape(note) for note in result.incomplete]
    gaps += [f"{kit.escape(f.region)}: {kit.escape(f.message)}" for f in result.failures]
    gaps += [f"{kit.escape(r)}: more failed jobs than the bot reads at once" for r in result.truncated]
    if not result.jobs:
        if gaps or not data.coverage.complete:
            gaps += [f"{kit.escape(f.region)}: not read" for f in data.summary.failures
                     if f.region not in {g.region for g in result.failures}]
            return [kit.section(f"{title}\n_None found in what could be read: " + "; ".join(gaps) + "_")]
        return [kit.section(f"{title}\n_none listed_")]
    groups = sorted(group_reasons(result.jobs).items(), key=lambda item: (-len(item[1]), item[0]))
    lines = []
    for reason, jobs in groups[:TOP_REASONS]:
        types = sorted({j.resource_type for j in jobs})
        accounts = {j.account_id for j in jobs}
        kinds = kit.escape(kit.clip(", ".join(types), 80))
        lines.append(f"• *{kit.fmt(len(jobs))}* × {kit.quoted(reason, 300)} — {kinds} · {plural(len(accounts), 'account')}")
    if len(groups) > TOP_REASONS:
        lines.append(f"_…and {plural(len(groups) - TOP_REASONS, 'more reason')}_")
    partial = [kit.escape(note) for note in result.incomplete]
    partial += [f"{kit.escape(f.region)}: {kit.escape(f.message)}" for f in result.failures]
    if result.truncated or result.not_read:
        partial.append(f"{'' if result.not_read_exact else 'at least '}{kit.fmt(result.not_read)} more failed jobs were "
                       f"counted but not read for reasons")
    if partial:
        lines.append("_From the jobs that could be read: " + "; ".join(partial) + "_")
    by_reason = kit.button(f"{State.FAILED.icon} Failed jobs by reason", ActionId.JOBS.with_suffix("failed"),
                       _jobs_value(data, State.FAILED))
    return [kit.section(title + "\n" + kit.fit_lines(lines, limit=TOP_REASONS + 2)),
            ActionsBlock(block_id=_block_id("reasons"), elements=[by_reason])]


def _tests(data: HomeData) -> list[Block]:
    board = data.tests
    if board is None:
        return []
    result = board.result
    blocks: list[Block] = [kit.section(f"*Restore testing* (last {board.days} days)\n"
                                       f"{headline(board, result.failures, data.names)}")]
    if result.failures:
        blocks.append(kit.section(kit.fit_lines(failure_lines(result.failures, data.names), limit=5)))
    flagged = [v for v in board.verdicts if v.severity in (Severity.BROKEN, Severity.LEAK)]
    for i, verdict in enumerate(flagged[:TOP_PLANS]):
        plan = verdict.plan
        name = kit.escape(kit.clip(plan.name, 80))
        console = kit.link(plan_url(plan.arn, plan.name), "plan in the AWS console")
        blocks.append(kit.section(f"{ICONS[verdict.severity]} *{name}* · {kit.escape(plan.region)} · "
                                  f"{data.names.label(plan.account_id)}: " + "; ".join(problems(verdict))
                                  + (f" · {console}" if console else "")))
        wanted = [(TestJobsKind.FAILED, "Failed restores", len(verdict.failed)),
                  (TestJobsKind.VALIDATION, "Validation failures", len(verdict.validation_failed)),
                  (TestJobsKind.LEAKED, "Not deleted", len(verdict.leaks))]
        elements = [kit.button(f"{label} ({kit.fmt(n)})", ActionId.TEST_JOBS.with_suffix(kind.value),
                           TestJobsValue(plan.arn, kind, result.window)) for kind, label, n in wanted if n]
        if elements and not _accepted(TestJobsValue.decode, elements[0].value, data.now):
            elements = []  # a plan ARN of a shape the bot does not take back: no button that could only say "stale"
        if elements:
            blocks.append(ActionsBlock(block_id=_block_id(f"plan:{i}"), elements=elements))
    if len(flagged) > TOP_PLANS:
        more = plural(len(flagged) - TOP_PLANS, "more plan")
        blocks.append(kit.context(f"_…and {more}: `{COMMAND} tests 14d` lists them_"))
    return blocks


def _subscriptions(data: HomeData) -> list[Block]:
    channels = data.subscriptions
    hint = (f"To see or change what a channel gets, type `{COMMAND} subscriptions` in it "
            f"(`{COMMAND} subscribe digest|alerts`, `{COMMAND} unsubscribe digest|alerts`).")
    if channels is None:
        return [kit.section("*Your channels' subscriptions*\n_Could not ask Slack which channels are yours; none listed._"),
                kit.context(hint)]
    if not channels:
        return []
    lines = []
    for entry in channels:
        configured = " (in the bot's configuration)"
        parts = [f"digest at {digest_time(d.hour, d.minute, d.tz)}" + (configured if d.static else "")
                 for d in entry.digest]
        for alert in entry.alerts:
            if entry.scope is not None and not entry.scope:
                parts.append("alerts: none delivered, the channel has no accounts in `RESTORES_CHANNEL_ACCOUNTS`")
                continue
            described = alert_filter(alert.resource_type, alert.account, alert.states, entry.scope)
            parts.append(f"alerts: {described}" + (configured if alert.static else ""))
        # The id was checked against CHANNEL_RE when it was stored or configured: a mention, not untrusted text.
        lines.append(f"• <#{entry.channel}> — " + "; ".join(parts))
    listed = kit.fit_lines(lines, limit=SUBSCRIPTION_LINES)
    return [kit.section("*Your channels' subscriptions*\n" + listed), kit.context(hint)]


def render_home(data: HomeData) -> HomeView:
    """The dashboard: headline numbers with their jobs buttons and Refresh, the trend, failing resource types and
    accounts (a jobs button each), the top failure reasons, restore testing verdicts (their plans' buttons), and the
    user's channels' subscriptions."""
    summary = data.summary
    start, end = data.window
    blocks: list[Block] = [kit.header(f"Restore health — last {HOME_DAYS} days")]
    if data.sample:
        blocks.append(kit.context(kit.SAMPLE_NOTE))
    scope = kit.describe_scope(data.flt).split(" · ", 1)[1].replace(" (this channel's scope)", " (the Home tab's scope)")
    blocks.append(kit.context(f"*Window:* {counts_window_text(Span.FOURTEEN_DAYS, start, end)}",
                              f"*Scope:* {kit.clip(scope, 1000)}", f"*Updated:* {moment_text(data.now)}"))
    answered = summary.answered_regions
    if not answered:
        blocks.append(kit.section(":rotating_light: *No region could be queried*; no numbers for now."))
        blocks.append(ActionsBlock(block_id=_block_id("drill"), elements=[refresh_button()]))
    else:
        blocks += _headline(data)
    blocks += kit.region_notes(summary.failures, summary.truncated, bool(answered))
    if summary.only_account is not None and answered:  # the member-account note (bot.aws.identity)
        blocks.append(kit.section(f":warning: {kit.escape(summary.only_account.note)}"))
    if answered:
        blocks += [DividerBlock(), *_trend(data), DividerBlock(), *_breakdowns(data)]
        reasons = _reasons(data)
        blocks += [DividerBlock(), *reasons] if reasons else []
    tests = _tests(data)
    blocks += [DividerBlock(), *tests] if tests else []
    subscriptions = _subscriptions(data)
    blocks += [DividerBlock(), *subscriptions] if subscriptions else []
    ttl = f"; numbers may be up to {kit.fmt(max(1, data.cache_ttl // 60))} min old" if data.cache_ttl else ""
    footer = kit.context(
        f"Counts from AWS Backup (ListRestoreJobSummaries){ttl}. `{COMMAND} help` for questions of your own."
    )
    return fit_view([*blocks, footer])


def fit_view(blocks: Sequence[Block], limit: int = MAX_HOME_BLOCKS) -> HomeView:
    """Slack refuses a Home view of more than 100 blocks. The sections above are bounded already; this is the last
    line of defence: drop blocks from the end of the body (never the header, the headline and its buttons, or the
    footer) and say so."""
    kept = list(blocks)
    if len(kept) > limit:
        dropped = len(kept) - (limit - 1)  # one block more, for the note saying so
        del kept[-1 - dropped : -1]
        kept.insert(-1, kit.context(f"_{dropped} more blocks left out to fit Slack's limit of {limit} blocks._"))
    return HomeView(tuple(kept))


def _notice(title: str, text: str, *, refresh: bool = False) -> HomeView:
    blocks: list[Block] = [kit.header(title), kit.section(kit.clip(text, kit.MAX_SECTION_TEXT))]
    if refresh:
        blocks.append(ActionsBlock(block_id=_block_id("drill"), elements=[refresh_button()]))
    return HomeView(tuple(blocks))


def render_home_refusal(*, other_team: bool = False) -> HomeView:
    if other_team:
        text = (":lock: Sorry, this dashboard only shows restore health to people of the workspace the bot is installed "
                "in. Ask your own workspace's admins about AWS Backup restores.")
    else:
        text = (":lock: Sorry, the restore health dashboard is not enabled for you. Ask the bot's admins to add you to "
                "its allow-list (`RESTORES_ALLOWED_USERS`).")
    return _notice("Restore health", text)


def render_home_not_enabled() -> HomeView:
    """Scoping is configured and the Home tab's own scope is not: no numbers (fail closed), and how to enable it."""
    text = (":lock: The restore health dashboard shows no numbers yet: the bot limits channels to their own AWS accounts "
            "(or answers only in some channels), and the Home tab belongs to no channel. The bot's admins enable it by "
            "naming the accounts it may show in `RESTORES_HOME_ACCOUNTS` (comma-separated 12-digit ids, or `ANY` for "
            f"every account). Meanwhile, `{COMMAND}` answers in your channels as before.")
    return _notice("Restore health", text)


def render_home_error(reference: str) -> HomeView:
    return _notice("Restore health", ":boom: Something went wrong while reading restore health. Try *Refresh* in a "
                   f"minute; if it keeps happening, give the bot's admins this reference: `{reference}`.", refresh=True)
