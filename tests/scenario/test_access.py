"""Allow-lists and per-channel account scoping in process, for commands, buttons and digests: enforced in one place,
whatever the way in."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from bot.answers.controls import ActionId, ActionValue
from bot.aws.client import BackupService
from bot.config import load_settings
from bot.domain.query import RestoreFilter
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator, expected_sum, multi_page_counts
from tests.fakes.slack import FakeSlack
from tests.support import BOT_TOKEN, CHANNEL_SCOPES, DATASET_ACCOUNTS, E2E_REGIONS, AppBot, actions_of, click

pytestmark = pytest.mark.dates

A, B, C = DATASET_ACCOUNTS


def test_allow_lists_refuse_politely_without_calling_aws(launch_app_bot: Callable[..., AppBot],
                                                         emulator: BackupEmulator, slack: FakeSlack) -> None:
    emulator.reset()
    restricted = launch_app_bot(RESTORES_ALLOWED_USERS="U0ALLOWED", RESTORES_ALLOWED_CHANNELS="C0OPS")
    refused = restricted.ask("failed", user_id="U0OTHER", channel_id="C0OPS")
    assert "not enabled for you" in refused.body["text"]
    refused = restricted.ask("failed", user_id="U0ALLOWED", channel_id="C0RANDOM")
    assert "not enabled for you" in refused.body["text"]
    assert emulator.calls() == []
    allowed = restricted.ask("failed", user_id="U0ALLOWED", channel_id="C0OPS")
    assert "restore" in allowed.body["text"]
    assert emulator.calls() != []


def test_clicks_recheck_the_allow_lists(launch_app_bot: Callable[..., AppBot], emulator: BackupEmulator,
                                        slack: FakeSlack) -> None:
    emulator.reset()
    restricted = launch_app_bot(RESTORES_ALLOWED_USERS="U0ALLOWED")
    value = ActionValue(RestoreFilter(state="FAILED", regions=("us-east-1",))).encode()
    _, (answer,) = click(restricted, slack, ActionId.PERIOD.with_suffix("1d"), value, user_id="U0INTRUDER")
    assert "not enabled for you" in answer.body["text"]
    assert emulator.calls() == []


@pytest.fixture
def scoped_bot(launch_app_bot: Callable[..., AppBot], fakes: tuple[BackupEmulator, FakeSlack], today: date) -> AppBot:
    emulator, _ = fakes
    emulator.load(counts=multi_page_counts(E2E_REGIONS, (A, B, C), ("EBS", "RDS"), 14, today))
    return launch_app_bot(RESTORES_CHANNEL_ACCOUNTS=CHANNEL_SCOPES)


def test_commands_only_ever_show_the_channels_accounts(scoped_bot: AppBot, emulator: BackupEmulator, today: date) -> None:
    counts = list(emulator.counts)
    answer = scoped_bot.ask("failed 7d account:ANY", channel_id="C0TEAMAB")
    text = json.dumps(answer.body["blocks"])
    expected = sum(expected_sum(counts, state="FAILED", account_id=a, start=today - timedelta(days=7), end=today)
                   for a in (A, B))
    assert f"*{expected:,} failed restore jobs*" in text
    assert C not in text.replace(f"{A}, {B}", "")  # the other account appears nowhere, not even in a button
    assert "this channel's scope" in text
    refused = scoped_bot.ask(f"failed account:{C}", channel_id="C0TEAMAB")
    assert f"account {C} is not one of them" in refused.body["text"]
    emulator.reset()
    default = scoped_bot.ask("failed 14d", channel_id="C0TEAMA")
    assert {c.params.get("AccountId") for c in emulator.calls("/audit/")} == {A}
    assert f"accounts {A} (this channel's scope)" in json.dumps(default.body["blocks"])
    unrestricted = scoped_bot.ask("failed 7d account:ANY", channel_id="C0PLATFORM")
    assert C in json.dumps(unrestricted.body["blocks"])


def test_buttons_are_rescoped_for_the_channel_they_are_clicked_in(scoped_bot: AppBot, emulator: BackupEmulator,
                                                                  slack: FakeSlack) -> None:
    answer = scoped_bot.ask("failed 7d account:ANY", channel_id="C0PLATFORM")
    option = next(v for k, v in actions_of(answer).items() if k.startswith(f"option:{C}"))
    emulator.reset()
    # The same button clicked where account C is out of scope (e.g. a shared message, or a forged payload).
    _, (refused,) = click(scoped_bot, slack, ActionId.JOBS_ROW.value, option["value"], select=True, channel_id="C0TEAMA")
    assert "is not one of them" in refused.body["text"]
    assert emulator.calls() == []
    value = ActionValue(RestoreFilter(state="FAILED", account="AGGREGATE_ALL", regions=("us-east-1",))).encode()
    _, (summed,) = click(scoped_bot, slack, ActionId.PERIOD.with_suffix("7d"), value, channel_id="C0TEAMAB")
    assert "sum over every account is not available" in summed.body["text"]


def test_digests_are_scoped_per_channel_from_one_aws_query(fakes: tuple[BackupEmulator, FakeSlack], tmp_path: Path,
                                                           now: datetime, today: date, day: date) -> None:
    emulator, slack = fakes
    counts = multi_page_counts(E2E_REGIONS, (A, B, C), ("EBS", "RDS"), 14, today)
    emulator.load(counts=counts)
    env = {"RESTORES_REGIONS": ",".join(E2E_REGIONS), "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url,
           "RESTORES_DIGEST_CHANNELS": "C0TEAMA,C0TEAMAB,C0PLATFORM", "RESTORES_DIGEST_ACCOUNT": "ANY",
           "RESTORES_CHANNEL_ACCOUNTS": CHANNEL_SCOPES, "DATABASE_URL": f"sqlite:///{tmp_path / 'scoped.sqlite3'}"}
    cfg = load_settings(env, "digest")
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"),
                           endpoint_url=emulator.url)
    Wiring(cfg, backup=backup).digest().run(now=now)
    posted = {c.params["channel"]: c for c in slack.calls_to("chat.postMessage") if c.ok}

    def bad(accounts: tuple[str, ...]) -> int:
        return sum(expected_sum(counts, state=s, account_id=a, start=day, end=today)
                   for s in ("FAILED", "ABORTED") for a in accounts)

    for channel, accounts in (("C0TEAMA", (A,)), ("C0TEAMAB", (A, B)), ("C0PLATFORM", (A, B, C))):
        text = json.dumps(posted[channel].params["blocks"], ensure_ascii=False)
        assert f"*{bad(accounts):,} restore jobs failed or were aborted*" in text
        hidden = {A, B, C} - set(accounts)
        assert not any(h in text for h in hidden)
    # One query for all three channels: in each region, each planned chain once (every state per account and
    # day; FAILED and ABORTED per account, type and day), each followed over all its pages.
    recent = [c for c in counts if c.region == "us-east-1" and c.count and c.day >= today - timedelta(days=14)]
    rows = [len({(c.account_id, c.state, c.day) for c in recent})]
    rows += [len({(c.account_id, c.resource_type, c.day) for c in recent if c.state == s}) for s in ("FAILED", "ABORTED")]
    calls = emulator.calls("/audit/", region="us-east-1")
    assert len([c for c in calls if "NextToken" not in c.params]) == 3
    assert len(calls) == sum(max(1, -(-n // emulator.page_size)) for n in rows)
