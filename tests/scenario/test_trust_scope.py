"""Fail closed: account scoping never leaks into unlisted conversations, and a scoped digest never says "all clear"
about accounts it did not ask AWS for. In process: the real service and digest runner, boto3 to the emulator,
slack_sdk to the fake Slack."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import boto3
import pytest

from bot.aws.client import BackupService
from bot.aws.identity import IdentityReader
from bot.config import ConfigError, load_settings
from bot.domain.access import AccessPolicy
from bot.sample.records import DailyCount
from bot.wiring import Wiring

pytestmark = pytest.mark.dates

OWN, TEAM_A, TEAM_B = "111122223333", "444455556666", "777788889999"
REGIONS = ("us-east-1", "eu-west-1")


def backup_for(emulator) -> BackupService:  # type: ignore[no-untyped-def]
    """As the bot builds it: with who it is to AWS (the emulator answers sts:GetCallerIdentity: OWN)."""
    def session() -> boto3.session.Session:
        return boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t")

    return BackupService(session, endpoint_url=emulator.url, identity=IdentityReader(session, endpoint_url=emulator.url))


def test_unlisted_conversations_are_refused_once_any_scope_exists(fakes, today: date) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = fakes
    emulator.load(counts=[DailyCount("us-east-1", TEAM_B, "FAILED", "EBS", today.replace(day=1) if today.day > 1 else today, 5)])
    settings = load_settings({"RESTORES_REGIONS": ",".join(REGIONS), "RESTORES_CHANNEL_ACCOUNTS": f"C0TEAMA={TEAM_A}"})
    service = Wiring(settings, backup=backup_for(emulator)).answers
    for conversation in ("D0DIRECT1", "C0NEWCHAN", "G0PRIVATE"):
        answer = service.answer("failed account:ANY", user_id="U0MEMBER", channel_id=conversation)
        assert "no AWS accounts to show in this conversation" in answer.text
        assert TEAM_B not in json.dumps(answer.block_dicts())
    assert emulator.calls() == []  # refused before any AWS call
    # The listed channel still works.
    assert "restore jobs" in json.dumps(service.answer("failed account:ANY", user_id="U0MEMBER", channel_id="C0TEAMA").block_dicts())


def test_a_star_entry_is_the_default_scope() -> None:
    scoped = AccessPolicy(load_settings({"RESTORES_REGIONS": "us-east-1",
                                         "RESTORES_CHANNEL_ACCOUNTS": f"C0TEAMA={TEAM_A};*={OWN}"}))
    assert scoped.check(user_id="U1", channel_id="D0DIRECT1").accounts == frozenset({OWN})
    assert scoped.check(user_id="U1", channel_id="C0TEAMA").accounts == frozenset({TEAM_A})
    open_default = AccessPolicy(load_settings({"RESTORES_REGIONS": "us-east-1",
                                               "RESTORES_CHANNEL_ACCOUNTS": f"C0TEAMA={TEAM_A};*=ANY"}))
    access = open_default.check(user_id="U1", channel_id="D0DIRECT1")
    assert access.allowed and access.accounts is None
    unscoped = AccessPolicy(load_settings({"RESTORES_REGIONS": "us-east-1"}))
    assert unscoped.check(user_id="U1", channel_id="D0DIRECT1").allowed  # no scoping configured: as before


def test_a_digest_channel_without_scope_is_refused_at_start_up() -> None:
    env = {"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": "xoxb-any", "RESTORES_DIGEST_CHANNELS": "C0TEAMA,C0OTHER",
           "RESTORES_CHANNEL_ACCOUNTS": f"C0TEAMA={TEAM_A}"}
    with pytest.raises(ConfigError, match="C0OTHER not in RESTORES_CHANNEL_ACCOUNTS"):
        load_settings(env, "digest")
    load_settings(dict(env, RESTORES_CHANNEL_ACCOUNTS=f"C0TEAMA={TEAM_A};*={OWN}"), "digest")


def test_a_scoped_digest_asks_for_its_accounts_and_never_says_all_clear_about_others(
        fakes, tmp_path: Path, now: datetime, day: date) -> None:  # type: ignore[no-untyped-def]
    emulator, slack = fakes
    # The bot runs in OWN (all clear there); TEAM_A had 140 failures yesterday. RESTORES_DIGEST_ACCOUNT is unset.
    emulator.load(counts=[DailyCount("us-east-1", OWN, "COMPLETED", "EBS", day, 12),
                          DailyCount("us-east-1", TEAM_A, "FAILED", "RDS", day, 100),
                          DailyCount("eu-west-1", TEAM_A, "FAILED", "EBS", day, 40),
                          DailyCount("eu-west-1", TEAM_B, "FAILED", "EBS", day, 9)])
    env = {"RESTORES_REGIONS": ",".join(REGIONS), "SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url,
           "RESTORES_DIGEST_CHANNELS": "C0TEAMA,C0OWN", "RESTORES_CHANNEL_ACCOUNTS": f"C0TEAMA={TEAM_A};C0OWN={OWN}",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}"}
    settings = load_settings(env, "digest")
    runner = Wiring(settings, backup=backup_for(emulator)).digest()
    run = runner.run(now=now)
    assert run.ok
    posted = {c.params["channel"]: c.params for c in slack.calls_to("chat.postMessage") if c.ok}
    team_a = json.dumps(posted["C0TEAMA"]["blocks"], ensure_ascii=False)
    assert "*140 restore jobs failed or were aborted*" in team_a and "All clear" not in team_a
    assert TEAM_B not in team_a and OWN not in team_a
    own = json.dumps(posted["C0OWN"]["blocks"], ensure_ascii=False)
    assert "All clear" in own and "12 completed" in own
    assert {c.params.get("AccountId") for c in emulator.calls("/audit/")} == {"ANY"}


def test_a_digest_account_outside_a_channels_scope_does_not_make_it_all_clear(
        fakes, tmp_path: Path, now: datetime, day: date) -> None:  # type: ignore[no-untyped-def]
    emulator, slack = fakes
    # RESTORES_DIGEST_ACCOUNT names OWN (all clear); C0TEAMA is scoped to TEAM_A, which had 100 failures yesterday.
    emulator.load(counts=[DailyCount("us-east-1", OWN, "COMPLETED", "EBS", day, 12),
                          DailyCount("us-east-1", TEAM_A, "FAILED", "RDS", day, 100)])
    env = {"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url,
           "RESTORES_DIGEST_CHANNELS": "C0TEAMA,C0OWN", "RESTORES_CHANNEL_ACCOUNTS": f"C0TEAMA={TEAM_A};C0OWN={OWN}",
           "RESTORES_DIGEST_ACCOUNT": OWN, "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}"}
    settings = load_settings(env, "digest")
    runner = Wiring(settings, backup=backup_for(emulator)).digest()
    assert runner.run(now=now).ok
    posted = {c.params["channel"]: c.params for c in slack.calls_to("chat.postMessage") if c.ok}
    team_a = posted["C0TEAMA"]["text"] + json.dumps(posted["C0TEAMA"]["blocks"], ensure_ascii=False)
    assert "all clear" not in team_a.lower() and "*100 restore jobs failed or were aborted*" in team_a
    own = posted["C0OWN"]["text"] + json.dumps(posted["C0OWN"]["blocks"], ensure_ascii=False)
    assert "All clear" in own and "12 completed" in own and TEAM_A not in own
    # C0OWN's scope is the configured account: asked for directly; C0TEAMA's is not: every account, cut to TEAM_A.
    assert {c.params.get("AccountId") for c in emulator.calls("/audit/")} == {OWN, "ANY"}


def test_check_names_conversations_left_without_a_scope() -> None:
    from bot.check import CheckReport, check_scoping

    report = CheckReport()
    check_scoping(AccessPolicy(load_settings({"RESTORES_REGIONS": "us-east-1", "RESTORES_CHANNEL_ACCOUNTS": f"C0TEAMA={TEAM_A}",
                                              "RESTORES_ALLOWED_CHANNELS": "C0TEAMA,C0TEAMB"})), report)
    assert report.problems == ["channels allowed or digested but without an account scope: C0TEAMB"]
    assert "unlisted conversations (DMs, new channels) are refused" in report.render()


def test_a_button_naming_a_region_of_another_partition_is_out_of_scope() -> None:
    from bot.domain.access import Access, OutOfScope
    from bot.domain.query import RestoreFilter

    policy = AccessPolicy(load_settings({"RESTORES_REGIONS": "us-east-1,eu-west-1"}))
    with pytest.raises(OutOfScope, match="outside the AWS partition"):
        policy.scope(RestoreFilter(regions=("us-east-1", "cn-northwest-1")), Access(allowed=True))
    assert policy.scope(RestoreFilter(regions=("ap-southeast-2",)), Access(allowed=True)).regions == ("ap-southeast-2",)
