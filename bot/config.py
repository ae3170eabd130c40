"""Configuration: read the environment once at start-up, validate it, hand a typed Settings down."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000

REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
CHANNEL_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")
USER_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")

Mode = Literal["http", "socket", "local"]


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message says which and what is accepted."""


@dataclass(frozen=True, repr=False)
class Settings:
    """Everything the bot needs, validated. Secrets are kept out of repr()."""

    regions: tuple[str, ...]
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = DEFAULT_PORT
    allowed_channels: frozenset[str] = field(default_factory=frozenset)
    allowed_users: frozenset[str] = field(default_factory=frozenset)
    aws_profile: str | None = None
    # Upper bound on the time one answer may spend talking to AWS, all regions together.
    aws_deadline_seconds: float = 20.0
    web_concurrency: int = 1
    web_threads: int = 32

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v}' for k, v in self.describe().items())})"

    def describe(self) -> dict[str, str]:
        """The effective configuration with every secret masked, safe to print or log."""
        return {
            "SLACK_BOT_TOKEN": mask(self.slack_bot_token),
            "SLACK_SIGNING_SECRET": mask(self.slack_signing_secret),
            "SLACK_APP_TOKEN": mask(self.slack_app_token),
            "SLACK_API_URL": self.slack_api_url,
            "PORT": str(self.port),
            "RESTORES_REGIONS": ",".join(self.regions),
            "RESTORES_ALLOWED_CHANNELS": ",".join(sorted(self.allowed_channels)) or "(everyone)",
            "RESTORES_ALLOWED_USERS": ",".join(sorted(self.allowed_users)) or "(everyone)",
            "AWS_PROFILE": self.aws_profile or "(default chain)",
            "RESTORES_AWS_DEADLINE": f"{self.aws_deadline_seconds:g}",
        }

    def is_allowed(self, *, user_id: str, channel_id: str) -> bool:
        """Allow-lists: an empty list lets everyone in."""
        if self.allowed_users and user_id not in self.allowed_users:
            return False
        if self.allowed_channels and channel_id not in self.allowed_channels:
            return False
        return True


def mask(secret: str) -> str:
    if not secret:
        return "(unset)"
    # Show only the token family prefix (xoxb-, xapp-) so an operator can tell which kind is set.
    prefix = secret.split("-", 1)[0] + "-" if secret.startswith(("xox", "xapp")) else ""
    return f"{prefix}****"


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number (accepted: {low}-{high})") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is out of range (accepted: {low}-{high})")
    return value


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number (accepted: {low:g}-{high:g})") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value:g} is out of range (accepted: {low:g}-{high:g})")
    return value


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

        return boto3.session.Session(profile_name=env.get("AWS_PROFILE") or None).region_name
    except Exception:  # a broken profile is reported by the AWS call, with its own message
        return None


def load_settings(env: Mapping[str, str], mode: Mode = "local") -> Settings:
    """Build Settings from an environment mapping; raise ConfigError naming the first bad variable."""
    raw_regions = _csv(env.get("RESTORES_REGIONS"))
    if raw_regions:
        regions = parse_regions(raw_regions, "RESTORES_REGIONS")
    else:
        default = _default_region(env)
        if not default:
            raise ConfigError(
                "no AWS region: set RESTORES_REGIONS (comma-separated, e.g. us-east-1,eu-west-1) "
                "or AWS_DEFAULT_REGION"
            )
        regions = parse_regions([default], "AWS_DEFAULT_REGION")

    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://[^\s/]+", api_url):
        raise ConfigError(f"SLACK_API_URL={api_url!r} is not an http(s) URL (e.g. {DEFAULT_SLACK_API_URL})")
    if not api_url.endswith("/"):
        api_url += "/"

    settings = Settings(
        regions=regions,
        slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
        slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
        slack_api_url=api_url,
        port=_int(env, "PORT", DEFAULT_PORT, 1, 65535),
        allowed_channels=_ids(env, "RESTORES_ALLOWED_CHANNELS", CHANNEL_RE, "C0123ABCD"),
        allowed_users=_ids(env, "RESTORES_ALLOWED_USERS", USER_RE, "U0123ABCD"),
        aws_profile=env.get("AWS_PROFILE") or None,
        aws_deadline_seconds=_float(env, "RESTORES_AWS_DEADLINE", 20.0, 1.0, 120.0),
        web_concurrency=_int(env, "WEB_CONCURRENCY", 1, 1, 64),
        web_threads=_int(env, "RESTORES_WEB_THREADS", 32, 1, 512),
    )
    _require_for_mode(settings, mode)
    return settings


def _require_for_mode(settings: Settings, mode: Mode) -> None:
    missing: list[str] = []
    if mode in ("http", "socket"):
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
    if missing:
        raise ConfigError("missing configuration: " + "; ".join(missing))
