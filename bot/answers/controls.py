"""Interactive controls: every action id, and the compact typed filter that buttons carry (never trusted)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.org_words import parse_account_name, parse_unit
from bot.domain.query import (
    ParseError,
    RestoreFilter,
    Span,
    parse_account,
    parse_region,
    parse_resource_type,
    parse_span,
    parse_state,
)
from bot.domain.regions import known_regions

VALUE_VERSION = 1
MAX_VALUE_CHARS = 2000  # Slack's limit for a button value
MAX_OPTION_VALUE_CHARS = 150  # Slack's limit for a select option value
MAX_REGIONS = 64  # every region AWS Backup serves, with room to grow
# Up to this many characters the region list is written out; longer lists go as a bit mask over the sorted list of
# regions botocore knows, tagged with a hash of that list (a select option value has 150 characters in all).
MAX_REGION_TEXT = 40
# Restore job summaries cover 30 days; a window older than that is a stale button.
MAX_WINDOW_AGE = timedelta(days=45)


class ActionId(StrEnum):
    """Every action_id the bot sends. Several controls in one block share a prefix: `<id>:<suffix>`."""

    JOBS = "restores_jobs"  # button: the jobs behind a total
    JOBS_ROW = "restores_jobs_row"  # static select: the jobs behind one row
    PERIOD = "restores_period"  # buttons 1d / 7d / 14d: redraw the answer in place
    STATE = "restores_state"  # buttons failed / aborted / all: redraw the answer in place
    SHARE = "restores_share"  # button: post an ephemeral answer to the channel
    CHART = "restores_chart"  # button on `1d` answers: upload the 14-day chart of the filter to the channel
    HOME_REFRESH = "restores_home_refresh"  # button on the App Home tab: publish the dashboard again
    TEST_JOBS = "restores_test_jobs"  # buttons: the jobs behind a restore testing plan's failures, leaks...
    TESTS_SHARE = "restores_tests_share"  # button: post the restore tests answer to the channel (`tests … share`)

    def with_suffix(self, suffix: str) -> str:
        return f"{self.value}:{suffix}"

    def pattern(self) -> re.Pattern[str]:
        return re.compile(rf"^{re.escape(self.value)}(:.*)?$")


class BlockId(StrEnum):
    """The actions blocks the bot sends; Slack echoes the id back with every click."""

    DRILL = "restores_drill"  # the jobs behind a total or a row
    CONTROLS = "restores_controls"  # period / state / share, on the caller's own copy
    DIGEST_DRILL = "restores_digest_drill"  # the digest's jobs buttons
    HOME = "restores_home"  # the App Home tab's blocks (suffixed per row: block ids are unique within a view)
    TEST_DRILL = "restores_test_drill"  # a restore testing plan's buttons (block id suffixed per plan)


class StaleAction(ValueError):
    """A button value we cannot accept: tampered, truncated, from an older version, or out of date."""


@dataclass(frozen=True)
class ActionValue:
    """What a control carries: a filter and, for drill-downs, the exact window of the clicked row."""

    filter: RestoreFilter
    window: tuple[datetime, datetime] | None = None

    def encode(self) -> str:
        flt = self.filter
        data: dict[str, Any] = {"v": VALUE_VERSION, "s": flt.state, "p": flt.span.value}
        listed = ",".join(flt.regions)
        if len(listed) <= MAX_REGION_TEXT:
            data["r"] = listed
        else:
            data["m"], data["h"], order = region_mask(flt.regions)
            if order:
                data["o"] = order
        if flt.resource_type != "ANY":
            data["t"] = flt.resource_type
        if flt.account_name:  # a name is resolved again on the click, as the OU is (bot.domain.access)
            data["n"] = flt.account_name
        elif flt.account:
            data["a"] = flt.account
        if flt.unit:
            data["u"] = flt.unit
        if self.window:
            data["w"] = [int(self.window[0].timestamp()), int(self.window[1].timestamp())]
        return json.dumps(data, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def decode(cls, raw: object, *, now: datetime | None = None) -> ActionValue:
        """Parse and re-validate a value that came back from Slack; raise StaleAction if anything is off."""
        data = load_value(raw)
        if set(data) - {"v", "s", "p", "t", "a", "n", "u", "r", "m", "h", "o", "w"}:
            raise StaleAction("unexpected fields")
        try:
            state = parse_state(text_field(data, "s"), "state")
            span: Span = parse_span(text_field(data, "p"), "period")
            resource_type = parse_resource_type(text_field(data, "t"), "type") if "t" in data else "ANY"
            account = parse_account(text_field(data, "a"), "account") if "a" in data else None
            account_name = parse_account_name(text_field(data, "n"), "account") if "n" in data else None
            unit = parse_unit(text_field(data, "u"), "ou") if "u" in data else None
            if "m" in data:
                order = text_field(data, "o") if "o" in data else ""
                region_names = list(regions_from_mask(text_field(data, "m"), text_field(data, "h"), order))
            else:
                region_names = [r for r in text_field(data, "r").split(",") if r]
            if not region_names or len(region_names) > MAX_REGIONS:
                raise StaleAction("bad region list")
            regions = tuple(dict.fromkeys(parse_region(r, "region") for r in region_names))
        except ParseError as error:
            raise StaleAction(f"invalid {error.token}") from None
        window = window_field(data.get("w"), now or datetime.now(UTC)) if "w" in data else None
        flt = RestoreFilter(state=state, period=span.period, last_day=span is Span.DAY, resource_type=resource_type,
                            account=account, account_name=account_name, unit=unit, regions=regions)
        return cls(filter=flt, window=window)

    def with_filter(self, **changes: Any) -> ActionValue:
        return ActionValue(filter=replace(self.filter, **changes), window=self.window)


def load_value(raw: object) -> dict[str, Any]:
    """A control's value as it came back from Slack: a JSON object of this version, else StaleAction. Every typed
    value (ActionValue, the restore testing ones) starts here and checks its own fields after."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_VALUE_CHARS:
        raise StaleAction("missing or oversized value")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # nested brackets deep enough exhaust the parser's recursion
        raise StaleAction("not JSON") from None
    if not isinstance(data, dict) or data.get("v") != VALUE_VERSION:
        raise StaleAction("unknown value version")
    return data


def _region_list() -> tuple[list[str], str]:
    regions = sorted(known_regions())
    return regions, hashlib.sha256(",".join(regions).encode()).hexdigest()[:8]


_ORDER_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"


def region_mask(regions: tuple[str, ...]) -> tuple[str, str, str]:
    """Regions as a hex bit mask over the sorted known regions, the hash of that list, and, when the regions are
    not in that sorted order, their order (one digit per region: its rank among the chosen ones)."""
    known, digest = _region_list()
    bits = 0
    for region in regions:
        bits |= 1 << known.index(region)
    ranked = sorted(regions, key=known.index)
    order = "" if list(regions) == ranked else "".join(_ORDER_DIGITS[ranked.index(r)] for r in regions)
    return f"{bits:x}", digest, order


def regions_from_mask(mask: str, digest: str, order: str = "") -> tuple[str, ...]:
    """The regions of a mask, in their order; a mask made against another list of regions (botocore was upgraded
    since the button was drawn) is stale, never reinterpreted."""
    known, current = _region_list()
    if digest != current or not mask or len(mask) > 32 or any(c not in "0123456789abcdef" for c in mask):
        raise StaleAction("region mask from another region list")
    bits = int(mask, 16)
    if bits >> len(known):
        raise StaleAction("region mask out of range")
    chosen = [region for index, region in enumerate(known) if bits >> index & 1]
    if not order:
        return tuple(chosen)
    ranks = [_ORDER_DIGITS.find(c) for c in order]
    if sorted(ranks) != list(range(len(chosen))):
        raise StaleAction("bad region order")
    return tuple(chosen[rank] for rank in ranks)


def text_field(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or len(value) > 400:
        raise StaleAction(f"bad field {key}")
    return value


def window_field(value: object, now: datetime) -> tuple[datetime, datetime]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise StaleAction("bad window")
    try:
        start, end = (datetime.fromtimestamp(v, UTC) for v in value)
    except (OverflowError, OSError, ValueError):
        raise StaleAction("bad window") from None
    if not start < end or end > now + timedelta(days=1) or start < now - MAX_WINDOW_AGE:
        raise StaleAction("window out of range")
    return start, end
