"""The digest's 14-day chart in process: uploaded with files_upload_v2 (real slack_sdk to the fake Slack), shown by its
file id in every channel's post, once per scope and run; the text sparkline where the bot cannot upload.

Expected numbers come from the data set by tests.fakes.aws.expected_sum (a plain loop sharing nothing with the bot),
the picture is read back with Pillow."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.digest.run import DigestRunner
from bot.sample.records import DailyCount
from bot.slack.blocks import SPARK
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator, expected_sum, unavailable
from tests.fakes.slack import FakeSlack, SlackCall
from tests.support import BOT_TOKEN, CHART_SIZE, DATASET_ACCOUNTS, DIGEST_CHANNELS, E2E_REGIONS, png_facts, posts

pytestmark = pytest.mark.dates


def runner(emulator: BackupEmulator, slack: FakeSlack, tmp_path: Path, **extra: str) -> DigestRunner:
    env = {"RESTORES_REGIONS": ",".join(E2E_REGIONS), "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url,
           "RESTORES_DIGEST_CHANNELS": ",".join(DIGEST_CHANNELS), "RESTORES_DIGEST_ACCOUNT": "ANY",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}", "RESTORES_AWS_DEADLINE": "10", **extra}
    settings = load_settings(env, "digest")
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing"),
                           endpoint_url=emulator.url)
    return Wiring(settings, backup=backup).digest()


def images(post: SlackCall) -> list[dict[str, Any]]:
    return [b for b in post.params["blocks"] if b["type"] == "image"]


def trend_text(post: SlackCall) -> str:
    return next(b["text"]["text"] for b in post.params["blocks"]
                if b["type"] == "section" and "-day trend*" in b.get("text", {}).get("text", ""))


def test_every_channel_shows_the_one_uploaded_chart(fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount],
                                                    tmp_path: Path, now: datetime, today: date, day: date) -> None:
    emulator, slack = fakes
    run = runner(emulator, slack, tmp_path).run(now=now)
    assert [(o.status, o.detail) for o in run.outcomes] == [("posted", "")] * 3

    (upload,) = slack.files  # one upload for the three channels of one scope
    assert upload.completed and upload.channel is None  # never shared as a message of its own
    (complete,) = slack.calls_to("files.completeUploadExternal")
    assert "channel_id" not in complete.params and "channels" not in complete.params
    size, colours, red = png_facts(upload.data or b"")
    assert size == CHART_SIZE and colours > 16 and red  # a drawn chart with failed bars, not a blank card
    assert upload.length == len(upload.data or b"")

    bad = [sum(expected_sum(dataset, state=s, start=d, end=d + timedelta(days=1)) for s in ("FAILED", "ABORTED"))
           for d in (day - timedelta(days=13 - i) for i in range(14))]
    assert sum(bad) > 0
    failed, aborted, completed = (expected_sum(dataset, state=s, start=day, end=today)
                                  for s in ("FAILED", "ABORTED", "COMPLETED"))
    for channel in DIGEST_CHANNELS:
        (post,) = posts(slack, channel)
        (image,) = images(post)
        assert image["slack_file"] == {"id": upload.id}
        alt = image["alt_text"]
        days = [day - timedelta(days=13 - i) for i in range(14)]
        assert "Failed or aborted per day: " + ", ".join(f"{d:%d %b} {n}" for d, n in zip(days, bad, strict=True)) in alt
        assert f"{day:%d %b} (highlighted): {failed} failed, {aborted} aborted, {completed} completed." in alt
        assert f"7-day average before it: {sum(bad[6:13]) / 7:.1f} failed or aborted a day." in alt
        assert upload.alt_txt == alt
        # The picture replaces the sparkline; the comparison in words stays.
        assert not any(c in trend_text(post) for c in SPARK)
        assert f"{day:%a} {day.day} {day:%b}: {failed + aborted:,} failed or aborted — " in trend_text(post)


def test_each_scope_gets_its_own_chart_uploaded_once(fakes: tuple[BackupEmulator, FakeSlack],
                                                     dataset: list[DailyCount], tmp_path: Path, now: datetime,
                                                     today: date, day: date) -> None:
    emulator, slack = fakes
    one, two = DATASET_ACCOUNTS[:2]
    scoped = runner(emulator, slack, tmp_path, RESTORES_DIGEST_CHANNELS="C0TEAMA1,C0TEAMA2,C0TEAMB1",
                    RESTORES_CHANNEL_ACCOUNTS=f"C0TEAMA1={one};C0TEAMA2={one};C0TEAMB1={two}")
    scoped.run(now=now)
    assert len(slack.files) == 2
    shown = {channel: images(post)[0] for channel in ("C0TEAMA1", "C0TEAMA2", "C0TEAMB1")
             for post in posts(slack, channel)}
    assert shown["C0TEAMA1"]["slack_file"] == shown["C0TEAMA2"]["slack_file"] != shown["C0TEAMB1"]["slack_file"]
    for channel, account in (("C0TEAMA1", one), ("C0TEAMB1", two)):
        failed = expected_sum(dataset, state="FAILED", account_id=account, start=day, end=today)
        assert f"(highlighted): {failed} failed," in shown[channel]["alt_text"]
    uploaded = {f.id: f.data for f in slack.files}
    assert uploaded[shown["C0TEAMA1"]["slack_file"]["id"]] != uploaded[shown["C0TEAMB1"]["slack_file"]["id"]]


def test_without_files_write_the_digest_keeps_the_sparkline(fakes: tuple[BackupEmulator, FakeSlack],
                                                            dataset: list[DailyCount], tmp_path: Path, now: datetime,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    emulator, slack = fakes
    slack.scopes = tuple(s for s in slack.scopes if s != "files:write")
    with caplog.at_level(logging.INFO):
        run = runner(emulator, slack, tmp_path).run(now=now)
    assert [o.status for o in run.outcomes] == ["posted"] * 3
    assert all("no chart: missing_scope" in o.detail for o in run.outcomes)
    assert len(slack.calls_to("files.getUploadURLExternal")) == 1  # asked once, not once per channel
    assert slack.files == []
    for channel in DIGEST_CHANNELS:
        (post,) = posts(slack, channel)
        assert images(post) == []
        assert "*14-day trend* `" in trend_text(post) and any(c in trend_text(post) for c in SPARK)
    logged = caplog.text
    assert "missing_scope" in logged and "files:write" in logged
    assert BOT_TOKEN not in logged


def test_a_file_still_being_processed_is_waited_for(fakes: tuple[BackupEmulator, FakeSlack],
                                                    dataset: list[DailyCount], tmp_path: Path, now: datetime) -> None:
    emulator, slack = fakes
    slack.delay_file_processing(0.5)
    run = runner(emulator, slack, tmp_path).run(now=now, channels=("C0DIGEST1",))
    assert [(o.status, o.detail) for o in run.outcomes] == [("posted", "")]
    refused, accepted = slack.calls_to("chat.postMessage")
    assert refused.response["errors"] == [f"invalid slack file [json-pointer:/blocks/{i}/slack_file]"
                                          for i, b in enumerate(refused.params["blocks"]) if b["type"] == "image"]
    assert images(accepted)[0]["slack_file"]["id"] == slack.files[0].id


def test_a_file_slack_will_not_show_leaves_the_text_trend(fakes: tuple[BackupEmulator, FakeSlack],
                                                          dataset: list[DailyCount], tmp_path: Path,
                                                          now: datetime) -> None:
    emulator, slack = fakes
    slack.delay_file_processing(3600)
    run = runner(emulator, slack, tmp_path).run(now=now, channels=("C0DIGEST1", "C0DIGEST2"))
    assert [(o.status, o.detail) for o in run.outcomes] == [("posted", "text trend, no chart: file_not_shown")] * 2
    for channel in ("C0DIGEST1", "C0DIGEST2"):
        (post,) = posts(slack, channel)
        assert images(post) == [] and any(c in trend_text(post) for c in SPARK)
    # Waited out once: the second channel went straight to the text trend.
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")] == ["C0DIGEST1"] * 5 + ["C0DIGEST2"]


def test_an_incomplete_digest_draws_no_chart(fakes: tuple[BackupEmulator, FakeSlack], dataset: list[DailyCount],
                                             tmp_path: Path, now: datetime) -> None:
    emulator, slack = fakes
    emulator.set_fault("eu-west-1", unavailable())
    runner(emulator, slack, tmp_path).run(now=now, channels=("C0DIGEST1",))
    (post,) = posts(slack)
    assert "eu-west-1" in json.dumps(post.params["blocks"])
    assert images(post) == [] and slack.files == []  # partial numbers: no average line drawn from them
    assert "no comparison made from partial numbers" in trend_text(post)
