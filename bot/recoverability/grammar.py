"""What users type for recoverability: `/restores resource <ARN | name>` and
`/restores coverage [type:…] [account:…] [30d|90d|180d] [region:…]`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.org_words import org_pairs
from bot.domain.query import (
    AGGREGATE_ALL,
    ANY,
    TYPE_ALIASES,
    Once,
    ParseError,
    parse_account,
    parse_region,
    parse_resource_type,
    squash,
)
from bot.domain.recoverability import ARN_RE, COVERAGE_WINDOWS
from bot.domain.regions import known_regions, region_partitions
from bot.domain.scope_words import ScopeWords
from bot.domain.tokens import suggest

RECOVERABILITY_VERBS = ("resource", "coverage")
RESOURCE_ACCEPTED = ("`resource` with a protected resource's full ARN or a part of its name or id (like `orders-db`), "
                     "optionally `account:123456789012` and regions like `eu-west-1` or `region:…`")
COVERAGE_ACCEPTED = ("`coverage` with `30d|90d|180d`, `type:RDS`, `account:123456789012|NAME|ANY`, `ou:NAME|ou-…` "
                     "and regions like "
                     "`eu-west-1` or `region:…`")
MIN_FRAGMENT = 2
MAX_FRAGMENT = 1600  # an ARN's length limit in AWS Backup's model


@dataclass(frozen=True)
class ResourceQuery:
    """`resource`: one protected resource, by full ARN or by a fragment of its name or id."""

    target: str
    is_arn: bool = False
    account: str | None = None  # the ARN's account, or `account:`; None: every account the channel may see
    regions: tuple[str, ...] = ()
    every: bool = False  # `account:ANY` typed: every account, and those the bot cannot read named as not read

    def to_text(self) -> str:
        parts = ["resource", self.target]
        if self.account and not self.is_arn:
            parts.append(f"account:{self.account}")
        elif self.every:
            parts.append(f"account:{ANY}")
        return " ".join(parts)


@dataclass(frozen=True)
class CoverageQuery:
    """`coverage`: of the protected resources the channel may see, which had a good restore in the last `days`."""

    days: int = 30
    resource_type: str | None = None
    account: str | None = None
    regions: tuple[str, ...] = ()
    # `account:<name>` and `ou:<name|id>` as typed, resolved by the access policy with the directory (bot.domain.access).
    account_name: str | None = None
    unit: str | None = None
    every: bool = False  # `account:ANY` typed: every account, and those the bot cannot read named as not read

    def to_text(self) -> str:
        parts = ["coverage", f"{self.days}d"]
        if self.resource_type:
            parts.append(f"type:{self.resource_type}")
        account = self.account_name or self.account or (ANY if self.every and self.unit is None else None)
        return " ".join(parts + org_pairs(account, self.unit))


def parse_recoverability(
    tokens: list[str], default_regions: tuple[str, ...], partitions: frozenset[str] | None
) -> ResourceQuery | CoverageQuery:
    """The query of a command whose first word is one of RECOVERABILITY_VERBS. Raises ParseError, nothing else."""
    verb, rest = tokens[0].lower(), tokens[1:]
    if verb == "resource":
        return _resource(rest, default_regions, partitions)
    return _coverage(rest, default_regions, partitions)


def _account(value: str, token: str, accepted: str) -> str:
    parsed = parse_account(value, token)
    if parsed == AGGREGATE_ALL:
        raise ParseError(token, "sums accounts, but each resource belongs to one account", accepted)
    return parsed


def _regions(value: str, token: str, partitions: frozenset[str] | None) -> list[str]:
    return [parse_region(part.strip(), token, partitions) for part in value.split(",") if part.strip()]


def _resource(tokens: list[str], default_regions: tuple[str, ...], partitions: frozenset[str] | None) -> ResourceQuery:
    once = Once(RESOURCE_ACCEPTED)
    target: str | None = None
    account: str | None = None
    regions: list[str] = []
    for token in tokens:
        key, _, value = token.partition(":")
        if token.lower().startswith("arn:"):
            once("resource", token)
            target = token
        elif key.lower() == "account" and value:
            once("account", token)
            account = _account(value, token, RESOURCE_ACCEPTED)
        elif key.lower() == "region" and value:
            regions += _regions(value, token, partitions)
        elif ":" in token:
            raise ParseError(token, "does not apply to `resource`", RESOURCE_ACCEPTED)
        else:
            once("resource", token)
            target = token
    if target is None:
        raise ParseError("resource", "needs the resource: its ARN or a part of its name", RESOURCE_ACCEPTED)
    if not MIN_FRAGMENT <= len(target) <= MAX_FRAGMENT:
        raise ParseError(target, f"should be {MIN_FRAGMENT} to {MAX_FRAGMENT} characters long", RESOURCE_ACCEPTED)
    every = account == ANY
    account = None if every else account
    if not target.lower().startswith("arn:"):
        return ResourceQuery(target, account=account, regions=tuple(dict.fromkeys(regions)) or default_regions,
                             every=every)
    return _arn_query(target, account, regions, default_regions, partitions)


def _arn_query(arn: str, account: str | None, regions: list[str], default_regions: tuple[str, ...],
               partitions: frozenset[str] | None) -> ResourceQuery:
    """A full ARN: its partition must be the bot's (refused here, before any AWS call), its region one AWS Backup has;
    its account and region say where to read it, and `account:`/`region:` may not say otherwise."""
    match = ARN_RE.match(arn)
    if match is None:
        raise ParseError(arn, "is not an ARN (arn:partition:service:region:account:resource)", RESOURCE_ACCEPTED)
    partition, region, owner = match["partition"], match["region"], match["account"]
    if partitions is not None and partition not in partitions:
        raise ParseError(arn, f"is in the `{partition}` partition, which this bot does not answer for",
                         "ARNs of the `" + "`, `".join(sorted(partitions)) + "` partition")
    if region and (region not in known_regions() or region_partitions()[region] != partition):
        raise ParseError(arn, f"names region `{region}`, which is not an AWS Backup region of `{partition}`",
                         RESOURCE_ACCEPTED)
    if owner and account and owner != account:
        raise ParseError(f"account:{account}", f"contradicts the ARN's account {owner}", RESOURCE_ACCEPTED)
    if region and regions and regions != [region]:
        raise ParseError(f"region:{','.join(regions)}", f"contradicts the ARN's region {region}", RESOURCE_ACCEPTED)
    where = (region,) if region else tuple(dict.fromkeys(regions)) or default_regions
    return ResourceQuery(arn, is_arn=True, account=owner or account, regions=where)


def _coverage(tokens: list[str], default_regions: tuple[str, ...], partitions: frozenset[str] | None) -> CoverageQuery:
    once = Once(COVERAGE_ACCEPTED)
    scope = ScopeWords(COVERAGE_WINDOWS, once, partitions, "sums accounts, but each resource belongs to one account")
    resource_type: str | None = None
    for token in tokens:
        key, _, value = token.partition(":")
        if scope.take(token):
            continue
        if key.lower() == "type" and value:
            once("type", token)
            parsed = parse_resource_type(value, token)
            resource_type = None if parsed in (ANY, AGGREGATE_ALL) else parsed
        elif squash(token) in TYPE_ALIASES:
            once("type", token)
            resource_type = TYPE_ALIASES[squash(token)]
        else:
            raise ParseError(token, "is not something `coverage` understands", COVERAGE_ACCEPTED,
                             suggest(token, [*COVERAGE_WINDOWS, "coverage"]))
    return CoverageQuery(days=scope.days or 30, resource_type=resource_type,
                         account=None if scope.account == ANY else scope.account,
                         regions=scope.regions_or(default_regions), account_name=scope.account_name, unit=scope.unit,
                         every=scope.account == ANY)
