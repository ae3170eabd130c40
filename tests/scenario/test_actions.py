"""Button clicks in process: signed block_actions payloads (form field `payload`, JSON) to the bot's WSGI app for
drill-down, in-place filters, share, stale/tampered values, plus typed `/restores jobs`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.answers.controls import ActionId, ActionValue
from bot.domain import words
from bot.domain.query import Period
from bot.sample.records import RestoreJob
from tests.fakes.aws import BackupEmulator, access_denied
from tests.fakes.slack import FakeSlack, validate_blocks
from tests.support import E2E_REGIONS, JOBS_PATH, AppBot, actions_of, click, counts_from, make_jobs, text_of

pytestmark = pytest.mark.dates


@pytest.fixture
def data(app_bot: AppBot, emulator: BackupEmulator, today: date) -> list[RestoreJob]:
    jobs = make_jobs(today)
    emulator.load(counts=counts_from(jobs), jobs=jobs)
    return jobs


def test_row_option_lists_only_that_rows_jobs(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack,
                                              data: list[RestoreJob]) -> None:
    answer = app_bot.ask("failed 7d account:ANY region:us-east-1,eu-west-1")
    options = actions_of(answer)
    label = next(k for k in options if k.startswith("option:444455556666 · eu-west-1"))
    expected = [j for j in data if j.status == "FAILED" and j.account_id == "444455556666" and j.region == "eu-west-1"]
    assert label.endswith(f"— {len(expected)} failed")
    emulator.reset()
    _, (jobs_answer,) = click(app_bot, slack, ActionId.JOBS_ROW.value, options[label]["value"], select=True)
    assert f"*{len(expected)} failed restore jobs*" in text_of(jobs_answer)
    assert {(c.region, c.params.get("accountId")) for c in emulator.calls(JOBS_PATH)} == {("eu-west-1", "444455556666")}


def test_period_and_state_buttons_redraw_in_place(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack,
                                                  data: list[RestoreJob]) -> None:
    answer = app_bot.ask("failed 7d account:ANY")
    controls = actions_of(answer)
    # The current window and state have no button of their own, and none is primary (Slack's style for one main action).
    assert ActionId.PERIOD.with_suffix("7d") not in controls and ActionId.STATE.with_suffix("failed") not in controls
    assert [c for c in controls.values() if c.get("style") == "primary"] == []
    emulator.reset()
    _, (redrawn,) = click(app_bot, slack, ActionId.PERIOD.with_suffix("14d"), controls[ActionId.PERIOD.with_suffix("14d")]["value"])
    assert redrawn.body["replace_original"] is True
    assert redrawn.body["response_type"] == "ephemeral"
    assert "last 14 days" in text_of(redrawn)
    assert {c.params["AggregationPeriod"] for c in emulator.calls("/audit/")} == {"FOURTEEN_DAYS"}
    emulator.reset()
    state_button = actions_of(redrawn)[ActionId.STATE.with_suffix("aborted")]
    _, (aborted,) = click(app_bot, slack, state_button["action_id"], state_button["value"])
    aborted_total = sum(1 for j in data if j.status == "ABORTED")
    assert f"*{words.jobs_text(aborted_total, 'ABORTED')}*" in text_of(aborted)
    assert {c.params["State"] for c in emulator.calls("/audit/")} == {"ABORTED"}
    assert {c.params["AggregationPeriod"] for c in emulator.calls("/audit/")} == {"FOURTEEN_DAYS"}


def test_share_posts_to_the_channel_and_removes_the_ephemeral(app_bot: AppBot, slack: FakeSlack,
                                                              data: list[RestoreJob]) -> None:
    answer = app_bot.ask("failed 7d")
    share = actions_of(answer)[ActionId.SHARE.value]
    _, posts = click(app_bot, slack, share["action_id"], share["value"], expect_answers=2)
    shared, deleted = posts
    assert shared.body["response_type"] == "in_channel" and shared.body["replace_original"] is False
    assert ActionId.SHARE.value not in actions_of(shared)  # no in-place controls on a channel message
    assert ActionId.JOBS.with_suffix("failed") in actions_of(shared)
    assert deleted.body.get("delete_original") is True


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        json.dumps({"v": 1, "s": "FAILED", "p": "7d", "r": "us-east-1", "a": "ANY; DROP TABLE"}),
        json.dumps({"v": 1, "s": "EXPLODED", "p": "7d", "r": "us-east-1"}),
        json.dumps({"v": 1, "s": "FAILED", "p": "7d", "r": "mars-north-1"}),
        json.dumps({"v": 1, "s": "FAILED", "p": "7d", "r": "us-east-1", "w": [0, 1]}),
        json.dumps({"v": 2, "s": "FAILED", "p": "7d", "r": "us-east-1"}),
        json.dumps({"v": 1, "s": "FAILED", "p": "7d", "r": "us-east-1", "x": "extra"}),
        "x" * 3000,
    ],
    ids=["garbage", "bad-account", "bad-state", "bad-region", "ancient-window", "future-version", "extra-field", "huge"],
)
def test_tampered_values_are_rejected_politely_without_aws_calls(app_bot: AppBot, emulator: BackupEmulator,
                                                                 slack: FakeSlack, value: str) -> None:
    status, (answer,) = click(app_bot, slack, ActionId.JOBS.with_suffix("failed"), value)
    assert status == 200
    assert "older or unknown message" in answer.body["text"]
    assert answer.body.get("replace_original") is False
    assert emulator.calls() == []


def test_unknown_action_gets_a_polite_answer(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack) -> None:
    status, (answer,) = click(app_bot, slack, "restores_v0_legacy_button", "{}")
    assert status == 200 and "older or unknown message" in answer.body["text"]
    assert emulator.calls() == []


def test_typed_jobs_command(app_bot: AppBot, emulator: BackupEmulator, data: list[RestoreJob]) -> None:
    answer = app_bot.ask("jobs failed 7d type:RDS")
    expected = [j for j in data if j.status == "FAILED" and j.resource_type == "RDS"
                and j.account_id == emulator.caller_account]
    assert f"*{len(expected)} failed restore jobs*" in text_of(answer)
    calls = emulator.calls(JOBS_PATH)
    assert {c.region for c in calls} == set(E2E_REGIONS)
    assert all(c.params["status"] == "FAILED" and c.params["resourceType"] == "RDS" for c in calls)
    assert all("accountId" not in c.params for c in calls)


def test_drill_down_access_denied_names_the_action_and_summary_still_works(
        app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack, data: list[RestoreJob]) -> None:
    emulator.set_fault("*", access_denied(path_prefix=JOBS_PATH,
                                          message="not authorized to perform: backup:ListRestoreJobs"))
    answer = app_bot.ask("failed 7d region:us-east-1")
    assert "restore jobs*" in text_of(answer)  # the summary still answers
    button = actions_of(answer)[ActionId.JOBS.with_suffix("failed")]
    _, (jobs_answer,) = click(app_bot, slack, button["action_id"], button["value"])
    assert "grant `backup:ListRestoreJobs`" in text_of(jobs_answer)


def test_many_jobs_and_reasons_fit_slacks_limits(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack, now: datetime) -> None:
    jobs = [
        RestoreJob(region="us-east-1", account_id="111122223333", job_id=f"j{i}", status="FAILED", resource_type="EBS",
                   created=now - timedelta(hours=1 + i % 100),
                   status_message=f"Reason number {i % 40}: " + "details " * 60,
                   created_resource_arn=f"arn:aws:ec2:us-east-1:111122223333:volume/vol-{i:017x}")
        for i in range(600)
    ]
    emulator.load(counts=counts_from(jobs), jobs=jobs)
    emulator.page_size = 100
    answer = app_bot.ask("jobs failed 14d region:us-east-1")
    assert not answer.rejected and validate_blocks(answer.body["blocks"]) == []
    text = text_of(answer)
    assert "*600 failed restore jobs*" in text and "more reasons" in text


def test_digest_buttons_open_that_days_jobs(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack,
                                            data: list[RestoreJob], today: date) -> None:
    from bot.digest.data import DigestData
    from bot.digest.render import render_digest

    day = today - timedelta(days=1)
    rows = ()
    digest = render_digest(DigestData(day=day, regions=("us-east-1", "eu-west-1"), failures=(), rows=rows,
                                      completed=0, trend=((day, 1),), account="ANY"))
    # No failures in the data handed over: no buttons. With failures, buttons for that day's window.
    assert not any(b["type"] == "actions" for b in digest.block_dicts())
    from bot.domain.results import SummaryRow
    start = datetime.combine(day, datetime.min.time(), UTC)
    rows = (SummaryRow("us-east-1", "111122223333", "FAILED", "RDS", 3, start, start + timedelta(days=1)),)
    digest = render_digest(DigestData(day=day, regions=("us-east-1", "eu-west-1"), failures=(), rows=rows,
                                      completed=0, trend=((day, 3),), account="ANY"))
    (button,) = [e for b in digest.block_dicts() if b["type"] == "actions" for e in b["elements"]]
    value = ActionValue.decode(button["value"])
    assert value.window == (start, start + timedelta(days=1)) and value.filter.period is Period.ONE_DAY
    _, (jobs_answer,) = click(app_bot, slack, button["action_id"], button["value"], channel_id="C0DIGEST1")
    expected = [j for j in data if j.status == "FAILED" and j.created.date() == day]
    assert f"*{len(expected)} failed restore jobs*" in text_of(jobs_answer)
