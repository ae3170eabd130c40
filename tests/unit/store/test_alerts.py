"""The alerts' store against SQLite and, when TEST_DATABASE_URL is set, PostgreSQL: the outbox's claims, checkpoints
that never move back, and the day's thread, all judged by the database's clock."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from bot.domain.results import RestoreJobRow
from bot.store.alert_records import Outgoing, job_from_payload, job_payload
from bot.store.alerts import DONE, DROPPED, GAP, JOB, PENDING, AlertStore
from tests.support import age_alerts

DAY = date(2026, 11, 25)
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _job(n: int) -> RestoreJobRow:
    return RestoreJobRow(region="us-east-1", account_id="111122223333", job_id=f"job-{n}", status="FAILED",
                         status_message="<!channel> Access denied", resource_type="EBS", created=T0,
                         resource_arn="arn:aws:ec2:us-east-1:111122223333:volume/vol-1",
                         restore_testing_plan_arn="arn:aws:backup:us-east-1:111122223333:restore-testing-plan:p-1",
                         completed=T0 + timedelta(minutes=7), validation_status="FAILED")


def _out(n: int, channel: str = "C1") -> Outgoing:
    return Outgoing(f"us-east-1/job-{n}", channel, JOB, job_payload(_job(n)))


def test_a_job_round_trips_through_its_payload() -> None:
    assert job_from_payload(job_payload(_job(1))) == _job(1)


def test_enqueue_is_idempotent_per_job_and_channel(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1), _out(1, "C2")])
    [claimed] = alert_store.claim("C1", "a")
    alert_store.mark_done([claimed.id], "a", DAY, "1.1")
    alert_store.enqueue([_out(1), _out(2)])  # a later poll sees job 1 again (the overlap) and job 2 anew
    assert [(d.job_id, d.status) for d in alert_store.deliveries("C1")] == [
        ("us-east-1/job-1", DONE), ("us-east-1/job-2", PENDING)]
    assert [d.status for d in alert_store.deliveries("C2")] == [PENDING]


def test_claims_have_one_winner_and_a_stale_one_is_taken_over_with_its_thread(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1), _out(2)])
    first = alert_store.claim("C1", "a")
    assert [d.job_id for d in first] == ["us-east-1/job-1", "us-east-1/job-2"]
    assert alert_store.claim("C1", "b") == []
    alert_store.assign([first[0].id], "a", DAY, "9.9")
    age_alerts(alert_store, timedelta(minutes=5))
    assert alert_store.claim("C1", "b") == []
    age_alerts(alert_store, timedelta(minutes=11))
    taken = alert_store.claim("C1", "b")
    assert [(d.owner, d.thread_ts, d.day, d.attempts) for d in taken] == [("b", "9.9", DAY, 2), ("b", None, None, 2)]
    # The dead owner cannot record a post after losing its claim.
    assert alert_store.mark_done([first[0].id], "a", DAY, "1.1") == 0
    assert alert_store.mark_done([d.id for d in taken], "b", DAY, "2.2") == 2


def test_racing_claims_split_the_outbox_without_overlap(alert_store: AlertStore, database_url: str) -> None:
    alert_store.enqueue([_out(n) for n in range(40)])
    racers = [AlertStore.from_url(database_url) for _ in range(4)]
    barrier = threading.Barrier(len(racers))
    won: dict[int, list[str]] = {}

    def race(i: int) -> None:
        barrier.wait()
        won[i] = [d.job_id for d in racers[i].claim("C1", f"owner-{i}")]

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(racers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    everything = [job for jobs in won.values() for job in jobs]
    assert sorted(everything) == sorted(f"us-east-1/job-{n}" for n in range(40))
    for racer in racers:
        racer.engine.dispose()


def test_release_keeps_the_thread_only_when_the_post_may_have_happened(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1), _out(2)])
    one, two = alert_store.claim("C1", "a")
    alert_store.assign([one.id, two.id], "a", DAY, "5.5")
    alert_store.release([one.id], "a", "channel_not_found", maybe_posted=False)
    alert_store.release([two.id], "a", "ReadTimeout", maybe_posted=True)
    again = {d.job_id: d for d in alert_store.claim("C1", "b")}
    assert again["us-east-1/job-1"].thread_ts is None and again["us-east-1/job-2"].thread_ts == "5.5"


def test_alerts_waiting_too_long_are_dropped_and_counted(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1), _out(2), Outgoing("gap:x", "C2", GAP, "{}")])
    assert alert_store.drop_expired(timedelta(hours=1)) == {}
    age_alerts(alert_store, timedelta(hours=2))
    assert alert_store.drop_expired(timedelta(hours=1)) == {"C1": 2, "C2": 1}
    assert {d.status for d in alert_store.deliveries()} == {DROPPED}
    assert alert_store.claim("C1", "a") == []


def test_old_posted_alerts_are_forgotten_and_waiting_ones_kept(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1), _out(2)])
    [one, _] = alert_store.claim("C1", "a")
    alert_store.release([alert_store.deliveries("C1")[1].id], "a", "ratelimited", maybe_posted=False)
    alert_store.mark_done([one.id], "a", DAY, "1.1")
    assert alert_store.prune(timedelta(days=7)) == 0
    age_alerts(alert_store, timedelta(days=8))
    assert alert_store.prune(timedelta(days=7)) == 1
    assert [d.status for d in alert_store.deliveries("C1")] == [PENDING]


def test_checkpoints_only_move_forward(alert_store: AlertStore) -> None:
    alert_store.advance("us-east-1", "", T0)
    alert_store.advance("us-east-1", "", T0 - timedelta(minutes=5))  # a slower poller finishing last
    alert_store.advance("us-east-1", "444455556666", T0 + timedelta(minutes=1))
    assert alert_store.checkpoints() == {("us-east-1", ""): T0, ("us-east-1", "444455556666"): T0 + timedelta(minutes=1)}
    alert_store.advance("us-east-1", "", T0 + timedelta(minutes=5))
    assert alert_store.checkpoints()[("us-east-1", "")] == T0 + timedelta(minutes=5)


def test_the_days_thread_is_claimed_once_and_counts_only_its_posted_jobs(alert_store: AlertStore) -> None:
    assert alert_store.claim_thread("C1", DAY, "a") is True
    assert alert_store.claim_thread("C1", DAY, "b") is False
    age_alerts(alert_store, timedelta(minutes=11))
    assert alert_store.claim_thread("C1", DAY, "b") is True
    alert_store.thread_posted("C1", DAY, "a", "1.0", 3)  # the dead owner's late write does nothing
    alert_store.thread_posted("C1", DAY, "b", "2.0", 1)
    thread = alert_store.thread("C1", DAY)
    assert thread is not None and (thread.status, thread.ts, thread.shown_count) == (DONE, "2.0", 1)
    alert_store.enqueue([_out(1), _out(2), Outgoing("gap:x", "C1", GAP, "{}")])
    claimed = alert_store.claim("C1", "b")
    alert_store.mark_done([d.id for d in claimed], "b", DAY, "3.0")
    assert alert_store.count_done("C1", DAY) == 2  # the catch-up notice is not a failure
    assert alert_store.claim_broadcast("C1", DAY) is True and alert_store.claim_broadcast("C1", DAY) is False


def test_one_updater_at_a_time_and_a_dead_ones_right_expires(alert_store: AlertStore) -> None:
    alert_store.claim_thread("C1", DAY, "a")
    assert alert_store.claim_update("C1", DAY, "a") is False  # nothing posted yet: nothing to update
    alert_store.thread_posted("C1", DAY, "a", "1.0", 1)
    assert alert_store.claim_update("C1", DAY, "a") is True
    assert alert_store.claim_update("C1", DAY, "b") is False
    alert_store.finish_update("C1", DAY, "a", 4)
    assert alert_store.claim_update("C1", DAY, "b") is True
    thread = alert_store.thread("C1", DAY)
    assert thread is not None and thread.shown_count == 4
