"""What every emulated operation reads and shares: the loaded data and its indexes, the clock, the results of recent
queries (so the pages after the first are slices, not rescans) and pagination tokens bound to their query."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar

from bot.sample.api_model import Forward, invalid, parse_int
from bot.sample.records import DailyCount, RestoreJob, RestoreTestingPlan, RestoreTestingSelection

__all__ = ["BackupApiCore", "ServedData", "query_key"]

# Bound on the rows of recent query results kept for their following pages: ~110 bytes a row, so at most
# ~330 MB, reached only with millions of counts (1,000 accounts x 17 regions, every state, ONE_DAY).
_CACHED_ROWS: Final = 3_000_000

_ByDay = dict[date, list[DailyCount]]


@dataclass(frozen=True)
class ServedData:
    """Loaded data plus the indexes built from it once, so a page request reads only its region's window."""

    counts: tuple[DailyCount, ...]
    jobs: tuple[RestoreJob, ...]
    counts_by_region: dict[str, _ByDay]
    counts_by_account: dict[tuple[str, str], _ByDay]  # (region, account)
    jobs_by_account: dict[tuple[str, str], list[RestoreJob]]  # (region, account), newest first
    plans: tuple[RestoreTestingPlan, ...] = ()
    selections: tuple[RestoreTestingSelection, ...] = ()
    plans_by_account: dict[tuple[str, str], list[RestoreTestingPlan]] = field(default_factory=dict)  # by name
    # (region, account, plan name) -> the plan's selections, by name
    selections_by_plan: dict[tuple[str, str, str], list[RestoreTestingSelection]] = field(default_factory=dict)


def _index_counts(counts: Iterable[DailyCount]) -> tuple[dict[str, _ByDay], dict[tuple[str, str], _ByDay]]:
    by_region: dict[str, _ByDay] = {}
    by_account: dict[tuple[str, str], _ByDay] = {}
    for count in counts:
        by_region.setdefault(count.region, {}).setdefault(count.day, []).append(count)
        by_account.setdefault((count.region, count.account_id), {}).setdefault(count.day, []).append(count)
    return by_region, by_account


def _index_jobs(jobs: Iterable[RestoreJob]) -> dict[tuple[str, str], list[RestoreJob]]:
    by_account: dict[tuple[str, str], list[RestoreJob]] = {}
    # Newest first, like the console and the service; filtering keeps this order.
    for job in sorted(jobs, key=lambda j: (-j.created.timestamp(), j.job_id)):
        by_account.setdefault((job.region, job.account_id), []).append(job)
    return by_account


def _index_plans(plans: Iterable[RestoreTestingPlan]) -> dict[tuple[str, str], list[RestoreTestingPlan]]:
    by_account: dict[tuple[str, str], list[RestoreTestingPlan]] = {}
    # Names are unique in an account and region, so name order is a stable order for pages.
    for plan in sorted(plans, key=lambda p: p.name):
        by_account.setdefault((plan.region, plan.account_id), []).append(plan)
    return by_account


def _index_selections(
    selections: Iterable[RestoreTestingSelection],
) -> dict[tuple[str, str, str], list[RestoreTestingSelection]]:
    by_plan: dict[tuple[str, str, str], list[RestoreTestingSelection]] = {}
    for selection in sorted(selections, key=lambda s: s.name):
        by_plan.setdefault((selection.region, selection.account_id, selection.plan_name), []).append(selection)
    return by_plan


_Row = TypeVar("_Row")


class BackupApiCore:
    """The state BackupApi's operation families share (its arguments are described there); ``load`` swaps the data
    atomically, so every operation may run on many threads."""

    def __init__(
        self,
        counts: Iterable[DailyCount] = (),
        jobs: Iterable[RestoreJob] = (),
        *,
        plans: Iterable[RestoreTestingPlan] = (),
        selections: Iterable[RestoreTestingSelection] = (),
        caller_account: str = "111122223333",
        org_admin: bool = True,
        page_size: int = 4,
        now: Callable[[], datetime] | datetime | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        self.caller_account = caller_account
        self.org_admin = org_admin
        self.page_size = page_size
        self.clock: Callable[[], datetime] = _wall_clock
        self.set_now(now)
        # Per-instance key: a token from another emulator (or a forged one) is rejected.
        self._token_key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._data = ServedData((), (), {}, {}, {})
        self._generation = 0
        # Aggregated/filtered results of recent queries, so the pages after the first are slices, not rescans.
        self._results: OrderedDict[tuple[Any, ...], Sequence[Any]] = OrderedDict()
        self._cached_rows = 0
        self.load(counts, jobs, plans, selections)

    # ----------------------------------------------------------------- data and clock

    # What is served now: the current data's, replaced whole by load().
    counts: Forward[tuple[DailyCount, ...]] = Forward("_data")
    jobs: Forward[tuple[RestoreJob, ...]] = Forward("_data")
    plans: Forward[tuple[RestoreTestingPlan, ...]] = Forward("_data")
    selections: Forward[tuple[RestoreTestingSelection, ...]] = Forward("_data")

    def load(
        self,
        counts: Iterable[DailyCount] | None = None,
        jobs: Iterable[RestoreJob] | None = None,
        plans: Iterable[RestoreTestingPlan] | None = None,
        selections: Iterable[RestoreTestingSelection] | None = None,
    ) -> None:
        """Replace the served data; an argument left as None keeps the current data."""
        with self._lock:
            current = self._data
            new_counts = tuple(counts) if counts is not None else current.counts
            new_jobs = tuple(jobs) if jobs is not None else current.jobs
            new_plans = tuple(plans) if plans is not None else current.plans
            new_selections = tuple(selections) if selections is not None else current.selections
            by_region, by_account = (
                _index_counts(new_counts)
                if new_counts is not current.counts
                else (current.counts_by_region, current.counts_by_account)
            )
            jobs_index = _index_jobs(new_jobs) if new_jobs is not current.jobs else current.jobs_by_account
            plans_index = _index_plans(new_plans) if new_plans is not current.plans else current.plans_by_account
            selections_index = (
                _index_selections(new_selections)
                if new_selections is not current.selections
                else current.selections_by_plan
            )
            self._data = ServedData(new_counts, new_jobs, by_region, by_account, jobs_index,
                               new_plans, new_selections, plans_index, selections_index)
            self._generation += 1
            self._results.clear()
            self._cached_rows = 0

    def set_now(self, now: Callable[[], datetime] | datetime | None) -> None:
        """Move the clock: a fixed datetime, a callable, or None for the wall clock."""
        if now is None:
            self.clock = _wall_clock
        elif isinstance(now, datetime):
            fixed = now
            self.clock = lambda: fixed
        else:
            self.clock = now

    def today(self) -> date:
        now = self.clock()
        # A naive `now` is taken as UTC, matching how the service buckets days.
        return (now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)).date()

    # ----------------------------------------------------------------- results of recent queries

    def _snapshot(self) -> tuple[ServedData, int]:
        with self._lock:
            return self._data, self._generation

    def _cached(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
            return found

    def _keep(self, key: tuple[Any, ...], generation: int, rows: Sequence[Any]) -> None:
        with self._lock:
            if generation != self._generation or key in self._results:
                return  # computed from data replaced meanwhile, or also by a concurrent request
            self._results[key] = rows
            self._cached_rows += len(rows) + 1
            while self._cached_rows > _CACHED_ROWS and len(self._results) > 1:
                _, evicted = self._results.popitem(last=False)
                self._cached_rows -= len(evicted) + 1

    # ----------------------------------------------------------------- pagination tokens

    def _query_digest(
        self, operation: str, region: str, params: Mapping[str, str], paging_keys: tuple[str, ...], caller: str = ""
    ) -> str:
        # A token is bound to the query (and caller) that produced it, so replaying
        # it with other filters is rejected the way the service rejects it.
        query = {k: v for k, v in sorted(params.items()) if k not in paging_keys}
        material = json.dumps([operation, region, query, caller], separators=(",", ":")).encode()
        return hashlib.sha256(material).hexdigest()[:16]

    def _issue_token(self, offset: int, digest: str) -> str:
        payload = json.dumps({"o": offset, "q": digest}, separators=(",", ":")).encode()
        mac = hmac.new(self._token_key, payload, hashlib.sha256).digest()[:16]
        return f"{base64.urlsafe_b64encode(payload).decode()}.{base64.urlsafe_b64encode(mac).decode()}"

    def _redeem_token(self, parameter: str, token: str, digest: str) -> int:
        try:
            encoded_payload, encoded_mac = token.split(".")
            payload = base64.urlsafe_b64decode(encoded_payload.encode())
            mac = base64.urlsafe_b64decode(encoded_mac.encode())
            valid = hmac.compare_digest(mac, hmac.new(self._token_key, payload, hashlib.sha256).digest()[:16])
            decoded = json.loads(payload) if valid else None
        except (ValueError, TypeError):
            decoded = None
        if not isinstance(decoded, dict) or not isinstance(decoded.get("o"), int) or decoded["o"] < 0:
            raise invalid(parameter, token, "not a pagination token issued by this service")
        if decoded.get("q") != digest:
            raise invalid(parameter, token, "the token was issued for a different query; repeat the original parameters")
        return int(decoded["o"])

    def _paging(
        self, operation: str, region: str, params: Mapping[str, str], keys: tuple[str, str], limit: int, caller: str
    ) -> tuple[int | None, int, str]:
        """A paged operation's page size asked for (None: the default), the offset its token names, and the query's
        digest that binds the next token; `keys`: the names of its page-size and token parameters."""
        size_key, token_key = keys
        max_results = parse_int(size_key, params[size_key], 1, limit) if size_key in params else None
        digest = self._query_digest(operation, region, params, keys, caller)
        return max_results, self._start_offset(params, token_key, digest), digest

    def _start_offset(self, params: Mapping[str, str], token_param: str, digest: str) -> int:
        token = params.get(token_param)
        return self._redeem_token(token_param, token, digest) if token is not None else 0

    def _page(
        self, rows: Sequence[_Row], offset: int, requested: int | None, digest: str
    ) -> tuple[Sequence[_Row], str | None]:
        size = min(requested if requested is not None else 1000, self.page_size)
        after = offset + size
        return rows[offset:after], (self._issue_token(after, digest) if after < len(rows) else None)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def query_key(params: Mapping[str, str], paging_keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """A query's parameters without its paging ones: what its cached results are keyed by."""
    return tuple(sorted((k, v) for k, v in params.items() if k not in paging_keys))

