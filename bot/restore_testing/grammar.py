"""What users type for restore testing: `/restores tests [1d|7d|14d|30d] [region:…] [account:…] [share]`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.org_words import org_pairs
from bot.domain.query import ANY, Once
from bot.domain.scope_words import ScopeWords

# Rolling windows ending now, as every job list's: `1d` (or `24h`) is the last 24 hours, as in `jobs failed 1d`.
TESTS_WINDOWS = {"1d": 1, "24h": 1, "7d": 7, "14d": 14, "30d": 30}


@dataclass(frozen=True)
class TestsQuery:
    """What `/restores tests` covers: restore testing plans and their jobs of the last `days` days."""

    days: int = 7
    regions: tuple[str, ...] = ()
    # None: every account the bot reads restore tests in (its own and RESTORES_TESTING_ACCOUNTS); else one.
    account: str | None = None
    # `account:<name>` and `ou:<name|id>` as typed, resolved by the access policy with the directory (bot.domain.access).
    account_name: str | None = None
    unit: str | None = None
    # The channel's account scope (bot.domain.access), re-derived on every request like RestoreFilter's.
    visible_accounts: frozenset[str] | None = None
    share: bool = False  # post the answer in the channel, not only to the caller

    def to_text(self) -> str:
        parts = ["tests", f"{self.days}d"]
        parts += org_pairs(self.account_name or self.account, self.unit)
        if self.regions:
            parts.append("region:" + ",".join(self.regions))
        if self.share:
            parts.append("share")
        return " ".join(parts)


TESTS_ACCEPTED = (
    "`tests` with `1d|7d|14d|30d` (the last 24 h, 7, 14 or 30 days), `account:123456789012|NAME|ANY`, "
    "`ou:NAME|ou-…`, regions like "
    "`eu-west-1` or `region:…`, and `share`"
)


def parse_tests(tokens: list[str], default_regions: tuple[str, ...], partitions: frozenset[str] | None) -> TestsQuery:
    """`tests [1d|7d|14d|30d] [region:…] [account:…] [share]`: restore testing plans have no state, type or
    AggregationPeriod (`daily` and `period:ONE_DAY` are counts' words)."""
    share = False
    scope = ScopeWords(TESTS_WINDOWS, Once(TESTS_ACCEPTED), partitions,
                       "sums accounts, but each plan belongs to one account")
    for token in tokens:
        if token.lower() == "share":
            share = True
        elif token.lower() != "tests" and not scope.take(token):
            scope.refuse(token, ("daily",), "does not apply to restore tests", [*TESTS_WINDOWS, "tests", "share"])
    return TestsQuery(days=scope.days or 7, regions=scope.regions_or(default_regions),
                      account=None if scope.account == ANY else scope.account, account_name=scope.account_name,
                      unit=scope.unit, share=share)
