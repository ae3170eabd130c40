"""Allow-lists and per-channel account scoping, enforced in one place, for commands, buttons and digests."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from bot.access import Access, AccessPolicy, OutOfScope
from bot.app import create_web_client
from bot.aws.client import BackupService
from bot.config import ConfigError, load_settings
from bot.controls import ActionId, ActionValue
from bot.digest.ledger import Ledger
from bot.digest.run import DigestRunner
from bot.query import ANY, RestoreFilter
from bot.sample.emulator import BackupEmulator
from tests.conftest import E2E_REGIONS
from tests.fakes.aws import expected_sum, multi_page_counts
from tests.fakes.slack import FakeSlack
from tests.harness import BOT_TOKEN, BotProcess
from tests.test_e2e_actions import actions_of, click

pytestmark = pytest.mark.dates

A, B, C = "111122223333", "444455556666", "777788889999"
SCOPES = f"C0TEAMA={A};C0TEAMAB={A},{B};C0PLATFORM=ANY"


def settings(**env: str):  # type: ignore[no-untyped-def]
    return load_settings(dict({"RESTORES_REGIONS": "us-east-1", "RESTORES_CHANNEL_ACCOUNTS": SCOPES}, **env), "local")


def test_channel_accounts_parse_and_validate() -> None:
    parsed = settings().channel_accounts
    assert parsed == {"C0TEAMA": frozenset({A}), "C0TEAMAB": frozenset({A, B}), "C0PLATFORM": None}
    for bad, message in [("C0X=12345", "12-digit"), ("general=111122223333", "CHANNEL=ACCOUNTS"),
                         ("C0X", "CHANNEL=ACCOUNTS"), (f"C0X={A};C0X={B}", "listed twice")]:
        with pytest.raises(ConfigError, match=message):
            settings(RESTORES_CHANNEL_ACCOUNTS=bad)


def test_scope_rules() -> None:
    policy = AccessPolicy(settings())
    one, two, free = (policy.check(user_id="U1", channel_id=c) for c in ("C0TEAMA", "C0TEAMAB", "C0OTHER"))
    base = RestoreFilter(regions=("us-east-1",))
    assert policy.scope(base, one).account == A  # one account: asked for directly
    scoped = policy.scope(base, two)
    assert scoped.account == ANY and scoped.visible_accounts == {A, B}
    assert policy.scope(RestoreFilter(account=B, regions=("us-east-1",)), two).account == B
    with pytest.raises(OutOfScope, match=f"account {C} is not one of them"):
        policy.scope(RestoreFilter(account=C, regions=("us-east-1",)), two)
    with pytest.raises(OutOfScope, match="sum over every account"):
        policy.scope(RestoreFilter(account="AGGREGATE_ALL", regions=("us-east-1",)), one)
    assert policy.scope(RestoreFilter(account="AGGREGATE_ALL", regions=("us-east-1",)), free).visible_accounts is None
    assert policy.check(user_id="U1", channel_id="C0PLATFORM") == Access(allowed=True, accounts=None)


@pytest.fixture
def scoped_bot(launch_bot: Callable[..., BotProcess], fakes: tuple[BackupEmulator, FakeSlack], today: date) -> BotProcess:
    emulator, _ = fakes
    emulator.load(counts=multi_page_counts(E2E_REGIONS, (A, B, C), ("EBS", "RDS"), 14, today))
    return launch_bot(RESTORES_CHANNEL_ACCOUNTS=SCOPES)


def test_commands_only_ever_show_the_channels_accounts(scoped_bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    counts = list(emulator.counts)
    answer = scoped_bot.ask("failed 7d account:ANY", channel_id="C0TEAMAB")
    text = json.dumps(answer.body["blocks"])
    expected = sum(expected_sum(counts, state="FAILED", account_id=a, start=today - timedelta(days=7), end=today)
                   for a in (A, B))
    assert f"*{expected:,} restore jobs*" in text
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


def test_buttons_are_rescoped_for_the_channel_they_are_clicked_in(scoped_bot: BotProcess, emulator: BackupEmulator,
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
           "RESTORES_CHANNEL_ACCOUNTS": SCOPES, "DATABASE_URL": f"sqlite:///{tmp_path / 'scoped.sqlite3'}"}
    cfg = load_settings(env, "digest")
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"),
                           endpoint_url=emulator.url)
    DigestRunner(cfg, backup, create_web_client(cfg), Ledger.from_url(cfg.database_url)).run(now=now)
    posted = {c.params["channel"]: c for c in slack.calls_to("chat.postMessage") if c.ok}

    def bad(accounts: tuple[str, ...]) -> int:
        return sum(expected_sum(counts, state=s, account_id=a, start=day, end=today)
                   for s in ("FAILED", "ABORTED") for a in accounts)

    for channel, accounts in (("C0TEAMA", (A,)), ("C0TEAMAB", (A, B)), ("C0PLATFORM", (A, B, C))):
        text = json.dumps(posted[channel].params["blocks"], ensure_ascii=False)
        assert f"*{bad(accounts):,} restore jobs failed or were aborted*" in text
        hidden = {A, B, C} - set(accounts)
        assert not any(h in text for h in hidden)
    # One page chain per region for all three channels.
    per_region = {r: len(emulator.calls("/audit/", region=r)) for r in E2E_REGIONS}
    rows_per_region = len({(c.account_id, c.state, c.resource_type, c.day) for c in counts
                           if c.region == "us-east-1" and c.count and c.day >= today - timedelta(days=14)})
    assert per_region["us-east-1"] == -(-rows_per_region // emulator.page_size)
