"""The `/restores` grammar: command text -> a typed, validated RestoreFilter, or a ParseError with a hint."""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from bot.ids import ACCOUNT_ID_RE, REGION_RE
from bot.regions import known_regions, partitions_of, region_partitions

# The slash command's name; Slack sends it with every command, this is what the bot's own texts say.
COMMAND = "/restores"


class Period(StrEnum):
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
            "ONE_DAY": "daily, last 14 days",
            "SEVEN_DAYS": "last 7 days",
            "FOURTEEN_DAYS": "last 14 days",
        }[self.value]


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
    def listable(self) -> bool:
        """A ListRestoreJobs ByStatus value (CREATED has no job listing; the wildcards are summaries-only)."""
        return self in (State.FAILED, State.ABORTED, State.COMPLETED, State.RUNNING, State.PENDING)

    @property
    def icon(self) -> str:
        return _STATE_ICONS.get(self, "")

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
_STATE_ICONS = {
    State.FAILED: ":x:",
    State.ABORTED: ":no_entry_sign:",
    State.COMPLETED: ":white_check_mark:",
    State.RUNNING: ":arrows_counterclockwise:",
    State.PENDING: ":hourglass_flowing_sand:",
    State.CREATED: ":new:",
    State.AGGREGATE_ALL: ":heavy_plus_sign:",
}

# The job states a user names; the API also takes the two wildcards.
JOB_STATES = tuple(s for s in State if not s.is_wildcard)
API_STATES = tuple(State)
BAD_STATES = tuple(s for s in State if s.is_bad)
BAD_VALUES = frozenset(s.value for s in BAD_STATES)  # the same, as AWS sends them (a set test per row)
# ListRestoreJobs' ByStatus values, in display order.
JOB_LIST_STATES = tuple(sorted((s for s in State if s.listable), key=lambda s: s.rank))

PERIODS: dict[str, Period] = {
    "1d": Period.ONE_DAY,
    "7d": Period.SEVEN_DAYS,
    "14d": Period.FOURTEEN_DAYS,
    "one_day": Period.ONE_DAY,
    "seven_days": Period.SEVEN_DAYS,
    "fourteen_days": Period.FOURTEEN_DAYS,
}

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


def _squash(name: str) -> str:
    return re.sub(r"[\s_\-.]+", "", name.lower())


TYPE_ALIASES: dict[str, str] = {_squash(name): name for name in RESOURCE_TYPES}
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

KEYS = ("state", "period", "type", "account", "region")
FLAGS = ("help", "share", "jobs", "tests", "subscribe", "unsubscribe", "subscriptions")

ACCOUNT_RE = ACCOUNT_ID_RE


@dataclass(frozen=True)
class RestoreFilter:
    """What one `/restores` answer covers. Every field holds a value the API accepts."""

    state: State = State.ANY
    period: Period = Period.SEVEN_DAYS
    resource_type: str = ANY
    account: str | None = None  # None: not sent, AWS answers for the caller's own account
    regions: tuple[str, ...] = ()
    share: bool = False
    # Set by the access policy for channels limited to some accounts: rows of other accounts are dropped
    # where they enter the bot. Never part of the text or of button values; re-derived on every request.
    visible_accounts: frozenset[str] | None = None

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
        parts = [f"state:{self.state}", self.period.short]
        if self.resource_type != ANY:
            parts.append(f'type:"{self.resource_type}"' if " " in self.resource_type else f"type:{self.resource_type}")
        if self.account:
            parts.append(f"account:{self.account}")
        if self.regions:
            parts.append("region:" + ",".join(self.regions))
        if self.share:
            parts.append("share")
        return " ".join(parts)


TESTS_WINDOWS = {"7d": 7, "14d": 14, "30d": 30}


@dataclass(frozen=True)
class TestsQuery:
    """What `/restores tests` covers: restore testing plans and their jobs of the last `days` days."""

    days: int = 7
    regions: tuple[str, ...] = ()
    # None: every account the bot reads restore tests in (its own and RESTORES_TESTING_ACCOUNTS); else one.
    account: str | None = None
    # The channel's account scope (bot.access), re-derived on every request like RestoreFilter's.
    visible_accounts: frozenset[str] | None = None

    def to_text(self) -> str:
        parts = ["tests", f"{self.days}d"]
        if self.account:
            parts.append(f"account:{self.account}")
        if self.regions:
            parts.append("region:" + ",".join(self.regions))
        return " ".join(parts)


class Feed(StrEnum):
    """What a channel can subscribe to from Slack."""

    DIGEST = "digest"
    ALERTS = "alerts"


# The states an alert subscription may ask for, in the order they are stored and shown.
ALERT_STATES = (State.FAILED, State.ABORTED)


@dataclass(frozen=True)
class DigestSubscribe:
    """`subscribe digest [HH:MM] [zone]`; None: the configured RESTORES_DIGEST_TIME / RESTORES_DIGEST_TZ."""

    time: tuple[int, int] | None = None
    tz: str | None = None


@dataclass(frozen=True)
class AlertsSubscribe:
    """`subscribe alerts [type:…] [account:…] [state:failed|aborted|both]`; None: every type / every account the
    channel may see."""

    resource_type: str | None = None
    account: str | None = None
    states: tuple[State, ...] = ALERT_STATES


@dataclass(frozen=True)
class Unsubscribe:
    feed: Feed


Subscription = DigestSubscribe | AlertsSubscribe | Unsubscribe


@dataclass(frozen=True)
class ParsedCommand:
    kind: Literal["summary", "help", "jobs", "tests", "subscribe", "unsubscribe", "subscriptions"]
    filter: RestoreFilter = field(default_factory=RestoreFilter)
    tests: TestsQuery | None = None
    # kind subscribe: DigestSubscribe or AlertsSubscribe; unsubscribe: Unsubscribe; subscriptions: None.
    subscription: Subscription | None = None


class ParseError(ValueError):
    """The command text has a token we cannot accept. The message is written for the Slack user."""

    def __init__(self, token: str, problem: str, accepted: str, suggestion: str | None = None) -> None:
        self.token = token
        self.problem = problem
        self.accepted = accepted
        self.suggestion = suggestion
        super().__init__(self.user_message())

    def user_message(self) -> str:
        shown = _shorten(self.token)
        text = f"`{shown}` {self.problem}."
        if self.suggestion:
            text += f" Did you mean `{self.suggestion}`?"
        text += f"\nAccepted: {self.accepted}"
        return text


def _shorten(token: str, limit: int = 60) -> str:
    token = token.replace("`", "'")
    return token if len(token) <= limit else token[: limit - 1] + "…"


_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_TOKEN_RE = re.compile(r"""[^\s"']*(?:"[^"]*"|'[^']*')[^\s"']*|\S+""")

STATE_WORDS = {state.lower(): state for state in JOB_STATES}
BARE_WORDS = sorted(STATE_WORDS) + ["1d", "7d", "14d"] + sorted(k for k in TYPE_ALIASES if len(k) <= 15) + list(FLAGS)
ACCEPTED_OVERVIEW = (
    "states `failed|aborted|completed|running|pending|created` or `state:ANY|AGGREGATE_ALL`, "
    "periods `1d|7d|14d`, `type:EBS` (or `ebs`, `rds`, ...), `account:123456789012|ANY|AGGREGATE_ALL`, "
    "regions like `eu-west-1` or `region:us-east-1,eu-west-1`, `share`, `jobs`, `tests`, `help`, "
    "`subscribe digest|alerts`, `unsubscribe digest|alerts`, `subscriptions`"
)


def tokenize(text: str) -> list[str]:
    """Split on white space, keeping quoted values ("Storage Gateway") together; never raises."""
    return [token.replace('"', "").replace("'", "") for token in _TOKEN_RE.findall(text.translate(_QUOTES))]


def _suggest(word: str, vocabulary: list[str] | tuple[str, ...]) -> str | None:
    matches = difflib.get_close_matches(word.lower(), [v.lower() for v in vocabulary], n=1, cutoff=0.6)
    if not matches:
        return None
    lowered = {v.lower(): v for v in vocabulary}
    return lowered[matches[0]]


class _Builder:
    """Collects tokens into a RestoreFilter, refusing contradictions."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.sources: dict[str, str] = {}
        self.regions: list[str] = []
        self.share = False

    def set(self, key: str, value: object, token: str) -> None:
        if key in self.values and self.values[key] != value:
            raise ParseError(
                token,
                f"conflicts with `{_shorten(self.sources[key])}`: give one {key}",
                ACCEPTED_OVERVIEW,
            )
        self.values[key] = value
        self.sources[key] = token

    def add_region(self, region: str) -> None:
        if region not in self.regions:
            self.regions.append(region)

    def build(self, default_regions: tuple[str, ...]) -> RestoreFilter:
        return RestoreFilter(
            state=State(str(self.values.get("state", ANY))),
            period=Period(str(self.values.get("period", Period.SEVEN_DAYS))),
            resource_type=str(self.values.get("type", ANY)),
            account=str(self.values["account"]) if "account" in self.values else None,
            regions=tuple(self.regions) or default_regions,
            share=self.share,
        )


def parse_state(value: str, token: str) -> State:
    upper = value.upper()
    if upper in API_STATES:
        return State(upper)
    raise ParseError(token, "is not a restore job state", "`" + "|".join(API_STATES) + "`", _suggest(value, API_STATES))


def parse_period(value: str, token: str) -> Period:
    period = PERIODS.get(value.lower())
    if period is None:
        raise ParseError(
            token,
            "is not a period",
            "`1d` (daily, last 14 days), `7d`, `14d` or `ONE_DAY|SEVEN_DAYS|FOURTEEN_DAYS`",
            _suggest(value, list(PERIODS)),
        )
    return period


def parse_resource_type(value: str, token: str) -> str:
    if value.upper() in WILDCARDS:
        return value.upper()
    name = TYPE_ALIASES.get(_squash(value))
    if name is None:
        raise ParseError(
            token,
            "is not an AWS Backup resource type",
            "`type:` with one of " + ", ".join(f"`{t}`" for t in RESOURCE_TYPES) + ", `ANY`, `AGGREGATE_ALL`",
            _suggest(value, list(RESOURCE_TYPES)),
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
    raise ParseError(token, problem, "region codes like `us-east-1`, `eu-west-1`", _suggest(region, sorted(known)))


def parse_command(text: str, default_regions: tuple[str, ...] = ()) -> ParsedCommand:
    """Parse `/restores` text. Raises ParseError for anything it cannot accept, never anything else."""
    tokens = tokenize(text or "")
    partitions = partitions_of(default_regions) if default_regions else None
    builder = _Builder()
    help_wanted = False
    jobs_token: str | None = None
    help_token = any(token.lower() in ("help", "?", "-h", "--help") for token in tokens)
    if any(token.lower() == "tests" for token in tokens) and not help_token:
        return ParsedCommand("tests", tests=_parse_tests(tokens, default_regions, partitions))
    if help_token and any(token.lower() in ("tests", *SUBSCRIPTION_VERBS) for token in tokens):
        return ParsedCommand("help")
    if any(token.lower() in SUBSCRIPTION_VERBS for token in tokens):
        kind, subscription = _parse_subscription(tokens)
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
            _parse_pair(builder, key.lower(), value, token, partitions)
        elif lowered in STATE_WORDS:
            builder.set("state", STATE_WORDS[lowered], token)
        elif lowered in ("1d", "7d", "14d"):
            builder.set("period", PERIODS[lowered], token)
        elif ACCOUNT_RE.match(token):
            builder.set("account", token, token)
        elif REGION_RE.match(lowered):
            builder.add_region(parse_region(token, token, partitions))
        elif _squash(token) in TYPE_ALIASES:
            builder.set("type", TYPE_ALIASES[_squash(token)], token)
        else:
            raise ParseError(token, "is not something I understand", ACCEPTED_OVERVIEW, _suggest(token, BARE_WORDS))
    if help_wanted:
        return ParsedCommand("help")
    if jobs_token is not None:
        return ParsedCommand("jobs", _jobs_filter(builder, default_regions))
    return ParsedCommand("summary", builder.build(default_regions))


TESTS_ACCEPTED = "`tests` with `7d|14d|30d`, `account:123456789012|ANY` and regions like `eu-west-1` or `region:…`"


def _parse_tests(tokens: list[str], default_regions: tuple[str, ...], partitions: frozenset[str] | None) -> TestsQuery:
    """`tests [7d|14d|30d] [region:…] [account:…]`: restore testing plans have no state, type or AggregationPeriod."""
    days: int | None = None
    account: str | None = None
    regions: list[str] = []
    sources: dict[str, str] = {}

    def once(key: str, token: str) -> None:
        if key in sources and sources[key].lower() != token.lower():
            raise ParseError(token, f"conflicts with `{_shorten(sources[key])}`: give one {key}", TESTS_ACCEPTED)
        sources[key] = token

    for token in tokens:
        lowered = token.lower()
        key, _, value = token.partition(":")
        if lowered == "tests":
            continue
        if lowered in TESTS_WINDOWS or (key.lower() == "period" and value.lower() in TESTS_WINDOWS):
            once("window", token)
            days = TESTS_WINDOWS[lowered if lowered in TESTS_WINDOWS else value.lower()]
        elif key.lower() == "account" and value:
            once("account", token)
            parsed = parse_account(value, token)
            if parsed == AGGREGATE_ALL:
                raise ParseError(token, "sums accounts, but each plan belongs to one account", TESTS_ACCEPTED)
            account = None if parsed == ANY else parsed
        elif ACCOUNT_RE.match(token):
            once("account", token)
            account = token
        elif key.lower() == "region" and value:
            regions += [parse_region(part.strip(), token, partitions) for part in value.split(",") if part.strip()]
        elif REGION_RE.match(lowered):
            regions.append(parse_region(token, token, partitions))
        elif lowered in ("1d",) or lowered in STATE_WORDS or _squash(token) in TYPE_ALIASES or ":" in token:
            raise ParseError(token, "does not apply to restore tests", TESTS_ACCEPTED)
        else:
            raise ParseError(token, "is not something I understand", TESTS_ACCEPTED,
                             _suggest(token, [*TESTS_WINDOWS, "tests"]))
    return TestsQuery(days=days or 7, regions=tuple(dict.fromkeys(regions)) or default_regions, account=account)


def _jobs_filter(builder: _Builder, default_regions: tuple[str, ...]) -> RestoreFilter:
    """`jobs` lists one status (FAILED unless another is named); CREATED and AGGREGATE_ALL have no jobs list."""
    builder.values.setdefault("state", State.FAILED)
    state = str(builder.values["state"])
    if state not in JOB_LIST_STATES + (ANY,):
        raise ParseError(
            builder.sources.get("state", state),
            "cannot be listed job by job",
            "`jobs` with `failed`, `aborted`, `completed`, `running`, `pending` or `state:ANY`",
        )
    return builder.build(default_regions)


def _parse_pair(builder: _Builder, key: str, value: str, token: str, partitions: frozenset[str] | None) -> None:
    if not value:
        raise ParseError(token, f"has no value after `{_shorten(key, 20)}:`", ACCEPTED_OVERVIEW)
    if key == "state":
        builder.set("state", parse_state(value, token), token)
    elif key == "period":
        builder.set("period", parse_period(value, token), token)
    elif key == "type":
        builder.set("type", parse_resource_type(value, token), token)
    elif key == "account":
        builder.set("account", parse_account(value, token), token)
    elif key == "region":
        for part in value.split(","):
            if part.strip():
                builder.add_region(parse_region(part.strip(), token, partitions))
    else:
        known = _suggest(key, KEYS)
        raise ParseError(
            token,
            f"uses an unknown key `{_shorten(key, 20)}:`",
            "keys `" + "`, `".join(f"{k}:" for k in KEYS) + "`",
            _shorten(f"{known}:{value}", 40) if known else None,
        )


SUBSCRIPTION_VERBS = ("subscribe", "unsubscribe", "subscriptions")
SUBSCRIBE_ACCEPTED = (
    "`subscribe digest [HH:MM] [time zone]` (e.g. `subscribe digest 07:30 Europe/Berlin`), "
    "`subscribe alerts [type:EBS] [account:123456789012] [state:failed|aborted|both]`, "
    "`unsubscribe digest|alerts`, `subscriptions`"
)
TIME_OF_DAY_RE = re.compile(r"\A([01]?[0-9]|2[0-3]):([0-5][0-9])\Z")
TIME_ACCEPTED = "a 24-hour time `HH:MM`, e.g. `07:30` or `18:00`"
ZONE_ACCEPTED = "an IANA time zone name, e.g. `UTC`, `Europe/Berlin`, `America/New_York`"
ALERT_STATE_WORDS: dict[str, tuple[State, ...]] = {
    "failed": (State.FAILED,), "aborted": (State.ABORTED,), "both": ALERT_STATES
}
ALERTS_ACCEPTED = "`type:EBS` (or `ebs`, `rds`, ...), `account:123456789012`, `state:failed|aborted|both`"


SubscriptionKind = Literal["subscribe", "unsubscribe", "subscriptions"]


def _parse_subscription(tokens: list[str]) -> tuple[SubscriptionKind, Subscription | None]:
    """`subscribe digest|alerts …`, `unsubscribe digest|alerts`, `subscriptions`: the verb comes first, then what
    it is about; these do not mix with the query words."""
    verb = tokens[0].lower()
    if verb not in SUBSCRIPTION_VERBS:
        misplaced = next(token for token in tokens if token.lower() in SUBSCRIPTION_VERBS)
        raise ParseError(misplaced, "must come first, and does not mix with query words", SUBSCRIBE_ACCEPTED)
    rest = tokens[1:]
    if verb == "subscriptions":
        if rest:
            raise ParseError(rest[0], "does not go with `subscriptions` (it lists what this channel gets)",
                             SUBSCRIBE_ACCEPTED)
        return "subscriptions", None
    to = "to" if verb == "subscribe" else "from"
    if not rest:
        raise ParseError(verb, f"needs what to {verb} {to}: `digest` or `alerts`", SUBSCRIBE_ACCEPTED)
    feed = Feed.__members__.get(rest[0].upper())
    if feed is None:
        raise ParseError(rest[0], f"is not something to {verb} {to} (accepted: `digest`, `alerts`)",
                         SUBSCRIBE_ACCEPTED, _suggest(rest[0], [f.value for f in Feed]))
    if verb == "unsubscribe":
        if rest[1:]:
            raise ParseError(rest[1], f"does not go with `unsubscribe {feed.value}`", SUBSCRIBE_ACCEPTED)
        return "unsubscribe", Unsubscribe(feed)
    if feed is Feed.DIGEST:
        return "subscribe", _parse_digest_subscribe(rest[1:])
    return "subscribe", _parse_alerts_subscribe(rest[1:])


def _parse_digest_subscribe(tokens: list[str]) -> DigestSubscribe:
    at: tuple[int, int] | None = None
    tz: str | None = None
    for token in tokens:
        if token[:1].isdigit():
            if at is not None:
                raise ParseError(token, "is a second time: give one", TIME_ACCEPTED)
            at = parse_time_of_day(token)
        else:
            if tz is not None:
                raise ParseError(token, "is a second time zone: give one", ZONE_ACCEPTED)
            tz = parse_time_zone(token)
    return DigestSubscribe(at, tz)


def parse_time_of_day(token: str) -> tuple[int, int]:
    match = TIME_OF_DAY_RE.match(token)
    if not match:
        digits = re.sub(r"[^0-9]", "", token)
        hint = f"{digits[:-2].zfill(2)}:{digits[-2:]}" if len(digits) in (3, 4) else None
        if hint and not TIME_OF_DAY_RE.match(hint):
            hint = None
        raise ParseError(token, "is not a time of day", TIME_ACCEPTED, hint)
    return int(match.group(1)), int(match.group(2))


@functools.cache
def _zones() -> dict[str, str]:
    """IANA zone names by their lower-case form (the bundled tzdata package guarantees the list)."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_time_zone(token: str) -> str:
    """The canonical IANA name; only names from the zone database are accepted (never a path handed to ZoneInfo)."""
    name = _zones().get(token.lower())
    if name is None:
        raise ParseError(token, "is not an IANA time zone", ZONE_ACCEPTED, _suggest(token, sorted(_zones().values())))
    return name


def _parse_alerts_subscribe(tokens: list[str]) -> AlertsSubscribe:
    resource_type: str | None = None
    account: str | None = None
    states: tuple[State, ...] = ALERT_STATES
    sources: dict[str, str] = {}

    def once(key: str, token: str) -> None:
        if key in sources and sources[key].lower() != token.lower():
            raise ParseError(token, f"conflicts with `{_shorten(sources[key])}`: give one {key}", ALERTS_ACCEPTED)
        sources[key] = token

    for token in tokens:
        key, sep, value = token.partition(":")
        key, lowered = key.lower(), token.lower()
        if sep and not value:
            raise ParseError(token, f"has no value after `{_shorten(key, 20)}:`", ALERTS_ACCEPTED)
        if (key == "type" and sep) or (not sep and _squash(token) in TYPE_ALIASES and lowered not in ALERT_STATE_WORDS):
            once("type", token)
            name = parse_resource_type(value if sep else token, token)
            if name == AGGREGATE_ALL:
                raise ParseError(token, "sums types, but an alert is about one job", ALERTS_ACCEPTED)
            resource_type = None if name == ANY else name
        elif (key == "account" and sep) or ACCOUNT_RE.match(token):
            once("account", token)
            parsed = parse_account(value if sep else token, token)
            if parsed == AGGREGATE_ALL:
                raise ParseError(token, "sums accounts, but an alert is about one job", ALERTS_ACCEPTED)
            account = None if parsed == ANY else parsed
        elif (key == "state" and sep) or lowered in ALERT_STATE_WORDS:
            once("state", token)
            word = value.lower() if sep else lowered
            if word not in ALERT_STATE_WORDS:
                raise ParseError(token, "is not a state alerts are sent for",
                                 "`state:failed`, `state:aborted` or `state:both`", _suggest(word, list(ALERT_STATE_WORDS)))
            states = ALERT_STATE_WORDS[word]
        else:
            raise ParseError(token, "does not apply to alerts", ALERTS_ACCEPTED,
                             _suggest(token, [*ALERT_STATE_WORDS, "type:", "account:", "state:"]))
    return AlertsSubscribe(resource_type=resource_type, account=account, states=states)
