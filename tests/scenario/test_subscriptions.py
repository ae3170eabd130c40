"""Subscriptions managed from the channel itself: `/restores subscribe|unsubscribe|subscriptions` as signed requests to
the in-process bot (real slack_sdk to the fake Slack, whose conversations.info says which channels are private), the
rules (admins, DMs, scope, allow-lists, private channels), and the digest posted at each channel's own time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.digest.data import digest_day
from bot.digest.run import DigestRunner
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import BOT_TOKEN, CHANNEL_SCOPES, DATASET_ACCOUNTS, AppBot, load_dataset, posts

pytestmark = pytest.mark.dates

BERLIN = ZoneInfo("Europe/Berlin")
A, B, _ = DATASET_ACCOUNTS
NOTHING = "This channel gets no digest and no alerts yet"


@pytest.fixture
def database_file(tmp_path: Path) -> str:
    """This test's own DATABASE_URL: subscriptions never leak into the session's shared bot database."""
    return f"sqlite:///{tmp_path / 'subscriptions.sqlite3'}"


@pytest.fixture
def launch(launch_app_bot: Callable[..., AppBot], fakes: tuple[BackupEmulator, FakeSlack],
           database_file: str) -> Callable[..., AppBot]:
    """The in-process bot (signed requests, real listeners) on this test's database, with extra environment."""
    return lambda **env: launch_app_bot(DATABASE_URL=database_file, **env)


@pytest.fixture
def subs_bot(launch: Callable[..., AppBot]) -> AppBot:
    return launch()


def text(bot: AppBot, command: str, **kwargs: str) -> str:
    return str(bot.ask(command, **kwargs).body["text"])


def runner_on(database_url: str, emulator: BackupEmulator, slack: FakeSlack, **env: str) -> DigestRunner:
    """The clock's digest runner on the same database, no static digest channel unless `env` names some."""
    settings = load_settings({"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url,
                              "DATABASE_URL": database_url, **env}, "clock")
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"),
                           endpoint_url=emulator.url)
    return Wiring(settings, backup=backup).digest()


def berlin_at(now: datetime, hour: int, minute: int, days: int = 0) -> datetime:
    return datetime.combine(now.astimezone(BERLIN).date() + timedelta(days=days), time(hour, minute), tzinfo=BERLIN)


def test_subscribe_digest_at_a_time_and_zone_is_announced_and_listed(subs_bot: AppBot, now: datetime) -> None:
    answer = subs_bot.ask("subscribe digest 07:30 Europe/Berlin", channel_id="C0SUBS", user_id="U0ALICE")
    assert answer.body["response_type"] == "in_channel"  # the channel sees who subscribed it
    said = answer.body["text"]
    assert "<@U0ALICE> subscribed this channel to the daily restore digest at *07:30 Europe/Berlin*" in said
    upcoming = [berlin_at(now, 7, 30, days) for days in (0, 1)]
    assert any(f"(next: {at:%a %d %b} 07:30 {at.tzname()})" in said for at in upcoming), said

    listing = subs_bot.ask("subscriptions", channel_id="C0SUBS", user_id="U0BOB")
    assert listing.body["response_type"] == "ephemeral"
    assert "*Daily restore digest* at 07:30 Europe/Berlin" in listing.body["text"]
    assert f"subscribed by <@U0ALICE> on {now:%d %b %Y}" in listing.body["text"]
    assert "`/restores unsubscribe digest`" in listing.body["text"]
    assert "Restore alerts" not in listing.body["text"]


def test_defaults_come_from_the_configuration_and_a_second_subscribe_replaces_the_first(
        launch: Callable[..., AppBot]) -> None:
    bot = launch(RESTORES_DIGEST_TIME="06:45", RESTORES_DIGEST_TZ="America/New_York")
    assert "at *06:45 America/New_York*" in text(bot, "subscribe digest", channel_id="C0SUBS")
    assert "at *18:00 America/New_York*" in text(bot, "subscribe digest 18:00", channel_id="C0SUBS")
    assert "at *07:05 Asia/Tokyo*" in text(bot, "subscribe digest asia/tokyo 7:05", channel_id="C0SUBS")
    listing = text(bot, "subscriptions", channel_id="C0SUBS")
    assert listing.count("Daily restore digest") == 1 and "07:05 Asia/Tokyo" in listing


def test_subscribe_alerts_with_a_filter_and_unsubscribe(subs_bot: AppBot) -> None:
    said = text(subs_bot, "subscribe alerts type:ebs account:111122223333 state:failed", channel_id="C0SUBS")
    assert "subscribed this channel to restore alerts: FAILED restores · resource type EBS · account 111122223333" in said
    assert "*Restore alerts* for FAILED restores" in text(subs_bot, "subscriptions", channel_id="C0SUBS")
    assert "every resource type · every account the bot reads" in text(subs_bot, "subscribe alerts", channel_id="C0SUBS")
    assert "FAILED and ABORTED restores" in text(subs_bot, "subscriptions", channel_id="C0SUBS")

    gone = subs_bot.ask("unsubscribe alerts", channel_id="C0SUBS", user_id="U0ALICE")
    assert gone.body["response_type"] == "in_channel"
    assert "<@U0ALICE> unsubscribed this channel from restore alerts." in gone.body["text"]
    assert NOTHING in text(subs_bot, "subscriptions", channel_id="C0SUBS")
    again = text(subs_bot, "unsubscribe alerts", channel_id="C0SUBS")
    assert "This channel is not subscribed to restore alerts; nothing changed." in again


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("subscribe digest 25:00", ["`25:00` is not a time of day", "Accepted: a 24-hour time `HH:MM`"]),
        ("subscribe digest 0730", ["`0730` is not a time of day", "Did you mean `07:30`?"]),
        ("subscribe digest 07:30 Europe/Berln",
         ["`Europe/Berln` is not an IANA time zone", "Did you mean `Europe/Berlin`?", "e.g. `UTC`, `Europe/Berlin`"]),
        ("subscribe digest 07:30 08:00", ["`08:00` is a second time: give one"]),
        ("subscribe newsletter", ["`newsletter` is not something to subscribe to (accepted: `digest`, `alerts`)"]),
        ("unsubscribe", ["`unsubscribe` needs what to unsubscribe from: `digest` or `alerts`"]),
        ("subscribe alerts state:completed", ["is not a state alerts are sent for", "`state:failed`, `state:aborted`"]),
        ("subscribe alerts account:AGGREGATE_ALL", ["sums accounts, but an alert is about one job"]),
        ("subscribe alerts 7d", ["`7d` does not apply to alerts", "`type:EBS`"]),
        ("failed subscribe digest", ["`subscribe` must come first"]),
        ("subscribe digest <!channel>", ["`&lt;!channel&gt;` is not an IANA time zone"]),
    ],
)
def test_bad_input_says_what_is_wrong_and_what_is_accepted_and_stores_nothing(
        subs_bot: AppBot, command: str, expected: list[str]) -> None:
    said = text(subs_bot, command, channel_id="C0SUBS")
    for part in expected:
        assert part in said
    assert "<!channel>" not in said  # a user's text is shown escaped, never as a live mention
    assert NOTHING in text(subs_bot, "subscriptions", channel_id="C0SUBS")


def test_alert_accounts_must_be_in_the_channels_scope(launch: Callable[..., AppBot]) -> None:
    bot = launch(RESTORES_CHANNEL_ACCOUNTS=CHANNEL_SCOPES)
    refused = text(bot, f"subscribe alerts account:{B}", channel_id="C0TEAMA")
    assert f"This channel only sees accounts {A}; account {B} is not one of them" in refused
    assert NOTHING in text(bot, "subscriptions", channel_id="C0TEAMA")
    assert f"account {A}" in text(bot, f"subscribe alerts account:{A}", channel_id="C0TEAMA")
    assert f"every account this channel sees ({A}, {B})" in text(bot, "subscribe alerts", channel_id="C0TEAMAB")
    assert f"This channel sees accounts {A}, {B}." in str(bot.ask("subscriptions", channel_id="C0TEAMAB").body["blocks"])
    # Scoping is configured and this channel has none: refused like any question (fail closed).
    assert "has no AWS accounts to show in this conversation" in text(bot, "subscribe digest", channel_id="C0NOSCOPE")


def test_only_admins_change_subscriptions_when_admins_are_set(launch: Callable[..., AppBot]) -> None:
    bot = launch(RESTORES_ADMIN_USERS="U0ADMIN")
    for command in ("subscribe digest 07:30", "subscribe alerts", "unsubscribe digest"):
        said = text(bot, command, channel_id="C0SUBS", user_id="U0OTHER")
        assert "Only the bot's admins (`RESTORES_ADMIN_USERS`) may change this channel's subscriptions" in said
    assert NOTHING in text(bot, "subscriptions", channel_id="C0SUBS", user_id="U0OTHER")  # reading is for everyone
    assert "subscribed this channel" in text(bot, "subscribe digest 07:30", channel_id="C0SUBS", user_id="U0ADMIN")


def test_allow_lists_apply_to_subscriptions_too(launch: Callable[..., AppBot]) -> None:
    bot = launch(RESTORES_ALLOWED_USERS="U0ALLOWED")
    assert "is not enabled for you in this channel" in text(bot, "subscribe digest", channel_id="C0SUBS", user_id="U0X")
    assert "subscribed this channel" in text(bot, "subscribe digest", channel_id="C0SUBS", user_id="U0ALLOWED")


def test_a_private_channel_the_bot_is_not_in_gets_invite_first(subs_bot: AppBot, slack: FakeSlack) -> None:
    slack.set_conversation("G0SECRET", private=True)
    said = text(subs_bot, "subscribe digest 07:30 Europe/Berlin", channel_id="G0SECRET")
    assert "it is private and I am not a member. Invite @restores first (`/invite @restores`)" in said
    assert [c.params["channel"] for c in slack.calls_to("conversations.info")] == ["G0SECRET"]
    assert NOTHING in text(subs_bot, "subscriptions", channel_id="G0SECRET")

    slack.set_conversation("G0SECRET", private=True, member=True)  # /invite @restores
    assert "subscribed this channel" in text(subs_bot, "subscribe alerts", channel_id="G0SECRET")


def test_archived_channels_and_direct_messages_cannot_subscribe(subs_bot: AppBot, slack: FakeSlack) -> None:
    slack.set_conversation("C0OLD", archived=True)
    assert "This channel is archived" in text(subs_bot, "subscribe digest", channel_id="C0OLD")
    for command in ("subscribe digest 07:30", "subscribe alerts", "subscriptions"):
        said = text(subs_bot, command, channel_id="D0DIRECT")
        assert "A direct message cannot subscribe to the digest or alerts" in said
    assert [c.params["channel"] for c in slack.calls_to("conversations.info")] == ["C0OLD"]


def test_the_static_base_is_listed_and_cannot_be_removed_from_slack(launch: Callable[..., AppBot]) -> None:
    bot = launch(RESTORES_DIGEST_CHANNELS="C0STATIC", RESTORES_ALERT_CHANNELS="C0STATIC", RESTORES_DIGEST_TIME="06:15")
    listing = text(bot, "subscriptions", channel_id="C0STATIC")
    assert ("*Daily restore digest* at 06:15 UTC" in listing
            and "from the bot's configuration (`RESTORES_DIGEST_CHANNELS`), cannot be removed from Slack" in listing)
    assert "*Restore alerts* for FAILED and ABORTED restores" in listing
    assert "from the bot's configuration (`RESTORES_ALERT_CHANNELS`), cannot be removed from Slack" in listing

    said = text(bot, "unsubscribe digest", channel_id="C0STATIC")
    assert "no subscription to the daily restore digest made from Slack" in said and "cannot be removed" in said
    said = text(bot, "subscribe digest 07:30 Europe/Berlin", channel_id="C0STATIC")
    assert "also gets it at 06:15 UTC" in said and "whichever time comes first" in said
    said = text(bot, "unsubscribe digest", channel_id="C0STATIC")
    assert "unsubscribed this channel from the daily restore digest" in said
    assert "It still gets the daily restore digest from the bot's configuration" in said


def test_subscribed_channel_gets_the_digest_at_its_own_time_exactly_once_until_unsubscribed(
        subs_bot: AppBot, fakes: tuple[BackupEmulator, FakeSlack], database_file: str, now: datetime) -> None:
    """The issue's check: subscribe at 07:30 Berlin, the digest run for that time posts there once; unsubscribe
    stops it. The clock's tick is called with `now` at that local time, a minute before and after, and a day later."""
    emulator, slack = fakes
    subs_bot.ask("subscribe digest 07:30 Europe/Berlin", channel_id="C0BERLIN")
    subs_bot.ask("subscribe digest 10:00 Europe/Berlin", channel_id="C0LATER")
    runner = runner_on(database_file, emulator, slack)
    at = berlin_at(now, 7, 30)
    # AWS's clock at the tick's time, with the data AWS has summarised by then: the digest's day is over by AWS's
    # clock (it decides, not the host's) and has its ONE_DAY bucket.
    emulator.set_now(at)
    load_dataset(emulator, at.astimezone(UTC).date())

    assert runner.tick(at - timedelta(minutes=1)) == []  # not yet today (and yesterday's is not caught up)
    (run,) = runner.tick(at)
    assert [(o.channel, o.status) for o in run.outcomes] == [("C0BERLIN", "posted")]
    assert run.day == digest_day(at)
    for later in (1, 20, 60):
        assert runner.tick(at + timedelta(minutes=later)) == []
    (post,) = posts(slack, "C0BERLIN")
    assert post.params["metadata"]["event_payload"]["day"] == digest_day(at).isoformat()
    assert posts(slack, "C0LATER") == []  # its own time has not come

    subs_bot.ask("unsubscribe digest", channel_id="C0BERLIN")
    assert [o.channel for run in runner.tick(at + timedelta(days=1)) for o in run.outcomes] == []
    assert len(posts(slack, "C0BERLIN")) == 1


def test_a_channel_slack_says_is_gone_is_unsubscribed_after_three_days_and_the_reason_logged(
        subs_bot: AppBot, fakes: tuple[BackupEmulator, FakeSlack], database_file: str, now: datetime,
        caplog: pytest.LogCaptureFixture) -> None:
    emulator, slack = fakes
    subs_bot.ask("subscribe digest 07:30 Europe/Berlin", channel_id="C0GONE")
    slack.fail_channel("C0GONE", "channel_not_found")
    runner = runner_on(database_file, emulator, slack)
    at = berlin_at(now, 7, 30)
    # AWS's clock follows each tick's time (it decides when a day is over), with every day's counts summarised.
    aws_now = [at]
    emulator.set_now(lambda: aws_now[0])
    load_dataset(emulator, (at + timedelta(days=3)).astimezone(UTC).date())

    def tick(when: datetime) -> None:
        aws_now[0] = when
        runner.tick(when)

    caplog.set_level(logging.WARNING, logger="bot.store.subscriptions")
    # The first day and its retries count once: a channel is not dropped within one morning.
    for minutes in (0, 16, 32, 48):
        tick(at + timedelta(minutes=minutes))
    tick(at + timedelta(days=1))
    assert "*Daily restore digest* at 07:30" in text(subs_bot, "subscriptions", channel_id="C0GONE")
    assert len(slack.calls_to("chat.postMessage")) == 5  # every attempt was made, none got through

    tick(at + timedelta(days=2))
    assert NOTHING in text(subs_bot, "subscriptions", channel_id="C0GONE")
    assert any("unsubscribed channel=C0GONE from digest: Slack answered channel_not_found 3 times in a row" in r.message
               for r in caplog.records)
    tick(at + timedelta(days=3))
    assert len(slack.calls_to("chat.postMessage")) == 6  # nothing tried after the unsubscribe
