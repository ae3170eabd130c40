"""Replays are refused across replicas: two `python -m bot serve` processes sharing DATABASE_URL (as replicas behind a
load balancer do), a signed request accepted by one and sent again to the other gets 401 and is answered once."""

from __future__ import annotations

import time

import pytest

from tests.fakes.signing import command_body, post_signed

pytestmark = pytest.mark.e2e


def test_a_request_replayed_to_another_replica_is_refused(bot, launch_bot) -> None:  # type: ignore[no-untyped-def]
    replica = launch_bot()  # the same environment, so the same DATABASE_URL as `bot`
    key = f"replica-replay-{time.monotonic_ns()}"
    body = command_body("failed share", response_url=bot.slack.response_url(key))
    timestamp = int(time.time())
    first = post_signed(bot.events_url, bot.secret, body, timestamp=timestamp)[0]
    again = post_signed(replica.events_url, replica.secret, body, timestamp=timestamp)[0]
    assert (first, again) == (200, 401)
    (answer,) = bot.slack.wait_for_responses(1, key=key, timeout=30)
    assert answer.body["response_type"] == "in_channel"
    time.sleep(0.5)
    assert len(bot.slack.responses_for(key)) == 1  # posted once
    assert "refused a replayed request" in replica.log_text()
