"""One user cannot starve everyone: answers in flight are admitted at the ack, per user and in all, so the answer
pool's queue is bounded; a refused command hears why in its ack, a refused click below its message; another user's
answer is not delayed behind a flood. Signed requests to the App in this process."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from tests.fakes.aws import slow
from tests.fakes.signing import command_body, post_signed
from tests.support import click

# Not `dates` (CI's libfaketime runs): injected latency waits on timed events, which hang under libfaketime.

BUSY = "answers in flight already"


def send(bot, slack, text: str, user: str, key: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    status, _, raw = post_signed(bot.events_url, bot.secret,
                                 command_body(text, response_url=slack.response_url(key), user_id=user))
    return status, (json.loads(raw) if raw.strip() else {})


def test_a_flood_of_commands_is_refused_at_the_ack_and_others_are_not_delayed(  # type: ignore[no-untyped-def]
        fakes, launch_app_bot, today: date) -> None:
    from bot.sample.records import DailyCount

    emulator, slack = fakes
    emulator.load(counts=[DailyCount("us-east-1", "111122223333", "FAILED", "EBS", today - timedelta(days=2), 4)])
    emulator.set_fault("*", slow(1.5))  # the three admitted answers are still running when the last ack is sent
    bot = launch_app_bot(RESTORES_USER_CONCURRENCY="3", RESTORES_REGIONS="us-east-1")
    with ThreadPoolExecutor(max_workers=20) as pool:
        acks = list(pool.map(lambda i: send(bot, slack, "failed 7d", "U0FLOOD", f"flood-{i}"), range(20)))
    assert all(status == 200 for status, _ in acks)
    refused = [body for _, body in acks if BUSY in body.get("text", "")]
    # Refused in the ack itself (ephemeral, shown at once); the other three are being answered.
    assert len(refused) == 17 and all(body.get("response_type") == "ephemeral" for body in refused)
    started = time.monotonic()
    status, body = send(bot, slack, "failed 7d", "U0OTHER", "other")
    assert status == 200 and BUSY not in body.get("text", "")
    [other] = slack.wait_for_responses(1, key="other", timeout=30)
    assert time.monotonic() - started < 1.5 + 2.0  # its own slow page chain, not the flood's queue
    assert "4 restore jobs" in json.dumps(other.body)
    bot.settle()
    # Exactly the three admitted commands were answered through their response_url; the refused ones never ran.
    answered = [i for i in range(20) if slack.responses_for(f"flood-{i}")]
    assert len(answered) == 3
    # Once the flood has landed, the user may ask again.
    status, body = send(bot, slack, "failed 7d", "U0FLOOD", "again")
    assert status == 200 and BUSY not in body.get("text", "")
    bot.settle()


def test_a_refused_click_is_told_below_its_message_and_never_runs(  # type: ignore[no-untyped-def]
        fakes, launch_app_bot, today: date) -> None:
    from bot.answers.controls import ActionId, ActionValue
    from bot.domain.query import RestoreFilter
    from bot.sample.records import DailyCount

    emulator, slack = fakes
    emulator.load(counts=[DailyCount("us-east-1", "111122223333", "FAILED", "EBS", today - timedelta(days=2), 4)])
    emulator.set_fault("*", slow(0.5))
    bot = launch_app_bot(RESTORES_USER_CONCURRENCY="1", RESTORES_REGIONS="us-east-1")
    value = ActionValue(filter=RestoreFilter(regions=("us-east-1",))).encode()
    with ThreadPoolExecutor(max_workers=4) as pool:
        clicks = list(pool.map(lambda _: click(bot, slack, ActionId.PERIOD.with_suffix("14d"), value, expect_answers=1)[1],
                               range(4)))
    texts = [json.dumps(answers[0].body) for answers in clicks]
    assert sum(BUSY in t for t in texts) == 3 and sum(BUSY not in t for t in texts) == 1
    bot.settle()


def test_past_the_total_everyone_is_refused_politely_until_answers_land(  # type: ignore[no-untyped-def]
        fakes, launch_app_bot, today: date) -> None:
    emulator, slack = fakes
    emulator.set_fault("*", slow(0.5))
    bot = launch_app_bot(RESTORES_USER_CONCURRENCY="2", RESTORES_MAX_IN_FLIGHT="4", RESTORES_REGIONS="us-east-1")
    with ThreadPoolExecutor(max_workers=6) as pool:
        acks = list(pool.map(lambda i: send(bot, slack, "failed 7d", f"U0USER{i}", f"u-{i}"), range(6)))
    texts = [body.get("text", "") for _, body in acks]
    refused = [t for t in texts if "as many as I take at once" in t]
    assert len(refused) == 2  # four admitted in all, whoever sent them
    bot.settle()
    assert sum(bool(slack.responses_for(f"u-{i}")) for i in range(6)) == 4
