"""The daily digest in process: exact numbers, exactly-once delivery per channel and day, and graceful faults.

Real boto3 to the AWS emulator, real slack_sdk WebClient to the fake Slack, a real ledger database."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import boto3
import pytest

from bot.aws.client import BackupService
from bot.config import Settings, load_settings
from bot.digest.clock import RETRY_MINUTES
from bot.digest.query import collect_digest
from bot.digest.run import DigestRunner
from bot.sample.records import DailyCount
from bot.store.ledger import Ledger
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator, access_denied, expected_sum, unavailable
from tests.fakes.slack import FakeSlack
from tests.support import (
    BOT_TOKEN,
    DATASET_ACCOUNTS,
    DIGEST_CHANNELS,
    E2E_REGIONS,
    SUMMARIES,
    age_claim,
    posts,
    skip_where_the_database_clock_cannot_move,
)

pytestmark = pytest.mark.dates


def digest_settings(slack: FakeSlack, database_url: str, **extra: str) -> Settings:
    env = {
        "RESTORES_REGIONS": ",".join(E2E_REGIONS),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "RESTORES_DIGEST_CHANNELS": ",".join(DIGEST_CHANNELS),
        "RESTORES_DIGEST_ACCOUNT": "ANY",
        "DATABASE_URL": database_url,
        "RESTORES_AWS_DEADLINE": "10",
    }
    env.update(extra)
    return load_settings(env, "digest")


def make_runner(emulator: BackupEmulator, slack: FakeSlack, database_url: str, **extra: str) -> DigestRunner:
    settings = digest_settings(slack, database_url, **extra)
    backup = BackupService(
        lambda: boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing"),
        endpoint_url=emulator.url,
    )
    return Wiring(settings, backup=backup).digest()


def text_of(call: Any) -> str:
    return json.dumps(call.params["blocks"], ensure_ascii=False)


def labelled(failed: int, aborted: int) -> str:
    return ", ".join(part for part in (f"{failed:,} failed" if failed else "", f"{aborted:,} aborted" if aborted else "")
                     if part)


def whole_line(line: str, text: str) -> bool:
    """`line` is a whole line of a block's text (in the JSON of the blocks: followed by a line break or the end)."""
    return re.search(re.escape(line) + r'(\\n|")', text) is not None


def test_numbers_equal_independent_sums(fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount],
                                        database_url: str, now: datetime, today: date, day: date) -> None:
    emulator, slack = fakes
    run = make_runner(emulator, slack, database_url).run(now=now)
    assert run.ok and [o.status for o in run.outcomes] == ["posted"] * 3
    failed = expected_sum(dataset, state="FAILED", start=day, end=today)
    aborted = expected_sum(dataset, state="ABORTED", start=day, end=today)
    completed = expected_sum(dataset, state="COMPLETED", start=day, end=today)
    assert failed + aborted > 0
    for channel in DIGEST_CHANNELS:
        (post,) = posts(slack, channel)
        text = text_of(post)
        assert f"*{failed + aborted:,} restore jobs failed or were aborted* on {day:%a} {day.day} {day:%b %Y}; {completed:,} completed" in text
        assert f"*FAILED*\\n{failed:,}" in text and f"*ABORTED*\\n{aborted:,}" in text
        # Every row says failed or aborted (issue 23, item 3), failed first, a zero left out.
        for region in E2E_REGIONS:
            f, a = (expected_sum(dataset, state=s, region=region, start=day, end=today) for s in ("FAILED", "ABORTED"))
            assert whole_line(f"*{region}* — {labelled(f, a)}", text)
        for account in DATASET_ACCOUNTS:
            f, a = (expected_sum(dataset, state=s, account_id=account, start=day, end=today) for s in ("FAILED", "ABORTED"))
            assert whole_line(f"*{account}* — {labelled(f, a)}", text)
        week = sum(expected_sum(dataset, state=s, start=day - timedelta(days=7), end=day) for s in ("FAILED", "ABORTED"))
        assert f"{failed + aborted:,} vs {week / 7:.1f} a day" in text
        assert f"{failed:,} failed, {aborted:,} aborted" in post.params["text"]


def test_aws_is_queried_once_per_run_however_many_channels(fakes: tuple[BackupEmulator, FakeSlack],
                                                           dataset: list[DailyCount], database_url: str, now: datetime) -> None:
    emulator, slack = fakes
    runner = make_runner(emulator, slack, database_url)
    runner.run(now=now, channels=("C0DIGEST1",))
    one_channel = len(emulator.calls(SUMMARIES))
    emulator.reset()
    runner.run(now=now, channels=("C0DIGEST2", "C0DIGEST3", "C0DIGEST4", "C0DIGEST5"))
    assert len(emulator.calls(SUMMARIES)) == one_channel
    assert one_channel >= 2 * len(E2E_REGIONS)  # several pages per region


def test_second_run_posts_nothing_and_force_posts_again(fakes: tuple[BackupEmulator, FakeSlack],
                                                        dataset: list[DailyCount], database_url: str, now: datetime) -> None:
    emulator, slack = fakes
    runner = make_runner(emulator, slack, database_url)
    runner.run(now=now)
    emulator.reset()
    again = runner.run(now=now + timedelta(hours=3))
    assert [o.status for o in again.outcomes] == ["already-posted"] * 3
    assert len(posts(slack)) == 3
    assert emulator.calls() == []  # nothing to post: AWS is not even asked
    forced = runner.run(now=now, force=True)
    assert [o.status for o in forced.outcomes] == ["posted"] * 3
    assert len(posts(slack)) == 6


def test_concurrent_runs_post_once_per_channel(fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount],
                                               database_url: str, now: datetime) -> None:
    emulator, slack = fakes
    runners = [make_runner(emulator, slack, database_url) for _ in range(4)]
    barrier = threading.Barrier(len(runners))

    def go(runner: DigestRunner) -> None:
        barrier.wait()
        runner.run(now=now)

    threads = [threading.Thread(target=go, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for channel in DIGEST_CHANNELS:
        assert len(posts(slack, channel)) == 1


def test_rate_limited_post_is_retried(fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount],
                                      database_url: str, now: datetime) -> None:
    emulator, slack = fakes
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    run = make_runner(emulator, slack, database_url).run(now=now, channels=("C0DIGEST1",))
    assert [o.status for o in run.outcomes] == ["posted"]
    attempts = slack.calls_to("chat.postMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].time - attempts[0].time >= 1.0  # waited for Retry-After


def test_one_bad_channel_does_not_block_the_others(fakes: tuple[BackupEmulator, FakeSlack],
                                                   dataset: list[DailyCount], database_url: str, now: datetime) -> None:
    emulator, slack = fakes
    slack.fail_channel("C0DIGEST2", "channel_not_found")
    runner = make_runner(emulator, slack, database_url)
    run = runner.run(now=now)
    assert not run.ok
    outcomes = {o.channel: o for o in run.outcomes}
    assert outcomes["C0DIGEST2"].status == "failed" and "channel_not_found" in outcomes["C0DIGEST2"].detail
    assert outcomes["C0DIGEST1"].status == outcomes["C0DIGEST3"].status == "posted"
    # The failed channel stays claimable: once fixed, the next run posts there only.
    slack.fail_channel("C0DIGEST2", "channel_not_found", methods=())
    slack.reset()
    rerun = runner.run(now=now)
    assert {o.channel: o.status for o in rerun.outcomes} == {
        "C0DIGEST1": "already-posted", "C0DIGEST2": "posted", "C0DIGEST3": "already-posted"}
    assert len(posts(slack)) == 1


def test_region_down_is_named_and_the_rest_is_posted(fakes: tuple[BackupEmulator, FakeSlack],
                                                     dataset: list[DailyCount], database_url: str, now: datetime, today: date, day: date) -> None:
    emulator, slack = fakes
    emulator.set_fault("eu-west-1", unavailable())
    run = make_runner(emulator, slack, database_url).run(now=now, channels=("C0DIGEST1",))
    assert run.ok
    (post,) = posts(slack)
    text = text_of(post)
    assert "eu-west-1" in text and "ServiceUnavailableException" in text
    n = sum(expected_sum(dataset, state=s, region=r, start=day, end=today)
            for s in ("FAILED", "ABORTED") for r in ("us-east-1", "ap-southeast-2"))
    assert f"*{n:,} restore jobs failed or were aborted*" in text
    assert "regions not answering: eu-west-1" in post.params["text"]


def test_every_region_down_posts_nothing_and_leaves_the_day_open(fakes: tuple[BackupEmulator, FakeSlack],
                                                                 dataset: list[DailyCount], database_url: str, now: datetime) -> None:
    emulator, slack = fakes
    emulator.set_fault("*", access_denied())
    runner = make_runner(emulator, slack, database_url)
    run = runner.run(now=now)
    assert not run.ok and all("no region could be queried" in o.detail for o in run.outcomes)
    assert posts(slack) == []
    emulator.clear_faults()
    assert runner.run(now=now).ok
    assert len(posts(slack)) == 3


def test_all_clear_and_skip(fakes: tuple[BackupEmulator, FakeSlack], database_url: str, now: datetime, day: date) -> None:
    emulator, slack = fakes
    emulator.load(counts=[DailyCount("us-east-1", "111122223333", "COMPLETED", "EBS", day, 42),
                          DailyCount("eu-west-1", "444455556666", "COMPLETED", "RDS", day, 8),
                          DailyCount("eu-west-1", "444455556666", "FAILED", "RDS", day - timedelta(days=2), 3)])
    make_runner(emulator, slack, database_url).run(now=now, channels=("C0DIGEST1",))
    (post,) = posts(slack)
    assert "All clear" in text_of(post) and "50 completed" in text_of(post)
    slack.reset()
    skipping = make_runner(emulator, slack, database_url, RESTORES_DIGEST_SKIP_ALL_CLEAR="true")
    run = skipping.run(now=now, channels=("C0DIGEST2",))
    assert [o.status for o in run.outcomes] == ["skipped-all-clear"]
    assert posts(slack) == []


def test_a_crash_between_claim_and_post_does_not_lose_the_day(fakes: tuple[BackupEmulator, FakeSlack],
                                                              dataset: list[DailyCount], database_url: str, now: datetime, day: date) -> None:
    emulator, slack = fakes
    runner = make_runner(emulator, slack, database_url)
    assert runner.ledger is not None
    # A process claimed C0DIGEST1 and died before posting.
    runner.ledger.claim("C0DIGEST1", day, "dead-process")
    age_claim(runner.ledger, "C0DIGEST1", day, timedelta(minutes=30))
    # C0DIGEST2 is being posted right now by a live process.
    runner.ledger.claim("C0DIGEST2", day, "live-process")
    run = runner.run(now=now)
    outcomes = {o.channel: o.status for o in run.outcomes}
    assert outcomes == {"C0DIGEST1": "posted", "C0DIGEST2": "in-flight", "C0DIGEST3": "posted"}
    assert len(posts(slack, "C0DIGEST1")) == 1 and posts(slack, "C0DIGEST2") == []


def test_collect_digest_trend_covers_fourteen_days(fakes: tuple[BackupEmulator, FakeSlack],
                                                   dataset: list[DailyCount], day: date) -> None:
    emulator, _ = fakes
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"),
                           endpoint_url=emulator.url)
    data = collect_digest(backup, E2E_REGIONS, day=day, account="ANY")
    assert len(data.trend) == 14 and data.trend[-1][0] == day and data.trend[0][0] == day - timedelta(days=13)
    for day, n in data.trend:
        assert n == sum(expected_sum(dataset, state=s, start=day, end=day + timedelta(days=1)) for s in ("FAILED", "ABORTED"))


class _CrashAfterPost(Ledger):
    """A process that dies after Slack accepted the post and before the ledger recorded it."""

    def mark_done(self, channel: str, day: date, owner: str, message_ts: str | None) -> None:
        raise SystemExit("killed between chat.postMessage and mark_done")


def crash_after_posting(emulator: BackupEmulator, slack: FakeSlack, database_url: str, now: datetime) -> None:
    """A digest run for C0DIGEST1 whose process dies right after Slack accepted the post."""
    crashing = make_runner(emulator, slack, database_url)
    crashing.ledger = _CrashAfterPost(crashing.ledger.engine)  # type: ignore[union-attr]
    with pytest.raises(SystemExit):
        crashing.run(now=now, channels=("C0DIGEST1",))


def test_a_crash_between_post_and_mark_done_is_not_posted_twice(fakes: tuple[BackupEmulator, FakeSlack],
                                                                dataset: list[DailyCount], database_url: str,
                                                                now: datetime, day: date) -> None:
    emulator, slack = fakes
    crash_after_posting(emulator, slack, database_url, now)
    (first,) = posts(slack, "C0DIGEST1")
    assert first.params["metadata"]["event_payload"]["day"] == day.isoformat()
    # The claim goes stale; the next run takes it over, finds the post in the channel's history, and records it.
    runner = make_runner(emulator, slack, database_url)
    age_claim(runner.ledger, "C0DIGEST1", day, timedelta(minutes=11))
    run = runner.run(now=now, channels=("C0DIGEST1",))
    assert [(o.status, o.detail) for o in run.outcomes] == [("already-posted", "found the earlier post in the channel")]
    assert len(posts(slack, "C0DIGEST1")) == 1
    assert runner.ledger is not None and runner.ledger.is_done("C0DIGEST1", day)
    assert runner.ledger.get("C0DIGEST1", day).message_ts == first.response["ts"]  # type: ignore[union-attr]


def test_a_busy_channel_is_searched_back_to_the_claim_not_one_page(fakes: tuple[BackupEmulator, FakeSlack],
                                                                    dataset: list[DailyCount], database_url: str,
                                                                    now: datetime, day: date) -> None:
    """More than a page of messages (200) since the lost post: the next run follows the history's cursor back to the
    claim, finds the post and records it, instead of posting the digest again."""
    skip_where_the_database_clock_cannot_move(database_url)  # the claim's time is the database's
    emulator, slack = fakes
    crash_after_posting(emulator, slack, database_url, now)
    runner = make_runner(emulator, slack, database_url)
    assert runner.client is not None
    for i in range(450):
        runner.client.chat_postMessage(channel="C0DIGEST1", text=f"chatter {i}")
    age_claim(runner.ledger, "C0DIGEST1", day, timedelta(minutes=11))
    run = runner.run(now=now, channels=("C0DIGEST1",))
    assert [(o.status, o.detail) for o in run.outcomes] == [("already-posted", "found the earlier post in the channel")]
    assert len([p for p in posts(slack, "C0DIGEST1") if "metadata" in p.params]) == 1
    assert len(slack.calls_to("conversations.history")) == 3  # 451 messages since the claim: three pages of 200


def test_without_history_access_the_day_is_posted_again_not_lost(fakes: tuple[BackupEmulator, FakeSlack],
                                                                  dataset: list[DailyCount], database_url: str,
                                                                  now: datetime, day: date) -> None:
    emulator, slack = fakes
    crash_after_posting(emulator, slack, database_url, now)
    slack.fail_channel("C0DIGEST1", "not_in_channel", methods=("conversations.history",))
    runner = make_runner(emulator, slack, database_url)
    age_claim(runner.ledger, "C0DIGEST1", day, timedelta(minutes=11))
    run = runner.run(now=now, channels=("C0DIGEST1",))
    assert [o.status for o in run.outcomes] == ["posted"]  # a possible duplicate, stated in the log and README
    assert len(posts(slack, "C0DIGEST1")) == 2


def test_one_channels_database_error_does_not_stop_the_others(fakes: tuple[BackupEmulator, FakeSlack],
                                                              dataset: list[DailyCount], database_url: str,
                                                              now: datetime) -> None:
    from bot.digest.run import post_digest

    emulator, slack = fakes
    runner = make_runner(emulator, slack, database_url)
    too_long = "C" + "X" * 40  # longer than the ledger's column: PostgreSQL refuses it, SQLite stores it
    run = post_digest(backup=runner.backup, client=runner.client, ledger=runner.ledger, regions=E2E_REGIONS,
                      channels=("C0DIGEST1", too_long, "C0DIGEST2"), now=now, account="ANY")
    outcomes = {o.channel: o.status for o in run.outcomes}
    assert outcomes["C0DIGEST1"] == outcomes["C0DIGEST2"] == "posted"
    if database_url.startswith("postgresql"):
        assert outcomes[too_long] == "failed" and "ledger error" in run.outcomes[1].detail


def test_an_incomplete_day_is_held_back_and_retried_then_posted_complete(fakes: tuple[BackupEmulator, FakeSlack],
                                                                       dataset: list[DailyCount], database_url: str,
                                                                       today: date) -> None:
    emulator, slack = fakes
    runner = make_runner(emulator, slack, database_url, RESTORES_DIGEST_TIME="00:00", RESTORES_DIGEST_CHANNELS="C0DIGEST1")
    emulator.set_fault("eu-west-1", unavailable())
    at = datetime.combine(today, time(1, 0), UTC)  # the clock's tick, an hour after the digest time
    (held,) = runner.tick(at)
    assert [o.status for o in held.outcomes] == ["failed"]
    assert "incomplete (eu-west-1); held back for a retry" in held.outcomes[0].detail
    assert posts(slack) == []
    emulator.clear_faults()  # the region is back by the next retry
    assert runner.tick(at + timedelta(minutes=RETRY_MINUTES - 1)) == []  # too soon for a retry
    (retried,) = runner.tick(at + timedelta(minutes=RETRY_MINUTES))
    assert [o.status for o in retried.outcomes] == ["posted"]
    (post,) = posts(slack)
    assert "Incomplete" not in text_of(post)


def test_an_incomplete_day_is_posted_as_incomplete_on_the_last_try(fakes: tuple[BackupEmulator, FakeSlack],
                                                                   dataset: list[DailyCount], database_url: str,
                                                                   today: date) -> None:
    from bot.digest.run import MAX_CATCH_UP_RUNS

    emulator, slack = fakes
    runner = make_runner(emulator, slack, database_url, RESTORES_DIGEST_TIME="00:00", RESTORES_DIGEST_CHANNELS="C0DIGEST1")
    emulator.set_fault("eu-west-1", unavailable())
    ticks = [datetime.combine(today, time(1, 0), UTC) + timedelta(minutes=RETRY_MINUTES * n)
             for n in range(MAX_CATCH_UP_RUNS + 1)]
    for at in ticks[: MAX_CATCH_UP_RUNS - 1]:
        runner.tick(at)
    assert posts(slack) == []
    (last,) = runner.tick(ticks[MAX_CATCH_UP_RUNS - 1])
    assert [o.status for o in last.outcomes] == ["posted"]
    assert runner.tick(ticks[MAX_CATCH_UP_RUNS]) == []
    (post,) = posts(slack)
    text = text_of(post)
    assert "*Incomplete:* eu-west-1 did not answer" in text and "All clear" not in text and "% vs" not in text
    assert post.params["text"].startswith(f"Restore digest {last.day.isoformat()}: incomplete")


@pytest.mark.parametrize("drops", [1, 3])
def test_a_post_slack_took_before_the_connection_dropped_is_posted_once(fakes: tuple[BackupEmulator, FakeSlack],
                                                                        dataset: list[DailyCount], database_url: str,
                                                                        now: datetime, day: date, drops: int) -> None:
    """Slack accepts the digest and drops the connection before answering (`drops` times in a row): the client does
    not repeat the post, the claim is kept, and the run and the next one look in the channel before posting."""
    emulator, slack = fakes
    slack.drop_after_accepting("chat.postMessage", times=drops)
    runner = make_runner(emulator, slack, database_url)
    first = runner.run(now=now, channels=("C0DIGEST1",))
    assert len(posts(slack, "C0DIGEST1")) == 1, first.summary()
    age_claim(runner.ledger, "C0DIGEST1", day, timedelta(minutes=11))
    runner.run(now=now + timedelta(minutes=RETRY_MINUTES), channels=("C0DIGEST1",))
    assert len(posts(slack, "C0DIGEST1")) == 1
    assert runner.ledger is not None and runner.ledger.is_done("C0DIGEST1", day)


def test_an_answer_after_the_clients_timeout_is_not_posted_again(fakes: tuple[BackupEmulator, FakeSlack],
                                                                 dataset: list[DailyCount], database_url: str,
                                                                 now: datetime, day: date) -> None:
    emulator, slack = fakes
    runner = make_runner(emulator, slack, database_url)
    assert runner.client is not None
    runner.client.timeout = 1  # the bot's is 15 s; Slack answers after it either way
    slack.answer_late("chat.postMessage", seconds=2)
    runner.run(now=now, channels=("C0DIGEST1",))
    age_claim(runner.ledger, "C0DIGEST1", day, timedelta(minutes=11))
    runner.run(now=now + timedelta(minutes=RETRY_MINUTES), channels=("C0DIGEST1",))
    assert len(posts(slack, "C0DIGEST1")) == 1


def test_a_host_ahead_of_aws_across_midnight_posts_no_all_clear_for_a_day_aws_is_still_in(
        fakes: tuple[BackupEmulator, FakeSlack], database_url: str, today: date, day: date) -> None:
    """The clock host is 5 minutes ahead: at its 00:03 AWS's clock (its Date header) says 23:58 and AWS has no ONE_DAY
    bucket of the day yet. Nothing is posted and the day stays open; once AWS's day is over it is posted."""
    emulator, slack = fakes
    emulator.load(counts=[DailyCount("us-east-1", "111122223333", "COMPLETED", "EBS", day, 42),
                          DailyCount("us-east-1", "111122223333", "FAILED", "EBS", today, 5)])
    aws_now = datetime.combine(today, time(23, 58), UTC)
    emulator.set_now(aws_now)
    runner = make_runner(emulator, slack, database_url)
    host_now = aws_now + timedelta(minutes=5)
    run = runner.run(now=host_now, channels=("C0DIGEST1",))
    assert posts(slack) == [], run.summary()
    assert [o.status for o in run.outcomes] == ["failed"] and "not over by AWS's clock" in run.outcomes[0].detail
    assert runner.ledger is not None and not runner.ledger.is_done("C0DIGEST1", today)
    emulator.set_now(aws_now + timedelta(minutes=20))  # AWS's day is over, and summarised
    runner.run(now=host_now + timedelta(minutes=RETRY_MINUTES), channels=("C0DIGEST1",))
    (post,) = posts(slack)
    assert "All clear" not in text_of(post) and "5 restore jobs failed" in text_of(post)


def test_a_day_aws_has_not_summarised_is_never_all_clear(fakes: tuple[BackupEmulator, FakeSlack], database_url: str,
                                                         now: datetime, day: date) -> None:
    """Clocks agree, but AWS has no ONE_DAY bucket for the day (not summarised yet): held back for a retry, and the
    last try says so instead of "all clear"."""
    emulator, slack = fakes
    emulator.load(counts=[DailyCount("us-east-1", "111122223333", "COMPLETED", "EBS", day - timedelta(days=1), 42)])
    runner = make_runner(emulator, slack, database_url)
    held = runner.run(now=now, channels=("C0DIGEST1",), hold_incomplete=True)
    assert posts(slack) == [] and "AWS has not summarised" in held.outcomes[0].detail
    runner.run(now=now, channels=("C0DIGEST1",), hold_incomplete=False)
    (post,) = posts(slack)
    assert "All clear" not in text_of(post) and "AWS has not summarised" in text_of(post)
    assert "all clear" not in post.params["text"]
