"""Configuration: read the environment once at start-up, validate it, hand a typed Settings down."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.config_values import (
    DEFAULT_DATABASE_URL,
    DEFAULT_SCOPE,
    DIGEST_TIME_RE,
    ConfigError,
    _account,
    _account_list,
    _bool,
    _channel_accounts,
    _choice,
    _csv,
    _database_url,
    _digest_time,
    _float,
    _home_accounts,
    _ids,
    _int,
    _role_name,
    _seconds,
    _team_id,
    _testing_accounts,
    _timezone,
    _usergroup,
    parse_regions,
)
from bot.domain.ids import CHANNEL_RE, USER_RE
from bot.logs import mask, mask_url

__all__ = ["DEFAULT_DATABASE_URL", "DEFAULT_SCOPE", "DIGEST_TIME_RE", "ConfigError", "Mode", "Settings", "load_settings",
           "read_settings"]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000


Mode = Literal["http", "socket", "local", "clock", "digest", "poll"]


@dataclass(frozen=True, repr=False)
class Settings:
    """Everything the bot needs, validated. Secrets are kept out of repr()."""

    regions: tuple[str, ...] = ()  # with all_regions: the home region, until discovery answers
    all_regions: bool = False  # RESTORES_REGIONS=all
    # Where the regions came from, in the operator's words: RESTORES_REGIONS, AWS_REGION, AWS_DEFAULT_REGION or a profile.
    region_source: str = "RESTORES_REGIONS"
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # The workspace the app is installed in; empty: learned from auth.test when the first request needs it.
    slack_team_id: str = ""
    port: int = DEFAULT_PORT
    allowed_channels: frozenset[str] = field(default_factory=frozenset)
    allowed_users: frozenset[str] = field(default_factory=frozenset)
    # Who may change a channel's subscriptions from Slack; empty: anyone allowed to ask.
    admin_users: frozenset[str] = field(default_factory=frozenset)
    aws_profile: str | None = None
    # Upper bound on the time one answer may spend talking to AWS, all regions together.
    aws_deadline_seconds: float = 20.0
    web_concurrency: int = 1
    web_threads: int = 32
    # Seconds an identical summary query is answered from memory; 0 disables the cache.
    cache_ttl: int = 300
    # Answers one user may have in flight at once; more get a polite "wait" instead of queueing behind AWS.
    user_concurrency: int = 3
    # Answers queued or running in one process at once, for everyone together: past it, a request is refused at its
    # ack rather than queued (64 run at a time; the rest wait in a queue this bounds).
    max_in_flight: int = 256
    # Seconds a client has to send a request body: a trickling one must not hold a server thread.
    body_timeout_seconds: float = 10.0
    log_level: str = "INFO"
    log_format: str = "text"
    # Channel -> the AWS accounts it may see (None: every account), as account ids and OU ids (`ou-…`: its accounts,
    # nested OUs included, as the organisation directory lists them now; bot.domain.access).
    channel_accounts: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    # RESTORES_HOME_ACCOUNTS, the App Home tab's accounts (it has no channel): 12-digit or OU ids, or ("ANY",); empty: not
    # set (every account without scoping; no numbers once channels are scoped, bot.domain.access.AccessPolicy.home_accounts).
    home_accounts: tuple[str, ...] = ()
    digest_channels: tuple[str, ...] = ()
    digest_hour: int = 9
    digest_minute: int = 0
    digest_tz: str = "UTC"
    digest_skip_all_clear: bool = False
    # Seconds one digest run may spend on AWS: a background job, so minutes, not an answer's seconds.
    digest_deadline_seconds: float = 300.0
    # AccountId for the digest's query; None = not sent (the bot's own account).
    digest_account: str | None = None
    # Restore testing: the digest's section about plans (on unless RESTORES_DIGEST_TESTS=false).
    digest_tests: bool = True
    # Accounts whose restore testing plans the bot reads (besides its own), through RESTORES_TESTING_ROLE there.
    testing_accounts: tuple[str, ...] = ()
    testing_role: str | None = None
    # Minutes a restore may take when a job carries no ExpectedCompletionTimeMinutes; None: no target then.
    testing_target_minutes: int | None = None
    database_url: str = DEFAULT_DATABASE_URL
    # Alerts (bot/alerts): channels that get a thread of failed/aborted restores within minutes, how often the clock
    # polls, accounts polled besides the bot's own and the alert channels' scopes, the user group mentioned by the
    # day's first alert, and the day's count past which a reply is also broadcast to the channel (0: never).
    alert_channels: tuple[str, ...] = ()
    alert_interval_seconds: int = 300
    alert_accounts: tuple[str, ...] = ()
    alert_mention: str | None = None
    alert_broadcast_over: int = 10
    # The SQS queue of AWS Backup's restore job events (bot/alerts/events.py); with it the poll is a slower sweep.
    alert_queue_url: str | None = None
    alert_sweep_seconds: int = 3600
    # Whether a channel shared with another organisation (Slack Connect) may subscribe to the digest or alerts: its
    # posts carry the organisation's accounts and failures to people of other companies.
    allow_shared_channels: bool = False

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v}' for k, v in self.describe().items())})"

    def describe_regions(self) -> str:
        if not self.regions:
            return "(none)"
        if self.all_regions:
            return f"all (discovered; home {self.regions[0]} from {self.region_source})"
        return ",".join(self.regions) + ("" if self.region_source == "RESTORES_REGIONS" else f" (from {self.region_source})")

    def describe(self) -> dict[str, str]:
        """The effective configuration with every secret masked, safe to print or log."""
        return {
            "SLACK_BOT_TOKEN": mask(self.slack_bot_token),
            "SLACK_SIGNING_SECRET": mask(self.slack_signing_secret),
            "SLACK_APP_TOKEN": mask(self.slack_app_token),
            "SLACK_TEAM_ID": self.slack_team_id or "(from auth.test)",
            "SLACK_API_URL": self.slack_api_url,
            "PORT": str(self.port),
            "RESTORES_REGIONS": self.describe_regions(),
            "RESTORES_ALLOWED_CHANNELS": ",".join(sorted(self.allowed_channels)) or "(everyone)",
            "RESTORES_ALLOWED_USERS": ",".join(sorted(self.allowed_users)) or "(everyone)",
            "RESTORES_ADMIN_USERS": ",".join(sorted(self.admin_users)) or "(anyone allowed to ask)",
            "AWS_PROFILE": self.aws_profile or "(default chain)",
            "RESTORES_AWS_DEADLINE": f"{self.aws_deadline_seconds:g}",
            "RESTORES_CACHE_TTL": str(self.cache_ttl),
            "RESTORES_USER_CONCURRENCY": str(self.user_concurrency),
            "RESTORES_MAX_IN_FLIGHT": str(self.max_in_flight),
            "RESTORES_BODY_TIMEOUT": f"{self.body_timeout_seconds:g}",
            "LOG_LEVEL": self.log_level,
            "LOG_FORMAT": self.log_format,
            "RESTORES_CHANNEL_ACCOUNTS": ";".join(
                f"{c}={','.join(sorted(a)) if a is not None else 'ANY'}" for c, a in sorted(self.channel_accounts.items())
            )
            or "(no channel restricted)",
            "RESTORES_HOME_ACCOUNTS": ",".join(self.home_accounts) or "(unset)",
            "RESTORES_DIGEST_CHANNELS": ",".join(self.digest_channels) or "(none)",
            "RESTORES_DIGEST_TIME": f"{self.digest_hour:02d}:{self.digest_minute:02d}",
            "RESTORES_DIGEST_TZ": self.digest_tz,
            "RESTORES_DIGEST_SKIP_ALL_CLEAR": str(self.digest_skip_all_clear).lower(),
            "RESTORES_DIGEST_DEADLINE": f"{self.digest_deadline_seconds:g}",
            "RESTORES_DIGEST_ACCOUNT": self.digest_account or "(the bot's own account)",
            "RESTORES_DIGEST_TESTS": str(self.digest_tests).lower(),
            "RESTORES_TESTING_ACCOUNTS": ",".join(self.testing_accounts) or "(only the bot's own account)",
            "RESTORES_TESTING_ROLE": self.testing_role or "(unset)",
            "RESTORES_TESTING_TARGET_MINUTES": str(self.testing_target_minutes or "(each job's expected time)"),
            "DATABASE_URL": mask_url(self.database_url),
            "RESTORES_ALERT_CHANNELS": ",".join(self.alert_channels) or "(none)",
            "RESTORES_ALERT_INTERVAL": f"{self.alert_interval_seconds} s",
            "RESTORES_ALERT_ACCOUNTS": ",".join(self.alert_accounts) or "(the bot's own and the channels' scopes)",
            "RESTORES_ALERT_MENTION": self.alert_mention or "(nobody)",
            "RESTORES_ALERT_BROADCAST_OVER": str(self.alert_broadcast_over or "(never)"),
            "RESTORES_ALERT_QUEUE_URL": self.alert_queue_url or "(none: alerts poll)",
            "RESTORES_ALERT_SWEEP_INTERVAL": f"{self.alert_sweep_seconds} s",
            "RESTORES_ALLOW_SHARED_CHANNELS": str(self.allow_shared_channels).lower(),
        }


def _default_region(env: Mapping[str, str]) -> tuple[str | None, str]:
    """The region boto3 itself would use, and where it came from (named in messages and by `check`)."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if env.get(name, "").strip():
            return env[name].strip(), name
    profile = env.get("AWS_PROFILE") or None
    source = f"the region of AWS profile {profile!r}" if profile else "the region of the default AWS profile"
    # Fall back to the profile's region, as boto3 itself would.
    try:
        import boto3

        region_name = boto3.session.Session(profile_name=profile).region_name
        return (str(region_name) if region_name else None), source
    except Exception:  # a broken profile is reported by the AWS call, with its own message
        return None, source


def _regions(env: Mapping[str, str]) -> dict[str, Any]:
    raw_regions = _csv(env.get("RESTORES_REGIONS"))
    all_regions = [r.lower() for r in raw_regions] == ["all"]
    if raw_regions and not all_regions:
        return {"regions": parse_regions(raw_regions, "RESTORES_REGIONS"), "region_source": "RESTORES_REGIONS"}
    home, source = _default_region(env)
    if all_regions:
        # Discovered at run time (bot.domain.regions.RegionCatalog); the home region is where discovery is asked.
        if not home:
            raise ConfigError("RESTORES_REGIONS=all needs a home region to ask: set AWS_DEFAULT_REGION (e.g. us-east-1)")
        return {"regions": parse_regions([home], source), "all_regions": True, "region_source": source}
    if not home:
        raise ConfigError(
            "no AWS region: set RESTORES_REGIONS (comma-separated, e.g. us-east-1,eu-west-1) or AWS_DEFAULT_REGION"
        )
    return {"regions": parse_regions([home], source), "region_source": source}


def _slack_api_url(env: Mapping[str, str]) -> str:
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://[^\s/]+", api_url):
        raise ConfigError(f"SLACK_API_URL={api_url!r} is not an http(s) URL (e.g. {DEFAULT_SLACK_API_URL})")
    return api_url if api_url.endswith("/") else api_url + "/"


def _digest_clock(env: Mapping[str, str]) -> dict[str, Any]:
    hour, minute = _digest_time(env)
    return {"digest_hour": hour, "digest_minute": minute}


SQS_QUEUE_URL_RE = re.compile(r"\Ahttps?://[^\s/]+/[0-9]{12}/[\w-]{1,80}\Z", re.ASCII)


def _queue_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("RESTORES_ALERT_QUEUE_URL", "").strip()
    if raw and not SQS_QUEUE_URL_RE.match(raw):  # a standard queue: EventBridge's target here, never a FIFO one
        raise ConfigError(f"RESTORES_ALERT_QUEUE_URL={raw!r} is not a standard SQS queue URL (accepted: "
                          "https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)")
    return raw or None


def _readers(env: Mapping[str, str]) -> list[Callable[[], dict[str, Any]]]:
    """One reader per setting (or per group read together), each raising ConfigError for its own variable only."""

    def one(name: str, read: Callable[[], Any]) -> Callable[[], dict[str, Any]]:
        return lambda: {name: read()}

    return [
        lambda: _regions(env),
        one("slack_bot_token", lambda: env.get("SLACK_BOT_TOKEN", "").strip()),
        one("slack_signing_secret", lambda: env.get("SLACK_SIGNING_SECRET", "").strip()),
        one("slack_app_token", lambda: env.get("SLACK_APP_TOKEN", "").strip()),
        one("slack_team_id", lambda: _team_id(env)),
        one("slack_api_url", lambda: _slack_api_url(env)),
        one("port", lambda: _int(env, "PORT", DEFAULT_PORT, 1, 65535)),
        one("allowed_channels", lambda: _ids(env, "RESTORES_ALLOWED_CHANNELS", CHANNEL_RE, "C0123ABCD")),
        one("allowed_users", lambda: _ids(env, "RESTORES_ALLOWED_USERS", USER_RE, "U0123ABCD")),
        one("admin_users", lambda: _ids(env, "RESTORES_ADMIN_USERS", USER_RE, "U0123ABCD")),
        one("aws_profile", lambda: env.get("AWS_PROFILE") or None),
        one("aws_deadline_seconds", lambda: _float(env, "RESTORES_AWS_DEADLINE", 20.0, 1.0, 120.0)),
        one("digest_deadline_seconds", lambda: _float(env, "RESTORES_DIGEST_DEADLINE", 300.0, 10.0, 3600.0)),
        one("web_concurrency", lambda: _int(env, "WEB_CONCURRENCY", 1, 1, 64)),
        one("web_threads", lambda: _int(env, "RESTORES_WEB_THREADS", 32, 1, 512)),
        one("cache_ttl", lambda: _int(env, "RESTORES_CACHE_TTL", 300, 0, 86400)),
        one("user_concurrency", lambda: _int(env, "RESTORES_USER_CONCURRENCY", 3, 1, 100)),
        one("max_in_flight", lambda: _int(env, "RESTORES_MAX_IN_FLIGHT", 256, 1, 10000)),
        one("body_timeout_seconds", lambda: _float(env, "RESTORES_BODY_TIMEOUT", 10.0, 0.5, 120.0)),
        one("channel_accounts", lambda: _channel_accounts(env)),
        one("home_accounts", lambda: _home_accounts(env)),
        one("log_level", lambda: _choice(env, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")),
        one("log_format", lambda: _choice(env, "LOG_FORMAT", ("text", "json"), "text")),
        one("digest_channels", lambda: tuple(sorted(_ids(env, "RESTORES_DIGEST_CHANNELS", CHANNEL_RE, "C0123ABCD")))),
        lambda: _digest_clock(env),
        one("digest_tz", lambda: _timezone(env)),
        one("digest_skip_all_clear", lambda: _bool(env, "RESTORES_DIGEST_SKIP_ALL_CLEAR", False)),
        one("digest_account", lambda: _account(env, "RESTORES_DIGEST_ACCOUNT")),
        one("digest_tests", lambda: _bool(env, "RESTORES_DIGEST_TESTS", True)),
        one("testing_accounts", lambda: _testing_accounts(env)),
        one("testing_role", lambda: _role_name(env, "RESTORES_TESTING_ROLE")),
        one("testing_target_minutes", lambda: _int(env, "RESTORES_TESTING_TARGET_MINUTES", 0, 0, 7 * 24 * 60) or None),
        one("database_url", lambda: _database_url(env)),
        one("allow_shared_channels", lambda: _bool(env, "RESTORES_ALLOW_SHARED_CHANNELS", False)),
        one("alert_channels", lambda: tuple(sorted(_ids(env, "RESTORES_ALERT_CHANNELS", CHANNEL_RE, "C0123ABCD")))),
        one("alert_interval_seconds", lambda: _seconds(env, "RESTORES_ALERT_INTERVAL", 300, 1, 24 * 3600)),
        one("alert_accounts", lambda: _account_list(env, "RESTORES_ALERT_ACCOUNTS")),
        one("alert_mention", lambda: _usergroup(env, "RESTORES_ALERT_MENTION")),
        one("alert_broadcast_over", lambda: _int(env, "RESTORES_ALERT_BROADCAST_OVER", 10, 0, 100_000)),
        one("alert_queue_url", lambda: _queue_url(env)),
        one("alert_sweep_seconds", lambda: _seconds(env, "RESTORES_ALERT_SWEEP_INTERVAL", 3600, 60, 24 * 3600)),
    ]


def read_settings(env: Mapping[str, str], mode: Mode = "local") -> tuple[Settings, list[str]]:
    """Settings from an environment mapping, and every problem a process of `mode` refuses to start with: the one
    validation of every process (load_settings) and of `check`, which lists them all. A bad value is reported and
    its default kept, so the rest can still be read and checked."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for read in _readers(env):
        try:
            values.update(read())
        except ConfigError as error:
            problems.extend(error.problems)
    settings = Settings(**values)
    if settings.testing_accounts and not settings.testing_role:
        problems.append(
            "RESTORES_TESTING_ACCOUNTS needs RESTORES_TESTING_ROLE: the name of the role the bot assumes in each of "
            "those accounts (e.g. restores-bot-read)"
        )
    return settings, problems + _required_for_mode(settings, mode)


def load_settings(env: Mapping[str, str], mode: Mode = "local") -> Settings:
    """Build Settings from an environment mapping; raise ConfigError naming every bad or missing variable."""
    settings, problems = read_settings(env, mode)
    if problems:
        raise ConfigError(*problems)
    return settings


def _required_for_mode(settings: Settings, mode: Mode) -> list[str]:
    problems: list[str] = []
    if mode in ("http", "socket", "clock", "digest", "poll"):
        token = settings.slack_bot_token
        if not token:
            problems.append("SLACK_BOT_TOKEN is not set (the Bot User OAuth Token, xoxb-..., from OAuth & Permissions)")
        elif token.startswith("xoxp-"):
            problems.append("SLACK_BOT_TOKEN is a user token (xoxp-...): it must be a bot token starting with xoxb- "
                            "(the Bot User OAuth Token, from OAuth & Permissions)")
        elif not token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (the Bot User OAuth Token, from "
                            "OAuth & Permissions)")
    secret = settings.slack_signing_secret
    if mode == "http" and not secret:
        problems.append("SLACK_SIGNING_SECRET is not set (Basic Information > App Credentials > Signing Secret)")
    elif mode == "http" and (secret.startswith(("xoxb-", "xoxp-", "xapp-")) or re.search(r"[\s'\"]", secret)):
        # Every request would then be refused with 401 while the process looks healthy: refuse it at start instead.
        problems.append("SLACK_SIGNING_SECRET is not a signing secret (a token, or with spaces or quotes): paste "
                        "Basic Information > App Credentials > Signing Secret alone")
    if mode == "socket":
        if not settings.slack_app_token:
            problems.append("SLACK_APP_TOKEN is not set (an app-level token xapp-... with connections:write)")
        elif not settings.slack_app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    # No channel list is required for digest or clock: channels also subscribe from Slack (bot/store/subscriptions.py,
    # in DATABASE_URL); `digest` says so when no channel gets it at all, and the clock may start before any does.
    scopes = settings.channel_accounts
    if mode in ("clock", "digest") and scopes and DEFAULT_SCOPE not in scopes:
        unscoped = [c for c in settings.digest_channels if c not in scopes]
        if unscoped:
            # Fail closed at start-up rather than post a digest of accounts nobody said the channel may see.
            problems.append(
                f"RESTORES_DIGEST_CHANNELS: {', '.join(unscoped)} not in RESTORES_CHANNEL_ACCOUNTS; once account "
                "scoping is configured every digest channel needs a scope (or set a default with `*=`)"
            )
    return problems
