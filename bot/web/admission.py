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
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
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


class Gate:
    """Counts answers in flight per user and in all; both bounded."""

    def __init__(self, per_user: int, total: int, *, notice_workers: int = 2, max_notices: int = 64) -> None:
        self.per_user = per_user
        self.total = total
        self._lock = threading.Lock()
        self._users: dict[str, int] = {}
        self._all = 0
        self._slot = threading.local()
        self._notices = ThreadPoolExecutor(max_workers=notice_workers, thread_name_prefix="notice")
        self._notice_room = threading.BoundedSemaphore(max_notices)

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
        return GatedExecutor(self, inner)

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
    """The answer pool as Bolt sees it: admitted lazy parts run (and count out when done), refused ones never run."""

    def __init__(self, gate: Gate, inner: Executor) -> None:
        self.gate = gate
        self.inner = inner

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        decision = self.gate._take()
        if decision is None:
            return self.inner.submit(fn, *args, **kwargs)
        if decision is _REFUSED:
            done: Future[Any] = Future()
            done.set_result(None)
            return done
        assert isinstance(decision, _Admitted)
        user = decision.user_id

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                self.gate.leave(user)

        try:
            return self.inner.submit(run)
        except BaseException:
            self.gate.leave(user)
            raise

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)
        self.gate.shutdown()
