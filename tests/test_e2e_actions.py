"""End to end: signed block_actions payloads (form field `payload`, JSON) for drill-down, in-place filters,
share, stale/tampered values, plus typed `/restores jobs`."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.controls import ActionId, ActionValue
from bot.query import Period, RestoreFilter
from bot.sample.emulator import BackupEmulator, DailyCount, RestoreJob, access_denied
from tests.conftest import E2E_REGIONS
from tests.fakes.signing import block_actions_body, post_signed
from tests.fakes.slack import FakeSlack, ResponsePost, validate_blocks
from tests.harness import SIGNING_SECRET, BotProcess

pytestmark = [pytest.mark.e2e, pytest.mark.dates]

JOBS_PATH = "/restore-jobs/"
PLAN = "arn:aws:backup:us-east-1:111122223333:restore-testing-plan:nightly_rds_check-1a2b3c4d"

REASONS = {
    "kms": "Access denied to KMS key arn:aws:kms:{region}:{account}:key/{n:08d}-aaaa-bbbb-cccc-000000000000",
    "capacity": "Insufficient capacity for instance type r6i.4xlarge in Availability Zone {region}a",
    "subnet": "The subnet ID 'subnet-0abc{n:013x}' does not exist",
}


def make_jobs(today: date) -> list[RestoreJob]:
    """FAILED and ABORTED jobs over the last 7 days in two regions and two accounts; some from restore testing."""
    jobs: list[RestoreJob] = []
    plan = [("kms", "RDS", 9), ("capacity", "EC2", 5), ("subnet", "EBS", 3)]
    n = 0
    for region in ("us-east-1", "eu-west-1"):
        for account in ("111122223333", "444455556666"):
            for reason, rtype, count in plan:
                for i in range(count):
                    n += 1
                    created = datetime.combine(today - timedelta(days=1 + i % 6), datetime.min.time(), UTC) + timedelta(hours=i)
                    test = reason == "kms" and i % 3 == 0
                    jobs.append(RestoreJob(
                        region=region, account_id=account, job_id=f"job-{n:05d}", status="FAILED",
                        resource_type=rtype, created=created,
                        status_message=REASONS[reason].format(region=region, account=account, n=n),
                        created_resource_arn=f"arn:aws:rds:{region}:{account}:db:db-{n}",
                        restore_testing_plan_arn=PLAN if test else None,
                        validation_status="FAILED" if test and i % 2 else ("SUCCESSFUL" if test else None),
                    ))
            n += 1
            jobs.append(RestoreJob(region=region, account_id=account, job_id=f"job-{n:05d}", status="ABORTED",
                                   resource_type="EFS", created=datetime.combine(today - timedelta(days=2), datetime.min.time(), UTC),
                                   status_message="Restore aborted by user"))
    return jobs


def counts_from(jobs: list[RestoreJob]) -> list[DailyCount]:
    per = Counter((j.region, j.account_id, j.status, j.resource_type, j.created.date()) for j in jobs)
    return [DailyCount(r, a, s, t, d, n) for (r, a, s, t, d), n in per.items()]


@pytest.fixture
def data(bot: BotProcess, emulator: BackupEmulator, today: date) -> list[RestoreJob]:
    jobs = make_jobs(today)
    emulator.load(counts=counts_from(jobs), jobs=jobs)
    return jobs


def actions_of(answer: ResponsePost) -> dict[str, dict[str, Any]]:
    """Every interactive element of an answer by action_id; select options by their text."""
    found: dict[str, dict[str, Any]] = {}
    for block in answer.body.get("blocks", []):
        if block["type"] != "actions":
            continue
        for element in block["elements"]:
            found[element["action_id"]] = element
            for group in element.get("option_groups", []):
                for option in group["options"]:
                    found["option:" + option["text"]["text"]] = option
    return found


def click(bot: BotProcess, slack: FakeSlack, action_id: str, value: str, *, select: bool = False,
          user_id: str = "U0USER", channel_id: str = "C0CHAN", secret: str = SIGNING_SECRET,
          expect_answers: int = 1) -> tuple[int, list[ResponsePost]]:
    """Send a block_actions payload exactly as Slack does, then wait for the answers via response_url."""
    key = f"click-{time.monotonic_ns()}"
    action: dict[str, Any] = {"action_id": action_id, "block_id": "restores_drill", "action_ts": f"{time.time():.6f}"}
    if select:
        action.update(type="static_select", selected_option={"text": {"type": "plain_text", "text": "x"}, "value": value})
    else:
        action.update(type="button", value=value, text={"type": "plain_text", "text": "x"})
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "alice", "name": "alice", "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "token": "fake-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": channel_id, "is_ephemeral": True},
        "trigger_id": "123.456.abc",
        "team": {"id": "T0TEST", "domain": "test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "ops"},
        "state": {"values": {}},
        "response_url": slack.response_url(key),
        "actions": [action],
    }
    status, _, _ = post_signed(bot.events_url, secret, block_actions_body(payload))
    if status != 200 or expect_answers == 0:
        return status, []
    return status, slack.wait_for_responses(expect_answers, key=key, timeout=30)


def text_of(answer: ResponsePost) -> str:
    return json.dumps(answer.body.get("blocks", []), ensure_ascii=False)


def test_total_button_opens_the_jobs_grouped_by_reason(bot: BotProcess, emulator: BackupEmulator,
                                                       slack: FakeSlack, data: list[RestoreJob]) -> None:
    answer = bot.ask("failed 7d account:ANY region:us-east-1,eu-west-1")
    button = actions_of(answer)[ActionId.JOBS.with_suffix("failed")]
    failed = [j for j in data if j.status == "FAILED"]
    assert button["text"]["text"].endswith(f"{len(failed)} failed jobs")
    emulator.reset()
    _, (jobs_answer,) = click(bot, slack, button["action_id"], button["value"])
    assert jobs_answer.body.get("replace_original") is False
    assert validate_blocks(jobs_answer.body["blocks"]) == []
    text = text_of(jobs_answer)
    assert f"*{len(failed)} failed restore jobs*" in text
    tests = [j for j in failed if j.restore_testing_plan_arn]
    assert f"{len(tests)} from restore testing" in text
    validation = Counter(j.validation_status for j in tests)
    assert f"FAILED ×{validation['FAILED']}" in text and f"SUCCESSFUL ×{validation['SUCCESSFUL']}" in text
    assert "restore test `nightly_rds_check-1a2b3c4d`, validation *" in text
    kms_tests = sum(1 for j in tests if "KMS" in j.status_message)
    assert f":test_tube: {kms_tests} from restore testing" in text
    # Grouped by reason with ids taken out, most frequent first: KMS (36, keys differ) before subnet (12, ids
    # differ) before capacity (10 per region: the Availability Zone is part of the reason).
    positions = [text.index(f"*{n} ×*") for n in (36, 12, 10)]
    assert positions == sorted(positions)
    assert "Access denied to KMS key &lt;ARN&gt;" in text  # escaped: raw <ARN> would render as a link
    # The drill-down asked ListRestoreJobs with FAILED, the row's window, per account and region.
    calls = emulator.calls(JOBS_PATH)
    assert calls and all(c.params["status"] == "FAILED" for c in calls)
    assert {c.params.get("accountId") for c in calls} == {"111122223333", "444455556666"}
    assert {c.region for c in calls} == {"us-east-1", "eu-west-1"}
    window = ActionValue.decode(button["value"]).window
    assert window is not None
    assert {c.params["createdAfter"] for c in calls} == {window[0].strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_row_option_lists_only_that_rows_jobs(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack,
                                              data: list[RestoreJob]) -> None:
    answer = bot.ask("failed 7d account:ANY region:us-east-1,eu-west-1")
    options = actions_of(answer)
    label = next(k for k in options if k.startswith("option:444455556666 · eu-west-1"))
    expected = [j for j in data if j.status == "FAILED" and j.account_id == "444455556666" and j.region == "eu-west-1"]
    assert label.endswith(f"— {len(expected)} failed")
    emulator.reset()
    _, (jobs_answer,) = click(bot, slack, ActionId.JOBS_ROW.value, options[label]["value"], select=True)
    assert f"*{len(expected)} failed restore jobs*" in text_of(jobs_answer)
    assert {(c.region, c.params.get("accountId")) for c in emulator.calls(JOBS_PATH)} == {("eu-west-1", "444455556666")}


def test_period_and_state_buttons_redraw_in_place(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack,
                                                  data: list[RestoreJob]) -> None:
    answer = bot.ask("failed 7d account:ANY")
    controls = actions_of(answer)
    assert controls[ActionId.PERIOD.with_suffix("7d")].get("style") == "primary"
    emulator.reset()
    _, (redrawn,) = click(bot, slack, ActionId.PERIOD.with_suffix("14d"), controls[ActionId.PERIOD.with_suffix("14d")]["value"])
    assert redrawn.body["replace_original"] is True
    assert redrawn.body["response_type"] == "ephemeral"
    assert "last 14 days" in text_of(redrawn)
    assert {c.params["AggregationPeriod"] for c in emulator.calls("/audit/")} == {"FOURTEEN_DAYS"}
    emulator.reset()
    state_button = actions_of(redrawn)[ActionId.STATE.with_suffix("aborted")]
    _, (aborted,) = click(bot, slack, state_button["action_id"], state_button["value"])
    aborted_total = sum(1 for j in data if j.status == "ABORTED")
    assert f"*{aborted_total} restore jobs*" in text_of(aborted)
    assert {c.params["State"] for c in emulator.calls("/audit/")} == {"ABORTED"}
    assert {c.params["AggregationPeriod"] for c in emulator.calls("/audit/")} == {"FOURTEEN_DAYS"}


def test_share_posts_to_the_channel_and_removes_the_ephemeral(bot: BotProcess, slack: FakeSlack,
                                                              data: list[RestoreJob]) -> None:
    answer = bot.ask("failed 7d")
    share = actions_of(answer)[ActionId.SHARE.value]
    _, posts = click(bot, slack, share["action_id"], share["value"], expect_answers=2)
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
def test_tampered_values_are_rejected_politely_without_aws_calls(bot: BotProcess, emulator: BackupEmulator,
                                                                 slack: FakeSlack, value: str) -> None:
    status, (answer,) = click(bot, slack, ActionId.JOBS.with_suffix("failed"), value)
    assert status == 200
    assert "older or unknown message" in answer.body["text"]
    assert answer.body.get("replace_original") is False
    assert emulator.calls() == []


def test_unknown_action_gets_a_polite_answer(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack) -> None:
    status, (answer,) = click(bot, slack, "restores_v0_legacy_button", "{}")
    assert status == 200 and "older or unknown message" in answer.body["text"]
    assert emulator.calls() == []


def test_forged_click_is_401(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack) -> None:
    value = ActionValue(RestoreFilter(state="FAILED", regions=("us-east-1",))).encode()
    status, _ = click(bot, slack, ActionId.PERIOD.with_suffix("7d"), value, secret="wrong", expect_answers=0)
    assert status == 401
    time.sleep(0.3)
    assert emulator.calls() == [] and slack.responses == []


def test_clicks_recheck_the_allow_lists(launch_bot: Any, emulator: BackupEmulator, slack: FakeSlack) -> None:
    emulator.reset()
    restricted = launch_bot(RESTORES_ALLOWED_USERS="U0ALLOWED")
    value = ActionValue(RestoreFilter(state="FAILED", regions=("us-east-1",))).encode()
    _, (answer,) = click(restricted, slack, ActionId.PERIOD.with_suffix("1d"), value, user_id="U0INTRUDER")
    assert "not enabled for you" in answer.body["text"]
    assert emulator.calls() == []


def test_typed_jobs_command(bot: BotProcess, emulator: BackupEmulator, data: list[RestoreJob]) -> None:
    answer = bot.ask("jobs failed 7d type:RDS")
    expected = [j for j in data if j.status == "FAILED" and j.resource_type == "RDS"
                and j.account_id == emulator.caller_account]
    assert f"*{len(expected)} failed restore jobs*" in text_of(answer)
    calls = emulator.calls(JOBS_PATH)
    assert {c.region for c in calls} == set(E2E_REGIONS)
    assert all(c.params["status"] == "FAILED" and c.params["resourceType"] == "RDS" for c in calls)
    assert all("accountId" not in c.params for c in calls)


def test_drill_down_access_denied_names_the_action_and_summary_still_works(
        bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack, data: list[RestoreJob]) -> None:
    emulator.set_fault("*", access_denied(path_prefix=JOBS_PATH,
                                          message="not authorized to perform: backup:ListRestoreJobs"))
    answer = bot.ask("failed 7d region:us-east-1")
    assert "restore jobs*" in text_of(answer)  # the summary still answers
    button = actions_of(answer)[ActionId.JOBS.with_suffix("failed")]
    _, (jobs_answer,) = click(bot, slack, button["action_id"], button["value"])
    assert "grant `backup:ListRestoreJobs`" in text_of(jobs_answer)


def test_many_jobs_and_reasons_fit_slacks_limits(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack, now: datetime) -> None:
    jobs = [
        RestoreJob(region="us-east-1", account_id="111122223333", job_id=f"j{i}", status="FAILED", resource_type="EBS",
                   created=now - timedelta(hours=1 + i % 100),
                   status_message=f"Reason number {i % 40}: " + "details " * 60,
                   created_resource_arn=f"arn:aws:ec2:us-east-1:111122223333:volume/vol-{i:017x}")
        for i in range(600)
    ]
    emulator.load(counts=counts_from(jobs), jobs=jobs)
    emulator.page_size = 100
    answer = bot.ask("jobs failed 14d region:us-east-1")
    assert not answer.rejected and validate_blocks(answer.body["blocks"]) == []
    text = text_of(answer)
    assert "*600 failed restore jobs*" in text and "more reasons" in text


def test_digest_buttons_open_that_days_jobs(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack,
                                            data: list[RestoreJob], today: date) -> None:
    from bot.digest.data import DigestData
    from bot.render.digest import render_digest

    day = today - timedelta(days=1)
    rows = ()
    digest = render_digest(DigestData(day=day, regions=("us-east-1", "eu-west-1"), failures=(), rows=rows,
                                      completed=0, trend=((day, 1),), account="ANY"))
    # No failures in the data handed over: no buttons. With failures, buttons for that day's window.
    assert not any(b["type"] == "actions" for b in digest.block_dicts())
    from bot.results import SummaryRow
    start = datetime.combine(day, datetime.min.time(), UTC)
    rows = (SummaryRow("us-east-1", "111122223333", "FAILED", "RDS", 3, start, start + timedelta(days=1)),)
    digest = render_digest(DigestData(day=day, regions=("us-east-1", "eu-west-1"), failures=(), rows=rows,
                                      completed=0, trend=((day, 3),), account="ANY"))
    (button,) = [e for b in digest.block_dicts() if b["type"] == "actions" for e in b["elements"]]
    value = ActionValue.decode(button["value"])
    assert value.window == (start, start + timedelta(days=1)) and value.filter.period is Period.ONE_DAY
    _, (jobs_answer,) = click(bot, slack, button["action_id"], button["value"], channel_id="C0DIGEST1")
    expected = [j for j in data if j.status == "FAILED" and j.created.date() == day]
    assert f"*{len(expected)} failed restore jobs*" in text_of(jobs_answer)
