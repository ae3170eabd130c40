"""Bounded TTL caches with single flight: per-region summary answers shared by every answer of a process, and the
App Home's other reads."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bot.domain.query import Period

V = TypeVar("V")


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


class TtlCache(Generic[V]):
    """Bounded TTL cache with single flight: identical reads arriving together wait for one computation instead of
    each starting their own. Failures (exceptions) are never stored, nor values `keep` turns down (an answer with a
    region missing must be asked again, not served for the whole TTL). `hit` turns a stored value into what a cache
    hit returns (e.g. with its AWS call count zeroed)."""

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 256,
        clock: Callable[[], float] = time.monotonic,
        hit: Callable[[V], V] = lambda value: value,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._hit = hit
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._in_flight: dict[Hashable, Future[V]] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], V], keep: Callable[[V], bool] = lambda _: True) -> V:
        if self.ttl <= 0:
            return compute()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > self._clock():
                self._entries.move_to_end(key)
                return self._hit(entry[1])
            waiting = self._in_flight.get(key)
            if waiting is None:
                mine: Future[V] = Future()
                self._in_flight[key] = mine
        if waiting is not None:
            return self._hit(waiting.result())  # re-raises the leader's failure: each caller reports it
        try:
            value = compute()
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        else:
            mine.set_result(value)
            if keep(value):
                with self._lock:
                    self._entries[key] = (self._clock() + self.ttl, value)
                    self._entries.move_to_end(key)
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._in_flight.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


def _summary_hit(answer: RegionAnswer) -> RegionAnswer:
    return RegionAnswer(rows=answer.rows, period=answer.period, calls=0, truncated=answer.truncated)


class SummaryCache(TtlCache[RegionAnswer]):
    """Per-region summary answers, shared by every answer of a process; a hit costs no AWS call (calls=0)."""

    def __init__(self, ttl_seconds: float, max_entries: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(ttl_seconds, max_entries, clock, hit=_summary_hit)
