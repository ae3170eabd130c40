"""Posting a channel's alerts (bot/alerts/delivery.py) against the alerts' store on SQLite and a stand-in for Slack's
Web API client: the day's parent first, replies grouped by reason in its thread, gaps said, refusals and dropped
connections given back to the outbox, a dead poll's unrecorded reply found, the day's count kept shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import Mock, call

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import OperationalError

from bot.alerts.delivery import (
    KEEP_FOR,
    METADATA_GAP,
    METADATA_PARENT,
    METADATA_REPLY,
    REPLY_JOBS,
    RETRY_FOR,
    ChannelDelivery,
    reply_groups,
)
from bot.alerts.poll import PollRun
from bot.alerts.render import render_gap, render_parent, render_reply
from bot.config import Settings, load_settings
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.results import RestoreJobRow
from bot.slack.post import metadata
from bot.store.alert_records import Delivery, Outgoing, gap_payload, job_payload
from bot.store.alerts import DONE, GAP, JOB, PENDING, AlertStore
from tests.support import age_alerts

NOW = datetime(2027, 1, 1, 0, 2, tzinfo=UTC)  # just after a New Year's midnight: windows cross days and years
DAY = NOW.date()
SETTINGS = load_settings({"RESTORES_REGIONS": "us-east-1", "RESTORES_ALERT_MENTION": "S0ONCALL"})
KMS = "Access denied to KMS key arn:aws:kms:us-east-1:111122223333:key/{n}"


def _job(n: int, status: str = "FAILED", message: str = KMS) -> RestoreJobRow:
    return RestoreJobRow(region="us-east-1", account_id="111122223333", job_id=f"j{n}", status=status,
                         status_message=message.format(n=n), resource_type="EBS", created=NOW, resource_arn="")


def _delivery(n: int, status: str, message: str) -> Delivery:
    return Delivery(n, f"us-east-1/j{n}", "C1", JOB, "pending", job_payload(_job(n, status, message)), None, None,
                    None, None, 0)


def _out(n: int, message: str = KMS, channel: str = "C1") -> Outgoing:
    return Outgoing(f"us-east-1/j{n}", channel, JOB, job_payload(_job(n, message=message)))


def refusal(code: str) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="", req_args={}, data={"ok": False, "error": code},
                             headers={}, status_code=200)
    return SlackApiError("refused", response)


def _slack(*posted: str | Exception) -> Mock:
    """A Web API client whose chat.postMessage answers each post in turn: a ts, or the exception it raises."""
    client = Mock(WebClient)
    client.chat_postMessage.side_effect = [p if isinstance(p, Exception) else {"ok": True, "ts": p} for p in posted]
    return client


def _posts(client: Mock) -> list[dict[str, Any]]:
    return [c.kwargs for c in client.chat_postMessage.call_args_list]


def _channel_delivery(
    client: Mock, store: AlertStore, outcomes: list[tuple[str, str | None]] | None = None, *, owner: str = "a",
    settings: Settings = SETTINGS, names: AccountNames = NO_NAMES,
) -> ChannelDelivery:
    told = outcomes if outcomes is not None else []
    return ChannelDelivery(settings, client, store, owner=owner, catch_up=timedelta(hours=24),
                           account_names=lambda _accounts: names,
                           on_outcome=lambda channel, error: told.append((channel, error)))


def test_replies_group_one_state_and_reason_with_ids_taken_out_and_stay_small() -> None:
    kms = [_delivery(n, "FAILED", KMS) for n in range(REPLY_JOBS + 3)]
    aborted = [_delivery(100, "ABORTED", "Access denied to KMS key arn:aws:kms:us-east-1:111122223333:key/1")]
    other = [_delivery(200, "FAILED", "Insufficient capacity")]
    groups = reply_groups(kms + aborted + other)
    assert [len(g) for g in groups] == [REPLY_JOBS, 3, 1, 1]
    assert {d.id for d in groups[0] + groups[1]} == {d.id for d in kms}


def test_the_days_parent_comes_first_then_a_reply_per_reason_in_its_thread(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1), _out(2), _out(3, "Insufficient capacity")])
    client = _slack("1.0", "1.1", "1.2")
    names = AccountNames(names={"111122223333": "prod-data"})
    outcomes: list[tuple[str, str | None]] = []
    run = PollRun(at=NOW)
    _channel_delivery(client, alert_store, outcomes, names=names).deliver_all(["C1"], NOW, run)

    parent, kms, capacity = _posts(client)
    assert parent["channel"] == "C1" and parent["thread_ts"] is None and parent["reply_broadcast"] is None
    assert parent["metadata"] == metadata(METADATA_PARENT, day="2027-01-01")
    assert parent["text"] == render_parent(DAY, 3, "S0ONCALL").text  # the day's count and the mention
    assert parent["blocks"] == render_parent(DAY, 3, "S0ONCALL").block_dicts()
    assert kms["thread_ts"] == capacity["thread_ts"] == "1.0"
    assert kms["metadata"] == metadata(METADATA_REPLY, day="2027-01-01", alerts="us-east-1/j1 us-east-1/j2")
    assert capacity["metadata"] == metadata(METADATA_REPLY, day="2027-01-01", alerts="us-east-1/j3")
    assert kms["blocks"] == render_reply([_job(1), _job(2)], names).block_dicts()  # the accounts named
    assert kms["unfurl_links"] is False and kms["reply_broadcast"] is None  # 3 alerts: under the broadcast threshold
    assert run.posted == {"C1": 3} and run.failed == {} and run.slack_errors == {}
    assert outcomes == [("C1", None)]
    assert [(d.job_id, d.status, d.day, d.thread_ts, d.message_ts) for d in alert_store.deliveries("C1")] == [
        ("us-east-1/j1", DONE, DAY, "1.0", "1.1"), ("us-east-1/j2", DONE, DAY, "1.0", "1.1"),
        ("us-east-1/j3", DONE, DAY, "1.0", "1.2")]
    thread = alert_store.thread("C1", DAY)
    assert thread is not None and (thread.status, thread.ts, thread.shown_count) == (DONE, "1.0", 3)
    client.chat_update.assert_not_called()  # the parent was posted with the count it should show


def test_the_reply_that_passes_the_threshold_is_shown_in_the_channel_once_a_day(alert_store: AlertStore) -> None:
    settings = load_settings({"RESTORES_REGIONS": "us-east-1", "RESTORES_ALERT_BROADCAST_OVER": "1"})
    alert_store.enqueue([_out(1), _out(2, "Insufficient capacity"), _out(3, "Subnet gone")])
    client = _slack("1.0", "1.1", "1.2", "1.3")
    _channel_delivery(client, alert_store, settings=settings).deliver_all(["C1"], NOW, PollRun(at=NOW))
    assert [p["reply_broadcast"] for p in _posts(client)] == [None, None, True, None]


def test_the_next_poll_replies_in_the_days_thread_and_shows_the_new_count(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1)])
    client = _slack("1.0", "1.1", "1.2")
    delivery = _channel_delivery(client, alert_store)
    delivery.deliver_all(["C1"], NOW, PollRun(at=NOW))
    alert_store.enqueue([_out(2, "Insufficient capacity")])
    run = PollRun(at=NOW)
    delivery.deliver_all(["C1"], NOW + timedelta(minutes=5), run)

    assert [(p["thread_ts"], p["metadata"]["event_type"]) for p in _posts(client)] == [
        (None, METADATA_PARENT), ("1.0", METADATA_REPLY), ("1.0", METADATA_REPLY)]  # one parent a day
    message = render_parent(DAY, 2, "S0ONCALL")
    assert client.chat_update.call_args_list == [
        call(channel="C1", ts="1.0", text=message.text, blocks=message.block_dicts())]
    thread = alert_store.thread("C1", DAY)
    assert thread is not None and thread.shown_count == 2 and run.posted == {"C1": 1}


def test_a_gap_is_said_at_the_channels_top_level_with_the_catch_up(alert_store: AlertStore) -> None:
    skipped = (NOW - timedelta(days=3), NOW - timedelta(hours=24))
    alert_store.enqueue([Outgoing(f"gap:{skipped[0].isoformat()}", "C1", GAP, gap_payload(*skipped))])
    client = _slack("2.0")
    delivery = ChannelDelivery(SETTINGS, client, alert_store, owner="a", catch_up=timedelta(hours=6),
                               account_names=lambda _accounts: NO_NAMES)
    run = PollRun(at=NOW)
    delivery.deliver_all(["C1"], NOW, run)

    [gap] = _posts(client)
    assert gap["thread_ts"] is None and gap["metadata"] == metadata(METADATA_GAP, **{"from": skipped[0].isoformat()})
    assert gap["text"] == render_gap(*skipped, timedelta(hours=6)).text  # the catch-up it was given
    assert [(d.status, d.message_ts) for d in alert_store.deliveries("C1")] == [(DONE, "2.0")]
    assert alert_store.thread("C1", DAY) is None and run.posted == {}  # a gap is no job: no parent, no count


def test_a_refused_parent_gives_every_alert_back_and_is_told(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1), _out(2, "Insufficient capacity")])
    client = _slack(refusal("not_in_channel"))
    outcomes: list[tuple[str, str | None]] = []
    run = PollRun(at=NOW)
    _channel_delivery(client, alert_store, outcomes).deliver_all(["C1", "C2"], NOW, run)

    assert len(_posts(client)) == 1  # no reply without a thread
    assert run.failed == {"C1": "not_in_channel: the bot is not a member of this channel: /invite @restores"}
    assert run.slack_errors == {"C1": "not_in_channel"} and run.posted == {}
    assert outcomes == [("C1", "not_in_channel")]  # C2 had nothing to post: nothing to tell
    assert [(d.status, d.owner, d.thread_ts) for d in alert_store.deliveries("C1")] == [(PENDING, None, None)] * 2
    assert alert_store.thread("C1", DAY) is None  # let go: the next poll posts the parent


def test_a_reply_lost_to_the_network_keeps_its_thread_and_the_rest_wait(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1), _out(2, "Insufficient capacity")])
    client = _slack("1.0", ConnectionResetError())
    outcomes: list[tuple[str, str | None]] = []
    run = PollRun(at=NOW)
    _channel_delivery(client, alert_store, outcomes).deliver_all(["C1"], NOW, run)

    assert len(_posts(client)) == 2  # the parent, and the first reply: the second is not tried
    assert run.failed == {"C1": "ConnectionResetError"} and run.slack_errors == {} and run.posted == {}
    assert outcomes == []  # Slack said nothing about the channel
    # The reply may be in the thread: it stays recorded there, so the retry looks first; the other was never sent.
    assert [(d.job_id, d.status, d.thread_ts) for d in alert_store.deliveries("C1")] == [
        ("us-east-1/j1", PENDING, "1.0"), ("us-east-1/j2", PENDING, None)]


def test_a_reply_a_dead_poll_posted_is_found_in_its_thread_not_posted_again(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1), _out(2)])
    dead = alert_store.claim("C1", "dead")
    alert_store.assign([d.id for d in dead], "dead", DAY, "1.0")  # recorded in the thread, then the poll died
    age_alerts(alert_store, timedelta(minutes=11))
    client = _slack()
    client.conversations_replies.return_value = {"ok": True, "messages": [
        {"ts": "1.0", "text": "parent", "metadata": metadata(METADATA_PARENT, day="2027-01-01")},
        {"ts": "1.1", "text": "reply", "metadata": metadata(METADATA_REPLY, alerts="us-east-1/j1 us-east-1/j2")},
    ], "response_metadata": {"next_cursor": ""}}
    _channel_delivery(client, alert_store, owner="b").deliver_all(["C1"], NOW, PollRun(at=NOW))

    assert _posts(client) == []
    assert client.conversations_replies.call_args.kwargs["ts"] == "1.0"
    assert [(d.status, d.owner, d.message_ts) for d in alert_store.deliveries("C1")] == [(DONE, "b", "1.1")] * 2


def test_an_unreadable_thread_posts_again_rather_than_lose_an_alert(alert_store: AlertStore) -> None:
    alert_store.enqueue([_out(1)])
    dead = alert_store.claim("C1", "dead")
    alert_store.assign([d.id for d in dead], "dead", DAY, "0.9")
    age_alerts(alert_store, timedelta(minutes=11))
    client = _slack("1.0", "1.1")
    client.conversations_replies.side_effect = refusal("missing_scope")
    run = PollRun(at=NOW)
    _channel_delivery(client, alert_store, owner="b").deliver_all(["C1"], NOW, run)

    assert [p["metadata"]["event_type"] for p in _posts(client)] == [METADATA_PARENT, METADATA_REPLY]
    assert run.posted == {"C1": 1}


def test_one_channels_store_trouble_fails_that_channel_only() -> None:
    store = Mock(AlertStore)
    trouble = OperationalError("SELECT", {}, ConnectionResetError())

    def claim(channel: str, _owner: str) -> list[Delivery]:
        if channel == "C1":
            raise trouble
        return []

    store.claim.side_effect = claim
    store.thread.return_value = None
    store.drop_expired.return_value = {"C3": 2}
    run = PollRun(at=NOW)
    _channel_delivery(_slack(), store).deliver_all(["C1", "C2"], NOW, run)

    assert run.failed == {"C1": "store error (ConnectionResetError)"}
    assert [c.args for c in store.claim.call_args_list] == [("C1", "a"), ("C2", "a")]
    store.drop_expired.assert_called_once_with(RETRY_FOR)
    store.prune.assert_called_once_with(KEEP_FOR)
