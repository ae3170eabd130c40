"""What users type for an export: `/restores export [7d|30d|90d] [account:…] [region:…]`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.ids import REGION_RE
from bot.domain.org_words import is_account_name, org_pairs, parse_account_name, parse_unit
from bot.domain.query import (
    ACCOUNT_RE,
    AGGREGATE_ALL,
    STATE_WORDS,
    TYPE_ALIASES,
    Once,
    ParseError,
    RestoreFilter,
    parse_account,
    parse_region,
    squash,
    suggest,
)

EXPORT_WINDOWS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_DAYS = 30
EXPORT_ACCEPTED = (
    "`export` with `7d|30d|90d` (default 30d), `account:123456789012|NAME|ANY`, `ou:NAME|ou-…` and regions like "
    "`eu-west-1` or `region:…`"
)


@dataclass(frozen=True)
class ExportQuery:
    """Every restore job created in the last `days` days, every state, in `regions`; `account` None: the bot's own
    account, ANY: every account (a channel's scope narrows it, bot.domain.access)."""

    days: int = DEFAULT_DAYS
    regions: tuple[str, ...] = ()
    account: str | None = None
    # `account:<name>` and `ou:<name|id>` as typed, resolved by the access policy with the directory (bot.domain.access).
    account_name: str | None = None
    unit: str | None = None

    def restore_filter(self) -> RestoreFilter:
        """The accounts and regions it reads, as the access policy scopes them (names and OUs resolved there)."""
        return RestoreFilter(account=self.account, account_name=self.account_name, unit=self.unit, regions=self.regions)

    def to_text(self) -> str:
        parts = ["export", f"{self.days}d"]
        parts += org_pairs(self.account_name or self.account, self.unit)
        if self.regions:
            parts.append("region:" + ",".join(self.regions))
        return " ".join(parts)


def parse_export(tokens: list[str], default_regions: tuple[str, ...], partitions: frozenset[str] | None) -> ExportQuery:
    """`export [7d|30d|90d] [account:…] [region:…]`. An export holds every state and type: an auditor's evidence is the
    whole window, so state and type words are refused rather than silently narrowing it."""
    days: int | None = None
    account: str | None = None
    account_name: str | None = None
    unit: str | None = None
    regions: list[str] = []
    once = Once(EXPORT_ACCEPTED)
    for token in tokens:
        lowered = token.lower()
        key, _, value = token.partition(":")
        if lowered == "export":
            continue
        if lowered in EXPORT_WINDOWS or (key.lower() == "period" and value.lower() in EXPORT_WINDOWS):
            once("window", token)
            days = EXPORT_WINDOWS[lowered if lowered in EXPORT_WINDOWS else value.lower()]
        elif key.lower() == "account" and value and is_account_name(value):
            once("account", token)
            account_name = parse_account_name(value, token)
        elif key.lower() == "account" and value:
            once("account", token)
            account = parse_account(value, token)
            if account == AGGREGATE_ALL:
                raise ParseError(token, "sums accounts, but an export lists every job with its account", EXPORT_ACCEPTED)
        elif ACCOUNT_RE.match(token):
            once("account", token)
            account = token
        elif key.lower() == "ou" and value:
            once("ou", token)
            unit = parse_unit(value, token)
        elif key.lower() == "region" and value:
            regions += [parse_region(part.strip(), token, partitions) for part in value.split(",") if part.strip()]
        elif REGION_RE.match(lowered):
            regions.append(parse_region(token, token, partitions))
        elif lowered in ("1d", "14d") or lowered in STATE_WORDS or squash(token) in TYPE_ALIASES or ":" in token:
            raise ParseError(token, "does not apply to an export (it holds every state and type)", EXPORT_ACCEPTED)
        else:
            raise ParseError(token, "is not something I understand", EXPORT_ACCEPTED,
                             suggest(token, [*EXPORT_WINDOWS, "export"]))
    return ExportQuery(days=days or DEFAULT_DAYS, regions=tuple(dict.fromkeys(regions)) or default_regions,
                       account=account, account_name=account_name, unit=unit)
