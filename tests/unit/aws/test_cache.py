"""Unit tests of the AWS client module's cache: TTL, bound, single flight, failures not kept."""

from __future__ import annotations

import threading

import pytest

from bot.aws.cache import RegionAnswer as _RegionAnswer
from bot.aws.cache import SummaryCache, TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ttl_and_zero_disables() -> None:
    clock = Clock()
    cache = SummaryCache(10, clock=clock)
    calls = []

    def compute() -> _RegionAnswer:
        calls.append(1)
        return _RegionAnswer(rows=[1, 2], calls=2)

    assert cache.get_or_compute(("k",), compute).calls == 2
    hit = cache.get_or_compute(("k",), compute)
    assert hit.rows == [1, 2] and hit.calls == 0 and len(calls) == 1
    clock.now = 10.5
    cache.get_or_compute(("k",), compute)
    assert len(calls) == 2
    off = SummaryCache(0)
    off.get_or_compute(("k",), compute)
    off.get_or_compute(("k",), compute)
    assert len(calls) == 4 and len(off) == 0


def test_bounded_least_recently_used() -> None:
    cache = SummaryCache(60, max_entries=3)
    for i in range(10):
        cache.get_or_compute((i,), lambda: _RegionAnswer())
    assert len(cache) == 3


def test_failures_are_not_cached() -> None:
    cache = SummaryCache(60)

    def boom() -> _RegionAnswer:
        raise RuntimeError("region down")

    with pytest.raises(RuntimeError):
        cache.get_or_compute(("k",), boom)
    assert len(cache) == 0
    assert cache.get_or_compute(("k",), lambda: _RegionAnswer(calls=1)).calls == 1


class CountingLock:
    """A lock that counts how often it was taken."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self.taken = 0

    def __enter__(self) -> None:
        self._lock.acquire()
        with self._changed:
            self.taken += 1
            self._changed.notify_all()

    def __exit__(self, *_: object) -> None:
        self._lock.release()

    def wait_taken(self, times: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.taken >= times, timeout)


def test_single_flight_for_identical_concurrent_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = SummaryCache(60)
    # Each caller takes the cache's lock once to look (the one computing takes it again only after computing): the
    # computation ends once all ten have looked, so the nine others found it in flight, not a finished entry.
    lock = CountingLock()
    monkeypatch.setattr(cache, "_lock", lock)
    computed = []

    def slow() -> _RegionAnswer:
        computed.append(1)
        assert lock.wait_taken(10, timeout=5)
        return _RegionAnswer(rows=["x"], calls=3)

    results: list[_RegionAnswer] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute(("k",), slow))) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(computed) == 1
    assert sorted(r.calls for r in results) == [0] * 9 + [3]
    assert all(r.rows == ["x"] for r in results)


def test_values_turned_down_by_keep_are_asked_again() -> None:
    """The Home tab's reads: an answer with a region missing is not served for the whole TTL."""
    cache: TtlCache[str] = TtlCache(60)
    answers = iter(["partial", "whole", "never"])
    assert cache.get_or_compute("k", lambda: next(answers), keep=lambda v: v == "whole") == "partial"
    assert cache.get_or_compute("k", lambda: next(answers), keep=lambda v: v == "whole") == "whole"
    assert cache.get_or_compute("k", lambda: next(answers), keep=lambda v: v == "whole") == "whole"
    assert len(cache) == 1
