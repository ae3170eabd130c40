"""The subscription answers, pure: what was subscribed and when it next fires (in the subscription's own zone), static
entries marked as not removable from Slack, who subscribed, the refusals each saying what to do, and every value a
user or the table supplied kept inert."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.query import State
from bot.domain.subscriptions import (
    AlertSubscription,
    ChannelProblem,
    ChannelSubscriptions,
    DigestSubscription,
    Subscriber,
)
from bot.slack.blocks import Message
from bot.subscriptions.grammar import AlertsSubscribe, Feed
from bot.subscriptions.render import (
    alert_filter,
    next_digest,
    render_channel_problem,
    render_direct_message,
    render_no_channel,
    render_not_admin,
    render_subscribed_alerts,
    render_subscribed_digest,
    render_subscriptions,
    render_unsubscribed,
    static_alerts,
    static_digest,
)
from tests.support import assert_inert

pytestmark = pytest.mark.dates

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)  # a Thursday
SCOPE = frozenset({"444455556666", "111122223333"})
BERLIN = DigestSubscription("C0TEAM", 7, 30, "Europe/Berlin", static=False)
STATIC = DigestSubscription("C0TEAM", 9, 0, "UTC", static=True)


def channel(digest: tuple[DigestSubscription, ...] = (), alerts: tuple[AlertSubscription, ...] = (),
            subscribers: dict[str, Subscriber] | None = None) -> ChannelSubscriptions:
    return ChannelSubscriptions("C0TEAM", digest, alerts, subscribers or {})


def body(message: Message) -> str:
    return message.block_dicts()[0]["text"]["text"]


def test_next_digest_is_the_next_time_in_the_subscriptions_own_zone() -> None:
    # 10:30 UTC is 11:30 in Berlin: today's 07:30 has passed, so tomorrow's, named in the zone's own abbreviation.
    assert next_digest(BERLIN, NOW) == "Fri 27 Nov 07:30 CET"
    assert next_digest(DigestSubscription("C0TEAM", 18, 0, "America/New_York", False), NOW) == "Thu 26 Nov 18:00 EST"
    assert next_digest(STATIC, NOW) == "Fri 27 Nov 09:00 UTC"


def test_a_digest_subscription_is_announced_in_the_channel_with_its_next_time() -> None:
    message = render_subscribed_digest(BERLIN, "U0ALICE", NOW, None)
    assert message.response_type == "in_channel"
    assert body(message) == (
        ":bell: <@U0ALICE> subscribed this channel to the daily restore digest at *07:30 Europe/Berlin* "
        "(next: Fri 27 Nov 07:30 CET). `/restores unsubscribe digest` stops it; `/restores subscriptions` shows what "
        "this channel gets."
    )
    assert message.text == body(message)


def test_a_channel_also_in_the_configuration_is_told_it_gets_one_digest_a_day() -> None:
    text = body(render_subscribed_digest(BERLIN, "U0ALICE", NOW, STATIC, command="/r"))
    assert "`/r unsubscribe digest`" in text
    assert ("\nThis channel also gets it at 09:00 UTC from the bot's configuration (`RESTORES_DIGEST_CHANNELS`), "
            "which cannot be removed from Slack; each day's digest is posted once, at whichever time comes first.") in text


@pytest.mark.parametrize(
    ("request_", "scope", "described"),
    [
        (AlertsSubscribe(), None, "FAILED and ABORTED restores · every resource type · every account the bot reads"),
        (AlertsSubscribe(), SCOPE, "FAILED and ABORTED restores · every resource type · every account this channel "
                                   "sees (111122223333, 444455556666)"),
        (AlertsSubscribe("Storage Gateway", "111122223333", (State.ABORTED,)), SCOPE,
         "ABORTED restores · resource type Storage Gateway · account 111122223333"),
    ],
    ids=["everything", "scoped", "narrowed"],
)
def test_an_alert_subscription_says_which_states_types_and_accounts(
    request_: AlertsSubscribe, scope: frozenset[str] | None, described: str
) -> None:
    message = render_subscribed_alerts(request_, "U0BOB", scope, static=False)
    assert message.response_type == "in_channel"
    assert body(message).startswith(f":bell: <@U0BOB> subscribed this channel to restore alerts: {described}, "
                                    "posted within minutes of a job ending.")
    assert "RESTORES_ALERT_CHANNELS" not in body(message)


def test_a_static_alert_channel_is_told_its_configured_alerts_stay() -> None:
    text = body(render_subscribed_alerts(AlertsSubscribe(), "U0BOB", None, static=True))
    assert text.endswith("\nThis channel also gets every alert from the bot's configuration (`RESTORES_ALERT_CHANNELS`), "
                         "which cannot be removed from Slack.")


def test_unsubscribing_says_what_changed_and_what_the_configuration_keeps() -> None:
    removed = render_unsubscribed(Feed.DIGEST, removed=True, static=False, user="U0ALICE")
    assert (removed.response_type, body(removed)) == (
        "in_channel", ":no_bell: <@U0ALICE> unsubscribed this channel from the daily restore digest.")
    kept = render_unsubscribed(Feed.ALERTS, removed=True, static=True, user="U0ALICE")
    assert body(kept).endswith("\nIt still gets restore alerts from the bot's configuration (`RESTORES_ALERT_CHANNELS`), "
                               "which cannot be removed from Slack: ask the bot's admins.")
    only_static = render_unsubscribed(Feed.DIGEST, removed=False, static=True, user="U0ALICE")
    assert only_static.response_type == "ephemeral"
    assert body(only_static).startswith(":information_source: This channel has no subscription to the daily restore "
                                        "digest made from Slack. It still gets the daily restore digest from the bot's "
                                        "configuration (`RESTORES_DIGEST_CHANNELS`)")
    nothing = render_unsubscribed(Feed.ALERTS, removed=False, static=False, user="U0ALICE", command="/r")
    assert (nothing.response_type, body(nothing)) == (
        "ephemeral", ":information_source: This channel is not subscribed to restore alerts; nothing changed. "
                     "`/r subscriptions` shows what it gets.")


def test_what_a_channel_gets_lists_each_entry_with_its_origin_and_the_channels_scope() -> None:
    alerts = AlertSubscription("C0TEAM", "EBS", None, ("FAILED", "ABORTED"), static=False)
    subscribers = {"digest": Subscriber("U0ALICE", NOW), "alerts": Subscriber("U0BOB", NOW)}
    message = render_subscriptions(channel((STATIC, BERLIN), (alerts,), subscribers), SCOPE, NOW)
    assert message.response_type == "ephemeral"
    assert body(message).splitlines() == [
        "*What this channel gets*",
        "• *Daily restore digest* at 09:00 UTC — next Fri 27 Nov 09:00 UTC · from the bot's configuration "
        "(`RESTORES_DIGEST_CHANNELS`), cannot be removed from Slack",
        "• *Daily restore digest* at 07:30 Europe/Berlin — next Fri 27 Nov 07:30 CET · subscribed by <@U0ALICE> on "
        "26 Nov 2026 · `/restores unsubscribe digest`",
        "• *Restore alerts* for FAILED and ABORTED restores · resource type EBS · every account this channel sees "
        "(111122223333, 444455556666), within minutes of a job ending · subscribed by <@U0BOB> on 26 Nov 2026 · "
        "`/restores unsubscribe alerts`",
        "_Each day's digest is posted once, at whichever of these times comes first._",
    ]
    assert message.block_dicts()[1]["elements"][0]["text"] == "This channel sees accounts 111122223333, 444455556666."


def test_one_digest_needs_no_whichever_comes_first_line_and_an_unscoped_channel_sees_every_account() -> None:
    static_alert = AlertSubscription("C0TEAM", None, None, ("FAILED", "ABORTED"), static=True)
    message = render_subscriptions(channel((BERLIN,), (static_alert,)), None, NOW)
    text = body(message)
    assert "whichever" not in text
    assert "subscribed · `/restores unsubscribe digest`" in text  # stored, but who did it is not known
    assert "every account the bot reads, within minutes of a job ending · from the bot's configuration " \
           "(`RESTORES_ALERT_CHANNELS`), cannot be removed from Slack" in text
    assert message.block_dicts()[1]["elements"][0]["text"] == "This channel sees every account the bot reads."


def test_a_channel_with_nothing_is_told_how_to_subscribe() -> None:
    message = render_subscriptions(channel(), SCOPE, NOW, command="/r")
    assert len(message.blocks) == 1
    assert body(message).startswith(":information_source: This channel gets no digest and no alerts yet. "
                                    "`/r subscribe digest [HH:MM] [time zone]` or `/r subscribe alerts")


@pytest.mark.parametrize(
    ("problem", "words"),
    [
        (ChannelProblem.NOT_VISIBLE, "Invite @restores first (`/invite @restores`)"),
        (ChannelProblem.NOT_MEMBER, "it is private and I am not a member"),
        (ChannelProblem.ARCHIVED, "This channel is archived"),
        (ChannelProblem.DIRECT, "A direct message cannot subscribe"),
        (ChannelProblem.MISSING_SCOPE, "`channels:read`, `groups:read`"),
        (ChannelProblem.UNCHECKED, "Try again in a minute"),
    ],
)
def test_each_channel_problem_says_why_and_nothing_is_announced(problem: ChannelProblem, words: str) -> None:
    message = render_channel_problem(problem)
    assert words in body(message)
    assert message.response_type == "ephemeral"
    assert ":bell:" not in body(message)


def test_refusals_say_what_to_do_instead_and_stay_private() -> None:
    for message, words in (
        (render_no_channel("/r"), "run `/r subscribe digest` or `/r subscribe alerts` in the channel"),
        (render_direct_message("/r"), "(for a private one, `/invite @restores` there first)"),
        (render_not_admin("/r"), "Only the bot's admins (`RESTORES_ADMIN_USERS`) may change this channel's "
                                 "subscriptions. `/r subscriptions` shows what it gets."),
    ):
        assert words in body(message)
        assert message.response_type == "ephemeral"


HOSTILE = "<!channel> <@U0ADMIN> <https://evil.example|x> & co"


def test_names_from_users_and_the_table_stay_inert() -> None:
    digest = DigestSubscription("C0TEAM", 7, 30, "Europe/Berlin", static=False)
    alerts = AlertSubscription("C0TEAM", HOSTILE, HOSTILE, ("FAILED",), static=False)
    subscribers = {"digest": Subscriber(HOSTILE, NOW), "alerts": Subscriber("", NOW)}
    listing = render_subscriptions(channel((digest,), (alerts,), subscribers), None, NOW)
    assert_inert(listing)
    assert "subscribed by &lt;!channel&gt; &lt;@U0ADMIN&gt;" in body(listing)
    assert "subscribed by someone on" in body(listing)  # no user recorded
    assert_inert(render_subscribed_digest(digest, HOSTILE, NOW, None))
    assert_inert(render_subscribed_alerts(AlertsSubscribe(HOSTILE, HOSTILE), HOSTILE, None, static=False))
    assert_inert(render_unsubscribed(Feed.DIGEST, removed=True, static=False, user=HOSTILE))
    assert alert_filter(HOSTILE, None, ("FAILED",), None).startswith("FAILED restores · resource type &lt;!channel&gt;")


def test_static_entries_are_picked_out() -> None:
    assert static_digest([BERLIN, STATIC]) == STATIC
    assert static_digest([BERLIN]) is None
    assert static_alerts([AlertSubscription("C0TEAM", None, None, ("FAILED",), static=True)]) is True
    assert static_alerts([AlertSubscription("C0TEAM", None, None, ("FAILED",), static=False)]) is False
