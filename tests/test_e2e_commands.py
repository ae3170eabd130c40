"""End to end: signed slash commands over HTTP to `python -m bot serve`, real boto3 to the AWS emulator,
answers through response_url to the fake Slack."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from bot.sample.emulator import BackupEmulator, DailyCount, access_denied, throttling, unavailable
from tests.conftest import E2E_REGIONS
from tests.fakes.aws import expected_sum, multi_page_counts
from tests.fakes.signing import command_body, post_signed
from tests.fakes.slack import FakeSlack, validate_blocks
from tests.harness import BOT_TOKEN, SIGNING_SECRET, BotProcess

pytestmark = [pytest.mark.e2e, pytest.mark.dates]

ACCOUNTS = ("111122223333", "444455556666", "777788889999")
TYPES = ("EBS", "RDS", "DynamoDB", "EFS")
SUMMARIES = "/audit/restore-job-summaries"


def blocks_text(answer: Any) -> str:
    return json.dumps(answer.body.get("blocks", []), ensure_ascii=False)


def totals_field(answer: Any) -> str:
    section = next(b for b in answer.body["blocks"] if b["type"] == "section" and b.get("fields"))
    return str(section["text"]["text"])


def load_dataset(emulator: BackupEmulator, today: date) -> list[DailyCount]:
    counts = multi_page_counts(E2E_REGIONS, ACCOUNTS, TYPES, 14, today)
    emulator.load(counts=counts)
    return counts


def test_healthz(bot: BotProcess) -> None:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        assert response.status == 200 and response.read() == b"ok\n"


def test_numbers_are_exact_sums_over_every_page_and_region(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    answer = bot.ask("failed 7d account:ANY")
    expected = expected_sum(counts, state="FAILED", start=today - timedelta(days=7), end=today)
    assert expected > 0
    assert f"*{expected:,} restore jobs* in 3 regions" in totals_field(answer)
    text = blocks_text(answer)
    for region in E2E_REGIONS:
        for account in ACCOUNTS:
            n = expected_sum(counts, state="FAILED", region=region, account_id=account,
                             start=today - timedelta(days=7), end=today)
            assert f"*{account} · {region}* — {n:,}" in text
    for rtype in TYPES:
        n = expected_sum(counts, state="FAILED", resource_type=rtype, start=today - timedelta(days=7), end=today)
        assert f"*{rtype}* — {n:,}" in text
    # Several pages per region were needed and read.
    calls = emulator.calls(SUMMARIES)
    assert {c.region for c in calls} == set(E2E_REGIONS)
    assert all(len(emulator.calls(SUMMARIES, region=r)) >= 3 for r in E2E_REGIONS)
    assert answer.body["response_type"] == "ephemeral"
    assert not answer.rejected


def test_all_states_fourteen_days_per_state_totals(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    answer = bot.ask("14d account:ANY")
    start = today - timedelta(days=14)
    section = next(b for b in answer.body["blocks"] if b["type"] == "section" and b.get("fields"))
    fields = {f["text"].split("*")[1]: int(f["text"].split("\n")[1].replace(",", "")) for f in section["fields"]}
    for state in ("FAILED", "ABORTED", "COMPLETED"):
        assert fields[state] == expected_sum(counts, state=state, start=start, end=today)
    assert f"{expected_sum(counts, start=start, end=today):,} jobs" in answer.body["text"]


def test_own_account_by_default(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    answer = bot.ask("failed 14d")
    expected = expected_sum(counts, state="FAILED", account_id=emulator.caller_account,
                            start=today - timedelta(days=14), end=today)
    assert f"*{expected:,} restore jobs*" in totals_field(answer)
    assert all("AccountId" not in c.params for c in emulator.calls(SUMMARIES))


def test_one_day_answer_has_a_per_day_series(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    answer = bot.ask("1d failed type:EBS region:eu-west-1 account:ANY")
    text = blocks_text(answer)
    assert "Per day" in text
    for days_ago in (1, 14):
        day = today - timedelta(days=days_ago)
        n = expected_sum(counts, state="FAILED", resource_type="EBS", region="eu-west-1", start=day, end=day + timedelta(days=1))
        assert f"`{day:%a %d %b}` {n:,}" in text
    assert {c.region for c in emulator.calls(SUMMARIES)} == {"eu-west-1"}


@pytest.mark.parametrize(
    ("text", "params", "regions"),
    [
        ("", {"State": "ANY", "AggregationPeriod": "SEVEN_DAYS", "ResourceType": "ANY"}, E2E_REGIONS),
        ("failed 7d", {"State": "FAILED", "AggregationPeriod": "SEVEN_DAYS"}, E2E_REGIONS),
        ("ABORTED 1d ebs", {"State": "ABORTED", "AggregationPeriod": "ONE_DAY", "ResourceType": "EBS"}, E2E_REGIONS),
        ("state:aggregate_all period:FOURTEEN_DAYS type:dynamodb",
         {"State": "AGGREGATE_ALL", "AggregationPeriod": "FOURTEEN_DAYS", "ResourceType": "DynamoDB"}, E2E_REGIONS),
        ("completed 123456789012 eu-west-1", {"State": "COMPLETED", "AccountId": "123456789012"}, ("eu-west-1",)),
        ("account:AGGREGATE_ALL region:us-east-1,ap-southeast-2", {"AccountId": "AGGREGATE_ALL"},
         ("us-east-1", "ap-southeast-2")),
        ('type:"Storage Gateway" running', {"State": "RUNNING", "ResourceType": "ANY"}, E2E_REGIONS),
    ],
)
def test_grammar_forms_reach_aws_as_api_values(bot: BotProcess, emulator: BackupEmulator, text: str,
                                               params: dict[str, str], regions: tuple[str, ...]) -> None:
    answer = bot.ask(text)
    assert not answer.rejected
    calls = emulator.calls(SUMMARIES)
    assert {c.region for c in calls} == set(regions)
    for call in calls:
        assert call.signed
        assert call.params["MaxResults"] == "500"
        for key, value in params.items():
            assert call.params[key] == value
    assert "No restore jobs" in blocks_text(answer)


@pytest.mark.parametrize(
    ("text", "token", "suggestion"),
    [("faild 7d", "faild", "failed"), ("type:ebz", "type:ebz", "EBS"), ("eu-wset-1", "eu-wset-1", "eu-west-1"),
     ("account:12345", "account:12345", None), ("period:3d", "period:3d", None)],
)
def test_invalid_tokens_are_explained_and_never_reach_aws(bot: BotProcess, emulator: BackupEmulator, text: str,
                                                          token: str, suggestion: str | None) -> None:
    answer = bot.ask(text)
    assert f"`{token}`" in answer.body["text"]
    assert "Accepted:" in answer.body["text"]
    if suggestion:
        assert f"Did you mean `{suggestion}`?" in answer.body["text"]
    assert answer.body["response_type"] == "ephemeral"
    assert emulator.calls() == []


def test_help(bot: BotProcess, emulator: BackupEmulator) -> None:
    answer = bot.ask("help")
    assert "/restores failed 7d" in blocks_text(answer)
    assert emulator.calls() == []


def test_one_region_down_gives_a_partial_answer_naming_it(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    emulator.set_fault("eu-west-1", unavailable())
    answer = bot.ask("failed 7d account:ANY")
    text = blocks_text(answer)
    assert "eu-west-1" in text and "ServiceUnavailableException" in text
    expected = sum(expected_sum(counts, state="FAILED", region=r, start=today - timedelta(days=7), end=today)
                   for r in ("us-east-1", "ap-southeast-2"))
    assert f"*{expected:,} restore jobs* in 2 regions" in totals_field(answer)
    assert "regions not answering: eu-west-1" in answer.body["text"]
    # Standard retries: the failing region was asked AWS_MAX_ATTEMPTS (2) times.
    assert len(emulator.calls(SUMMARIES, region="eu-west-1")) == 2


def test_access_denied_names_the_iam_action(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    load_dataset(emulator, today)
    emulator.set_fault("ap-southeast-2", access_denied())
    text = blocks_text(bot.ask("failed"))
    assert "ap-southeast-2" in text and "backup:ListRestoreJobSummaries" in text


def test_throttling_once_is_retried_and_loses_nothing(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    emulator.set_fault("us-east-1", throttling(times=1))
    answer = bot.ask("aborted 14d account:ANY")
    expected = expected_sum(counts, state="ABORTED", start=today - timedelta(days=14), end=today)
    assert f"*{expected:,} restore jobs* in 3 regions" in totals_field(answer)
    assert "throttled" not in blocks_text(answer)


def test_every_region_down_is_not_an_empty_answer(bot: BotProcess, emulator: BackupEmulator) -> None:
    for region in E2E_REGIONS:
        emulator.set_fault(region, access_denied())
    text = blocks_text(bot.ask("failed"))
    assert "No region could be queried" in text
    assert "No restore jobs" not in text


def test_hundreds_of_rows_fit_slacks_limits(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    accounts = tuple(f"{100000000000 + i}" for i in range(15))
    counts = multi_page_counts(E2E_REGIONS, accounts, TYPES, 14, today)
    emulator.load(counts=counts)
    emulator.page_size = 60  # ~2,000 rows per region: still several pages, within the bot's page cap
    try:
        answer = bot.ask("1d account:ANY")
    finally:
        emulator.page_size = 4
    assert not answer.rejected, answer.error
    assert "too many pages" not in blocks_text(answer)
    assert validate_blocks(answer.body["blocks"]) == []
    assert len(answer.body["blocks"]) <= 50
    text = blocks_text(answer)
    assert "more_" in text
    expected = expected_sum(counts, start=today - timedelta(days=14), end=today)
    assert f"*{expected:,} restore jobs*" in totals_field(answer)


def test_share_posts_in_channel(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    load_dataset(emulator, today)
    answer = bot.ask("failed share")
    assert answer.body["response_type"] == "in_channel"


def _no_effect(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack, key: str) -> None:
    time.sleep(0.5)
    assert emulator.calls() == []
    assert slack.responses_for(key) == []


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda body, ts: {"X-Slack-Signature": "v0=" + "0" * 64}, id="forged"),
        pytest.param(lambda body, ts: {"X-Slack-Signature": None}, id="missing-signature"),
        pytest.param(lambda body, ts: {"X-Slack-Request-Timestamp": None}, id="missing-timestamp"),
    ],
)
def test_bad_signatures_get_401_and_nothing_happens(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack,
                                                    tamper: Callable[[bytes, int], dict[str, str | None]]) -> None:
    body = command_body("failed", response_url=slack.response_url("forged"))
    status, _, _ = post_signed(bot.events_url, SIGNING_SECRET, body, headers_override=tamper(body, int(time.time())))
    assert status == 401
    _no_effect(bot, emulator, slack, "forged")


def test_wrong_secret_and_stale_requests_get_401(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack) -> None:
    body = command_body("failed", response_url=slack.response_url("stale"))
    status, _, _ = post_signed(bot.events_url, SIGNING_SECRET, body, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    status, _, _ = post_signed(bot.events_url, "not-the-secret", body)
    assert status == 401
    _no_effect(bot, emulator, slack, "stale")


def test_allow_lists_refuse_politely_without_calling_aws(launch_bot: Callable[..., BotProcess],
                                                         emulator: BackupEmulator, slack: FakeSlack) -> None:
    emulator.reset()
    restricted = launch_bot(RESTORES_ALLOWED_USERS="U0ALLOWED", RESTORES_ALLOWED_CHANNELS="C0OPS")
    refused = restricted.ask("failed", user_id="U0OTHER", channel_id="C0OPS")
    assert "not enabled for you" in refused.body["text"]
    refused = restricted.ask("failed", user_id="U0ALLOWED", channel_id="C0RANDOM")
    assert "not enabled for you" in refused.body["text"]
    assert emulator.calls() == []
    allowed = restricted.ask("failed", user_id="U0ALLOWED", channel_id="C0OPS")
    assert "restore" in allowed.body["text"]
    assert emulator.calls() != []


def test_forty_concurrent_commands_are_all_acked_and_answered(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    from concurrent.futures import ThreadPoolExecutor

    counts = load_dataset(emulator, today)
    expected = expected_sum(counts, state="FAILED", start=today - timedelta(days=7), end=today)

    def one(i: int) -> tuple[int, str, float]:
        started = time.perf_counter()
        status, key = bot.post_command("failed 7d account:ANY", key=f"burst-{i}")
        return status, key, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(one, range(40)))
    assert [status for status, _, _ in results] == [200] * 40
    for _, key, _ in results:
        (answer,) = bot.slack.wait_for_responses(1, key=key, timeout=30)
        assert f"*{expected:,} restore jobs*" in totals_field(answer)
    acks = sorted(elapsed for _, _, elapsed in results)
    print(f"ack latency over 40 concurrent commands: p50={acks[19]*1000:.0f} ms max={acks[-1]*1000:.0f} ms")


def test_secrets_never_reach_the_logs(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    load_dataset(emulator, today)
    emulator.set_fault("eu-west-1", access_denied())
    bot.ask("failed")
    bot.ask("faild")
    log = bot.log_text()
    assert log  # the bot does log (at DEBUG here)
    for secret in (SIGNING_SECRET, BOT_TOKEN, "e2e-aws-secret-key-do-not-log"):
        assert secret not in log


def test_identical_queries_within_the_ttl_make_no_aws_call(launch_bot: Callable[..., BotProcess],
                                                           fakes: tuple[BackupEmulator, FakeSlack], today: date) -> None:
    emulator, _ = fakes
    counts = load_dataset(emulator, today)
    cached = launch_bot(RESTORES_CACHE_TTL="300")
    first = cached.ask("failed 7d account:ANY")
    calls = len(emulator.calls(SUMMARIES))
    assert calls >= 3 * len(E2E_REGIONS)
    second = cached.ask("FAILED 7D account:any")  # the same query, typed differently
    assert len(emulator.calls(SUMMARIES)) == calls
    assert totals_field(second) == totals_field(first)
    expected = expected_sum(counts, state="FAILED", start=today - timedelta(days=7), end=today)
    assert f"*{expected:,} restore jobs*" in totals_field(second)
    cached.ask("aborted 7d account:ANY")  # a different query goes to AWS
    assert len(emulator.calls(SUMMARIES)) > calls


def test_a_failed_region_is_not_cached(launch_bot: Callable[..., BotProcess],
                                       fakes: tuple[BackupEmulator, FakeSlack], today: date) -> None:
    emulator, _ = fakes
    load_dataset(emulator, today)
    cached = launch_bot(RESTORES_CACHE_TTL="300")
    emulator.set_fault("eu-west-1", access_denied())
    assert "eu-west-1" in blocks_text(cached.ask("completed 14d"))
    emulator.clear_faults()
    before = {r: len(emulator.calls(SUMMARIES, region=r)) for r in E2E_REGIONS}
    answer = cached.ask("completed 14d")
    assert "access denied" not in blocks_text(answer)
    after = {r: len(emulator.calls(SUMMARIES, region=r)) for r in E2E_REGIONS}
    assert after["eu-west-1"] > before["eu-west-1"]  # asked again
    assert after["us-east-1"] == before["us-east-1"]  # answered from the cache
