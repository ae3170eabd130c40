"""The App Home tab in process: signed `app_home_opened` events and Home tab clicks to the bot's WSGI app, real boto3 to
the AWS emulator, real slack_sdk to the fake Slack (views.publish, users.conversations, chat.postMessage). Expected
figures are counted here from the data loaded into the emulator."""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.answers.controls import ActionId, ActionValue
from bot.domain.query import Period, RestoreFilter, State
from bot.sample.records import DailyCount, RestoreJob, RestoreTestingPlan
from tests.fakes.aws import BackupEmulator
from tests.fakes.signing import post_signed, url_verification_body
from tests.fakes.slack import FakeSlack
from tests.support import (
    CHANNEL_SCOPES,
    DATASET_ACCOUNTS,
    E2E_REGIONS,
    JOBS_PATH,
    SUMMARIES,
    AppBot,
    click_home,
    counts_from,
    daily_at,
    home_buttons,
    home_text,
    home_view,
    make_jobs,
    open_home,
    plan_data,
    posts,
)

pytestmark = pytest.mark.dates

OWN, TEAM_A, TEAM_B = DATASET_ACCOUNTS
NOT_ENABLED = "RESTORES_HOME_ACCOUNTS"


def load(emulator: BackupEmulator, jobs: list[RestoreJob], now: datetime | None = None) -> list[RestoreJob]:
    """`jobs` (and, with `now`, the restore testing plans of tests.support.plan_data) into the emulator, the summary
    counts made from the same jobs."""
    plans = plan_data(now) if now is not None else None
    every = jobs + (plans.jobs if plans else [])
    emulator.load(counts=counts_from(every), jobs=every, plans=plans.plans if plans else [],
                  selections=plans.selections if plans else [])
    return every


def headline_fields(view: dict) -> str:  # type: ignore[type-arg]
    section = next(b for b in view["blocks"] if b["type"] == "section" and b.get("fields"))
    return json.dumps(section, ensure_ascii=False)


def field(label: str, n: int) -> str:
    return f"*{label}*\\n{n:,}"


def button_for(view: dict, text_start: str) -> dict:  # type: ignore[type-arg]
    """The accessory button of the row whose text starts with `text_start`."""
    row = next(b for b in view["blocks"] if b.get("accessory") and b["text"]["text"].startswith(text_start))
    return dict(row["accessory"])


def dm_answers(slack: FakeSlack, user: str) -> list[str]:
    return [json.dumps(c.params.get("blocks"), ensure_ascii=False) for c in posts(slack, user)]


def test_url_verification_is_answered_with_the_challenge(app_bot: AppBot) -> None:
    status, _, body = post_signed(app_bot.events_url, app_bot.secret, url_verification_body("3eZbrw1aBm2rZgRNFdxV2595E9CY"))
    assert status == 200
    assert json.loads(body) == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY"}


def test_the_dashboard_counts_the_organisation_and_its_failure_reasons(app_bot: AppBot, emulator: BackupEmulator,
                                                                      slack: FakeSlack, today: date, now: datetime) -> None:
    data = load(emulator, make_jobs(today), now)
    assert open_home(app_bot, "U0HOME") == 200
    view = home_view(slack, "U0HOME")
    failed = sum(1 for j in data if j.status == "FAILED")
    aborted = sum(1 for j in data if j.status == "ABORTED")
    completed = sum(1 for j in data if j.status == "COMPLETED")
    numbers = headline_fields(view)
    assert field("Failed", failed) in numbers and field("Aborted", aborted) in numbers
    assert field("Completed", completed) in numbers
    assert f"*{len(data):,} restore jobs* in the last 14 days in 3 regions" in numbers
    text = home_text(view)
    # The worst type and account, with the counts of the data, each with a button for its jobs.
    rds = sum(1 for j in data if j.status == "FAILED" and j.resource_type == "RDS")
    assert f"*RDS* — {rds} failed" in text
    assert button_for(view, "*RDS*")["action_id"] == ActionId.JOBS.with_suffix("failed")
    # Failure reasons, resource ids taken out and AWS's text escaped (`<ARN>` would otherwise be markup).
    kms = sum(1 for j in data if j.status == "FAILED" and j.status_message.startswith("Access denied to KMS key"))
    assert f"*{kms}* × `Access denied to KMS key &lt;ARN&gt;`" in text
    # Restore testing verdicts, with the broken plan's buttons.
    assert "flaky" in text and "Restores are not proven" in text
    assert any(b["action_id"].startswith(ActionId.TEST_JOBS.value) for b in home_buttons(view))
    assert any(b["action_id"] == ActionId.HOME_REFRESH for b in home_buttons(view))
    assert len(slack.home_views("U0HOME")) == 1


def test_a_jobs_button_clicked_on_home_answers_in_the_users_dm(app_bot: AppBot, emulator: BackupEmulator,
                                                              slack: FakeSlack, today: date) -> None:
    data = load(emulator, make_jobs(today))
    open_home(app_bot, "U0CLICK")
    rds = button_for(home_view(slack, "U0CLICK"), "*RDS*")
    emulator.reset()
    assert click_home(app_bot, rds["action_id"], rds["value"], user_id="U0CLICK") == 200
    app_bot.settle()
    expected = sum(1 for j in data if j.status == "FAILED" and j.resource_type == "RDS")
    (answer,) = dm_answers(slack, "U0CLICK")
    assert f"*{expected} failed restore jobs*" in answer
    assert {c.params.get("resourceType") for c in emulator.calls(JOBS_PATH)} == {"RDS"}
    assert slack.responses == []  # a view has no response_url: nothing went anywhere else


def test_a_restore_testing_button_clicked_on_home_answers_in_the_dm(app_bot: AppBot, emulator: BackupEmulator,
                                                                   slack: FakeSlack, now: datetime) -> None:
    load(emulator, [], now)
    open_home(app_bot, "U0TESTS")
    failed = next(b for b in home_buttons(home_view(slack, "U0TESTS"))
                  if b["action_id"] == ActionId.TEST_JOBS.with_suffix("failed"))
    click_home(app_bot, failed["action_id"], failed["value"], user_id="U0TESTS")
    app_bot.settle()
    (answer,) = dm_answers(slack, "U0TESTS")
    assert "failed or aborted restores of flaky" in answer


def test_refresh_publishes_the_dashboard_again_with_what_aws_says_now(app_bot: AppBot, emulator: BackupEmulator,
                                                                     slack: FakeSlack, today: date) -> None:
    first = load(emulator, make_jobs(today))
    open_home(app_bot, "U0REFRESH")
    before = home_view(slack, "U0REFRESH")
    failed = sum(1 for j in first if j.status == "FAILED")
    assert field("Failed", failed) in headline_fields(before)
    more = [RestoreJob(region="us-east-1", account_id=OWN, job_id=f"late-{n}", status="FAILED", resource_type="EBS",
                       created=datetime.combine(today - timedelta(days=2), datetime.min.time(), UTC)
                       + timedelta(hours=n), status_message="Volume limit exceeded") for n in range(5)]
    load(emulator, first + more)
    refresh = next(b for b in home_buttons(before) if b["action_id"] == ActionId.HOME_REFRESH)
    assert click_home(app_bot, refresh["action_id"], refresh["value"], user_id="U0REFRESH") == 200
    after = home_view(slack, "U0REFRESH", n=2)
    assert field("Failed", failed + 5) in headline_fields(after)
    assert "Volume limit exceeded" in home_text(after)


def test_opening_home_twice_within_the_ttl_costs_no_aws_call(launch_app_bot: Callable[..., AppBot],
                                                              fakes: tuple[BackupEmulator, FakeSlack], today: date,
                                                              now: datetime) -> None:
    emulator, slack = fakes
    load(emulator, make_jobs(today), now)
    cached = launch_app_bot(RESTORES_CACHE_TTL="300")
    open_home(cached, "U0CACHE")
    first = home_view(slack, "U0CACHE")
    cached.settle()
    calls = Counter(c.path.split("?")[0].rstrip("/").rsplit("/", 1)[0] for c in emulator.calls())
    assert emulator.calls(SUMMARIES) and emulator.calls(JOBS_PATH) and emulator.calls("/restore-testing/")
    emulator.reset()
    open_home(cached, "U0CACHE")
    open_home(cached, "U0OTHERUSER")  # another user of the same scope shares the reads too
    second = home_view(slack, "U0CACHE", n=2)
    home_view(slack, "U0OTHERUSER")
    cached.settle()
    assert emulator.calls() == [], f"first opening: {dict(calls)}"
    assert headline_fields(second) == headline_fields(first)


def test_with_channels_scoped_and_no_home_accounts_home_shows_no_numbers(launch_app_bot: Callable[..., AppBot],
                                                                         fakes: tuple[BackupEmulator, FakeSlack],
                                                                         today: date) -> None:
    emulator, slack = fakes
    load(emulator, make_jobs(today))
    scoped = launch_app_bot(RESTORES_CHANNEL_ACCOUNTS=CHANNEL_SCOPES + f";*={OWN}")  # even with a default entry
    open_home(scoped, "U0SCOPED")
    view = home_view(slack, "U0SCOPED")
    scoped.settle()
    text = home_text(view)
    assert NOT_ENABLED in text and "restore jobs*" not in text
    assert not any(b["action_id"].startswith(ActionId.JOBS.value) for b in home_buttons(view))
    assert emulator.calls() == []  # fail closed before any AWS call
    # A jobs button of an older view, clicked now, is refused just as well.
    value = ActionValue(RestoreFilter(state=State.FAILED, period=Period.FOURTEEN_DAYS, account="ANY",
                                      regions=E2E_REGIONS), None).encode()
    click_home(scoped, ActionId.JOBS.with_suffix("failed"), value, user_id="U0SCOPED")
    scoped.settle()
    (answer,) = dm_answers(slack, "U0SCOPED")
    assert NOT_ENABLED in answer and emulator.calls() == []


def test_home_accounts_scope_the_numbers_and_the_buttons(launch_app_bot: Callable[..., AppBot],
                                                         fakes: tuple[BackupEmulator, FakeSlack], today: date) -> None:
    emulator, slack = fakes
    data = load(emulator, make_jobs(today))
    scoped = launch_app_bot(RESTORES_CHANNEL_ACCOUNTS=CHANNEL_SCOPES, RESTORES_HOME_ACCOUNTS=TEAM_A)
    open_home(scoped, "U0TEAMA")
    view = home_view(slack, "U0TEAMA")
    failed = sum(1 for j in data if j.status == "FAILED" and j.account_id == TEAM_A)
    assert field("Failed", failed) in headline_fields(view)
    assert OWN not in home_text(view)
    # A button value naming another account (tampered, or from before the scope changed) is refused on click.
    value = ActionValue(RestoreFilter(state=State.FAILED, period=Period.FOURTEEN_DAYS, account=OWN,
                                      regions=E2E_REGIONS), None).encode()
    emulator.reset()
    click_home(scoped, ActionId.JOBS.with_suffix("failed"), value, user_id="U0TEAMA")
    scoped.settle()
    (answer,) = dm_answers(slack, "U0TEAMA")
    assert f"account {OWN} is not one of them" in answer and emulator.calls(JOBS_PATH) == []


def test_users_outside_the_allow_list_get_a_polite_refusal(launch_app_bot: Callable[..., AppBot],
                                                           fakes: tuple[BackupEmulator, FakeSlack], today: date) -> None:
    emulator, slack = fakes
    load(emulator, make_jobs(today))
    listed = launch_app_bot(RESTORES_ALLOWED_USERS="U0ALLOWED")
    open_home(listed, "U0STRANGER")
    refusal = home_text(home_view(slack, "U0STRANGER"))
    listed.settle()
    assert "not enabled for you" in refusal and "restore jobs*" not in refusal
    assert emulator.calls() == []
    open_home(listed, "U0ALLOWED")
    assert "restore jobs*" in home_text(home_view(slack, "U0ALLOWED"))
    # Another workspace (Slack Connect, or a forged team) is refused as for commands.
    open_home(listed, "U0ALLOWED", team_id="T0OTHERORG")
    assert "workspace the bot is installed in" in home_text(home_view(slack, "U0ALLOWED", n=2))


def test_channels_allow_listed_without_users_keep_home_closed(launch_app_bot: Callable[..., AppBot],
                                                              fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    _, slack = fakes
    closed = launch_app_bot(RESTORES_ALLOWED_CHANNELS="C0OPS")
    open_home(closed, "U0ANYONE")
    assert NOT_ENABLED in home_text(home_view(slack, "U0ANYONE"))


def test_the_users_channels_subscriptions_are_listed(launch_app_bot: Callable[..., AppBot],
                                                     fakes: tuple[BackupEmulator, FakeSlack], tmp_path: Path) -> None:
    _, slack = fakes
    bot = launch_app_bot(DATABASE_URL=f"sqlite:///{tmp_path / 'home.sqlite3'}", RESTORES_DIGEST_CHANNELS="C0STATIC")
    bot.ask("subscribe digest 07:30 Europe/Berlin", channel_id="C0MINE")
    bot.ask("subscribe alerts type:EBS state:failed", channel_id="C0MINE")
    bot.ask("subscribe digest", channel_id="C0NOTMINE")
    slack.set_members("C0MINE", ["U0SUBS", "U0SOMEONE"])
    slack.set_members("C0STATIC", ["U0SUBS"])
    slack.set_members("C0NOTMINE", ["U0SOMEONE"])
    open_home(bot, "U0SUBS")
    text = home_text(home_view(slack, "U0SUBS"))
    assert "<#C0MINE> — digest at 07:30 Europe/Berlin; alerts: FAILED restores · resource type EBS" in text
    assert "<#C0STATIC> — digest at 09:00 UTC (in the bot's configuration)" in text
    assert "C0NOTMINE" not in text
    assert "/restores subscriptions` in it" in text
    # A user in none of the subscribed channels gets no such section.
    open_home(bot, "U0NOBODY")
    assert "Your channels' subscriptions" not in home_text(home_view(slack, "U0NOBODY"))


def test_a_huge_organisation_stays_within_100_blocks(launch_app_bot: Callable[..., AppBot],
                                                     fakes: tuple[BackupEmulator, FakeSlack], today: date,
                                                     now: datetime, tmp_path: Path) -> None:
    """400 failing accounts over 14 resource types, 40 restore testing plans that did not run, and 60 subscribed
    channels of the user's: every section is cut to its rows and Slack's 100 blocks hold."""
    emulator, slack = fakes
    emulator.page_size = 500
    accounts = [f"{100000000000 + n:012d}" for n in range(400)]
    types = ["EBS", "RDS", "EFS", "EC2", "DynamoDB", "FSx", "Aurora", "S3", "Redshift", "Neptune", "DocumentDB",
             "Storage Gateway", "CloudFormation", "Timestream"]
    counts = [DailyCount(region, account, state, types[n % len(types)], today - timedelta(days=1 + n % 13), 1 + n % 5)
              for n, account in enumerate(accounts) for region in E2E_REGIONS for state in ("FAILED", "ABORTED", "COMPLETED")]
    plans = [RestoreTestingPlan("us-east-1", OWN, f"plan_{n:02d}", daily_at(now - timedelta(hours=1)),
                                now - timedelta(days=60), last_execution=now - timedelta(days=3)) for n in range(40)]
    emulator.load(counts=counts, jobs=[], plans=plans, selections=[])
    bot = launch_app_bot(DATABASE_URL=f"sqlite:///{tmp_path / 'huge.sqlite3'}")
    for n in range(60):
        bot.ask("subscribe digest", channel_id=f"C0HUGE{n:04d}")
        slack.set_members(f"C0HUGE{n:04d}", ["U0HUGE"])
    open_home(bot, "U0HUGE")
    view = home_view(slack, "U0HUGE")  # the fake refuses a view over 100 blocks, as Slack does
    assert len(view["blocks"]) <= 100
    text = home_text(view)
    failed = sum(c.count for c in counts if c.state == "FAILED")
    assert field("Failed", failed) in headline_fields(view)
    assert f"*Failing accounts* ({len(accounts)})" in text and "more accounts with failures" in text
    assert f"*Failing resource types* ({len(types)})" in text and "…and 8 more" in text
    assert "35 more plans" in text and "…and 45 more" in text  # 5 plans and 15 channels shown


def test_the_trend_is_the_uploaded_chart_shared_by_every_opening(launch_app_bot: Callable[..., AppBot],
                                                                 fakes: tuple[BackupEmulator, FakeSlack], today: date,
                                                                 now: datetime) -> None:
    emulator, slack = fakes
    data = load(emulator, make_jobs(today), now)
    bot = launch_app_bot(RESTORES_CACHE_TTL="300")
    open_home(bot, "U0CHART")
    first = home_view(slack, "U0CHART")
    open_home(bot, "U0CHART2")
    second = home_view(slack, "U0CHART2")
    bot.settle()
    (uploaded,) = slack.files  # one upload for both openings: the same numbers are the same file
    for view in (first, second):
        (image,) = [b for b in view["blocks"] if b["type"] == "image"]
        assert image["slack_file"]["id"] == uploaded.id
        yesterday = today - timedelta(days=1)
        bad = sum(1 for j in data if j.status in ("FAILED", "ABORTED") and j.created.date() == yesterday)
        assert f"{yesterday:%d %b} {bad}." in image["alt_text"] or f"{yesterday:%d %b} {bad}," in image["alt_text"]
    assert uploaded.data is not None
    picture = Image.open(io.BytesIO(uploaded.data))
    assert picture.format == "PNG" and len(picture.convert("RGB").getcolors(1 << 20) or []) > 50


def test_without_files_write_the_trend_stays_text(launch_app_bot: Callable[..., AppBot],
                                                   fakes: tuple[BackupEmulator, FakeSlack], today: date,
                                                   now: datetime) -> None:
    emulator, slack = fakes
    load(emulator, make_jobs(today), now)
    slack.scopes = tuple(s for s in slack.scopes if s != "files:write")
    bot = launch_app_bot()
    open_home(bot, "U0NOFILES")
    view = home_view(slack, "U0NOFILES")
    assert not [b for b in view["blocks"] if b["type"] == "image"]
    assert "failed + aborted per day" in home_text(view) and slack.files == []


def test_a_chart_slack_has_not_processed_yet_falls_back_to_the_text_trend(launch_app_bot: Callable[..., AppBot],
                                                                          fakes: tuple[BackupEmulator, FakeSlack],
                                                                          today: date, now: datetime) -> None:
    emulator, slack = fakes
    load(emulator, make_jobs(today), now)
    slack.delay_file_processing(60)
    bot = launch_app_bot()
    open_home(bot, "U0SLOWFILE")
    deadline = time.monotonic() + 30
    while not slack.home_views("U0SLOWFILE") and time.monotonic() < deadline:  # one refusal comes first, by design
        time.sleep(0.02)
    (view,) = slack.home_views("U0SLOWFILE")
    assert not [b for b in view["blocks"] if b["type"] == "image"]
    assert "failed + aborted per day" in home_text(view)
    refused = [c for c in slack.calls_to("views.publish") if not c.ok]
    assert len(refused) == 1 and len(slack.files) == 1  # tried with the chart once, then published the text
