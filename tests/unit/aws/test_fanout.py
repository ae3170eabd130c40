"""The one fan-out: every task at once, collected by a deadline; late and failed tasks become the caller's values."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.aws.fanout import fan_out, never_late, reraise
from tests.unit.aws.conftest import Held


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


def late(key: str) -> str:
    return f"late:{key}"


def failed(key: str, exc: BaseException) -> str:
    return f"failed:{key}:{exc}"


def test_results_keep_the_order_of_the_tasks(pool: ThreadPoolExecutor) -> None:
    tasks = {key: (lambda key=key: key.upper()) for key in ("c", "a", "b")}
    results, failures = fan_out(pool, tasks, time.monotonic() + 5, late=late, failed=failed)
    assert list(results.items()) == [("c", "C"), ("a", "A"), ("b", "B")]
    assert failures == {}


def test_one_failing_task_becomes_a_failure_and_the_others_answer(pool: ThreadPoolExecutor) -> None:
    def boom() -> str:
        raise RuntimeError("denied")

    results, failures = fan_out(pool, {"a": lambda: "A", "b": boom, "c": lambda: "C"}, time.monotonic() + 5,
                                late=late, failed=failed)
    assert results == {"a": "A", "c": "C"}
    assert failures == {"b": "failed:b:denied"}


def test_a_task_past_the_deadline_is_late_and_the_wait_ends_at_the_deadline(pool: ThreadPoolExecutor) -> None:
    release = threading.Event()
    started = time.monotonic()
    try:
        results, failures = fan_out(pool, {"slow": lambda: release.wait(5), "quick": lambda: True}, started + 0.2,
                                    late=late, failed=failed)
    finally:
        release.set()
    assert time.monotonic() - started < 2
    assert results == {"quick": True}
    assert failures == {"slow": "late:slow"}


def test_a_task_not_started_by_the_deadline_is_cancelled() -> None:
    release = threading.Event()
    ran: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as one:
        try:
            _, failures = fan_out(one, {"busy": lambda: release.wait(5), "queued": lambda: ran.append("queued")},
                                  time.monotonic() + 0.1, late=late, failed=failed)
        finally:
            release.set()
    assert failures == {"busy": "late:busy", "queued": "late:queued"}
    assert ran == []  # cancelled while it waited for a thread


def test_failures_keep_the_order_of_the_tasks_late_or_failed(pool: ThreadPoolExecutor, held: Held) -> None:
    """Held ends the wait once only "y" (held) is left: what the deadline would leave, without waiting for it (the
    tests above wait out real deadlines)."""

    def boom() -> None:
        raise ValueError("x")

    try:
        _, failures = fan_out(pool, {"z": boom, "y": held.hold, "x": boom}, time.monotonic() + 0.2,
                              late=late, failed=failed)
    finally:
        held.release()
    assert list(failures) == ["z", "y", "x"]
    assert failures["y"] == "late:y"


def test_without_a_deadline_every_task_is_awaited_and_an_error_can_be_raised(pool: ThreadPoolExecutor) -> None:
    results, _ = fan_out(pool, {"a": lambda: time.sleep(0.05) or "A"}, None, late=never_late, failed=reraise)
    assert results == {"a": "A"}

    def boom() -> str:
        raise KeyError("b")

    with pytest.raises(KeyError):
        fan_out(pool, {"a": lambda: "A", "b": boom}, None, late=never_late, failed=reraise)

