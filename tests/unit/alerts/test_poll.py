"""The poll's arithmetic: each (region, account)'s window from its checkpoint, its time on AWS, its summary. Which
alerts share a reply: tests/unit/alerts/test_delivery.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.alerts.poll import MAX_CATCH_UP, OVERLAP, PollRun, Window, plan_windows, poll_deadline
from bot.config import load_settings

NOW = datetime(2027, 1, 1, 0, 2, tzinfo=UTC)  # just after a New Year's midnight: windows cross days and years
A, B, C, D = ("us-east-1", ""), ("eu-west-1", ""), ("us-east-1", "444455556666"), ("eu-west-1", "444455556666")


def test_windows_overlap_the_last_poll_and_catch_up_at_most_a_day() -> None:
    covered = {
        A: NOW - timedelta(minutes=5),  # polled 5 minutes ago
        B: NOW - timedelta(hours=23),  # down for 23 hours: read it all
        C: NOW - timedelta(days=3),  # down for 3 days: the last 24 hours, and the rest said
        D: NOW + timedelta(minutes=30),  # another host's clock is 30 minutes ahead of this one: nothing yet
    }
    windows = plan_windows([A, B, C, D], covered, NOW)
    assert windows[A] == Window(NOW - timedelta(minutes=5) - OVERLAP, NOW)
    assert windows[B] == Window(NOW - timedelta(hours=23) - OVERLAP, NOW)
    assert windows[C] == Window(NOW - MAX_CATCH_UP, NOW, skipped=(NOW - timedelta(days=3), NOW - MAX_CATCH_UP))
    assert D not in windows


def test_a_pair_never_polled_starts_now() -> None:
    assert plan_windows([A], {}, NOW) == {A: Window(NOW - OVERLAP, NOW)}


def test_a_poll_is_given_most_of_an_interval_on_aws_within_bounds() -> None:
    def deadline(interval: str) -> float:
        return poll_deadline(load_settings({"RESTORES_REGIONS": "us-east-1", "RESTORES_ALERT_INTERVAL": interval}))

    assert deadline("5m") == 240
    assert deadline("2s") == 30  # short intervals still let a slow region answer
    assert deadline("1h") == 300  # RESTORES_DIGEST_DEADLINE's default


def test_the_summary_names_what_went_wrong() -> None:
    run = PollRun(at=NOW, pairs=6, calls=12, jobs=3, posted={"C1": 3}, failed={"C2": "not_in_channel"},
                  aws_failures=["eu-west-1/own account (throttled)"])
    assert not run.ok
    text = run.summary()
    assert "12 AWS calls" in text and "C1: 3" in text and "C2: not_in_channel" in text and "throttled" in text
