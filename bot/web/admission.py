"""Admission at the ack: how many answers one user, and everyone together, may have in flight (queued or running).

A command or click is admitted or refused in its ack, on the request's own thread, before Bolt hands its lazy part to
the answer pool. An admitted answer counts from the ack until it has been delivered; a refused one never reaches the
pool: its ack says "you have N answers in flight" (a slash command shows an ack's text at once), or, for a click, a
short notice goes to its response_url from a small pool of its own. So the answer pool's queue holds at most
`total` answers, and one user at most `per_user` of them, whatever is sent: a flood costs acks and at most
`max_notices` waiting notices, never a queue of AWS answers.

How the decision reaches the pool: Bolt runs the ack listener and then submits the lazy listener from the same request
thread (process_before_response=True), so the ack leaves its decision in a thread-local slot and GatedExecutor.submit
takes it from there. A submit with no decision (a listener whose ack admits nothing) passes through unchanged.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Why an answer was not started: the user has `in_flight` of their `limit` already, or everyone has."""

    reason: Literal["user", "everyone"]
    in_flight: int
    limit: int


@dataclass(frozen=True)
class _Admitted:
    user_id: str


_REFUSED = object()


class AcksFirst:
    """Answers wait (at most `max_wait`) while acks are being answered: a burst of commands is acked before their
    answers start. An answer's AWS work (boto3 signing and parsing, ~10 ms of CPU each) holds the interpreter lock
    that the acks still arriving need, and Slack gives an ack 3 seconds. Measured with bench.ack_latency.

    An answer starts when the last ack in flight ends (a notification), never on a timer alone: the timeout only
    bounds the wait (a clock moved by libfaketime, as CI does, never fires a timed wait)."""

    def __init__(self, max_wait: float = 0.5) -> None:
        self.max_wait = max_wait
        self._acking = 0
        self._idle = threading.Condition()

    @contextmanager
    def acking(self) -> Iterator[None]:
        """Around one request's ack, from its arrival to its response."""
        self.arrived()
        try:
            yield
        finally:
            self.left()

    def arrived(self) -> None:
        """A request is being answered (the server counts it from the moment it accepted its connection)."""
        with self._idle:
            self._acking += 1

    def in_flight(self) -> int:
        """Requests being answered now."""
        with self._idle:
            return self._acking

    def left(self) -> None:
        """That request's response is written."""
        with self._idle:
            self._acking -= 1
            if self._acking == 0:
                self._idle.notify_all()

    def wait(self, until: float | None = None) -> None:
        """Until no ack is being answered, or until `until` (time.monotonic; default `max_wait` from now): a busy
        server still answers."""
        until = time.monotonic() + self.max_wait if until is None else until
        with self._idle:
            self._idle.wait_for(lambda: self._acking == 0, timeout=max(0.0, until - time.monotonic()))


class Gate:
    """Counts answers in flight per user and in all; both bounded."""

    def __init__(self, per_user: int, total: int, *, notice_workers: int = 2, max_notices: int = 64) -> None:
        self.acks = AcksFirst()
        self.per_user = per_user
        self.total = total
        self._lock = threading.Lock()
        self._users: dict[str, int] = {}
        self._all = 0
        self._slot = threading.local()
        self._notices = ThreadPoolExecutor(max_workers=notice_workers, thread_name_prefix="notice")
        self._notice_room = threading.BoundedSemaphore(max_notices)
        self._executors: list[GatedExecutor] = []

    def admit(self, user_id: str) -> Refusal | None:
        """Count one answer in for `user_id`, or say why not. Called in the ack; the decision is kept for the lazy
        part this thread submits next."""
        self._release_stale()
        with self._lock:
            mine = self._users.get(user_id, 0)
            if mine >= self.per_user:
                refusal: Refusal | None = Refusal("user", mine, self.per_user)
            elif self._all >= self.total:
                refusal = Refusal("everyone", self._all, self.total)
            else:
                refusal = None
                self._users[user_id] = mine + 1
                self._all += 1
        self._slot.decision = _REFUSED if refusal else _Admitted(user_id)
        return refusal

    def leave(self, user_id: str) -> None:
        with self._lock:
            left = self._users.get(user_id, 0) - 1
            if left > 0:
                self._users[user_id] = left
            else:
                self._users.pop(user_id, None)
            self._all = max(0, self._all - 1)

    def in_flight(self, user_id: str | None = None) -> int:
        with self._lock:
            return self._all if user_id is None else self._users.get(user_id, 0)

    def notify(self, send: Callable[[], Any]) -> bool:
        """Send a refusal's notice from the notice pool, unless that many are already waiting (then it is dropped
        and logged: the sender has been acknowledged, and a flood does not get to queue work of any kind)."""
        if not self._notice_room.acquire(blocking=False):
            log.warning("busy notice dropped: as many notices as allowed are already waiting")
            return False

        def run() -> None:
            try:
                send()
            except Exception as error:  # a notice is a courtesy; its failure is logged, never raised into a pool
                log.warning("busy notice failed: %s", type(error).__name__)
            finally:
                self._notice_room.release()

        try:
            self._notices.submit(run)
        except RuntimeError:  # shutting down
            self._notice_room.release()
            return False
        return True

    def executor(self, inner: Executor) -> GatedExecutor:
        """The gated pool over `inner`: the same one each time it is asked for (the drain shuts the one in use)."""
        with self._lock:
            for gated in self._executors:
                if gated.inner is inner:
                    return gated
            gated = GatedExecutor(self, inner)
            self._executors.append(gated)
            return gated

    def _take(self) -> object | None:
        decision = getattr(self._slot, "decision", None)
        self._slot.decision = None
        return decision

    def _release_stale(self) -> None:
        """An admission no lazy part took (Bolt failed between the ack and the submit): give it back."""
        stale = self._take()
        if isinstance(stale, _Admitted):
            self.leave(stale.user_id)

    def shutdown(self) -> None:
        self._notices.shutdown(wait=True)


class GatedExecutor(Executor):
    """The answer pool as Bolt sees it: admitted lazy parts run (and count out when done), refused ones never run.

    A submit only hands the work over (a queue put) and returns: a thread of its own passes it to the pool once the
    acks being answered are done, or `acks.max_wait` after the submit at the latest. Why: ThreadPoolExecutor.submit
    takes a lock every pool of the process shares and may start a thread while holding it, so an ack that submitted
    directly waited for other pools' submits and thread starts (py-spy under bench.ack_latency)."""

    def __init__(self, gate: Gate, inner: Executor) -> None:
        self.gate = gate
        self.inner = inner
        self._handoff: queue.SimpleQueue[_Handoff | None] = queue.SimpleQueue()
        self._waiting = 0  # handed over, not yet given to the pool
        self._given = threading.Condition()
        self._closed = False
        self._dispatcher = threading.Thread(target=self._dispatch, name="lazy-handoff", daemon=True)
        self._dispatcher.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        decision = self.gate._take()
        if decision is _REFUSED:
            done: Future[Any] = Future()
            done.set_result(None)
            return done
        user = decision.user_id if isinstance(decision, _Admitted) else None
        if self._closed:
            if user is not None:
                self.gate.leave(user)
            raise RuntimeError("cannot schedule new answers after shutdown")

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                if user is not None:
                    self.gate.leave(user)

        outer: Future[Any] = Future()
        with self._given:
            self._waiting += 1
        self._handoff.put(_Handoff(outer, run, user, time.monotonic()))
        return outer

    def wait_handed_over(self, timeout: float) -> bool:
        """Until every answer submitted so far is in the pool (the drain and tests that wait for a pool to be idle)."""
        with self._given:
            return self._given.wait_for(lambda: self._waiting == 0, timeout)

    def _dispatch(self) -> None:
        while (item := self._handoff.get()) is not None:
            self.gate.acks.wait(until=item.at + self.gate.acks.max_wait)
            try:
                inner = self.inner.submit(item.run)
            except BaseException as error:  # the pool is shut down: the answer is not started, and counts out
                if item.user is not None:
                    self.gate.leave(item.user)
                item.outer.set_exception(error)
                continue
            finally:
                with self._given:
                    self._waiting -= 1
                    self._given.notify_all()
            inner.add_done_callback(partial(_copy_outcome, item.outer))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No new answers; those handed over already go to the pool, then the pool drains (with `wait`)."""
        if not self._closed:
            self._closed = True
            self._handoff.put(None)
        if wait:
            self._dispatcher.join()
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)
        self.gate.shutdown()


@dataclass(frozen=True)
class _Handoff:
    outer: Future[Any]
    run: Callable[[], Any]
    user: str | None
    at: float  # when it was submitted (time.monotonic)


def _copy_outcome(outer: Future[Any], inner: Future[Any]) -> None:
    if inner.cancelled():
        outer.cancel()
    elif (error := inner.exception()) is not None:
        outer.set_exception(error)
    else:
        outer.set_result(inner.result())
