"""The one fan-out: a task per key on a pool, collected by a deadline; late and failed tasks become typed failures."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, wait
from typing import NoReturn, TypeVar

K = TypeVar("K")
T = TypeVar("T")
F = TypeVar("F")


def fan_out(
    pool: Executor,
    tasks: Mapping[K, Callable[[], T]],
    deadline: float | None,
    *,
    late: Callable[[K], F],
    failed: Callable[[K, BaseException], F],
) -> tuple[dict[K, T], dict[K, F]]:
    """Start every task at once and wait until all are done or the monotonic `deadline` passes (None: the tasks bound
    their own time). A task still running then is cancelled and becomes `late(key)`, one that raised becomes
    `failed(key, exception)`. Results and failures keep the order of `tasks`."""
    # concurrent.futures does the pooling and waiting; this only turns each task's outcome into a value.
    futures = {key: pool.submit(task) for key, task in tasks.items()}
    wait(futures.values(), timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
    results: dict[K, T] = {}
    failures: dict[K, F] = {}
    for key, future in futures.items():
        if not future.done():
            future.cancel()
            failures[key] = late(key)
            continue
        exc = future.exception()
        if exc is not None:
            failures[key] = failed(key, exc)
            continue
        results[key] = future.result()
    return results, failures


def reraise(_key: object, exc: BaseException) -> NoReturn:
    """A `failed` for callers whose tasks' errors belong to the task that fanned out (it fails as a whole)."""
    raise exc


def never_late(_key: object) -> NoReturn:
    """A `late` for a fan-out without a deadline, where no task can be late."""
    raise AssertionError("a fan-out without a deadline has no late task")
