"""The digest ledger against SQLite and, when TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from bot.digest.ledger import CLAIMED, DONE, Ledger

DAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_first_claim_wins_and_done_is_final(ledger: Ledger) -> None:
    assert ledger.claim("C1", DAY, "a", now=NOW) is True
    assert ledger.claim("C1", DAY, "b", now=NOW) is False
    ledger.mark_done("C1", DAY, "a", "1700000000.000100", now=NOW)
    delivery = ledger.get("C1", DAY)
    assert delivery is not None and delivery.status == DONE and delivery.message_ts == "1700000000.000100"
    assert ledger.claim("C1", DAY, "c", now=NOW + timedelta(hours=5)) is False
    # Other channels and days are independent.
    assert ledger.claim("C2", DAY, "a", now=NOW) is True
    assert ledger.claim("C1", DAY + timedelta(days=1), "a", now=NOW) is True


def test_stale_claim_is_taken_over_fresh_one_is_not(ledger: Ledger) -> None:
    assert ledger.claim("C1", DAY, "dead-process", now=NOW)
    assert ledger.claim("C1", DAY, "b", now=NOW + timedelta(minutes=5)) is False
    assert ledger.claim("C1", DAY, "b", now=NOW + timedelta(minutes=11)) is True
    delivery = ledger.get("C1", DAY)
    assert delivery is not None and delivery.owner == "b" and delivery.attempts == 2 and delivery.status == CLAIMED
    # The dead owner cannot mark the day done after losing its claim.
    ledger.mark_done("C1", DAY, "dead-process", "1.1", now=NOW)
    assert ledger.get("C1", DAY).status == CLAIMED  # type: ignore[union-attr]


def test_force_reclaims_a_done_day_and_a_failed_forced_post_keeps_it_done(ledger: Ledger) -> None:
    ledger.claim("C1", DAY, "a", now=NOW)
    ledger.mark_done("C1", DAY, "a", "1.1", now=NOW)
    assert ledger.claim("C1", DAY, "b", force=True, now=NOW) is True
    ledger.release("C1", DAY, "b")
    assert ledger.is_done("C1", DAY)


def test_release_makes_the_day_claimable_again(ledger: Ledger) -> None:
    ledger.claim("C1", DAY, "a", now=NOW)
    ledger.release("C1", DAY, "a")
    assert ledger.get("C1", DAY) is None
    assert ledger.claim("C1", DAY, "b", now=NOW) is True


def test_racing_claims_have_exactly_one_winner(ledger: Ledger, database_url: str) -> None:
    racers = [Ledger.from_url(database_url) for _ in range(8)]
    barrier = threading.Barrier(len(racers))
    wins: list[bool] = []
    lock = threading.Lock()

    def race(i: int) -> None:
        barrier.wait()
        won = racers[i].claim("C1", DAY, f"racer-{i}", now=NOW)
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
