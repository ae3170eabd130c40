"""`/restores coverage` and `/restores resource` over three accounts (the bot's own, two read through the role it
assumes with real boto3 to the STS fake) and three regions, every operation answering in several pages: each figure
equals an oracle computed from the raw records; a scoped channel neither names nor counts another account's
resources; an ARN of another partition is refused before any AWS request."""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import quote

import boto3
import pytest

from bot.answers.service import RestoresService
from bot.aws.client import BackupService
from bot.aws.identity import IdentityReader
from bot.config import load_settings
from bot.recoverability.controls import HistoryValue
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator
from tests.fakes.resources import Estate, coverage_oracle, estate, latest_finished
from tests.fakes.slack import FakeSlack
from tests.fakes.sts import READER_ROLE, FakeSts
from tests.support import E2E_REGIONS, AppBot, actions_of, click

pytestmark = pytest.mark.dates

OWN, MEMBER, OTHER = "111122223333", "444455556666", "777788889999"
PER_PAIR = 10  # resources an account and region: 3 pages of ListProtectedResources at 4 a page


def service_for(emulator: BackupEmulator, sts: FakeSts, monkeypatch: pytest.MonkeyPatch, **env: str) -> RestoresService:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)

    def session() -> boto3.session.Session:
        return boto3.session.Session(aws_access_key_id="AKIDBOT", aws_secret_access_key="t", region_name="us-east-1")

    settings = load_settings({"RESTORES_REGIONS": ",".join(E2E_REGIONS), "AWS_MAX_ATTEMPTS": "1",
                              "RESTORES_TESTING_ACCOUNTS": f"{MEMBER},{OTHER}", "RESTORES_TESTING_ROLE": READER_ROLE,
                              **env})
    backup = BackupService(session, endpoint_url=emulator.url, deadline_seconds=20,
                           identity=IdentityReader(session, endpoint_url=emulator.url))
    return Wiring(settings, backup=backup).answers


def load(emulator: BackupEmulator, now: datetime, accounts: tuple[str, ...] = (OWN, MEMBER, OTHER)) -> Estate:
    data = estate(now, accounts, E2E_REGIONS, PER_PAIR, jobs_per_story=3)
    emulator.load(jobs=data.jobs)
    emulator.api.load_resources(data.resources)
    return data


def text_of(message) -> str:  # type: ignore[no-untyped-def]
    return message.text + "\n" + "\n".join(json.dumps(b, ensure_ascii=False) for b in message.block_dicts())


def figures(text: str, heading: str) -> dict[str, tuple[int, int]]:
    """`*name* — proven of total (p%)` lines under a heading."""
    part = text.split(heading, 1)[1].split("\"}", 1)[0]
    # The bot's own account is marked so ("111122223333 (the bot's own)"): keyed by its id.
    return {m[1].removesuffix(" (the bot's own)"): (int(m[2]), int(m[3]))
            for m in re.finditer(r"\*([^*]+)\* — (\d+) of (\d+) \(", part)}


@pytest.mark.parametrize("days", [30, 180])
def test_coverage_equals_the_oracle_over_accounts_regions_and_pages(
        fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts, now: datetime, monkeypatch: pytest.MonkeyPatch,
        days: int) -> None:
    emulator, _ = fakes
    data = load(emulator, now)
    service = service_for(emulator, sts, monkeypatch)
    text = text_of(service.answer(f"coverage {days}d", user_id="U1", channel_id="C1"))
    by_type, by_account, proven_type, proven_account, unproven = coverage_oracle(data.resources, data.jobs, now, days)
    total = sum(by_type.values())
    assert total == 3 * 3 * PER_PAIR
    assert f"*{sum(proven_type.values())} of {total} protected resources*" in text
    assert figures(text, "By resource type") == {t: (proven_type[t], n) for t, n in by_type.items()}
    assert figures(text, "By account") == {a: (proven_account[a], n) for a, n in by_account.items()}
    assert f"{emulator.caller_account} (the bot's own)" in text
    assert f"*No successful restore in {days} days* ({len(unproven)})" in text
    assert "Incomplete" not in text and "tags not read" not in text
    critical = {r.arn for r in data.resources if ("restore-critical", "true") in r.tags} & unproven
    listed = re.findall(r"• (:rotating_light: restore-critical · )?\*([^*]+)\*", text)
    flags = [bool(flag) for flag, _ in listed]
    shown = min(len(critical), 20)  # the list shows 20, restore-critical first
    assert critical and len(flags) == min(len(unproven), 20)
    assert flags[:shown] == [True] * shown and not any(flags[shown:])
    # Several pages per operation and account-region: ListProtectedResources and ListRestoreJobs, nothing a resource.
    resources_calls = emulator.calls("/resources")
    assert len(resources_calls) == 3 * 3 * 3 and {c.path for c in resources_calls} == {"/resources/"}
    assert len(emulator.calls("/restore-jobs")) > 3 * 3 * 2


def test_a_resource_verdict_equals_the_oracle_for_every_story(
        fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, _ = fakes
    data = load(emulator, now)
    service = service_for(emulator, sts, monkeypatch)
    told: dict[str, str] = {}
    for resource in data.resources:
        if resource.account_id != MEMBER or resource.region != "eu-west-1":
            continue
        text = text_of(service.answer(f"resource {resource.name}", user_id="U1", channel_id="C1"))
        assert f"Can we restore {resource.name}?" in text
        latest = latest_finished(data.jobs, resource.arn)
        story = data.stories[resource.arn]
        told[story] = text
        if latest is None:
            assert "Never restored: no evidence it can be" in text
        elif latest.status in ("FAILED", "ABORTED"):
            assert f"Last restore {latest.status.lower()}" in text and latest.status_message in text
        elif latest.validation_status in ("FAILED", "VALIDATING"):
            assert "but its validation" in text and "Restored and validated" not in text
        elif latest.validation_status == "SUCCESSFUL":
            assert "Restored and validated" in text and "in 41 min" in text and "plan nightly" in text
        else:
            assert "*Restored " in text and "not validated" in text
    assert set(told) >= {"validated", "completed", "never", "failed_last", "validation_failed", "running"}
    assert "A restore is in progress" in told["running"]


def test_an_ambiguous_name_lists_the_matches_and_an_unknown_one_says_what_was_searched(
        fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, _ = fakes
    data = load(emulator, now)
    service = service_for(emulator, sts, monkeypatch)
    many = text_of(service.answer("resource app0003", user_id="U1", channel_id="C1"))
    expected = [r.arn for r in data.resources if r.name.startswith("app0003")]
    assert "*9 protected resources* match" in many and all(arn in many for arn in expected)
    none = text_of(service.answer("resource nothing-like-it", user_id="U1", channel_id="C1"))
    assert "No protected resource matches" in none and MEMBER in none and "eu-west-1" in none
    gone = text_of(service.answer(f"resource arn:aws:rds:eu-west-1:{MEMBER}:db:gone", user_id="U1", channel_id="C1"))
    assert f"No protected resource matches `arn:aws:rds:eu-west-1:{MEMBER}:db:gone` in account {MEMBER}" in gone
    assert "Incomplete" not in gone


def test_a_scoped_channel_neither_names_nor_counts_another_accounts_resources(
        fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, _ = fakes
    data = load(emulator, now)
    service = service_for(emulator, sts, monkeypatch, RESTORES_CHANNEL_ACCOUNTS=f"C0TEAM={MEMBER}")
    own = next(r for r in data.resources if r.account_id == OWN)
    emulator.reset()
    sts.reset()
    refused = text_of(service.answer(f"resource {own.arn}", user_id="U1", channel_id="C0TEAM"))
    assert "only sees accounts" in refused and own.name not in refused.split("only sees accounts")[0]
    assert emulator.calls("/resources") == [] and emulator.calls("/restore-jobs") == []
    named = text_of(service.answer(f"coverage account:{OWN}", user_id="U1", channel_id="C0TEAM"))
    assert "only sees accounts" in named and "protected resources" not in named
    assert emulator.calls("/resources") == [] and sts.calls("AssumeRole") == []
    hidden = text_of(service.answer(f"resource {own.name}", user_id="U1", channel_id="C0TEAM"))
    assert "No protected resource matches" in hidden and own.arn not in hidden
    coverage = text_of(service.answer("coverage 30d", user_id="U1", channel_id="C0TEAM"))
    mine = [r for r in data.resources if r.account_id == MEMBER]
    _, _, proven_type, _, _ = coverage_oracle(mine, data.jobs, now, 30)
    assert f"*{sum(proven_type.values())} of {len(mine)} protected resources*" in coverage
    assert OWN not in coverage and OTHER not in coverage
    assert {c.role_arn.split(":")[4] for c in sts.calls("AssumeRole")} == {MEMBER}


def test_an_arn_of_another_partition_is_refused_before_any_aws_call(
        fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, _ = fakes
    load(emulator, now)
    service = service_for(emulator, sts, monkeypatch)
    emulator.reset()
    sts.reset()
    for arn in (f"arn:aws-cn:rds:cn-north-1:{MEMBER}:db:orders", f"arn:aws-us-gov:rds:us-gov-west-1:{OWN}:db:x"):
        text = text_of(service.answer(f"resource {arn}", user_id="U1", channel_id="C1"))
        assert "partition, which this bot does not answer for" in text
    assert emulator.calls() == [] and sts.calls() == []


def test_through_a_signed_slash_command(app_bot: AppBot, emulator: BackupEmulator, now: datetime) -> None:
    data = load(emulator, now, (emulator.caller_account,))
    resource = next(r for r in data.resources if data.stories[r.arn] == "failed_last")
    answer = app_bot.ask(f"resource {resource.name}")
    text = json.dumps(answer.body["blocks"], ensure_ascii=False)
    assert "Last restore failed" in text and f"Access denied to KMS key for {resource.name}" in text
    coverage = app_bot.ask("coverage 90d")
    by_type, _, proven_type, _, _ = coverage_oracle(data.resources, data.jobs, now, 90)
    assert f"{sum(proven_type.values())} of {sum(by_type.values())} protected resources" in coverage.body["text"]


def test_the_restore_history_button_and_the_console_link(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack,
                                                        now: datetime) -> None:
    data = load(emulator, now, (emulator.caller_account,))
    resource = next(r for r in data.resources if data.stories[r.arn] == "aborted_then_ok")
    answer = app_bot.ask(f"resource {resource.name}")
    buttons = actions_of(answer)
    assert buttons["restores_resource_console"]["url"].endswith(quote(resource.arn, safe=""))
    status, (history,) = click(app_bot, slack, "restores_resource_history", buttons["restores_resource_history"]["value"])
    shown = json.dumps(history.body["blocks"], ensure_ascii=False)
    jobs = [j for j in data.jobs if j.source_resource_arn == resource.arn]
    assert status == 200 and f"*{len(jobs)} restores* read" in shown and "Restore aborted by user" in shown
    assert click(app_bot, slack, "restores_resource_console", "", expect_answers=0)[0] == 200
    forged = HistoryValue(resource.arn.replace(emulator.caller_account, "999999999999"), "999999999999",
                          resource.region).encode()
    emulator.reset()
    status, (refused,) = click(app_bot, slack, "restores_resource_history", forged)
    assert "No such protected resource" in json.dumps(refused.body) and "restores* read" not in json.dumps(refused.body)
    other_partition = HistoryValue("arn:aws-cn:rds:cn-north-1:999999999999:db:x", "999999999999", "cn-north-1").encode()
    emulator.reset()
    status, (refused,) = click(app_bot, slack, "restores_resource_history", other_partition)
    assert "outside the AWS partition" in json.dumps(refused.body) and emulator.calls() == []
