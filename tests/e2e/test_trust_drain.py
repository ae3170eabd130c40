"""A rolling deploy loses no answer: SIGTERM mid-answer, and the acked command still gets its real answer."""

from __future__ import annotations

import signal
from datetime import date, timedelta

import pytest

from bot.sample.records import DailyCount
from tests.fakes.aws import slow

pytestmark = pytest.mark.e2e  # not `dates`: its latency injection and socket timeouts hang under libfaketime


def test_sigterm_mid_answer_still_delivers_it(launch_bot, fakes, today: date) -> None:  # type: ignore[no-untyped-def]
    emulator, slack = fakes
    emulator.load(counts=[DailyCount(r, "111122223333", "FAILED", "EBS", today - timedelta(days=2), 7)
                          for r in ("us-east-1", "eu-west-1", "ap-southeast-2")])
    bot = launch_bot(RESTORES_AWS_DEADLINE="20")
    emulator.set_fault("*", slow(3.0))  # every page takes 3 s: the answer is in flight when SIGTERM lands
    status, key = bot.post_command("failed 7d")
    assert status == 200
    bot.process.send_signal(signal.SIGTERM)
    (answer,) = slack.wait_for_responses(1, key=key, timeout=60)
    assert "Something went wrong" not in answer.body["text"]
    assert "21 restore jobs" in answer.body["text"]
    assert bot.process.wait(timeout=60) == 0
    assert "drained answers in flight" in bot.log_text()
