"""`/restores tests` end to end: a signed command to `python -m bot serve`, boto3 to the emulator's restore testing
operations (several pages each, three regions), the scoreboard through response_url, and a plan's button."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.answers.controls import ActionId
from bot.restore_testing.controls import TestJobsKind
from bot.sample.estate import SAMPLE_CALLER_ACCOUNT
from tests.e2e.test_cli import run
from tests.fakes.aws import BackupEmulator, access_denied
from tests.fakes.slack import FakeSlack
from tests.support import (
    LIVE,
    BotProcess,
    actions_of,
    assert_within_slack_limits,
    click,
    plan_data,
    text_of,
)
from tests.unit.console_links import CONSOLE_LINK

pytestmark = [pytest.mark.e2e, pytest.mark.dates]


def test_the_scoreboard_names_each_broken_plan_with_its_numbers(bot: BotProcess, emulator: BackupEmulator,
                                                               slack: FakeSlack, now: datetime) -> None:
    data = plan_data(now, emulator.caller_account, extra_jobs=9)
    data.load(emulator)
    emulator.page_size = 2  # plans, selections and each plan's jobs: several pages each
    answer = bot.ask("tests")
    text = text_of(answer)
    blocks = answer.body["blocks"]
    assert_within_slack_limits(blocks)
    # No mention, broadcast or link but the bot's own links to the AWS console (each plan's page, a leak's job).
    assert not LIVE.search(CONSOLE_LINK.sub("", text)) and not LIVE.search(answer.body["text"])
    assert CONSOLE_LINK.search(text)
    # Counted here from the data, sharing nothing with the bot's scoreboard.
    flaky = data.jobs_of("flaky")
    failed = sum(1 for j in flaky if j.status == "FAILED")
    aborted = sum(1 for j in flaky if j.status == "ABORTED")
    bad_validation = sum(1 for j in flaky if j.validation_status == "FAILED")
    timed_out = sum(1 for j in flaky if j.validation_status == "TIMED_OUT")
    assert (failed, aborted, bad_validation, timed_out) == (2, 1, 1, 1)
    flaky_section = next(b["text"]["text"] for b in blocks if "*flaky*" in (b.get("text") or {}).get("text", ""))
    assert f"*{failed} failed*" in flaky_section and f"*{aborted} aborted*" in flaky_section
    assert f"*{bad_validation} failed*, *{timed_out} timed out*" in flaky_section
    assert f"{failed} × `Access denied to KMS key" in flaky_section  # the two messages differ only in the key ARN
    assert "&lt;!channel&gt; port 5432 refused" in flaky_section  # AWS's text, inert
    stale = next(b["text"]["text"] for b in blocks if "*stale*" in (b.get("text") or {}).get("text", ""))
    assert "last ran 3 days ago, daily plan" in stale
    leaky = next(b["text"]["text"] for b in blocks if "*leaky*" in (b.get("text") or {}).get("text", ""))
    assert "*1 restored resource not deleted*" in leaky and "vol-restored-leaky301" in leaky
    assert "Coverage: no restore of RDS" in leaky
    slow = next(b["text"]["text"] for b in blocks if "*slow*" in (b.get("text") or {}).get("text", ""))
    assert "1 of 2 over their target; slowest `arn:aws:ec2:ap-southeast-2:" in slow and "took 95 min (expected 60 min)" in slow
    good = len(data.jobs_of("good"))
    assert f"*good* · us-east-1 · {emulator.caller_account} · {good} restores completed, {good} validated" in text
    # Worst first: the plans that prove nothing (failed, late) before the leak, before the slow one, before the good.
    order = [name for name in ("flaky", "stale", "leaky", "slow", "good") if f"*{name}*" in text]
    assert [text.index(f"*{n}*") for n in order] == sorted(text.index(f"*{n}*") for n in order)
    assert set(order) == {"flaky", "stale", "leaky", "slow", "good"}
    total = len(data.jobs)
    assert f"{total} restores tested in 5 plans" in text
    assert answer.body["text"].startswith("Restores are not proven: 2 of 5 plans failed")
    assert {c.region for c in emulator.calls("/restore-testing/plans")} == {"us-east-1", "eu-west-1", "ap-southeast-2"}
    assert len(emulator.calls("/restore-jobs")) > len(data.plans)  # followed NextToken

    buttons = actions_of(answer)
    button = buttons[ActionId.TEST_JOBS.with_suffix(TestJobsKind.FAILED.value)]
    _, (jobs_answer,) = click(bot, slack, button["action_id"], button["value"])
    listed = text_of(jobs_answer)
    assert f"*{failed + aborted} failed restore jobs*" in listed and "Restore tests — failed or aborted restores of flaky" in listed
    assert_within_slack_limits(jobs_answer.body["blocks"])


def test_no_plans_is_never_an_all_clear(bot: BotProcess, emulator: BackupEmulator) -> None:
    answer = bot.ask("tests 30d")
    assert "Nothing proves that restores work" in text_of(answer)
    assert "Restores work" not in answer.body["text"]


def test_a_region_that_fails_is_named_and_the_answer_is_incomplete(bot: BotProcess, emulator: BackupEmulator,
                                                                  now: datetime) -> None:
    plan_data(now, emulator.caller_account).load(emulator)
    emulator.set_fault("eu-west-1", access_denied(path_prefix="/restore-testing"))
    answer = bot.ask("tests")
    text = text_of(answer)
    assert "eu-west-1* not read" in text and "*flaky*" not in text
    assert "Incomplete" in text and not answer.body["text"].startswith("Restores work")


def test_the_bots_own_account_is_named_by_its_id_with_the_sample() -> None:
    """The sample's identity is known (sts:GetCallerIdentity): never "the bot's own account (id not known)"."""
    out = run("ask", "--sample", "tests").stdout
    assert "id not known" not in out
    assert f"*Accounts:* management · {SAMPLE_CALLER_ACCOUNT[:4]}…{SAMPLE_CALLER_ACCOUNT[-4:]} (the bot's own)" in out
    # An answer about an OU that does not hold it: "the bot's own account", not its id (a scoped channel is shown no
    # other account's id), and never "id not known".
    unit = run("ask", "--sample", "tests ou:Production").stdout
    assert "id not known" not in unit and SAMPLE_CALLER_ACCOUNT[-4:] not in unit
    assert "so only the bot's own account was read" in unit
