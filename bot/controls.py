"""Interactive controls: every action id, and the compact typed filter that buttons carry (never trusted)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.query import (
    ParseError,
    Period,
    RestoreFilter,
    parse_account,
    parse_period,
    parse_region,
    parse_resource_type,
    parse_state,
)

VALUE_VERSION = 1
MAX_VALUE_CHARS = 2000  # Slack's limit for a button value
MAX_OPTION_VALUE_CHARS = 150  # Slack's limit for a select option value
MAX_REGIONS = 30
# Restore job summaries cover 30 days; a window older than that is a stale button.
MAX_WINDOW_AGE = timedelta(days=45)


class ActionId(StrEnum):
    """Every action_id the bot sends. Several controls in one block share a prefix: `<id>:<suffix>`."""

    JOBS = "restores_jobs"  # button: the jobs behind a total
    JOBS_ROW = "restores_jobs_row"  # static select: the jobs behind one row
    PERIOD = "restores_period"  # buttons 1d / 7d / 14d: redraw the answer in place
    STATE = "restores_state"  # buttons failed / aborted / all: redraw the answer in place
    SHARE = "restores_share"  # button: post an ephemeral answer to the channel

    def with_suffix(self, suffix: str) -> str:
        return f"{self.value}:{suffix}"

    def pattern(self) -> re.Pattern[str]:
        return re.compile(rf"^{re.escape(self.value)}(:.*)?$")


class BlockId(StrEnum):
    """The actions blocks the bot sends; Slack echoes the id back with every click."""

    DRILL = "restores_drill"  # the jobs behind a total or a row
    CONTROLS = "restores_controls"  # period / state / share, on the caller's own copy
    DIGEST_DRILL = "restores_digest_drill"  # the digest's jobs buttons


class StaleAction(ValueError):
    """A button value we cannot accept: tampered, truncated, from an older version, or out of date."""


@dataclass(frozen=True)
class ActionValue:
    """What a control carries: a filter and, for drill-downs, the exact window of the clicked row."""

    filter: RestoreFilter
    window: tuple[datetime, datetime] | None = None

    def encode(self) -> str:
        flt = self.filter
        data: dict[str, Any] = {"v": VALUE_VERSION, "s": flt.state, "p": flt.period.short, "r": ",".join(flt.regions)}
        if flt.resource_type != "ANY":
            data["t"] = flt.resource_type
        if flt.account:
            data["a"] = flt.account
        if self.window:
            data["w"] = [int(self.window[0].timestamp()), int(self.window[1].timestamp())]
        return json.dumps(data, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def decode(cls, raw: object, *, now: datetime | None = None) -> ActionValue:
        """Parse and re-validate a value that came back from Slack; raise StaleAction if anything is off."""
        if not isinstance(raw, str) or not raw or len(raw) > MAX_VALUE_CHARS:
            raise StaleAction("missing or oversized value")
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # nested brackets deep enough exhaust the parser's recursion
            raise StaleAction("not JSON") from None
        if not isinstance(data, dict) or data.get("v") != VALUE_VERSION:
            raise StaleAction("unknown value version")
        if set(data) - {"v", "s", "p", "t", "a", "r", "w"}:
            raise StaleAction("unexpected fields")
        try:
            state = parse_state(_text(data, "s"), "state")
            period: Period = parse_period(_text(data, "p"), "period")
            resource_type = parse_resource_type(_text(data, "t"), "type") if "t" in data else "ANY"
            account = parse_account(_text(data, "a"), "account") if "a" in data else None
            region_names = [r for r in _text(data, "r").split(",") if r]
            if not region_names or len(region_names) > MAX_REGIONS:
                raise StaleAction("bad region list")
            regions = tuple(dict.fromkeys(parse_region(r, "region") for r in region_names))
        except ParseError as error:
            raise StaleAction(f"invalid {error.token}") from None
        window = _window(data.get("w"), now or datetime.now(UTC)) if "w" in data else None
        flt = RestoreFilter(state=state, period=period, resource_type=resource_type, account=account, regions=regions)
        return cls(filter=flt, window=window)

    def with_filter(self, **changes: Any) -> ActionValue:
        return ActionValue(filter=replace(self.filter, **changes), window=self.window)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or len(value) > 400:
        raise StaleAction(f"bad field {key}")
    return value


def _window(value: object, now: datetime) -> tuple[datetime, datetime]:
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
