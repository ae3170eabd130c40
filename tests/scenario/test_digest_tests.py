"""The digest's restore testing section in process: real boto3 to the emulator's restore testing operations, the real
slack_sdk WebClient to the fake Slack, a real ledger; plans that failed, did not run or leaked are named, and what
could not be read is said, never left out."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.digest.run import DigestRunner, post_digest
from bot.sample.records import DailyCount
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator, access_denied
from tests.fakes.slack import FakeSlack
from tests.support import BOT_TOKEN, E2E_REGIONS, LIVE, PlanData, assert_within_slack_limits, plan_data, posts

pytestmark = pytest.mark.dates

TITLE = "*Restore testing*"
PLANS_LIST = "/restore-testing/plans"  # ListRestoreTestingPlans (its selections are under it, one level down)


def make_runner(emulator: BackupEmulator, slack: FakeSlack, tmp_path: Path, **extra: str) -> DigestRunner:
    env = {
        "RESTORES_REGIONS": ",".join(E2E_REGIONS),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "RESTORES_DIGEST_CHANNELS": "C0DIGEST1",
        "RESTORES_DIGEST_ACCOUNT": "ANY",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "RESTORES_AWS_DEADLINE": "10",
    }
    settings = load_settings(dict(env, **extra), "digest")
    backup = BackupService(
        lambda: boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing"),
        endpoint_url=emulator.url,
    )
    return Wiring(settings, backup=backup).digest()


def in_digest_day(data: PlanData, day: date, *, only: tuple[str, ...] | None = None) -> PlanData:
    """The data set with every restore job moved into the digest's day (the window the digest reads restore tests
    in), five minutes apart and each as long as before; `only` keeps those plans (with their selections and jobs)."""
    start = datetime.combine(day, time(1), UTC)
    plans = [p for p in data.plans if only is None or p.name in only]
    arns = {p.arn for p in plans}
    jobs = []
    for n, job in enumerate(j for j in data.jobs if j.restore_testing_plan_arn in arns):
        created = start + timedelta(minutes=5 * n)
        completion = None if job.completion is None else created + (job.completion - job.created)
        jobs.append(replace(job, created=created, completion=completion))
    selections = [s for s in data.selections if s.plan_name in {p.name for p in plans}]
    return PlanData(plans, selections, jobs)


def section_in(blocks: list[dict[str, Any]]) -> str | None:
    """The text of a digest's restore testing section, or None when it has none."""
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    found = [t for t in texts if t.startswith(TITLE)]
    assert len(found) <= 1
    return found[0] if found else None


def whole(call: Any) -> str:
    return json.dumps(call.params["blocks"], ensure_ascii=False) + call.params["text"]


def bad_counts(data: PlanData, name: str) -> tuple[int, int, int]:
    """(failed or aborted restores, failed or timed-out validations, resources not deleted) of a plan, from the data."""
    jobs = data.jobs_of(name)
    return (sum(1 for j in jobs if j.status in ("FAILED", "ABORTED")),
            sum(1 for j in jobs if j.validation_status in ("FAILED", "TIMED_OUT")),
            sum(1 for j in jobs if j.deletion_status == "FAILED"))


def test_the_digest_names_the_plans_that_failed_did_not_run_or_leaked(fakes: tuple[BackupEmulator, FakeSlack],
                                                                      tmp_path: Path, now: datetime, day: date) -> None:
    emulator, slack = fakes
    account = emulator.caller_account
    data = in_digest_day(plan_data(now, account), day)
    data.load(emulator)
    run = make_runner(emulator, slack, tmp_path).run(now=now)
    assert [o.status for o in run.outcomes] == ["posted"]
    (post,) = posts(slack, "C0DIGEST1")
    assert_within_slack_limits(post.params["blocks"])
    assert not LIVE.search(whole(post))
    section = section_in(post.params["blocks"])
    assert section is not None
    lines = section.split("\n")
    assert lines[0] == TITLE  # complete: every region answered
    failed, bad_validation, _ = bad_counts(data, "flaky")
    assert (failed, bad_validation) == (3, 2)
    assert f":x: *flaky* · eu-west-1 · {account}: {failed} restores failed; {bad_validation} failed validation" in lines
    assert any(line.startswith(f":x: *stale* · us-east-1 · {account}: last ran 3 days ago, daily plan (due ")
               for line in lines)
    leaks = bad_counts(data, "leaky")[2]
    assert f":money_with_wings: *leaky* · ap-southeast-2 · {account}: {leaks} restored resource not deleted" in lines
    assert "*good*" not in section and "*slow*" not in section  # fine, or only worth a look
    assert len(lines) == 4
    # The section sits inside the digest, before its footer.
    blocks = post.params["blocks"]
    assert blocks[-1]["type"] == "context" and section_in(blocks[-2:-1]) == section
    # Plans were listed in every region, once per run.
    assert sorted(c.region for c in emulator.calls(PLANS_LIST) if c.path == PLANS_LIST) == sorted(E2E_REGIONS)


def test_the_section_can_be_turned_off_and_then_nothing_is_read(fakes: tuple[BackupEmulator, FakeSlack],
                                                                tmp_path: Path, now: datetime, day: date) -> None:
    emulator, slack = fakes
    in_digest_day(plan_data(now, emulator.caller_account), day).load(emulator)
    run = make_runner(emulator, slack, tmp_path, RESTORES_DIGEST_TESTS="false").run(now=now)
    assert [o.status for o in run.outcomes] == ["posted"]
    (post,) = posts(slack)
    assert section_in(post.params["blocks"]) is None and "flaky" not in whole(post) and "Restore testing" not in whole(post)
    assert emulator.calls("/restore-testing") == [] and emulator.calls("/restore-jobs") == []
    assert emulator.calls("/audit/restore-job-summaries")  # the digest itself was read


def test_healthy_plans_add_no_section(fakes: tuple[BackupEmulator, FakeSlack], tmp_path: Path, now: datetime,
                                      day: date) -> None:
    emulator, slack = fakes
    data = in_digest_day(plan_data(now, emulator.caller_account), day, only=("good", "slow"))
    assert data.jobs_of("good") and data.jobs_of("slow")  # restores in the digest's day, one of them slow
    data.load(emulator)
    run = make_runner(emulator, slack, tmp_path).run(now=now)
    assert [o.status for o in run.outcomes] == ["posted"]
    (post,) = posts(slack)
    assert section_in(post.params["blocks"]) is None and "*good*" not in whole(post) and "*slow*" not in whole(post)
    assert emulator.calls("/restore-jobs")  # they were read, and found fine


def test_a_channel_scoped_to_another_account_sees_none_of_its_plans(fakes: tuple[BackupEmulator, FakeSlack],
                                                                     tmp_path: Path, now: datetime, day: date) -> None:
    emulator, slack = fakes
    account = emulator.caller_account
    other = "444455556666"
    assert other != account
    in_digest_day(plan_data(now, account), day).load(emulator)
    runner = make_runner(emulator, slack, tmp_path, RESTORES_DIGEST_CHANNELS="C0DIGEST1,C0DIGEST2",
                         RESTORES_CHANNEL_ACCOUNTS=f"C0DIGEST1={account};C0DIGEST2={other}")
    run = runner.run(now=now)
    assert [o.status for o in run.outcomes] == ["posted", "posted"]
    (own,) = posts(slack, "C0DIGEST1")
    own_section = section_in(own.params["blocks"])
    assert own_section is not None and "*flaky*" in own_section  # the control: the plans' own account sees them
    (foreign,) = posts(slack, "C0DIGEST2")
    # Its account is not in RESTORES_TESTING_ACCOUNTS: never read, and said so (no silent "nothing wrong").
    foreign_section = section_in(foreign.params["blocks"])
    assert foreign_section is not None and f"*account {other}* not read" in foreign_section
    text = whole(foreign)
    assert not any(f"*{name}*" in text for name in ("flaky", "stale", "leaky", "good", "slow"))
    assert account not in text and "restore-testing-plan" not in text
    # AWS was read once for both channels.
    assert len([c for c in emulator.calls(PLANS_LIST) if c.path == PLANS_LIST]) == len(E2E_REGIONS)


def test_a_failing_plan_is_posted_even_when_all_clear_days_are_skipped(fakes: tuple[BackupEmulator, FakeSlack],
                                                                        tmp_path: Path, now: datetime, day: date) -> None:
    emulator, slack = fakes
    account = emulator.caller_account
    completed = [DailyCount("us-east-1", account, "COMPLETED", "EBS", day, 12)]  # no failed restore that day
    full = in_digest_day(plan_data(now, account), day)
    emulator.load(counts=completed, plans=full.plans, selections=full.selections, jobs=full.jobs)
    runner = make_runner(emulator, slack, tmp_path, RESTORES_DIGEST_CHANNELS="C0DIGEST1,C0DIGEST2",
                         RESTORES_DIGEST_SKIP_ALL_CLEAR="true")
    run = runner.run(now=now, channels=("C0DIGEST1",))
    assert [o.status for o in run.outcomes] == ["posted"]
    (post,) = posts(slack, "C0DIGEST1")
    # The restore counts have nothing to say, but the digest is not called all clear over broken plans...
    assert "No failed or aborted restores" in whole(post) and "All clear" not in whole(post)
    section = section_in(post.params["blocks"])
    assert section is not None and "*flaky*" in section  # ...the plans do
    # The control: the same day with healthy plans only is skipped.
    healthy = in_digest_day(plan_data(now, account), day, only=("good", "slow"))
    emulator.load(plans=healthy.plans, selections=healthy.selections, jobs=healthy.jobs)
    quiet = make_runner(emulator, slack, tmp_path, RESTORES_DIGEST_CHANNELS="C0DIGEST1,C0DIGEST2",
                        RESTORES_DIGEST_SKIP_ALL_CLEAR="true").run(now=now, channels=("C0DIGEST2",))
    assert [o.status for o in quiet.outcomes] == ["skipped-all-clear"]
    assert posts(slack, "C0DIGEST2") == []


def test_a_region_whose_restore_tests_cannot_be_read_is_named(fakes: tuple[BackupEmulator, FakeSlack],
                                                              dataset: list[DailyCount], tmp_path: Path, now: datetime,
                                                              day: date) -> None:
    emulator, slack = fakes  # `dataset`: the digest's own counts, summarised by AWS for the day
    # Only healthy plans where they can be read: the region not read is the one thing to say.
    in_digest_day(plan_data(now, emulator.caller_account), day, only=("good", "slow")).load(emulator)
    emulator.set_fault("eu-west-1", access_denied(path_prefix="/restore-testing"))
    run = make_runner(emulator, slack, tmp_path, RESTORES_DIGEST_SKIP_ALL_CLEAR="true").run(now=now)
    assert [o.status for o in run.outcomes] == ["posted"]
    (post,) = posts(slack)
    section = section_in(post.params["blocks"])
    assert section is not None
    lines = section.split("\n")
    assert lines[0] == f"{TITLE} (incomplete)"
    assert len(lines) == 2
    assert lines[1].startswith(":warning: *the bot's own account (id not known) in eu-west-1* not read: access denied: grant "
                               "`backup:ListRestoreTestingPlans")
    assert "us-east-1" not in section and "ap-southeast-2" not in section
    # The digest's own numbers were read in eu-west-1 (the fault is on restore testing only) and are complete.
    assert "Incomplete" not in whole(post).replace(f"{TITLE} (incomplete)", "")
    assert all(c.status == 403 for c in emulator.calls("/restore-testing", region="eu-west-1"))


def test_post_digest_adds_the_sections_of_each_scope(fakes: tuple[BackupEmulator, FakeSlack], tmp_path: Path,
                                                     now: datetime, day: date) -> None:
    """post_digest with RestoreTests.digest_sections as its extra_for, as DigestRunner wires them; a dry run shows
    what would be posted."""
    emulator, slack = fakes
    in_digest_day(plan_data(now, emulator.caller_account), day).load(emulator)
    runner = make_runner(emulator, slack, tmp_path)
    start = datetime.combine(day, time.min, UTC)
    sections = runner.tests.digest_sections(E2E_REGIONS, (start, start + timedelta(days=1)), now)
    dry = post_digest(backup=runner.backup, client=None, ledger=None, regions=E2E_REGIONS, channels=("C0DIGEST1",),
                      now=now, account="ANY", dry_run=True, extra_for=sections)
    assert [o.status for o in dry.outcomes] == ["dry-run"] and posts(slack) == []
    assert dry.message is not None
    section = section_in(dry.message.block_dicts())
    assert section is not None and all(f"*{name}*" in section for name in ("flaky", "stale", "leaky"))
    # Another account's scope: nothing of these plans, and that account (not configured) named as not read.
    foreign = sections(frozenset({"444455556666"}))
    assert foreign is not None and foreign.summary == "1 part not read"
    assert not any(f"*{name}*" in str(foreign.blocks[1].to_dict()) for name in ("flaky", "stale", "leaky"))


def test_the_notification_of_a_digest_naming_broken_plans_is_not_all_clear(fakes: tuple[BackupEmulator, FakeSlack],
                                                                            tmp_path: Path, now: datetime,
                                                                            day: date) -> None:
    emulator, slack = fakes
    in_digest_day(plan_data(now, emulator.caller_account), day).load(emulator)
    make_runner(emulator, slack, tmp_path, RESTORES_DIGEST_SKIP_ALL_CLEAR="true").run(now=now)
    (post,) = posts(slack)
    section = section_in(post.params["blocks"])
    assert section is not None and "*flaky*" in section  # the premise: posted because of the plans
    assert "all clear" not in post.params["text"].lower()
