"""Configuration: read the environment once at start-up, validate it, hand a typed Settings down."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from bot.domain.ids import ACCOUNT_ID_RE, CHANNEL_RE, REGION_RE, TEAM_RE, USER_RE, USERGROUP_RE
from bot.logs import mask, mask_url

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000


Mode = Literal["http", "socket", "local", "clock", "digest", "poll"]
DEFAULT_DATABASE_URL = "sqlite:///restores-bot.sqlite3"
# RESTORES_CHANNEL_ACCOUNTS key for conversations that are not listed.
DEFAULT_SCOPE = "*"
DIGEST_TIME_RE = re.compile(r"\A([01]?[0-9]|2[0-3]):([0-5][0-9])\Z")


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message says which and what is accepted."""


@dataclass(frozen=True, repr=False)
class Settings:
    """Everything the bot needs, validated. Secrets are kept out of repr()."""

    regions: tuple[str, ...]  # with all_regions: the home region, until discovery answers
    all_regions: bool = False  # RESTORES_REGIONS=all
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
    # Channel -> the AWS accounts it may see (None: every account). Channels not listed are unrestricted.
    channel_accounts: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    # RESTORES_HOME_ACCOUNTS, the App Home tab's accounts (it has no channel): 12-digit ids, or ("ANY",); empty: not
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

    def describe(self) -> dict[str, str]:
        """The effective configuration with every secret masked, safe to print or log."""
        return {
            "SLACK_BOT_TOKEN": mask(self.slack_bot_token),
            "SLACK_SIGNING_SECRET": mask(self.slack_signing_secret),
            "SLACK_APP_TOKEN": mask(self.slack_app_token),
            "SLACK_TEAM_ID": self.slack_team_id or "(from auth.test)",
            "SLACK_API_URL": self.slack_api_url,
            "PORT": str(self.port),
            "RESTORES_REGIONS": f"all (discovered; home {self.regions[0]})" if self.all_regions else ",".join(self.regions),
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


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (accepted: true/false, yes/no, 1/0)")


def _digest_time(env: Mapping[str, str]) -> tuple[int, int]:
    raw = env.get("RESTORES_DIGEST_TIME", "").strip() or "09:00"
    match = DIGEST_TIME_RE.match(raw)
    if not match:
        raise ConfigError(f"RESTORES_DIGEST_TIME={raw!r} is not a time of day (accepted: HH:MM, 24-hour, e.g. 09:00)")
    return int(match.group(1)), int(match.group(2))


def _timezone(env: Mapping[str, str]) -> str:
    raw = env.get("RESTORES_DIGEST_TZ", "").strip() or "UTC"
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"RESTORES_DIGEST_TZ={raw!r} is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)"
        ) from None
    return raw


def _database_url(env: Mapping[str, str]) -> str:
    raw = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    # Heroku-style postgres:// URLs mean PostgreSQL through psycopg 3.
    if raw.startswith("postgres://"):
        raw = "postgresql+psycopg://" + raw[len("postgres://") :]
    elif raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConfigError(
            "DATABASE_URL is not a database URL (e.g. sqlite:///restores-bot.sqlite3 or postgresql://user@host/db)"
        ) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL: {url.get_backend_name()!r} is not supported (accepted: sqlite, postgresql)")
    return raw


def _account(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if raw.upper() in ("ANY", "AGGREGATE_ALL"):
        return raw.upper()
    if not ACCOUNT_ID_RE.match(raw):
        raise ConfigError(f"{name}={raw!r} is not an AWS account id (accepted: 12 digits, ANY, AGGREGATE_ALL)")
    return raw


# IAM role names: 1-64 of letters, digits and +=,.@_- (a path is not part of the name).
ROLE_NAME_RE = re.compile(r"\A[\w+=,.@-]{1,64}\Z", re.ASCII)


def _role_name(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not ROLE_NAME_RE.match(raw):
        raise ConfigError(f"{name}={raw!r} is not an IAM role name (1-64 of letters, digits and +=,.@_-; no path, no ARN)")
    return raw


def _testing_accounts(env: Mapping[str, str]) -> tuple[str, ...]:
    accounts = _csv(env.get("RESTORES_TESTING_ACCOUNTS"))
    for account in accounts:
        if not ACCOUNT_ID_RE.match(account):
            raise ConfigError(f"RESTORES_TESTING_ACCOUNTS: {account!r} is not an AWS account id (12 digits)")
    return tuple(sorted(set(accounts)))


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise ConfigError(f"{name}={raw!r} is not accepted (accepted: {', '.join(choices)})")


def _home_accounts(env: Mapping[str, str]) -> tuple[str, ...]:
    name = "RESTORES_HOME_ACCOUNTS"
    values = _csv(env.get(name))
    if [v.upper() for v in values] == ["ANY"]:
        return ("ANY",)
    for value in values:
        if not ACCOUNT_ID_RE.match(value):
            raise ConfigError(f"{name}: {value!r} is not an AWS account id (12-digit ids, comma-separated, or ANY)")
    return tuple(sorted(set(values)))


def _channel_accounts(env: Mapping[str, str]) -> dict[str, frozenset[str] | None]:
    name = "RESTORES_CHANNEL_ACCOUNTS"
    raw = env.get(name, "").strip()
    mapping: dict[str, frozenset[str] | None] = {}
    if not raw:
        return mapping
    example = "C0123ABCD=111122223333,444455556666;C0456EFGH=ANY;*=111122223333"
    for entry in (part.strip() for part in raw.split(";")):
        if not entry:
            continue
        channel, sep, accounts = (x.strip() for x in entry.partition("="))
        # `*` is the scope of every conversation not listed (DMs included); without it they are refused.
        if not sep or not (CHANNEL_RE.match(channel) or channel == DEFAULT_SCOPE):
            raise ConfigError(f"{name}: {entry!r} is not CHANNEL=ACCOUNTS (format: {example})")
        if channel in mapping:
            raise ConfigError(f"{name}: channel {channel} is listed twice")
        values = _csv(accounts)
        if [v.upper() for v in values] == ["ANY"]:
            mapping[channel] = None
            continue
        bad = [v for v in values if not ACCOUNT_ID_RE.match(v)]
        if not values or bad:
            raise ConfigError(f"{name}: {channel} needs 12-digit account ids or ANY, got {accounts!r} (format: {example})")
        mapping[channel] = frozenset(values)
    return mapping


def _account_list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    accounts = _csv(env.get(name))
    for account in accounts:
        if not ACCOUNT_ID_RE.match(account):
            raise ConfigError(f"{name}: {account!r} is not an AWS account id (12 digits)")
    return tuple(sorted(set(accounts)))


def _usergroup(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not USERGROUP_RE.match(raw):
        # A bare @handle or a user id would not notify the group: Slack mentions a user group as <!subteam^ID>.
        raise ConfigError(f"{name}={raw!r} is not a Slack user group ID (like S0123ABCD; not an @handle)")
    return raw


SQS_QUEUE_URL_RE = re.compile(r"\Ahttps?://[^\s/]+/[0-9]{12}/[\w-]{1,80}\Z", re.ASCII)

def _queue_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("RESTORES_ALERT_QUEUE_URL", "").strip()
    if raw and not SQS_QUEUE_URL_RE.match(raw):  # a standard queue: EventBridge's target here, never a FIFO one
        raise ConfigError(f"RESTORES_ALERT_QUEUE_URL={raw!r} is not a standard SQS queue URL (accepted: "
                          "https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)")
    return raw or None


_DURATION_RE = re.compile(r"\A([0-9]+)\s*(s|m|h|)\Z", re.IGNORECASE)


def _seconds(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A duration: seconds, or a number with s, m or h (`300`, `90s`, `5m`, `1h`)."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    match = _DURATION_RE.match(raw)
    if not match:
        raise ConfigError(f"{name}={raw!r} is not a duration (accepted: seconds, or e.g. 90s, 5m, 1h)")
    value = int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2).lower()]
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} is out of range (accepted: {low} s to {high // 3600} h)")
    return value


N = TypeVar("N", int, float)


def _team_id(env: Mapping[str, str]) -> str:
    raw = env.get("SLACK_TEAM_ID", "").strip()
    if raw and not TEAM_RE.match(raw):
        raise ConfigError(f"SLACK_TEAM_ID={raw!r} is not a Slack workspace ID (like T0123ABCD)")
    return raw


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _number(env: Mapping[str, str], name: str, default: N, low: N, high: N) -> N:
    """A number within [low, high]: a whole one where the default is (int), else any."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    kind, what = (int, "a whole number") if isinstance(default, int) else (float, "a number")
    accepted = f"accepted: {low:g}-{high:g}"
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not {what} ({accepted})") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value:g} is out of range ({accepted})")
    return value


_int = _float = _number


def parse_regions(values: list[str], source: str) -> tuple[str, ...]:
    regions: list[str] = []
    for value in values:
        region = value.lower()
        if not REGION_RE.match(region):
            raise ConfigError(f"{source}: {value!r} is not an AWS region code (e.g. us-east-1, eu-west-1)")
        if region not in regions:
            regions.append(region)
    return tuple(regions)


def _ids(env: Mapping[str, str], name: str, pattern: re.Pattern[str], example: str) -> frozenset[str]:
    ids = _csv(env.get(name))
    for value in ids:
        if not pattern.match(value):
            raise ConfigError(f"{name}: {value!r} is not a Slack ID (expected e.g. {example})")
    return frozenset(ids)


def _default_region(env: Mapping[str, str]) -> str | None:
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        return region
    # Fall back to the profile's region, as boto3 itself would.
    try:
        import boto3

        region_name = boto3.session.Session(profile_name=env.get("AWS_PROFILE") or None).region_name
        return str(region_name) if region_name else None
    except Exception:  # a broken profile is reported by the AWS call, with its own message
        return None


def load_settings(env: Mapping[str, str], mode: Mode = "local") -> Settings:
    """Build Settings from an environment mapping; raise ConfigError naming the first bad variable."""
    raw_regions = _csv(env.get("RESTORES_REGIONS"))
    all_regions = [r.lower() for r in raw_regions] == ["all"]
    if all_regions:
        # Discovered at run time (bot.domain.regions.RegionCatalog); the home region is where discovery is asked.
        home = _default_region(env)
        if not home:
            raise ConfigError("RESTORES_REGIONS=all needs a home region to ask: set AWS_DEFAULT_REGION (e.g. us-east-1)")
        regions = parse_regions([home], "AWS_DEFAULT_REGION")
    elif raw_regions:
        regions = parse_regions(raw_regions, "RESTORES_REGIONS")
    else:
        default = _default_region(env)
        if not default:
            raise ConfigError(
                "no AWS region: set RESTORES_REGIONS (comma-separated, e.g. us-east-1,eu-west-1) or AWS_DEFAULT_REGION"
            )
        regions = parse_regions([default], "AWS_DEFAULT_REGION")

    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://[^\s/]+", api_url):
        raise ConfigError(f"SLACK_API_URL={api_url!r} is not an http(s) URL (e.g. {DEFAULT_SLACK_API_URL})")
    if not api_url.endswith("/"):
        api_url += "/"

    hour, minute = _digest_time(env)
    settings = Settings(
        regions=regions,
        all_regions=all_regions,
        slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
        slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
        slack_team_id=_team_id(env),
        slack_api_url=api_url,
        port=_int(env, "PORT", DEFAULT_PORT, 1, 65535),
        allowed_channels=_ids(env, "RESTORES_ALLOWED_CHANNELS", CHANNEL_RE, "C0123ABCD"),
        allowed_users=_ids(env, "RESTORES_ALLOWED_USERS", USER_RE, "U0123ABCD"),
        admin_users=_ids(env, "RESTORES_ADMIN_USERS", USER_RE, "U0123ABCD"),
        aws_profile=env.get("AWS_PROFILE") or None,
        aws_deadline_seconds=_float(env, "RESTORES_AWS_DEADLINE", 20.0, 1.0, 120.0),
        digest_deadline_seconds=_float(env, "RESTORES_DIGEST_DEADLINE", 300.0, 10.0, 3600.0),
        web_concurrency=_int(env, "WEB_CONCURRENCY", 1, 1, 64),
        web_threads=_int(env, "RESTORES_WEB_THREADS", 32, 1, 512),
        cache_ttl=_int(env, "RESTORES_CACHE_TTL", 300, 0, 86400),
        user_concurrency=_int(env, "RESTORES_USER_CONCURRENCY", 3, 1, 100),
        max_in_flight=_int(env, "RESTORES_MAX_IN_FLIGHT", 256, 1, 10000),
        body_timeout_seconds=_float(env, "RESTORES_BODY_TIMEOUT", 10.0, 0.5, 120.0),
        channel_accounts=_channel_accounts(env),
        home_accounts=_home_accounts(env),
        log_level=_choice(env, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
        log_format=_choice(env, "LOG_FORMAT", ("text", "json"), "text"),
        digest_channels=tuple(sorted(_ids(env, "RESTORES_DIGEST_CHANNELS", CHANNEL_RE, "C0123ABCD"))),
        digest_hour=hour,
        digest_minute=minute,
        digest_tz=_timezone(env),
        digest_skip_all_clear=_bool(env, "RESTORES_DIGEST_SKIP_ALL_CLEAR", False),
        digest_account=_account(env, "RESTORES_DIGEST_ACCOUNT"),
        digest_tests=_bool(env, "RESTORES_DIGEST_TESTS", True),
        testing_accounts=_testing_accounts(env),
        testing_role=_role_name(env, "RESTORES_TESTING_ROLE"),
        testing_target_minutes=_int(env, "RESTORES_TESTING_TARGET_MINUTES", 0, 0, 7 * 24 * 60) or None,
        database_url=_database_url(env),
        allow_shared_channels=_bool(env, "RESTORES_ALLOW_SHARED_CHANNELS", False),
        alert_channels=tuple(sorted(_ids(env, "RESTORES_ALERT_CHANNELS", CHANNEL_RE, "C0123ABCD"))),
        alert_interval_seconds=_seconds(env, "RESTORES_ALERT_INTERVAL", 300, 1, 24 * 3600),
        alert_accounts=_account_list(env, "RESTORES_ALERT_ACCOUNTS"),
        alert_mention=_usergroup(env, "RESTORES_ALERT_MENTION"),
        alert_broadcast_over=_int(env, "RESTORES_ALERT_BROADCAST_OVER", 10, 0, 100_000),
        alert_queue_url=_queue_url(env),
        alert_sweep_seconds=_seconds(env, "RESTORES_ALERT_SWEEP_INTERVAL", 3600, 60, 24 * 3600),
    )
    if settings.testing_accounts and not settings.testing_role:
        raise ConfigError(
            "RESTORES_TESTING_ACCOUNTS needs RESTORES_TESTING_ROLE: the name of the role the bot assumes in each of "
            "those accounts (e.g. restores-bot-read)"
        )
    _require_for_mode(settings, mode)
    return settings


def _require_for_mode(settings: Settings, mode: Mode) -> None:
    missing: list[str] = []
    if mode in ("http", "socket", "clock", "digest", "poll"):
        if not settings.slack_bot_token:
            missing.append("SLACK_BOT_TOKEN (the Bot User OAuth Token, xoxb-...)")
        elif not settings.slack_bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    if mode == "http" and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET (Basic Information > App Credentials > Signing Secret)")
    if mode == "socket":
        if not settings.slack_app_token:
            missing.append("SLACK_APP_TOKEN (an app-level token xapp-... with connections:write)")
        elif not settings.slack_app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    # No channel list is required for digest or clock: channels also subscribe from Slack (bot/store/subscriptions.py,
    # in DATABASE_URL); `digest` says so when no channel gets it at all, and the clock may start before any does.
    if missing:
        raise ConfigError("missing configuration: " + "; ".join(missing))
    scopes = settings.channel_accounts
    if mode in ("clock", "digest") and scopes and DEFAULT_SCOPE not in scopes:
        unscoped = [c for c in settings.digest_channels if c not in scopes]
        if unscoped:
            # Fail closed at start-up rather than post a digest of accounts nobody said the channel may see.
            raise ConfigError(
                f"RESTORES_DIGEST_CHANNELS: {', '.join(unscoped)} not in RESTORES_CHANNEL_ACCOUNTS; once account "
                "scoping is configured every digest channel needs a scope (or set a default with `*=`)"
            )
