"""Fixtures of the AWS unit tests: one botocore data loader for all of them, and tasks held past a fan-out's deadline
without waiting for the deadline."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from concurrent import futures
from typing import Any

import botocore.loaders
import botocore.session
import pytest

from bot.aws import fanout


@pytest.fixture(scope="session")
def botocore_loader() -> botocore.loaders.Loader:
    """One botocore data loader for every botocore session these tests make: a session reads botocore's model and
    endpoint files (~50 ms) into its own loader, once; shared, they are read once a test run."""
    return botocore.loaders.create_loader()


@pytest.fixture(scope="session")
def botocore_core(botocore_loader: botocore.loaders.Loader) -> botocore.session.Session:
    """A botocore session over the shared loader, for tests that need clients but not a session of their own."""
    core = botocore.session.Session()
    core.register_component("data_loader", botocore_loader)
    return core


@pytest.fixture
def shared_loader(monkeypatch: pytest.MonkeyPatch, botocore_loader: botocore.loaders.Loader) -> None:
    """Every botocore session made during the test (boto3's too) starts with the shared loader, and so does the
    loader bot.aws.testing makes for its role sessions (it still registers it on each)."""

    class SharedLoaderSession(botocore.session.Session):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.register_component("data_loader", botocore_loader)

    monkeypatch.setattr(botocore.session, "Session", SharedLoaderSession)
    monkeypatch.setattr(botocore.loaders, "create_loader", lambda *_, **__: botocore_loader)


class Held:
    """Tasks held until `release()` (at most HOLD_SECONDS), and the fan-out's wait ending as soon as every task not
    done is one held here.

    A held task cannot finish before it is released, so what the fan-out collects then is what it would collect at
    its deadline; the test need not sit out the deadline to see it. The wait still ends at its timeout at the latest
    (a task that is neither done nor held by then is late, as it would be), and it insists on a timeout: the code
    under test must hand the fan-out its deadline. bot.aws.fanout's own tests wait out real deadlines."""

    HOLD_SECONDS = 5.0

    def __init__(self) -> None:
        self._released = threading.Event()
        self._changed = threading.Condition()
        self.held = 0
        self.timeouts: list[float] = []

    def hold(self, *_: Any, **__: Any) -> None:
        """Block the calling task until released (usable as a botocore event handler)."""
        with self._changed:
            self.held += 1
            self._changed.notify_all()
        try:
            self._released.wait(self.HOLD_SECONDS)
        finally:
            with self._changed:
                self.held -= 1

    def wait(self, tasks: Iterable[futures.Future[Any]], timeout: float | None = None,
             return_when: str = futures.ALL_COMPLETED) -> Any:
        assert timeout is not None, "the fan-out was given no deadline"
        assert return_when == futures.ALL_COMPLETED
        self.timeouts.append(timeout)
        tasks = list(tasks)
        for task in tasks:
            task.add_done_callback(self._notify)
        with self._changed:
            self._changed.wait_for(lambda: sum(not task.done() for task in tasks) <= self.held, timeout=timeout)
        return futures.wait(tasks, timeout=0)

    def release(self) -> None:
        self._released.set()

    def _notify(self, _: futures.Future[Any]) -> None:
        with self._changed:
            self._changed.notify_all()


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    """Tasks held past the deadline of bot.aws.fanout's wait, which ends once only held tasks are left."""
    made = Held()
    monkeypatch.setattr(fanout, "wait", made.wait)
    try:
        yield made
    finally:
        made.release()
