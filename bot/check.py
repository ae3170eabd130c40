"""`python -m bot check`: the effective configuration (secrets masked) and what works, what is missing."""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.aws.client import BackupService
from bot.aws.clock import skew_note
from bot.aws.errors import JOBS_ACTION, SUMMARY_ACTION, describe_error
from bot.aws.resources import TAGS_ACTION
from bot.aws.testing import OWN, PLANS_ACTION, AccountSessions, describe_failure, role_arn
from bot.config import DEFAULT_SCOPE, Mode
from bot.domain.access import AccessPolicy, NoScope, ScopeUnavailable
from bot.domain.results import RegionFailure
from bot.organization.probe import HEADING as DIRECTORY_HEADING
from bot.organization.probe import directory_probe
from bot.preflight import COMMANDS, Refusal, deployed_modes, refusals, slack_auth

if TYPE_CHECKING:
    from bot.wiring import Wiring

REQUIRED_SCOPES = ("commands", "chat:write")
# History: before re-posting a digest whose ledger entry was lost (a crash after Slack accepted it), look for it.
DIGEST_SCOPES = ("chat:write.public", "channels:history", "groups:history")
# conversations.info: whether the bot can post in a channel before `/restores subscribe` takes a subscription.
SUBSCRIPTION_SCOPES = ("channels:read", "groups:read")
# files_upload_v2: the digest's trend chart and the Chart button of `1d` answers; without it both show the text
# sparkline instead, so it is asked for whether or not a digest is configured.
CHART_SCOPES = ("files:write",)


@dataclass(frozen=True)
class Probe:
    """One cheap call per operation the bot uses, to tell an operator what works (`python -m bot check`)."""

    region: str
    action: str
    failure: RegionFailure | None


SELECTIONS_ACTION = "backup:ListRestoreTestingSelections"
PROTECTED_ACTION = "backup:ListProtectedResources"  # `resource` and `coverage`
# A plan name no account has: listing its selections answers ResourceNotFoundException once the call is allowed.
NO_SUCH_PLAN = "restores-bot-check-no-such-plan"


def _list_selections(client: Any) -> None:
    """ListRestoreTestingSelections of the region's first plan; with none (or plans not listable), of a plan that does
    not exist, whose 'not found' proves the call is allowed as well as an answer would."""
    name: str | None = None
    try:
        plans = client.list_restore_testing_plans(MaxResults=1).get("RestoreTestingPlans", [])
        name = str(plans[0]["RestoreTestingPlanName"]) if plans else None
    except Exception:  # noqa: S110 (the plans' own probe reports it)
        pass
    try:
        client.list_restore_testing_selections(RestoreTestingPlanName=name or NO_SUCH_PLAN, MaxResults=1)
    except ClientError as error:
        if name is not None or error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise


def probe(service: BackupService, region: str) -> list[Probe]:
    results: list[Probe] = []
    calls: list[tuple[str, Callable[[Any], Any]]] = [
        (SUMMARY_ACTION, lambda c: c.list_restore_job_summaries(State="ANY", AggregationPeriod="ONE_DAY", MaxResults=1)),
        (JOBS_ACTION, lambda c: c.list_restore_jobs(MaxResults=1)),
        (PLANS_ACTION, lambda c: c.list_restore_testing_plans(MaxResults=1)),
        (SELECTIONS_ACTION, _list_selections),
        (PROTECTED_ACTION, lambda c: c.list_protected_resources(MaxResults=1)),
    ]
    for action, call in calls:
        try:
            call(service.client(region))
            results.append(Probe(region, action, None))
        except Exception as exc:  # every failure is reported, typed, never raised
            results.append(Probe(region, action, describe_error(region, exc, action)))
    return results


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Problems a process refuses to start with (exit 2), beside those it runs with but cannot do its work (exit 1).
    refused: list[str] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self.lines.append(f"  ok       {text}")

    def problem(self, text: str) -> None:
        self.lines.append(f"  MISSING  {text}")
        self.problems.append(text)

    def refuse(self, text: str, commands: Sequence[str]) -> None:
        """A problem a process refuses to start with, in the words the process says it, and which ones refuse it."""
        self.lines.append(f"  REFUSED  {text} — refused by {', '.join(commands)}")
        self.problems.append(text)
        self.refused.append(text)

    def note(self, text: str) -> None:
        self.lines.append(f"  note     {text}")

    @property
    def exit_status(self) -> int:
        """0: all good; 1: every process starts, but something does not work; 2: a process refuses to start."""
        return 2 if self.refused else 1 if self.problems else 0

    def render(self) -> str:
        verdict = "all good" if not self.problems else f"{len(self.problems)} problem(s) to fix"
        if self.refused:
            verdict += f", {len(self.refused)} of which stop a process from starting"
        return "\n".join([*self.lines, "", f"restores bot check: {verdict}"]) + "\n"


@dataclass
class CheckContext:
    """What the sections look at: the wiring a process would run on, Slack's client (made inside the check, so a
    failure to make it is reported too), and the processes the configuration is checked for."""

    wiring: Wiring
    client_factory: Callable[[], WebClient]
    env: Mapping[str, str] | None = None

    @property
    def modes(self) -> tuple[Mode, ...]:
        return deployed_modes(self.env or {})

    @functools.cached_property
    def refused(self) -> list[Refusal]:
        """What the processes refuse in this environment (None: not checked, nothing listed)."""
        return [] if self.env is None else refusals(self.env, self.modes)

    def commands(self, *modes: Mode) -> tuple[str, ...]:
        """The deployment's commands among `modes` (every one of them when none is named)."""
        return tuple(COMMANDS[m] for m in self.modes if not modes or m in modes)


# A section: its title, and what it checks. Nothing written: no title either. Add a section by adding a row.
Section = tuple[str, Callable[[CheckContext, CheckReport], None]]


def run_check(wiring: Wiring, client_factory: Callable[[], WebClient] | None = None,
              env: Mapping[str, str] | None = None) -> CheckReport:
    """Everything a process would refuse or miss, with the parts it would run on. `env`: the environment, whose
    validation for every process of the deployment (bot.preflight) is listed first; None: not checked."""
    context = CheckContext(wiring, client_factory or (lambda: wiring.web_client), env)
    report = CheckReport()
    for title, run in SECTIONS:
        before = len(report.lines)
        run(context, report)
        if len(report.lines) > before:
            report.lines[before:before] = [*([""] if before else []), title]
    return report


def _configuration(context: CheckContext, report: CheckReport) -> None:
    # A refused value is not shown as the default it was replaced by.
    refused = {problem.split("=")[0].split(":")[0] for problem in (r.problem for r in context.refused)}
    report.lines += [f"  {name} = {'(refused: see below)' if name in refused else value}"
                     for name, value in context.wiring.settings.describe().items()]


def _refusals(context: CheckContext, report: CheckReport) -> None:
    if context.env is None:
        return
    for refusal in context.refused:
        report.refuse(refusal.problem, refusal.commands)
    if not context.refused:
        report.ok(f"{', '.join(context.commands())} accept this configuration")


def _access(context: CheckContext, report: CheckReport) -> None:
    check_scoping(context.wiring.policy, report)


def _database(context: CheckContext, report: CheckReport) -> None:
    check_schema(context.wiring, report, context.commands())


def _regions(context: CheckContext, report: CheckReport) -> None:
    settings, catalog = context.wiring.settings, context.wiring.regions
    if not settings.regions:
        report.lines.append("  skipped  no region to read (see the refusals above)")
        return
    regions = catalog.current()
    if catalog.problem:
        report.problem(f"RESTORES_REGIONS=all: {catalog.problem}; grant account:ListRegions (or ec2:DescribeRegions)")
    source = f"{catalog.source}, asked in {settings.regions[0]} from {settings.region_source}" \
        if settings.all_regions else settings.region_source
    report.ok(f"{len(regions)} region(s) from {source}: {', '.join(regions)}")


def _identity(context: CheckContext, report: CheckReport) -> None:
    identity = context.wiring.backup.identity
    if identity is None:
        return
    caller = identity.current()
    if caller.account is None:
        report.problem(f"the bot's AWS identity could not be read: {caller.problem}")
    else:
        report.ok(f"the bot runs as {caller.principal()} in account {caller.account} ({caller.arn or 'no ARN given'})")


def tags_probe(sessions: AccountSessions, region: str) -> Probe:
    """GetResources of the Resource Groups Tagging API, in the bot's own session: optional (coverage only sorts
    restore-critical resources first with it)."""
    try:
        sessions.client(OWN, region, "resourcegroupstaggingapi").get_resources(ResourcesPerPage=1)
        return Probe(region, TAGS_ACTION, None)
    except Exception as exc:  # reported as a note, never raised
        return Probe(region, TAGS_ACTION, describe_error(region, exc, TAGS_ACTION))


def _backup_probes(context: CheckContext, report: CheckReport) -> None:
    backup, regions = context.wiring.backup, context.wiring.regions.current() if context.wiring.settings.regions else ()
    with ThreadPoolExecutor(max_workers=max(1, min(len(regions), 16))) as pool:
        for probes in pool.map(lambda region: probe(backup, region), regions):
            _report_probes(probes, report)
        sessions = context.wiring.testing_reader.sessions if regions else None  # none without a region to read
        for tags in pool.map(lambda region: tags_probe(sessions, region), regions) if sessions is not None else ():
            if tags.failure is None:
                report.ok(f"{tags.region}: {tags.action}")
            else:
                report.note(f"{tags.region}: {tags.action} (optional): {tags.failure.message}; `coverage` lists "
                            "restore-critical resources without sorting them first")
    if (skew := skew_note(backup.clock.offset)) is not None:  # AWS's Date headers, heard by the probes
        report.problem(skew)


def _organizations(context: CheckContext, report: CheckReport) -> None:
    identity = context.wiring.backup.identity
    if identity is None or identity.current().account is None:  # the identity's section said why
        return
    fine, words = identity.current().describe()
    (report.ok if fine else report.problem)(words)


def _directory(context: CheckContext, report: CheckReport) -> None:
    identity = context.wiring.backup.identity
    if identity is not None and identity.current().account is None:  # no usable credentials: the identity said why
        report.note("not read: the bot's AWS identity could not be read (above)")
        return
    for fine, words in directory_probe(context.wiring.directory):
        (report.ok if fine else report.problem)(words)


def _testing_accounts(context: CheckContext, report: CheckReport) -> None:
    settings, backup = context.wiring.settings, context.wiring.backup
    if not (settings.testing_accounts and settings.testing_role and settings.regions):
        return
    sessions = AccountSessions(backup, settings.testing_role, settings.regions[0])
    accounts, units = context.wiring.policy.testing_accounts()  # its OUs as the directory lists them now
    for unit, why in units:
        report.problem(f"{unit}: {why}")
    for account in accounts:
        role = role_arn(account, settings.testing_role, settings.regions[0])
        try:
            sessions.client(account, settings.regions[0]).list_restore_testing_plans(MaxResults=1)
            report.ok(f"{account}: assumed {role}; {PLANS_ACTION}")
        except Exception as exc:  # every failure is reported, typed, never raised
            report.problem(f"{account}: {describe_failure(account, settings.regions[0], exc).message}")




def check_schema(wiring: Wiring, report: CheckReport, commands: Sequence[str] = ("every process",)) -> None:
    """The database's revision and whether it is this release's newest, read only (a missing SQLite file stays missing).
    Behind is fine (every process upgrades at start); newer than this release, or unusable, stops every process."""
    from bot.store.migrate import status
    from bot.wiring import database_problem

    try:
        _sqlite_creatable(wiring.engine)
        known = status(wiring.engine)
    except Exception as error:  # every failure is reported, never raised
        report.refuse(database_problem(wiring.settings.database_url, error), commands)
        return
    if known.known:
        report.ok(f"schema: {known.describe()}")
    else:
        report.refuse(f"schema: {known.describe()}", commands)


def _sqlite_creatable(engine: Engine) -> None:
    """A missing SQLite file is created by the first process to start, which its folder must allow: raise what that
    process would meet when it cannot (the look itself writes nothing)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or Path(database).exists():
        return
    folder = Path(database).resolve().parent
    if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
        return
    try:  # read only: fails as creating it would, and creates nothing
        sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True).close()
    except sqlite3.Error as error:
        raise OperationalError(None, None, error) from None


def check_scoping(policy: AccessPolicy, report: CheckReport) -> None:
    """Say what scoping leaves out: with any scope configured, unlisted conversations are refused (fail closed), and the
    Home tab shows numbers only once RESTORES_HOME_ACCOUNTS names its accounts."""
    settings = policy.settings
    try:
        home = policy.home_accounts()
        report.ok(f"the Home tab shows {', '.join(sorted(home)) if home is not None else 'every account'}")
    except ScopeUnavailable as error:  # OU ids the directory cannot resolve: the tab is refused, never widened
        report.problem(f"the Home tab shows nothing: {error.why}")
    except NoScope:
        report.lines.append("  note     the Home tab shows no numbers while channels are restricted; set "
                            "RESTORES_HOME_ACCOUNTS (account ids, or ANY) to enable it")
    scopes = settings.channel_accounts
    if not scopes:
        report.ok("no account scoping: every allowed conversation sees every account the bot can read")
        return
    for channel in sorted(scopes):
        try:
            policy.accounts_for(channel)
        except ScopeUnavailable as error:  # its OUs cannot be resolved: refused, never widened (as the Home tab)
            who = "unlisted conversations (the `*` default)" if channel == DEFAULT_SCOPE else f"channel {channel}"
            report.problem(f"{who} is refused until the directory can be read: {error.why}")
    if DEFAULT_SCOPE in scopes:
        default = scopes[DEFAULT_SCOPE]
        seen = ", ".join(sorted(default)) if default else "every account"
        report.ok(f"unlisted conversations (DMs, new channels) see {seen}")
    else:
        report.lines.append(
            "  note     unlisted conversations (DMs, new channels) are refused; add `*=ACCOUNTS` for a default scope"
        )
        gaps = sorted((set(settings.allowed_channels) | set(settings.digest_channels)) - set(scopes))
        if gaps:
            report.problem(f"channels allowed or digested but without an account scope: {', '.join(gaps)}")
        silent = sorted(set(settings.alert_channels) - set(scopes))
        if silent:
            # The poller posts nothing there (fail closed) and logs it on every poll: say so before it happens.
            report.problem(f"alert channels without an account scope get no alerts: {', '.join(silent)}")


def _check_slack(context: CheckContext, report: CheckReport) -> None:
    settings = context.wiring.settings
    if not settings.slack_bot_token.startswith("xoxb-"):
        if context.env is None:  # no validation listed above: say it here
            report.problem("SLACK_BOT_TOKEN is not a bot token (xoxb-...): needed by serve, socket, clock and digest")
        else:
            report.lines.append("  skipped  auth.test: no bot token to test (see the refusals above)")
        return
    auth = slack_auth(settings, context.client_factory)
    if auth.refusal is not None:
        report.refuse(auth.refusal, context.commands("http", "socket", "clock"))
        return
    if auth.trouble is not None:
        report.problem(auth.trouble)
        return
    response = auth.response
    report.ok(f"auth.test: team {response.get('team_id')} as bot user {response.get('user_id')}")
    granted_header = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes") or ""
    granted = {s.strip() for s in str(granted_header).split(",") if s.strip()}
    if not granted:
        report.lines.append("  ?        Slack did not report the token's scopes; compare with manifest.yml")
        return
    # Any channel may take the digest with `/restores subscribe`, so the digest's scopes (reading the newest history
    # before re-posting a day whose ledger entry was lost) are needed whether or not channels are configured.
    needed = list(REQUIRED_SCOPES) + list(DIGEST_SCOPES) + list(SUBSCRIPTION_SCOPES) + list(CHART_SCOPES)
    missing = [s for s in needed if s not in granted]
    if missing:
        report.problem(f"scopes {', '.join(missing)}: add them (manifest.yml) and reinstall the app")
        if set(CHART_SCOPES) & set(missing):
            report.note("without files:write the digest and the Chart button show the text sparkline instead of the "
                        "chart")
    else:
        report.ok(f"scopes: {', '.join(needed)}")


def _slack(context: CheckContext, report: CheckReport) -> None:
    _check_slack(context, report)
    if not context.wiring.settings.digest_channels:
        report.note("RESTORES_DIGEST_CHANNELS is not set: only channels that subscribe from Slack get the digest "
                    "(`python -m bot digest` exits 2 while none has)")


def _report_probes(probes: list[Probe], report: CheckReport) -> None:
    for item in probes:
        if item.failure is None:
            report.ok(f"{item.region}: {item.action}")
        else:
            report.problem(f"{item.region}: {item.action}: {item.failure.message}")


SECTIONS: list[Section] = [
    ("Configuration (secrets masked):", _configuration),
    ("Refused at start (the validation every process runs):", _refusals),
    ("Access:", _access),
    ("Database:", _database),
    ("Slack:", _slack),
    ("Regions:", _regions),
    ("AWS identity (sts:GetCallerIdentity):", _identity),
    ("AWS Backup (one cheap call per operation and region):", _backup_probes),
    ("AWS Organizations (organizations:DescribeOrganization):", _organizations),
    (DIRECTORY_HEADING, _directory),
    ("Restore testing in other accounts (sts:AssumeRole, then one call in the home region):", _testing_accounts),
]
