"""What users type for an export: `/restores export [7d|30d|90d] [account:…] [region:…]`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.org_words import org_pairs
from bot.domain.query import Once, RestoreFilter
from bot.domain.scope_words import ScopeWords

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
    scope = ScopeWords(EXPORT_WINDOWS, Once(EXPORT_ACCEPTED), partitions,
                       "sums accounts, but an export lists every job with its account")
    for token in tokens:
        if token.lower() != "export" and not scope.take(token):
            scope.refuse(token, ("1d", "14d"), "does not apply to an export (it holds every state and type)",
                         [*EXPORT_WINDOWS, "export"])
    return ExportQuery(days=scope.days or DEFAULT_DAYS, regions=scope.regions_or(default_regions),
                       account=scope.account, account_name=scope.account_name, unit=scope.unit)
