"""SubscriptionCommands over a real SubscriptionStore (SQLite in a tmp file): the rules in the order a user can act on
(where, who, what, whether Slack lets the bot post), each refusal storing nothing, and what is stored being what was
asked, with the configured defaults and the static base."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import Mock

import pytest

from bot.answers.grammar import parse_command
from bot.config import load_settings
from bot.domain.access import Access
from bot.domain.subscriptions import AlertSubscription, ChannelProblem, DigestSubscription
from bot.slack.blocks import Message
from bot.store.subscriptions import SubscriptionStore
from bot.subscriptions.service import SubscriptionCommands

pytestmark = pytest.mark.dates

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
REGIONS = ("us-east-1",)
ENV = {"RESTORES_REGIONS": "us-east-1", "RESTORES_DIGEST_TIME": "08:15", "RESTORES_DIGEST_TZ": "Europe/Berlin",
       "RESTORES_DIGEST_CHANNELS": "C0STATIC", "RESTORES_ALERT_CHANNELS": "C0STATIC"}
EVERYTHING = Access(allowed=True, accounts=None)
SCOPED = Access(allowed=True, accounts=frozenset({"111122223333"}))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SubscriptionStore]:
    opened = SubscriptionStore.from_url(f"sqlite:///{tmp_path}/s.db")
    yield opened
    opened.engine.dispose()


def commands(store: SubscriptionStore, **env: str) -> SubscriptionCommands:
    return SubscriptionCommands(load_settings({**ENV, **env}, "local"), lambda: store)


def answer(service: SubscriptionCommands, text: str, *, access: Access = EVERYTHING, user: str = "U0ALICE",
           channel: str = "C0TEAM", check: Mock | None = None) -> Message:
    return service.answer(parse_command(text, REGIONS), access, user_id=user, channel_id=channel, channel_check=check,
                          now=NOW)


def body(message: Message) -> str:
    return message.block_dicts()[0]["text"]["text"]


def stored(store: SubscriptionStore) -> tuple[list[DigestSubscription], list[AlertSubscription]]:
    settings = load_settings(ENV, "local")
    return ([s for s in store.digest_subscriptions(settings) if not s.static],
            [s for s in store.alert_subscriptions(settings) if not s.static])


def test_a_digest_subscription_is_stored_as_asked_and_announced() -> None:
    store = Mock(SubscriptionStore)
    service = SubscriptionCommands(load_settings(ENV, "local"), lambda: store)
    message = answer(service, "subscribe digest 07:30 America/New_York")
    store.subscribe_digest.assert_called_once_with("C0TEAM", 7, 30, "America/New_York", "U0ALICE")
    assert message.response_type == "in_channel"
    assert body(message).startswith(":bell: <@U0ALICE> subscribed this channel to the daily restore digest "
                                    "at *07:30 America/New_York* (next: Thu 26 Nov 07:30 EST)")


def test_a_digest_without_time_or_zone_takes_the_configured_ones(store: SubscriptionStore) -> None:
    message = answer(commands(store), "subscribe digest")
    assert stored(store)[0] == [DigestSubscription("C0TEAM", 8, 15, "Europe/Berlin", False)]
    assert "at *08:15 Europe/Berlin*" in body(message)
    assert "RESTORES_DIGEST_CHANNELS" not in body(message)


def test_a_configured_digest_channel_is_told_it_already_gets_one(store: SubscriptionStore) -> None:
    message = answer(commands(store), "subscribe digest 06:00 UTC", channel="C0STATIC")
    assert "This channel also gets it at 08:15 Europe/Berlin from the bot's configuration" in body(message)
    assert stored(store)[0] == [DigestSubscription("C0STATIC", 6, 0, "UTC", False)]


def test_alerts_are_stored_with_their_filter_and_states(store: SubscriptionStore) -> None:
    message = answer(commands(store), "subscribe alerts type:ebs account:111122223333 state:aborted", access=SCOPED)
    assert stored(store)[1] == [AlertSubscription("C0TEAM", "EBS", "111122223333", ("ABORTED",), False)]
    assert "ABORTED restores · resource type EBS · account 111122223333" in body(message)
    answer(commands(store), "subscribe alerts", access=SCOPED)  # a second subscribe replaces the first
    assert stored(store)[1] == [AlertSubscription("C0TEAM", None, None, ("FAILED", "ABORTED"), False)]


def test_alerts_about_an_account_outside_the_channels_scope_are_refused_before_slack_is_asked(
    store: SubscriptionStore,
) -> None:
    check = Mock(return_value=None)
    message = answer(commands(store), "subscribe alerts account:444455556666", access=SCOPED, check=check)
    assert body(message) == (":lock: This channel only sees accounts 111122223333; account 444455556666 is not one of "
                             "them, so it cannot get alerts about it.")
    check.assert_not_called()
    assert stored(store) == ([], [])
    # Without a scope, any account may be named.
    answer(commands(store), "subscribe alerts account:444455556666", check=check)
    assert [s.account for s in stored(store)[1]] == ["444455556666"]


@pytest.mark.parametrize("problem", list(ChannelProblem))
def test_a_channel_the_bot_cannot_post_in_gets_no_subscription(store: SubscriptionStore, problem: ChannelProblem) -> None:
    check = Mock(return_value=problem)
    for text in ("subscribe digest", "subscribe alerts"):
        message = answer(commands(store), text, check=check)
        assert message.response_type == "ephemeral"
        assert ":bell:" not in body(message)
    assert [call.args for call in check.call_args_list] == [("C0TEAM",), ("C0TEAM",)]
    assert stored(store) == ([], [])


def test_a_channel_shared_with_another_organisation_is_refused_and_told_why(store: SubscriptionStore) -> None:
    check = Mock(return_value=ChannelProblem.SHARED)
    for text in ("subscribe digest", "subscribe alerts"):
        message = answer(commands(store), text, check=check)
        assert message.response_type == "ephemeral"
        assert "shared with another organisation" in body(message) and "RESTORES_ALLOW_SHARED_CHANNELS" in body(message)
    assert stored(store) == ([], [])


def test_a_shared_channel_is_subscribed_when_the_operator_allows_it(store: SubscriptionStore) -> None:
    check = Mock(return_value=ChannelProblem.SHARED)
    allowing = commands(store, RESTORES_ALLOW_SHARED_CHANNELS="true")
    answer(allowing, "subscribe digest", check=check)
    answer(allowing, "subscribe alerts", check=check)
    assert len(stored(store)[0]) == 1 and len(stored(store)[1]) == 1


def test_a_channel_slack_lets_the_bot_post_in_is_subscribed(store: SubscriptionStore) -> None:
    check = Mock(return_value=None)
    answer(commands(store), "subscribe digest", check=check)
    check.assert_called_once_with("C0TEAM")
    assert len(stored(store)[0]) == 1


def test_no_channel_and_direct_messages_are_refused_without_opening_the_store() -> None:
    opened = Mock(side_effect=AssertionError("the store must not be opened"))
    service = SubscriptionCommands(load_settings(ENV, "local"), opened)
    assert "Subscriptions belong to a Slack channel" in body(answer(service, "subscribe digest", channel=""))
    for text in ("subscribe digest", "unsubscribe alerts", "subscriptions"):
        assert "A direct message cannot subscribe" in body(answer(service, text, channel="D0DIRECT"))
    opened.assert_not_called()


def test_only_admins_change_subscriptions_but_anyone_may_see_them(store: SubscriptionStore) -> None:
    service = commands(store, RESTORES_ADMIN_USERS="U0ADMIN")
    check = Mock(return_value=None)
    for text in ("subscribe digest", "subscribe alerts", "unsubscribe digest"):
        assert "Only the bot's admins (`RESTORES_ADMIN_USERS`)" in body(answer(service, text, user="U0ALICE", check=check))
    check.assert_not_called()
    assert stored(store) == ([], [])
    assert "This channel gets no digest and no alerts yet" in body(answer(service, "subscriptions", user="U0ALICE"))
    answer(service, "subscribe digest", user="U0ADMIN")
    assert len(stored(store)[0]) == 1


def test_a_direct_message_is_refused_before_the_admin_rule() -> None:
    service = SubscriptionCommands(load_settings({**ENV, "RESTORES_ADMIN_USERS": "U0ADMIN"}, "local"), Mock())
    assert "A direct message cannot subscribe" in body(answer(service, "subscribe digest", channel="D0DIRECT"))


def test_unsubscribe_removes_the_stored_one_and_says_what_the_configuration_keeps(store: SubscriptionStore) -> None:
    service = commands(store)
    answer(service, "subscribe digest", channel="C0STATIC")
    answer(service, "subscribe alerts", channel="C0TEAM")
    static = body(answer(service, "unsubscribe digest", channel="C0STATIC"))
    assert static.startswith(":no_bell: <@U0ALICE> unsubscribed this channel from the daily restore digest.")
    assert "It still gets the daily restore digest from the bot's configuration (`RESTORES_DIGEST_CHANNELS`)" in static
    plain = body(answer(service, "unsubscribe alerts", channel="C0TEAM"))
    assert plain == ":no_bell: <@U0ALICE> unsubscribed this channel from restore alerts."
    assert stored(store) == ([], [])
    again = body(answer(service, "unsubscribe alerts", channel="C0TEAM"))
    assert again.startswith(":information_source: This channel is not subscribed to restore alerts; nothing changed.")
    only_static = body(answer(service, "unsubscribe alerts", channel="C0STATIC"))
    assert only_static.startswith(":information_source: This channel has no subscription to restore alerts made from Slack.")


def test_subscriptions_lists_the_channels_static_and_stored_entries_with_its_scope(store: SubscriptionStore) -> None:
    service = commands(store)
    answer(service, "subscribe digest 06:00 UTC", channel="C0STATIC", user="U0BOB")
    message = answer(service, "subscriptions", channel="C0STATIC", access=SCOPED)
    lines = body(message).splitlines()
    assert lines[1].startswith("• *Daily restore digest* at 08:15 Europe/Berlin — next Fri 27 Nov 08:15 CET · from the "
                               "bot's configuration")
    assert lines[2].startswith("• *Daily restore digest* at 06:00 UTC — next Fri 27 Nov 06:00 UTC · subscribed by <@U0BOB>")
    assert lines[3].startswith("• *Restore alerts* for FAILED and ABORTED restores · every resource type · every account "
                               "this channel sees (111122223333)")
    assert message.block_dicts()[1]["elements"][0]["text"] == "This channel sees accounts 111122223333."


def test_the_command_name_is_the_one_the_user_typed(store: SubscriptionStore) -> None:
    service = commands(store)
    message = service.answer(parse_command("subscribe digest", REGIONS), EVERYTHING, user_id="U0ALICE",
                             channel_id="C0TEAM", channel_check=None, command="/restores-dev", now=NOW)
    assert "`/restores-dev unsubscribe digest` stops it" in body(message)
