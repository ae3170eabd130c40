"""The `/restores` vocabulary (states, periods, types, accounts, regions) and its filter: tokens -> a typed, validated
RestoreFilter, or a ParseError with a hint. bot/answers/grammar.py says which kind of answer a whole command asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.ids import ACCOUNT_ID_RE, REGION_RE
from bot.domain.org_words import is_account_name, parse_account_name, parse_unit
from bot.domain.query_errors import ParseError as ParseError
from bot.domain.query_errors import shorten as shorten
from bot.domain.regions import known_regions, region_partitions
from bot.domain.tokens import suggest

# The slash command's name; Slack sends it with every command, this is what the bot's own texts say.
COMMAND = "/restores"


class Period(StrEnum):
    """ListRestoreJobSummaries' AggregationPeriod (the API's terms: `period:ONE_DAY` and so on). What a user's word means
    is the filter's `span` (below): `1d` is the last day, `daily` the 14-day series; both are read as ONE_DAY."""

    ONE_DAY = "ONE_DAY"
    SEVEN_DAYS = "SEVEN_DAYS"
    FOURTEEN_DAYS = "FOURTEEN_DAYS"

    @property
    def short(self) -> str:
        return {"ONE_DAY": "1d", "SEVEN_DAYS": "7d", "FOURTEEN_DAYS": "14d"}[self.value]

    @property
    def days(self) -> int:
        return {"ONE_DAY": 1, "SEVEN_DAYS": 7, "FOURTEEN_DAYS": 14}[self.value]

    @property
    def label(self) -> str:
        return {
            "ONE_DAY": "per day, last 14 days",
            "SEVEN_DAYS": "last 7 days",
            "FOURTEEN_DAYS": "last 14 days",
        }[self.value]


class Span(StrEnum):
    """The window a user names, the same word in every command. Counts (ListRestoreJobSummaries) cover whole UTC days
    AWS has summarised, today not yet; job lists and restore tests cover a rolling window ending now.
    - `1d` (or `24h`): the last day: counts of the newest complete UTC day (yesterday), jobs of the last 24 h;
    - `7d`, `14d`: counts of the last 7 or 14 complete UTC days, jobs of the last 7 or 14 days (168 h, 336 h);
    - `daily`: counts per UTC day over the last 14 complete days (one bar per day, zeros included); no job list."""

    DAY = "1d"
    SEVEN_DAYS = "7d"
    FOURTEEN_DAYS = "14d"
    DAILY = "daily"

    @property
    def days(self) -> int:
        return {"1d": 1, "7d": 7, "14d": 14, "daily": 14}[self.value]

    @property
    def period(self) -> Period:
        """The AggregationPeriod that answers it: the last day is the newest of the ONE_DAY buckets."""
        return {"1d": Period.ONE_DAY, "7d": Period.SEVEN_DAYS, "14d": Period.FOURTEEN_DAYS, "daily": Period.ONE_DAY}[
            self.value
        ]

    @property
    def label(self) -> str:
        return {"1d": "last day", "7d": "last 7 days", "14d": "last 14 days", "daily": "per day, last 14 days"}[
            self.value
        ]

    @classmethod
    def of(cls, period: Period, last_day: bool = False) -> Span:
        if period is Period.ONE_DAY:
            return cls.DAY if last_day else cls.DAILY
        return cls.SEVEN_DAYS if period is Period.SEVEN_DAYS else cls.FOURTEEN_DAYS


ANY = "ANY"
AGGREGATE_ALL = "AGGREGATE_ALL"
WILDCARDS = (ANY, AGGREGATE_ALL)


class State(StrEnum):
    """ListRestoreJobSummaries' State values and what each means to the bot; the one place states are named.
    Members are strings, so rows from AWS (plain strings) compare and hash equal to them."""

    CREATED = "CREATED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    ABORTED = "ABORTED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    AGGREGATE_ALL = "AGGREGATE_ALL"
    ANY = "ANY"

    @property
    def is_wildcard(self) -> bool:
        return self in (State.ANY, State.AGGREGATE_ALL)

    @property
    def is_bad(self) -> bool:
        """Counts as a failure: the digest, the drill-down buttons and the alerts are about these."""
        return self in (State.FAILED, State.ABORTED)

    @property
    def in_progress(self) -> bool:
        """Not finished yet (the restore testing scoreboard counts these as running)."""
        return self in (State.CREATED, State.PENDING, State.RUNNING)

    @property
    def listable(self) -> bool:
        """A ListRestoreJobs ByStatus value (CREATED has no job listing; the wildcards are summaries-only)."""
        return self in (State.FAILED, State.ABORTED, State.COMPLETED, State.RUNNING, State.PENDING)

    @property
    def icon(self) -> str:
        """The Slack emoji code the bot's messages show for this state."""
        return _STATE_LOOKS[self][0] if self in _STATE_LOOKS else ""

    @property
    def symbol(self) -> str:
        """The same icon in a terminal (`python -m bot ask`, `digest --dry-run`), which shows no Slack emoji."""
        return _STATE_LOOKS[self][1] if self in _STATE_LOOKS else ""

    @property
    def rank(self) -> int:
        """Display order: what needs attention first."""
        return _STATE_ORDER.index(self) if self in _STATE_ORDER else len(_STATE_ORDER)

    @property
    def label(self) -> str:
        return "all states" if self is State.AGGREGATE_ALL else self.value

    @classmethod
    def of(cls, value: str) -> State | None:
        """The member for a value AWS sent, or None for one this bot does not know (yet)."""
        return cls.__members__.get(value)

    # The same questions about a value straight from AWS, which may be a state this bot does not know yet.
    @classmethod
    def icon_of(cls, value: str) -> str:
        known = cls.of(value)
        return known.icon if known else ""

    @classmethod
    def rank_of(cls, value: str) -> int:
        known = cls.of(value)
        return known.rank if known else len(_STATE_ORDER) + 1

    @classmethod
    def is_bad_value(cls, value: str) -> bool:
        known = cls.of(value)
        return known is not None and known.is_bad


_STATE_ORDER = (
    State.FAILED, State.ABORTED, State.COMPLETED, State.RUNNING, State.PENDING, State.CREATED, State.AGGREGATE_ALL
)
# (Slack emoji, terminal symbol) per state.
_STATE_LOOKS = {
    State.FAILED: (":x:", "✖"),
    State.ABORTED: (":no_entry_sign:", "⊘"),
    # A count's label, not a verdict: the check mark of "all clear" is bot.domain.coverage's alone.
    State.COMPLETED: (":heavy_check_mark:", "✔"),
    State.RUNNING: (":arrows_counterclockwise:", "↻"),
    State.PENDING: (":hourglass_flowing_sand:", "⧗"),
    State.CREATED: (":new:", "+"),
    State.AGGREGATE_ALL: (":heavy_plus_sign:", "Σ"),
}

# The job states a user names; the API also takes the two wildcards.
JOB_STATES = tuple(s for s in State if not s.is_wildcard)
API_STATES = tuple(State)
BAD_STATES = tuple(s for s in State if s.is_bad)
BAD_VALUES = frozenset(s.value for s in BAD_STATES)  # the same, as AWS sends them (a set test per row)
BAD_STATES_RANKED = tuple(sorted(BAD_STATES, key=lambda s: s.rank))  # the same, worst first (as alerts show them)
# The states an alert subscription may ask for and alerts poll for: the failures, worst first.
ALERT_STATES: tuple[State, ...] = BAD_STATES_RANKED
IN_PROGRESS_VALUES = frozenset(s.value for s in State if s.in_progress)  # not finished yet, as AWS sends them
# ListRestoreJobs' ByStatus values, in display order.
JOB_LIST_STATES = tuple(sorted((s for s in State if s.listable), key=lambda s: s.rank))

# The window words, bare or after `period:` (where the API's own names are taken too: ONE_DAY is the daily series).
SPANS: dict[str, Span] = {
    "1d": Span.DAY,
    "24h": Span.DAY,
    "7d": Span.SEVEN_DAYS,
    "14d": Span.FOURTEEN_DAYS,
    "daily": Span.DAILY,
}
API_SPANS: dict[str, Span] = {
    "one_day": Span.DAILY,
    "seven_days": Span.SEVEN_DAYS,
    "fourteen_days": Span.FOURTEEN_DAYS,
}
PERIODS: dict[str, Period] = {word: span.period for word, span in {**SPANS, **API_SPANS}.items()}
# A window word of another command (`30d` is restore tests'), or a number of days or hours nothing takes.
WINDOW_RE = re.compile(r"\A\d+[dh]\Z", re.IGNORECASE)
SPANS_ACCEPTED = (
    "`1d` (or `24h`: the last day), `7d` (the default), `14d`, `daily` (per day, last 14 days), "
    "or `period:ONE_DAY|SEVEN_DAYS|FOURTEEN_DAYS`"
)

# Canonical AWS Backup resource type names, as the service reports them in ResourceType.
RESOURCE_TYPES = (
    "Aurora",
    "CloudFormation",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "Timestream",
    "VirtualMachine",
)

# The service's ResourceType parameter pattern. Names outside it (those with spaces) cannot be sent
# as a filter; for them we ask for ANY and keep the matching rows ourselves.
API_RESOURCE_TYPE_RE = re.compile(r"\A[a-zA-Z0-9\-_.]{1,50}\Z")


def squash(name: str) -> str:
    return re.sub(r"[\s_\-.]+", "", name.lower())


TYPE_ALIASES: dict[str, str] = {squash(name): name for name in RESOURCE_TYPES}
TYPE_ALIASES.update(
    {
        "docdb": "DocumentDB",
        "ddb": "DynamoDB",
        "vm": "VirtualMachine",
        "sap": "SAP HANA on Amazon EC2",
        "saphana": "SAP HANA on Amazon EC2",
        "sgw": "Storage Gateway",
        "cfn": "CloudFormation",
    }
)

KEYS = ("state", "period", "type", "account", "ou", "region")
FLAGS = ("help", "share", "jobs", "tests", "subscribe", "unsubscribe", "subscriptions", "resource", "coverage", "export")

ACCOUNT_RE = ACCOUNT_ID_RE


@dataclass(frozen=True)
class RestoreFilter:
    """What one `/restores` answer covers. Every field holds a value the API accepts."""

    state: State = State.ANY
    period: Period = Period.SEVEN_DAYS
    resource_type: str = ANY
    account: str | None = None  # None: not sent, AWS answers for the caller's own account
    # `account:<name>` and `ou:<name or ou-id>` as typed: bot.domain.access resolves them with the organisation directory
    # on every request, before any AWS call (the name to `account`; the OU to `visible_accounts`, asked as ANY).
    account_name: str | None = None
    unit: str | None = None
    regions: tuple[str, ...] = ()
    share: bool = False
    # With Period.ONE_DAY: the last day only (`1d`), not the 14-day series (`daily`). See Span.
    last_day: bool = False
    # Set by the access policy for channels limited to some accounts: rows of other accounts are dropped
    # where they enter the bot. Never part of the text or of button values; re-derived on every request.
    visible_accounts: frozenset[str] | None = None

    @property
    def span(self) -> Span:
        """The window word this filter answers (`1d`, `7d`, `14d`, `daily`)."""
        return Span.of(self.period, self.last_day)

    @property
    def api_resource_type(self) -> str:
        """The ResourceType to send: the filter itself, or ANY when the name cannot be sent."""
        if self.resource_type in WILDCARDS or API_RESOURCE_TYPE_RE.match(self.resource_type):
            return self.resource_type
        return ANY

    @property
    def local_resource_type(self) -> str | None:
        """A resource type the client must filter rows on, when the API could not."""
        return None if self.api_resource_type == self.resource_type else self.resource_type

    def to_text(self) -> str:
        """Canonical command text that parses back to this filter."""
        parts = [f"state:{self.state}", self.span.value, *self.selection()]
        if self.regions:
            parts.append("region:" + ",".join(self.regions))
        if self.share:
            parts.append("share")
        return " ".join(parts)

    def selection(self) -> list[str]:
        """`type:`, `account:` and `ou:` as typed: an OU's answer is asked as account:ANY with types summed
        (bot.domain.org_scopes), which its `ou:` says already."""
        types = {ANY, AGGREGATE_ALL} if self.unit else {ANY}
        account = self.account_name or (None if self.unit and self.account == ANY else self.account)
        pairs = [("type", None if self.resource_type in types else self.resource_type), ("account", account),
                 ("ou", self.unit)]
        return [f'{key}:"{value}"' if " " in value else f"{key}:{value}" for key, value in pairs if value]


class Once:
    """Each kind of word at most once in a command (`7d` and `14d` together is a question of two windows): the
    second, different word of a kind is refused, naming the first and what `accepted` says."""

    def __init__(self, accepted: str) -> None:
        self.accepted = accepted
        self.sources: dict[str, str] = {}

    def __call__(self, key: str, token: str) -> None:
        if key in self.sources and self.sources[key].lower() != token.lower():
            raise ParseError(token, f"conflicts with `{shorten(self.sources[key])}`: give one {key}", self.accepted)
        self.sources[key] = token


STATE_WORDS = {state.lower(): state for state in JOB_STATES}
BARE_WORDS = sorted(STATE_WORDS) + list(SPANS) + sorted(k for k in TYPE_ALIASES if len(k) <= 15) + list(FLAGS)
ACCEPTED_OVERVIEW = (
    "states `failed|aborted|completed|running|pending|created` or `state:ANY|AGGREGATE_ALL`, "
    "windows `1d|24h|7d|14d|daily`, `type:EBS` (or `ebs`, `rds`, ...), `account:123456789012|NAME|ANY|AGGREGATE_ALL`, "
    "`ou:NAME|ou-…` (an organisational unit, nested ones included), "
    "regions like `eu-west-1` or `region:us-east-1,eu-west-1`, `share`, `jobs`, `tests`, `help`, "
    "`subscribe digest|alerts`, `unsubscribe digest|alerts`, `subscriptions`, `resource <ARN | name>`, "
    "`coverage [type:…] [account:…] [30d|90d|180d]`, `export [7d|30d|90d] [account:…]`"
)


class FilterBuilder:
    """Collects tokens into a RestoreFilter, refusing contradictions."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.sources: dict[str, str] = {}
        self.regions: list[str] = []
        self.share = False

    def set_span(self, span: Span, token: str) -> None:
        """A window word: one per command (`1d` and `daily` are two windows, though both read ONE_DAY)."""
        self.set("window", span, token)

    def set(self, key: str, value: object, token: str) -> None:
        if key in self.values and self.values[key] != value:
            raise ParseError(
                token,
                f"conflicts with `{shorten(self.sources[key])}`: give one {key}",
                SPANS_ACCEPTED if key == "window" else ACCEPTED_OVERVIEW,
            )
        self.values[key] = value
        self.sources[key] = token

    def add_region(self, region: str) -> None:
        if region not in self.regions:
            self.regions.append(region)

    def build(self, default_regions: tuple[str, ...]) -> RestoreFilter:
        span = Span(str(self.values.get("window", Span.SEVEN_DAYS)))
        account = str(self.values["account"]) if "account" in self.values else None
        named = account is not None and is_account_name(account)
        unit = str(self.values["unit"]) if "unit" in self.values else None
        if unit is not None and account == AGGREGATE_ALL:
            raise ParseError(self.sources["account"], "sums every account, but `ou:` names some of them",
                             "`ou:` alone (its total and one row per account), or with one of its accounts")
        return RestoreFilter(
            state=State(str(self.values.get("state", ANY))),
            period=span.period,
            last_day=span is Span.DAY,
            resource_type=str(self.values.get("type", ANY)),
            account=None if named else account,
            account_name=account if named else None,
            unit=unit,
            regions=tuple(self.regions) or default_regions,
            share=self.share,
        )


def parse_state(value: str, token: str) -> State:
    upper = value.upper()
    if upper in API_STATES:
        return State(upper)
    raise ParseError(token, "is not a restore job state", "`" + "|".join(API_STATES) + "`", suggest(value, API_STATES))


def parse_span(value: str, token: str) -> Span:
    """A window word, bare (`1d`, `24h`, `7d`, `14d`, `daily`) or the API's AggregationPeriod after `period:`."""
    span = SPANS.get(value.lower()) or API_SPANS.get(value.lower())
    if span is not None:
        return span
    if value.lower() == "30d":
        raise ParseError(token, "is not a window of counts (AWS's daily counts span 14 days)",
                         SPANS_ACCEPTED + ". `30d` is for restore tests: `tests 30d` (also `coverage 30d`, `export 30d`)")
    raise ParseError(token, "is not a window here", SPANS_ACCEPTED, suggest(value, [*SPANS, *API_SPANS]))


def parse_period(value: str, token: str) -> Period:
    """The AggregationPeriod a window word is read with (`1d` and `daily` both ONE_DAY: use parse_span to tell)."""
    return parse_span(value, token).period


def parse_resource_type(value: str, token: str) -> str:
    if value.upper() in WILDCARDS:
        return value.upper()
    name = TYPE_ALIASES.get(squash(value))
    if name is None:
        raise ParseError(
            token,
            "is not an AWS Backup resource type",
            "`type:` with one of " + ", ".join(f"`{t}`" for t in RESOURCE_TYPES) + ", `ANY`, `AGGREGATE_ALL`",
            suggest(value, list(RESOURCE_TYPES)),
        )
    return name


def parse_account(value: str, token: str) -> str:
    if value.upper() in WILDCARDS:
        return value.upper()
    if ACCOUNT_RE.match(value):
        return value
    digits = re.sub(r"[^0-9]", "", value)
    hint = digits if len(digits) == 12 else None
    raise ParseError(token, "is not an AWS account id", "`account:` with 12 digits, `ANY` or `AGGREGATE_ALL`", hint)


def parse_region(value: str, token: str, partitions: frozenset[str] | None = None) -> str:
    region = value.lower()
    known = known_regions()
    if region in known:
        partition = region_partitions()[region]
        if partitions is not None and partition not in partitions:
            raise ParseError(
                token,
                f"is in the `{partition}` partition, which this bot does not answer for",
                "regions of the `" + "`, `".join(sorted(partitions)) + "` partition, like `us-east-1`, `eu-west-1`",
            )
        return region
    problem = "is not an AWS region with AWS Backup" if REGION_RE.match(region) else "is not an AWS region code"
    raise ParseError(token, problem, "region codes like `us-east-1`, `eu-west-1`", suggest(region, sorted(known)))


def parse_pair(builder: FilterBuilder, key: str, value: str, token: str, partitions: frozenset[str] | None) -> None:
    if not value:
        raise ParseError(token, f"has no value after `{shorten(key, 20)}:`", ACCEPTED_OVERVIEW)
    if key == "state":
        builder.set("state", parse_state(value, token), token)
    elif key == "period":
        builder.set_span(parse_span(value, token), token)
    elif key == "type":
        builder.set("type", parse_resource_type(value, token), token)
    elif key == "account":
        named = is_account_name(value)
        builder.set("account", parse_account_name(value, token) if named else parse_account(value, token), token)
    elif key == "ou":
        builder.set("unit", parse_unit(value, token), token)
    elif key == "region":
        for part in value.split(","):
            if part.strip():
                builder.add_region(parse_region(part.strip(), token, partitions))
    else:
        known = suggest(key, KEYS)
        raise ParseError(
            token,
            f"uses an unknown key `{shorten(key, 20)}:`",
            "keys `" + "`, `".join(f"{k}:" for k in KEYS) + "`",
            shorten(f"{known}:{value}", 40) if known else None,
        )
