"""`python -m bot check`: the effective configuration (secrets masked) and what works, what is missing."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.aws.client import BackupService
from bot.aws.clock import skew_note
from bot.aws.errors import JOBS_ACTION, SUMMARY_ACTION, describe_error
from bot.aws.testing import PLANS_ACTION, AccountSessions, describe_failure, role_arn
from bot.config import DEFAULT_SCOPE, Settings
from bot.domain.access import AccessPolicy, NoScope
from bot.domain.results import RegionFailure
from bot.slack.errors import slack_error_code

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


def probe(service: BackupService, region: str) -> list[Probe]:
    results: list[Probe] = []
    calls: list[tuple[str, Callable[[Any], Any]]] = [
        (SUMMARY_ACTION, lambda c: c.list_restore_job_summaries(State="ANY", AggregationPeriod="ONE_DAY", MaxResults=1)),
        (JOBS_ACTION, lambda c: c.list_restore_jobs(MaxResults=1)),
        (PLANS_ACTION, lambda c: c.list_restore_testing_plans(MaxResults=1)),
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

    def ok(self, text: str) -> None:
        self.lines.append(f"  ok       {text}")

    def problem(self, text: str) -> None:
        self.lines.append(f"  MISSING  {text}")
        self.problems.append(text)

    def render(self) -> str:
        verdict = "all good" if not self.problems else f"{len(self.problems)} problem(s) to fix"
        return "\n".join([*self.lines, "", f"restores bot check: {verdict}"]) + "\n"


def run_check(wiring: Wiring, client_factory: Callable[[], WebClient] | None = None) -> CheckReport:
    """Everything a process would refuse or miss, with the parts it would run on (`client_factory`: Slack's client,
    made inside the check so a failure to make it is reported too)."""
    settings, backup = wiring.settings, wiring.backup
    client_factory = client_factory or (lambda: wiring.web_client)
    report = CheckReport()
    report.lines.append("Configuration (secrets masked):")
    report.lines += [f"  {name} = {value}" for name, value in settings.describe().items()]
    report.lines.append("")
    report.lines.append("Access:")
    check_scoping(wiring.policy, report)
    report.lines.append("")
    report.lines.append("Database:")
    check_schema(wiring, report)
    report.lines.append("")
    report.lines.append("Slack:")
    _check_slack(settings, client_factory, report)
    report.lines.append("")
    report.lines.append("Regions:")
    catalog = wiring.regions
    regions = catalog.current()
    if catalog.problem:
        report.problem(f"RESTORES_REGIONS=all: {catalog.problem}; grant account:ListRegions (or ec2:DescribeRegions)")
    report.ok(f"{len(regions)} region(s) from {catalog.source}: {', '.join(regions)}")
    report.lines.append("")
    report.lines.append("AWS Backup (one cheap call per operation and region):")
    with ThreadPoolExecutor(max_workers=max(1, min(len(regions), 16))) as pool:
        for probes in pool.map(lambda region: probe(backup, region), regions):
            _report_probes(probes, report)
    if (skew := skew_note(backup.clock.offset)) is not None:  # AWS's Date headers, heard by the probes
        report.problem(skew)
    if backup.identity is not None:
        report.lines.append("")
        report.lines.append("AWS Organizations (sts:GetCallerIdentity, organizations:DescribeOrganization):")
        fine, words = backup.identity.current().describe()
        (report.ok if fine else report.problem)(words)
    if settings.testing_accounts and settings.testing_role:
        report.lines.append("")
        report.lines.append("Restore testing in other accounts (sts:AssumeRole, then one call in the home region):")
        sessions = AccountSessions(backup, settings.testing_role, settings.regions[0])
        for account in settings.testing_accounts:
            role = role_arn(account, settings.testing_role, settings.regions[0])
            try:
                sessions.client(account, settings.regions[0]).list_restore_testing_plans(MaxResults=1)
                report.ok(f"{account}: assumed {role}; {PLANS_ACTION}")
            except Exception as exc:  # every failure is reported, typed, never raised
                report.problem(f"{account}: {describe_failure(account, settings.regions[0], exc).message}")
    return report


def check_schema(wiring: Wiring, report: CheckReport) -> None:
    """The database's revision and whether it is this release's newest, read only (a missing SQLite file stays missing).
    Behind is fine (every process upgrades at start); newer than this release, or unreachable, is a problem."""
    from bot.store.migrate import status

    try:
        known = status(wiring.engine)
    except Exception as error:  # every failure is reported, never raised
        report.problem(f"DATABASE_URL is not usable ({type(error).__name__})")
        return
    if known.known:
        report.ok(f"schema: {known.describe()}")
    else:
        report.problem(f"schema: {known.describe()}")


def check_scoping(policy: AccessPolicy, report: CheckReport) -> None:
    """Say what scoping leaves out: with any scope configured, unlisted conversations are refused (fail closed), and the
    Home tab shows numbers only once RESTORES_HOME_ACCOUNTS names its accounts."""
    settings = policy.settings
    try:
        home = policy.home_accounts()
        report.ok(f"the Home tab shows {', '.join(sorted(home)) if home is not None else 'every account'}")
    except NoScope:
        report.lines.append("  note     the Home tab shows no numbers while channels are restricted; set "
                            "RESTORES_HOME_ACCOUNTS (account ids, or ANY) to enable it")
    scopes = settings.channel_accounts
    if not scopes:
        report.ok("no account scoping: every allowed conversation sees every account the bot can read")
        return
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


def _check_slack(settings: Settings, client_factory: Callable[[], WebClient], report: CheckReport) -> None:
    if not settings.slack_bot_token:
        report.problem("SLACK_BOT_TOKEN is not set (needed by serve, socket, clock and digest)")
        return
    if not settings.slack_signing_secret:
        report.problem("SLACK_SIGNING_SECRET is not set (needed by `serve`; Socket Mode does without)")
    try:
        response = client_factory().auth_test()
    except SlackApiError as error:
        code = slack_error_code(error)
        report.problem(f"Slack rejected SLACK_BOT_TOKEN: {code}")
        return
    except Exception as error:
        report.problem(f"Slack API at {settings.slack_api_url} is unreachable ({type(error).__name__})")
        return
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
            report.lines.append("  note     without files:write the digest and the Chart button show the text sparkline "
                                "instead of the chart")
    else:
        report.ok(f"scopes: {', '.join(needed)}")


def _report_probes(probes: list[Probe], report: CheckReport) -> None:
    for item in probes:
        if item.failure is None:
            report.ok(f"{item.region}: {item.action}")
        else:
            report.problem(f"{item.region}: {item.action}: {item.failure.message}")
