"""The digest ledger against SQLite and, when TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import time_machine

from bot.store.ledger import CLAIMED, DONE, Ledger
from tests.support import age_claim

DAY = date(2026, 11, 25)


def test_first_claim_wins_and_done_is_final(ledger: Ledger) -> None:
    assert ledger.claim("C1", DAY, "a") is True
    assert ledger.claim("C1", DAY, "b") is False
    ledger.mark_done("C1", DAY, "a", "1700000000.000100")
    delivery = ledger.get("C1", DAY)
    assert delivery is not None and delivery.status == DONE and delivery.message_ts == "1700000000.000100"
    assert ledger.claim("C1", DAY, "c") is False
    # Other channels and days are independent.
    assert ledger.claim("C2", DAY, "a") is True
    assert ledger.claim("C1", DAY + timedelta(days=1), "a") is True


def test_stale_claim_is_taken_over_fresh_one_is_not(ledger: Ledger) -> None:
    assert ledger.claim("C1", DAY, "dead-process")
    age_claim(ledger, "C1", DAY, timedelta(minutes=5))
    assert ledger.claim("C1", DAY, "b") is False
    age_claim(ledger, "C1", DAY, timedelta(minutes=11))
    assert ledger.claim("C1", DAY, "b") is True
    delivery = ledger.get("C1", DAY)
    assert delivery is not None and delivery.owner == "b" and delivery.attempts == 2 and delivery.status == CLAIMED
    # The dead owner cannot mark the day done after losing its claim.
    ledger.mark_done("C1", DAY, "dead-process", "1.1")
    assert ledger.get("C1", DAY).status == CLAIMED  # type: ignore[union-attr]


def test_force_reclaims_a_done_day_and_a_failed_forced_post_keeps_it_done(ledger: Ledger) -> None:
    ledger.claim("C1", DAY, "a")
    ledger.mark_done("C1", DAY, "a", "1.1")
    assert ledger.claim("C1", DAY, "b", force=True) is True
    ledger.release("C1", DAY, "b")
    assert ledger.is_done("C1", DAY)


def test_release_makes_the_day_claimable_again(ledger: Ledger) -> None:
    ledger.claim("C1", DAY, "a")
    ledger.release("C1", DAY, "a")
    assert ledger.get("C1", DAY) is None
    assert ledger.claim("C1", DAY, "b") is True


def test_racing_claims_have_exactly_one_winner(ledger: Ledger, database_url: str) -> None:
    racers = [Ledger.from_url(database_url) for _ in range(8)]
    barrier = threading.Barrier(len(racers))
    wins: list[bool] = []
    lock = threading.Lock()

    def race(i: int) -> None:
        barrier.wait()
        won = racers[i].claim("C1", DAY, f"racer-{i}")
        with lock:
            wins.append(won)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(racers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
    for racer in racers:
        racer.engine.dispose()


def test_a_host_whose_clock_runs_ahead_cannot_take_over_a_fresh_claim(ledger: Ledger, database_url: str) -> None:
    """Claims and staleness are judged by the database's clock: a second clock host 11 minutes ahead (its Python
    clock moved with time-machine; the database's is untouched) sees a 1-second-old claim as fresh."""
    assert ledger.claim("C1", DAY, "host-a")
    other_host = Ledger.from_url(database_url)
    with time_machine.travel(timedelta(minutes=11), tick=True):
        assert other_host.claim("C1", DAY, "host-b") is False
    assert ledger.get("C1", DAY).owner == "host-a"  # type: ignore[union-attr]
    other_host.engine.dispose()


def test_done_on_names_the_posted_channels_of_a_day_only(ledger: Ledger) -> None:
    for channel in ("C1", "C2", "C3"):
        assert ledger.claim(channel, DAY, "a") is True
    ledger.mark_done("C1", DAY, "a", "1.000001")
    ledger.mark_done("C3", DAY, "a", "1.000002")
    ledger.claim("C1", DAY + timedelta(days=1), "a")
    assert ledger.done_on(DAY) == {"C1", "C3"}  # C2 is only claimed
    assert ledger.done_on(DAY + timedelta(days=1)) == set()
