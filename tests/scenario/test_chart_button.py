"""The Chart button of `/restores … daily` answers in process: a signed click → the filter's 14 days uploaded with
files_upload_v2 to the clicked channel (real slack_sdk to the fake Slack), the user told so through response_url; the
days as text when Slack refuses the upload. Expected numbers from tests.fakes.aws.expected_sum, the picture read back
with Pillow."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from bot.answers.controls import ActionId
from bot.sample.records import DailyCount
from bot.slack.blocks import SPARK
from tests.fakes.aws import BackupEmulator, expected_sum
from tests.fakes.slack import FakeSlack
from tests.support import CHART_SIZE, DATASET_ACCOUNTS, E2E_REGIONS, AppBot, actions_of, click, png_facts, text_of

pytestmark = pytest.mark.dates

CHANNEL = "C0CHARTS01"  # Slack's shape: files.completeUploadExternal refuses shorter channel ids


def chart_button(bot: AppBot, text: str, channel: str = CHANNEL) -> dict[str, str]:
    return actions_of(bot.ask(text, channel_id=channel))[ActionId.CHART.value]


def bad_per_day(dataset: list[DailyCount], day: date, **where: str) -> list[int]:
    days = [day - timedelta(days=13 - i) for i in range(14)]
    return [sum(expected_sum(dataset, state=s, start=d, end=d + timedelta(days=1), **where) for s in ("FAILED", "ABORTED"))
            for d in days]


def test_the_chart_is_uploaded_to_the_clicked_channel(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack,
                                                      dataset: list[DailyCount], day: date, today: date) -> None:
    slack.set_conversation(CHANNEL, member=True)
    button = chart_button(app_bot, "failed daily account:ANY type:EBS")
    emulator.reset()
    _, (answer,) = click(app_bot, slack, button["action_id"], button["value"], channel_id=CHANNEL)

    (upload,) = slack.files
    command = f"/restores state:ANY daily type:EBS account:ANY region:{','.join(E2E_REGIONS)}"
    assert (upload.channel, upload.title, upload.completed) == (CHANNEL, command, True)
    size, colours, red = png_facts(upload.data or b"")
    assert size == CHART_SIZE and colours > 16 and red
    bad = bad_per_day(dataset, day, resource_type="EBS")
    completed = expected_sum(dataset, state="COMPLETED", resource_type="EBS", start=day - timedelta(days=13), end=today)
    days = [day - timedelta(days=13 - i) for i in range(14)]
    assert "Failed or aborted per day: " + ", ".join(f"{d:%d %b} {n}" for d, n in zip(days, bad, strict=True)) in (
        upload.alt_txt or "")
    assert f"Completed in all: {completed}." in (upload.alt_txt or "")
    failed, aborted = (expected_sum(dataset, state=s, resource_type="EBS", start=day - timedelta(days=13), end=today)
                       for s in ("FAILED", "ABORTED"))
    assert failed + aborted == sum(bad)
    assert upload.initial_comment is not None and upload.initial_comment.endswith(
        f": {failed:,} failed, {aborted:,} aborted, {completed:,} completed")
    # One read of every state, day by day, for exactly the answer's type and accounts.
    assert {(c.params["State"], c.params["AggregationPeriod"], c.params["ResourceType"])
            for c in emulator.calls("/audit/")} == {("ANY", "ONE_DAY", "EBS")}

    assert answer.body["response_type"] == "ephemeral" and answer.body["replace_original"] is False
    assert f"Posted the 14-day chart of `{command}` to this channel" in text_of(answer)


def test_only_day_by_day_answers_have_the_button(app_bot: AppBot, dataset: list[DailyCount]) -> None:
    assert ActionId.CHART.value not in actions_of(app_bot.ask("failed 7d", channel_id=CHANNEL))
    assert ActionId.CHART.value not in actions_of(app_bot.ask("failed 1d", channel_id=CHANNEL))  # one day: no trend
    assert ActionId.CHART.value not in actions_of(app_bot.ask("failed daily share", channel_id=CHANNEL))


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda slack: setattr(slack, "scopes", ("commands", "chat:write")), "lacks the files:write scope"),
        (lambda slack: None, "not a member of this channel: /invite @restores"),
    ],
    ids=["missing files:write", "not in the channel"],
)
def test_a_refused_upload_answers_with_the_days_as_text(app_bot: AppBot, slack: FakeSlack, dataset: list[DailyCount],
                                                         day: date, setup: Callable[[FakeSlack], None],
                                                         reason: str) -> None:
    button = chart_button(app_bot, "daily account:ANY")
    setup(slack)
    _, (answer,) = click(app_bot, slack, button["action_id"], button["value"], channel_id=CHANNEL)
    assert not [f for f in slack.files if f.completed]
    text = text_of(answer)
    assert reason in text and "No chart posted" in text
    failed, aborted = (expected_sum(dataset, state=s, start=day, end=day + timedelta(days=1)) for s in ("FAILED", "ABORTED"))
    # One line per day, its states labelled, failed first (issue 23).
    assert f"`{day:%a} {day.day} {day:%b}` {failed:,} failed, {aborted:,} aborted, " in text
    assert any(c in text for c in SPARK)
    assert answer.body["response_type"] == "ephemeral"


def test_a_scoped_channel_charts_only_its_accounts(launch_app_bot: Callable[..., AppBot], slack: FakeSlack,
                                                   dataset: list[DailyCount], day: date) -> None:
    own = DATASET_ACCOUNTS[0]
    bot = launch_app_bot(RESTORES_CHANNEL_ACCOUNTS=f"{CHANNEL}={own}")
    slack.set_conversation(CHANNEL, member=True)
    # A value naming every account, as a tampered or forwarded button would: the channel's scope still applies.
    button = chart_button(bot, "daily account:ANY")
    _, (answer,) = click(bot, slack, button["action_id"], button["value"], channel_id=CHANNEL)
    (upload,) = slack.files
    bad = bad_per_day(dataset, day, account_id=own)
    assert bad != bad_per_day(dataset, day)  # the control: the organisation's numbers differ
    days = [day - timedelta(days=13 - i) for i in range(14)]
    assert "Failed or aborted per day: " + ", ".join(f"{d:%d %b} {n}" for d, n in zip(days, bad, strict=True)) + "." in (
        upload.alt_txt or "")
    assert "Posted the 14-day chart" in text_of(answer)
    for other in DATASET_ACCOUNTS[1:]:
        assert other not in (upload.alt_txt or "") + (upload.initial_comment or "") + upload.title


def test_a_tampered_chart_value_is_refused_politely(app_bot: AppBot, slack: FakeSlack) -> None:
    value = json.dumps({"v": 1, "s": "FAILED", "p": "1d", "r": "mars-north-1"})
    _, (answer,) = click(app_bot, slack, ActionId.CHART.value, value, channel_id=CHANNEL)
    assert "/restores" in text_of(answer) and slack.files == []
