"""The `/restores` command as a whole: which kind of answer a text asks for (a summary, jobs, restore tests, a
subscription), each with its typed value; the filter words themselves are bot/domain/query.py's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.domain.ids import REGION_RE
from bot.domain.query import (
    ACCEPTED_OVERVIEW,
    ACCOUNT_RE,
    ANY,
    BARE_WORDS,
    JOB_LIST_STATES,
    SPANS,
    STATE_WORDS,
    TYPE_ALIASES,
    WINDOW_RE,
    FilterBuilder,
    ParseError,
    RestoreFilter,
    Span,
    State,
    parse_pair,
    parse_region,
    parse_span,
    squash,
)
from bot.domain.regions import partitions_of
from bot.domain.tokens import suggest, tokenize
from bot.export.grammar import ExportQuery, parse_export
from bot.recoverability.grammar import RECOVERABILITY_VERBS, CoverageQuery, ResourceQuery, parse_recoverability
from bot.restore_testing.grammar import TestsQuery, parse_tests
from bot.subscriptions.grammar import SUBSCRIPTION_VERBS, Subscription, parse_subscription


@dataclass(frozen=True)
class ParsedCommand:
    kind: Literal[
        "summary", "help", "jobs", "tests", "subscribe", "unsubscribe", "subscriptions", "recoverability", "export"
    ]
    filter: RestoreFilter = field(default_factory=RestoreFilter)
    tests: TestsQuery | None = None
    # kind subscribe: DigestSubscribe or AlertsSubscribe; unsubscribe: Unsubscribe; subscriptions: None.
    subscription: Subscription | None = None
    recoverability: ResourceQuery | CoverageQuery | None = None  # kind recoverability: `resource` or `coverage`
    export: ExportQuery | None = None  # kind export


def parse_command(text: str, default_regions: tuple[str, ...] = ()) -> ParsedCommand:
    """Parse `/restores` text. Raises ParseError for anything it cannot accept, never anything else."""
    tokens = tokenize(text or "")
    partitions = partitions_of(default_regions) if default_regions else None
    builder = FilterBuilder()
    help_wanted = False
    jobs_token: str | None = None
    help_token = any(token.lower() in ("help", "?", "-h", "--help") for token in tokens)
    if tokens and tokens[0].lower() in RECOVERABILITY_VERBS and not help_token:
        return ParsedCommand("recoverability", recoverability=parse_recoverability(tokens, default_regions, partitions))
    if any(token.lower() == "export" for token in tokens) and not help_token:
        return ParsedCommand("export", export=parse_export(tokens, default_regions, partitions))
    if any(token.lower() == "tests" for token in tokens) and not help_token:
        return ParsedCommand("tests", tests=parse_tests(tokens, default_regions, partitions))
    verbs = ("tests", "export", *SUBSCRIPTION_VERBS, *RECOVERABILITY_VERBS)
    if help_token and any(token.lower() in verbs for token in tokens):
        return ParsedCommand("help")
    if any(token.lower() in SUBSCRIPTION_VERBS for token in tokens):
        kind, subscription = parse_subscription(tokens)
        return ParsedCommand(kind, RestoreFilter(regions=default_regions), subscription=subscription)
    for token in tokens:
        lowered = token.lower()
        if lowered in ("help", "?", "-h", "--help"):
            help_wanted = True
        elif lowered == "jobs":
            jobs_token = token
        elif lowered == "share":
            builder.share = True
        elif ":" in token:
            key, _, value = token.partition(":")
            parse_pair(builder, key.lower(), value, token, partitions)
        elif lowered in STATE_WORDS:
            builder.set("state", STATE_WORDS[lowered], token)
        elif lowered in SPANS or WINDOW_RE.match(lowered):
            builder.set_span(parse_span(lowered, token), token)
        elif ACCOUNT_RE.match(token):
            builder.set("account", token, token)
        elif REGION_RE.match(lowered):
            builder.add_region(parse_region(token, token, partitions))
        elif squash(token) in TYPE_ALIASES:
            builder.set("type", TYPE_ALIASES[squash(token)], token)
        else:
            raise ParseError(token, "is not something I understand", ACCEPTED_OVERVIEW, suggest(token, BARE_WORDS))
    if help_wanted:
        return ParsedCommand("help")
    if jobs_token is not None:
        return ParsedCommand("jobs", _jobs_filter(builder, default_regions))
    return ParsedCommand("summary", builder.build(default_regions))


def _jobs_filter(builder: FilterBuilder, default_regions: tuple[str, ...]) -> RestoreFilter:
    """`jobs` lists one status (FAILED unless another is named) created in the last 1, 7 or 14 days (rolling, ending
    now); CREATED and AGGREGATE_ALL have no jobs list, and a list has no per-day series."""
    builder.values.setdefault("state", State.FAILED)
    if builder.values.get("window") is Span.DAILY:
        raise ParseError(
            builder.sources["window"],
            "counts per day, but `jobs` lists the jobs themselves",
            "`jobs` with `1d` (or `24h`), `7d` or `14d`: the jobs created in that many days, ending now",
        )
    state = str(builder.values["state"])
    if state not in JOB_LIST_STATES + (ANY,):
        raise ParseError(
            builder.sources.get("state", state),
            "cannot be listed job by job",
            "`jobs` with `failed`, `aborted`, `completed`, `running`, `pending` or `state:ANY`",
        )
    return builder.build(default_regions)
