"""Reading one configuration variable each: the value, or a ConfigError naming the variable and what is accepted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

from bot.domain.ids import ACCOUNT_ID_RE, CHANNEL_RE, REGION_RE, TEAM_RE, USERGROUP_RE
from bot.domain.organization import OU_ID_RE

# RESTORES_CHANNEL_ACCOUNTS key for conversations that are not listed.
DEFAULT_SCOPE = "*"
DEFAULT_DATABASE_URL = "sqlite:///restores-bot.sqlite3"
DIGEST_TIME_RE = re.compile(r"\A([01]?[0-9]|2[0-3]):([0-5][0-9])\Z")


class ConfigError(ValueError):
    """Configuration values missing or wrong: one message per problem (`problems`), each naming the variable and what
    is accepted; str() joins them."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems: tuple[str, ...] = problems


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


def _optional_match(env: Mapping[str, str], name: str, pattern: re.Pattern[str], what: str) -> str | None:
    """The variable's value if it matches `pattern`; None if unset; else a ConfigError saying it is not `what`."""
    raw = env.get(name, "").strip()
    if raw and not pattern.match(raw):
        raise ConfigError(f"{name}={raw!r} is not {what}")
    return raw or None


def _role_name(env: Mapping[str, str], name: str) -> str | None:
    return _optional_match(env, name, ROLE_NAME_RE,
                           "an IAM role name (1-64 of letters, digits and +=,.@_-; no path, no ARN)")


def _testing_accounts(env: Mapping[str, str]) -> tuple[str, ...]:
    return _account_list(env, "RESTORES_TESTING_ACCOUNTS")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise ConfigError(f"{name}={raw!r} is not accepted (accepted: {', '.join(choices)})")


def _scope_entry(value: str) -> str | None:
    """An account id, or an organisational unit's id (`ou-…`, any case: AWS spells them lower case) whose accounts,
    nested OUs included, the scope follows as the organisation directory lists them (bot.domain.org_scopes)."""
    if ACCOUNT_ID_RE.match(value):
        return value
    return value.lower() if OU_ID_RE.match(value.lower()) else None


SCOPE_WORDS = "12-digit account ids or OU ids (ou-…), comma-separated"


def _home_accounts(env: Mapping[str, str]) -> tuple[str, ...]:
    name = "RESTORES_HOME_ACCOUNTS"
    values = _csv(env.get(name))
    if [v.upper() for v in values] == ["ANY"]:
        return ("ANY",)
    entries = []
    for value in values:
        entry = _scope_entry(value)
        if entry is None:
            raise ConfigError(f"{name}: {value!r} is not an AWS account id or OU id ({SCOPE_WORDS}, or ANY)")
        entries.append(entry)
    return tuple(sorted(set(entries)))


def _channel_accounts(env: Mapping[str, str]) -> dict[str, frozenset[str] | None]:
    name = "RESTORES_CHANNEL_ACCOUNTS"
    raw = env.get(name, "").strip()
    mapping: dict[str, frozenset[str] | None] = {}
    if not raw:
        return mapping
    example = "C0123ABCD=111122223333,444455556666;C0456EFGH=ou-ab12-cd34ef56;C0789IJKL=ANY;*=111122223333"
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
        entries = [_scope_entry(v) for v in values]
        if not values or None in entries:
            raise ConfigError(f"{name}: {channel} needs {SCOPE_WORDS}, or ANY; got {accounts!r} (format: {example})")
        mapping[channel] = frozenset(e for e in entries if e is not None)
    return mapping


def _account_list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Account ids and OU ids (`ou-…`: the OU's active accounts, nested OUs included, as the directory lists them)."""
    entries = []
    for value in _csv(env.get(name)):
        entry = _scope_entry(value)
        if entry is None:
            raise ConfigError(f"{name}: {value!r} is not an AWS account id or OU id ({SCOPE_WORDS})")
        entries.append(entry)
    return tuple(sorted(set(entries)))


def _usergroup(env: Mapping[str, str], name: str) -> str | None:
    # A bare @handle or a user id would not notify the group: Slack mentions a user group as <!subteam^ID>.
    return _optional_match(env, name, USERGROUP_RE, "a Slack user group ID (like S0123ABCD; not an @handle)")


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
