"""A bounded TTL cache of per-region summary answers with single flight, shared by every answer of a process."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from bot.query import Period


@dataclass
class RegionAnswer:
    """What one region's page chain returned."""

    rows: list[Any] = field(default_factory=list)
    period: Period | None = None
    calls: int = 0
    truncated: bool = False
    # Jobs past the grouping cap: counted, not kept. Exact unless counting stopped (deadline, count cap).
    not_read: int = 0
    not_read_exact: bool = True
    # Accounts of a drill-down this region did not list (its job cap reached, or time): named by the caller.
    unlisted: tuple[str, ...] = ()


class SummaryCache:
    """Bounded TTL cache of per-region summary answers, with single flight: identical queries arriving
    together wait for one AWS page chain instead of each starting their own. Failures are never stored."""

    def __init__(self, ttl_seconds: float, max_entries: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, RegionAnswer]] = OrderedDict()
        self._in_flight: dict[tuple[Any, ...], Future[RegionAnswer]] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: tuple[Any, ...], compute: Callable[[], RegionAnswer]) -> RegionAnswer:
        if self.ttl <= 0:
            return compute()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > self._clock():
                self._entries.move_to_end(key)
                return RegionAnswer(rows=entry[1].rows, period=entry[1].period, calls=0, truncated=entry[1].truncated)
            waiting = self._in_flight.get(key)
            if waiting is None:
                mine: Future[RegionAnswer] = Future()
                self._in_flight[key] = mine
        if waiting is not None:
            answer = waiting.result()  # re-raises the leader's failure: each caller reports it
            return RegionAnswer(rows=answer.rows, period=answer.period, calls=0, truncated=answer.truncated)
        try:
            answer = compute()
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        else:
            mine.set_result(answer)
            with self._lock:
                self._entries[key] = (self._clock() + self.ttl, answer)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return answer
        finally:
            with self._lock:
                self._in_flight.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)
