"""Slash commands in process: signed requests to the bot's WSGI app, real boto3 to the AWS emulator, answers through
response_url to the fake Slack."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import pytest

from bot.domain import words
from tests.fakes.aws import BackupEmulator, access_denied, expected_sum, multi_page_counts, throttling, unavailable
from tests.fakes.slack import validate_blocks
from tests.support import (
    DATASET_TYPES,
    E2E_REGIONS,
    SUMMARIES,
    AppBot,
    blocks_text,
    load_dataset,
    totals_field,
)

pytestmark = pytest.mark.dates


def test_all_states_fourteen_days_per_state_totals(app_bot: AppBot, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    answer = app_bot.ask("14d account:ANY")
    start = today - timedelta(days=14)
    section = next(b for b in answer.body["blocks"] if b["type"] == "section" and b.get("fields"))
    fields = {f["text"].split("*")[1]: int(f["text"].split("\n")[1].replace(",", "")) for f in section["fields"]}
    for state in ("FAILED", "ABORTED", "COMPLETED"):
        assert fields[state.capitalize()] == expected_sum(counts, state=state, start=start, end=today)
    assert f"{expected_sum(counts, start=start, end=today):,} restore jobs" in answer.body["text"]


def test_own_account_by_default(app_bot: AppBot, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    answer = app_bot.ask("failed 14d")
    expected = expected_sum(counts, state="FAILED", account_id=emulator.caller_account,
                            start=today - timedelta(days=14), end=today)
    assert f"*{expected:,} failed restore jobs*" in totals_field(answer)
    assert all("AccountId" not in c.params for c in emulator.calls(SUMMARIES))
    # This bot has no identity reader: its own account is said to be unnamed, never as if an id were known.
    assert "the bot's own account (id not known)" in blocks_text(answer)


def test_daily_answer_has_a_per_day_series(app_bot: AppBot, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    answer = app_bot.ask("daily failed type:EBS region:eu-west-1 account:ANY")
    text = blocks_text(answer)
    assert "Per day" in text
    for days_ago in range(1, 15):  # one line per day of the 14, zeros included
        day = today - timedelta(days=days_ago)
        n = expected_sum(counts, state="FAILED", resource_type="EBS", region="eu-west-1", start=day, end=day + timedelta(days=1))
        assert f"`{words.day_text(day)}` {n:,}" in text
    assert {c.region for c in emulator.calls(SUMMARIES)} == {"eu-west-1"}


def test_one_day_is_the_last_full_utc_day_in_every_view(app_bot: AppBot, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    answer = app_bot.ask("1d failed account:ANY")
    day = today - timedelta(days=1)
    expected = expected_sum(counts, state="FAILED", start=day, end=today)
    assert expected > 0
    text = blocks_text(answer)
    assert f"*{expected:,} failed restore jobs* in 3 regions" in totals_field(answer)
    start, end = words.days_window(day)
    assert f"*Window:* {words.window_text(start, end)} (the last full UTC day AWS has counted)" in text
    # The per-type and per-account views hold that day alone too, not the 14 days.
    by_type = sum(int(n.replace(",", "")) for n in re.findall(r"\*[A-Za-z ]+\* — ([\d,]+)", text.split("By resource type")[1]
                                                             .split("By account")[0]))
    assert by_type == expected
    assert "today's jobs are not in AWS's daily counts yet" in text and "/restores jobs failed 1d account:ANY" in text
    assert "Per day" not in text


@pytest.mark.parametrize(
    ("text", "params", "regions"),
    [
        ("", {"State": "ANY", "AggregationPeriod": "SEVEN_DAYS", "ResourceType": "ANY"}, E2E_REGIONS),
        ("failed 7d", {"State": "FAILED", "AggregationPeriod": "SEVEN_DAYS"}, E2E_REGIONS),
        ("ABORTED 1d ebs", {"State": "ABORTED", "AggregationPeriod": "ONE_DAY", "ResourceType": "EBS"}, E2E_REGIONS),
        ("daily", {"AggregationPeriod": "ONE_DAY"}, E2E_REGIONS),
        ("state:aggregate_all period:FOURTEEN_DAYS type:dynamodb",
         {"State": "AGGREGATE_ALL", "AggregationPeriod": "FOURTEEN_DAYS", "ResourceType": "DynamoDB"}, E2E_REGIONS),
        ("completed 123456789012 eu-west-1", {"State": "COMPLETED", "AccountId": "123456789012"}, ("eu-west-1",)),
        ("account:AGGREGATE_ALL region:us-east-1,ap-southeast-2", {"AccountId": "AGGREGATE_ALL"},
         ("us-east-1", "ap-southeast-2")),
        ('type:"Storage Gateway" running', {"State": "RUNNING", "ResourceType": "ANY"}, E2E_REGIONS),
    ],
)
def test_grammar_forms_reach_aws_as_api_values(app_bot: AppBot, emulator: BackupEmulator, text: str,
                                               params: dict[str, str], regions: tuple[str, ...]) -> None:
    answer = app_bot.ask(text)
    assert not answer.rejected
    calls = emulator.calls(SUMMARIES)
    assert {c.region for c in calls} == set(regions)
    for call in calls:
        assert call.signed
        assert call.params["MaxResults"] == "500"
        for key, value in params.items():
            assert call.params[key] == value
    assert "*AWS counted 0 " in blocks_text(answer)


@pytest.mark.parametrize(
    ("text", "token", "suggestion"),
    [("faild 7d", "faild", "failed"), ("type:ebz", "type:ebz", "EBS"), ("eu-wset-1", "eu-wset-1", "eu-west-1"),
     ("account:12345", "account:12345", None), ("period:3d", "period:3d", None)],
)
def test_invalid_tokens_are_explained_and_never_reach_aws(app_bot: AppBot, emulator: BackupEmulator, text: str,
                                                          token: str, suggestion: str | None) -> None:
    answer = app_bot.ask(text)
    assert f"`{token}`" in answer.body["text"]
    assert "Accepted:" in answer.body["text"]
    if suggestion:
        assert f"Did you mean `{suggestion}`?" in answer.body["text"]
    assert answer.body["response_type"] == "ephemeral"
    assert emulator.calls() == []


def test_help(app_bot: AppBot, emulator: BackupEmulator) -> None:
    answer = app_bot.ask("help")
    assert "/restores failed 7d" in blocks_text(answer)
    assert emulator.calls() == []


def test_one_region_down_gives_a_partial_answer_naming_it(app_bot: AppBot, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    emulator.set_fault("eu-west-1", unavailable())
    answer = app_bot.ask("failed 7d account:ANY")
    text = blocks_text(answer)
    assert "eu-west-1" in text and "ServiceUnavailableException" in text
    expected = sum(expected_sum(counts, state="FAILED", region=r, start=today - timedelta(days=7), end=today)
                   for r in ("us-east-1", "ap-southeast-2"))
    assert f"*{expected:,} failed restore jobs* in 2 regions" in totals_field(answer)
    assert "regions not answering: eu-west-1" in answer.body["text"]
    # Standard retries: each of the failing region's chains was asked AWS_MAX_ATTEMPTS (2) times.
    asked = Counter(tuple(sorted(c.params.items())) for c in emulator.calls(SUMMARIES, region="eu-west-1"))
    assert asked and set(asked.values()) == {2}


def test_access_denied_names_the_iam_action(app_bot: AppBot, emulator: BackupEmulator, today: date) -> None:
    load_dataset(emulator, today)
    emulator.set_fault("ap-southeast-2", access_denied())
    text = blocks_text(app_bot.ask("failed"))
    assert "ap-southeast-2" in text and "backup:ListRestoreJobSummaries" in text


def test_throttling_once_is_retried_and_loses_nothing(app_bot: AppBot, emulator: BackupEmulator, today: date) -> None:
    counts = load_dataset(emulator, today)
    emulator.set_fault("us-east-1", throttling(times=1))
    answer = app_bot.ask("aborted 14d account:ANY")
    expected = expected_sum(counts, state="ABORTED", start=today - timedelta(days=14), end=today)
    assert f"*{expected:,} aborted restore jobs* in 3 regions" in totals_field(answer)
    assert "throttled" not in blocks_text(answer)


def test_every_region_down_is_not_an_empty_answer(app_bot: AppBot, emulator: BackupEmulator) -> None:
    for region in E2E_REGIONS:
        emulator.set_fault(region, access_denied())
    text = blocks_text(app_bot.ask("failed"))
    assert "*Couldn't read restore jobs*" in text
    assert "AWS counted 0" not in text and "no jobs in the window" not in text


def test_hundreds_of_rows_fit_slacks_limits(app_bot: AppBot, emulator: BackupEmulator, today: date) -> None:
    accounts = tuple(f"{100000000000 + i}" for i in range(15))
    counts = multi_page_counts(E2E_REGIONS, accounts, DATASET_TYPES, 14, today)
    emulator.load(counts=counts)
    emulator.page_size = 60  # ~2,000 rows per region: still several pages, within the bot's page cap
    try:
        answer = app_bot.ask("daily account:ANY")
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


def test_share_posts_in_channel(app_bot: AppBot, emulator: BackupEmulator, today: date) -> None:
    load_dataset(emulator, today)
    answer = app_bot.ask("failed share")
    assert answer.body["response_type"] == "in_channel"
