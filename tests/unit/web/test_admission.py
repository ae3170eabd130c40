"""The admission gate, pure threading: per-user and total bounds, the decision carried from the ack to the submit,
refused work never run, admitted work counted out when done (even when it raises), notices bounded."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.web.admission import Gate, Refusal


@pytest.fixture
def pool():
    inner = ThreadPoolExecutor(max_workers=4)
    yield inner
    inner.shutdown(wait=True)


def test_per_user_then_total_bounds(pool: ThreadPoolExecutor) -> None:
    gate = Gate(per_user=2, total=3)
    executor = gate.executor(pool)
    release = threading.Event()

    def ask(user: str) -> Refusal | None:  # an ack, then its lazy part, as Bolt does them on one thread
        refusal = gate.admit(user)
        executor.submit(release.wait, 5)
        return refusal

    assert ask("U1") is None and ask("U1") is None
    assert ask("U1") == Refusal("user", 2, 2)
    assert ask("U2") is None
    assert ask("U3") == Refusal("everyone", 3, 3)
    assert gate.in_flight() == 3 and gate.in_flight("U1") == 2
    release.set()
    executor.shutdown(wait=True)  # the drain: what was handed over runs, then the pool closes
    assert gate.in_flight() == 0 and gate.admit("U3") is None


def test_refused_work_never_runs_and_admitted_work_counts_out(pool: ThreadPoolExecutor) -> None:
    gate = Gate(per_user=1, total=10)
    executor = gate.executor(pool)
    release = threading.Event()
    ran: list[str] = []
    assert gate.admit("U1") is None
    first = executor.submit(lambda: (release.wait(5), ran.append("first")))
    assert gate.admit("U1") == Refusal("user", 1, 1)
    second = executor.submit(lambda: ran.append("second"))
    assert second.done() and second.result() is None
    assert gate.in_flight("U1") == 1
    release.set()
    first.result(timeout=5)
    assert ran == ["first"] and gate.in_flight() == 0


def test_admitted_work_that_raises_still_counts_out(pool: ThreadPoolExecutor) -> None:
    gate = Gate(per_user=1, total=1)
    executor = gate.executor(pool)
    assert gate.admit("U1") is None
    future = executor.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        future.result(timeout=5)
    assert gate.in_flight() == 0 and gate.admit("U1") is None


def test_a_submit_without_a_decision_passes_through(pool: ThreadPoolExecutor) -> None:
    gate = Gate(per_user=1, total=1)
    assert gate.executor(pool).submit(lambda: 42).result(timeout=5) == 42
    assert gate.in_flight() == 0


def test_an_admission_its_lazy_part_never_took_is_given_back() -> None:
    gate = Gate(per_user=1, total=5)
    assert gate.admit("U1") is None  # the ack admitted, then nothing was submitted on this thread
    assert gate.admit("U1") is None  # the next ack on the thread gives the stale admission back first
    assert gate.in_flight("U1") == 1


def test_decisions_are_per_thread(pool: ThreadPoolExecutor) -> None:
    gate = Gate(per_user=5, total=5)
    executor = gate.executor(pool)
    assert gate.admit("U1") is None
    # Another thread's submit does not take this thread's decision.
    other = threading.Thread(target=lambda: executor.submit(lambda: None).result(timeout=5))
    other.start()
    other.join()
    assert gate.in_flight("U1") == 1
    executor.submit(lambda: None).result(timeout=5)
    assert gate.in_flight("U1") == 0


def test_notices_are_bounded_and_never_raise() -> None:
    gate = Gate(per_user=1, total=1, notice_workers=1, max_notices=2)
    release = threading.Event()
    sent: list[int] = []
    assert gate.notify(lambda: (release.wait(5), sent.append(1)))
    assert gate.notify(lambda: sent.append(2))
    assert not gate.notify(lambda: sent.append(3))  # two already waiting: dropped, not queued
    release.set()
    gate.shutdown()
    assert sorted(sent) == [1, 2]
    failing = Gate(per_user=1, total=1)
    assert failing.notify(lambda: 1 / 0)  # a notice that raises is logged by the pool, not raised
    failing.shutdown()


def test_a_submit_only_hands_over_and_answers_wait_for_the_acks(pool: ThreadPoolExecutor) -> None:
    """While an ack is being answered the answer does not start (at most acks.max_wait); the submit returns at once."""
    gate = Gate(per_user=3, total=10)
    gate.acks.max_wait = 5.0
    executor = gate.executor(pool)
    started = threading.Event()
    with gate.acks.acking():
        gate.admit("U1")
        future = executor.submit(started.set)
        assert not started.wait(0.2)  # the ack is still being answered
    assert future.result(timeout=5) is None and started.is_set()
    assert gate.in_flight() == 0


def test_an_answer_waits_for_acks_no_longer_than_max_wait(pool: ThreadPoolExecutor) -> None:
    gate = Gate(per_user=3, total=10)
    gate.acks.max_wait = 0.1
    executor = gate.executor(pool)
    with gate.acks.acking():  # a server that never stops acking still answers
        gate.admit("U1")
        assert executor.submit(lambda: 7).result(timeout=5) == 7


def test_the_gate_gives_the_same_gated_pool_for_one_pool_and_shutdown_refuses_new_work(pool: ThreadPoolExecutor) -> None:
    gate = Gate(per_user=3, total=10)
    executor = gate.executor(pool)
    assert gate.executor(pool) is executor
    executor.shutdown(wait=True)
    gate.admit("U1")
    with pytest.raises(RuntimeError):
        executor.submit(lambda: None)
    assert gate.in_flight() == 0  # the refused submit counted out


def test_wait_handed_over_returns_once_every_submitted_answer_is_in_the_pool(pool: ThreadPoolExecutor) -> None:
    gate = Gate(per_user=3, total=10)
    gate.acks.max_wait = 5.0
    executor = gate.executor(pool)
    with gate.acks.acking():  # the answer is held while the ack is answered
        gate.admit("U1")
        future = executor.submit(lambda: 3)
        assert not executor.wait_handed_over(0.2)
    assert executor.wait_handed_over(5) and future.result(timeout=5) == 3
