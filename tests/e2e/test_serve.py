"""End to end: `python -m bot serve` (gunicorn) as a real process, signed requests over HTTP, real boto3 to the AWS
emulator, answers through response_url to the fake Slack. A handful of cases: alive, a command and a click all the
way through, and a burst of commands; the rest of the command and click cases run in process (tests/scenario/)."""

from __future__ import annotations

import time
import urllib.request
from collections import Counter
from datetime import date, timedelta

import pytest

from bot.answers.controls import ActionId, ActionValue
from bot.sample.records import RestoreJob
from tests.fakes.aws import BackupEmulator, expected_sum
from tests.fakes.slack import FakeSlack, validate_blocks
from tests.support import (
    DATASET_ACCOUNTS,
    DATASET_TYPES,
    E2E_REGIONS,
    JOBS_PATH,
    SUMMARIES,
    BotProcess,
    actions_of,
    blocks_text,
    click,
    counts_from,
    final_answer,
    load_dataset,
    make_jobs,
    text_of,
    totals_field,
)

pytestmark = [pytest.mark.e2e, pytest.mark.dates]


@pytest.fixture
def data(bot: BotProcess, emulator: BackupEmulator, today: date) -> list[RestoreJob]:
    jobs = make_jobs(today)
    emulator.load(counts=counts_from(jobs), jobs=jobs)
    return jobs


def test_healthz(bot: BotProcess) -> None:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        assert response.status == 200 and response.read() == b"ok\n"


def test_numbers_are_exact_sums_over_every_page_and_region(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    # The planner asks small chains (types summed, or accounts summed): one row per page makes each of them
    # several pages long, so the sums below are over every page.
    emulator.page_size = 1
    counts = load_dataset(emulator, today)
    answer = bot.ask("failed 7d account:ANY")
    expected = expected_sum(counts, state="FAILED", start=today - timedelta(days=7), end=today)
    assert expected > 0
    assert f"*{expected:,} failed restore jobs* in 3 regions" in totals_field(answer)
    text = blocks_text(answer)
    for region in E2E_REGIONS:
        for account in DATASET_ACCOUNTS:
            n = expected_sum(counts, state="FAILED", region=region, account_id=account,
                             start=today - timedelta(days=7), end=today)
            assert f"*{account} · {region}* — {n:,}" in text
    for rtype in DATASET_TYPES:
        n = expected_sum(counts, state="FAILED", resource_type=rtype, start=today - timedelta(days=7), end=today)
        assert f"*{rtype}* — {n:,}" in text
    # Several pages per region were needed and read.
    calls = emulator.calls(SUMMARIES)
    assert {c.region for c in calls} == set(E2E_REGIONS)
    assert all(len(emulator.calls(SUMMARIES, region=r)) >= 3 for r in E2E_REGIONS)
    assert answer.body["response_type"] == "ephemeral"
    assert not answer.rejected


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


def test_forty_concurrent_commands_are_all_acked_and_answered(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    from concurrent.futures import ThreadPoolExecutor

    counts = load_dataset(emulator, today)
    expected = expected_sum(counts, state="FAILED", start=today - timedelta(days=7), end=today)

    def one(i: int) -> tuple[int, str, float]:
        started = time.perf_counter()
        # Forty people at once (one person is limited to RESTORES_USER_CONCURRENCY answers in flight).
        status, key = bot.post_command("failed 7d account:ANY", key=f"burst-{i}", user_id=f"U0BURST{i:02d}")
        return status, key, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(one, range(40)))
    assert [status for status, _, _ in results] == [200] * 40
    for _, key, _ in results:
        answer = final_answer(bot.slack, key)
        assert f"*{expected:,} failed restore jobs*" in totals_field(answer)
    acks = sorted(elapsed for _, _, elapsed in results)
    print(f"ack latency over 40 concurrent commands: p50={acks[19]*1000:.0f} ms max={acks[-1]*1000:.0f} ms")
