"""Posting the outbox's alerts in each channel, each exactly once: claim the channel's waiting alerts, leave out
those a poll that died had posted already, find or post the day's thread parent (one poller of several posts it),
post the replies (alerts grouped by state and reason) and the notes of what downtime left unread, all through
bot.slack.post, which never repeats a post; then keep the parent's count of the day shown. What Slack said goes
into the poll's run, and each channel's outcome to `on_outcome`; alerts refused for RETRY_FOR are given up."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError

from bot.alerts.render import render_gap, render_parent, render_reply
from bot.config import Settings
from bot.domain.accounts import AccountNames
from bot.domain.reasons import reason_key
from bot.slack.blocks import Message
from bot.slack.errors import slack_error_code
from bot.slack.post import PostOutcome, find_post, metadata, post_message, thread_posts
from bot.store.alert_records import Delivery, gap_from_payload
from bot.store.alerts import DONE, GAP, JOB, AlertStore

# The delivery's lines are the poll's, under the logger they have always had (bot.alerts.poll): a filter on it sees
# the whole poll, posts included.
log = logging.getLogger("bot.alerts.poll")

# An alert a channel would not take (channel gone, bot removed) is retried by every poll for this long, then dropped.
RETRY_FOR = timedelta(hours=24)
# Posted alerts are remembered this long: far longer than any window that could read their jobs again.
KEEP_FOR = timedelta(days=7)
REPLY_JOBS = 10  # jobs per reply: a reply's blocks stay far under Slack's limits
PARENT_WAIT_SECONDS = 10.0  # how long to wait for another poller that is posting the day's parent right now

METADATA_PARENT = "restores_alerts"
METADATA_REPLY = "restores_alert"
METADATA_GAP = "restores_alert_gap"

# Where an alert channel's id comes from, for the advice on a refused post.
CHANNELS_FROM = "RESTORES_ALERT_CHANNELS or the subscription"


class RunOutcomes(Protocol):
    """What delivery records in a poll's run (bot.alerts.poll.PollRun), each by channel."""

    posted: dict[str, int]  # alerts posted
    failed: dict[str, str]  # why it got nothing this time
    slack_errors: dict[str, str]  # the first error Slack answered


def reply_groups(deliveries: Sequence[Delivery]) -> list[list[Delivery]]:
    """Alerts with the same state and reason (resource ids taken out) share a reply, at most REPLY_JOBS each."""
    groups: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        job = delivery.job
        groups[(job.status, reason_key(job.status_message))].append(delivery)
    return [group[i : i + REPLY_JOBS] for group in groups.values() for i in range(0, len(group), REPLY_JOBS)]


class ChannelDelivery:
    """One poller's posting of the outbox, channel by channel: its store, Slack client and claim owner."""

    def __init__(
        self,
        settings: Settings,
        client: WebClient,
        store: AlertStore,
        *,
        owner: str,
        catch_up: timedelta,
        account_names: Callable[[Iterable[str]], AccountNames],
        on_outcome: Callable[[str, str | None], object] | None = None,
    ) -> None:
        """`owner`: the poller's name on its claims. `catch_up`: how far back a poll reads after downtime (a gap's
        note says so). `account_names`: the replies' account names. `on_outcome(channel, error)`: as AlertPoller's."""
        self.settings = settings
        self.client = client
        self.store = store
        self.owner = owner
        self.catch_up = catch_up
        self.account_names = account_names
        self.on_outcome = on_outcome

    def deliver_all(self, channels: Sequence[str], now: datetime, run: RunOutcomes) -> None:
        """Each channel's waiting alerts posted, its outcome told; then the alerts waiting too long dropped and the
        long posted forgotten."""
        for channel in channels:
            try:
                self.deliver(channel, now, run)
            except DBAPIError as error:
                # One channel's database trouble fails that channel only; its alerts wait in the outbox.
                name = type(error.orig or error).__name__
                log.error("alerts store failed channel=%s error=%s", channel, name)
                run.failed[channel] = f"store error ({name})"
            self._tell_outcome(channel, run)
        for channel, count in self.store.drop_expired(RETRY_FOR).items():
            log.error("alerts: gave up on %d alert(s) for channel=%s after %s of failed posts", count, channel, RETRY_FOR)
        self.store.prune(KEEP_FOR)

    def _tell_outcome(self, channel: str, run: RunOutcomes) -> None:
        if self.on_outcome is None or not (channel in run.slack_errors or run.posted.get(channel)):
            return
        try:
            self.on_outcome(channel, run.slack_errors.get(channel))
        except Exception as error:  # bookkeeping of subscriptions must not stop the alerts of other channels
            log.error("alerts: recording the outcome for channel=%s failed (%s)", channel, type(error).__name__)

    # ----------------------------------------------------------------- one channel

    def deliver(self, channel: str, now: datetime, run: RunOutcomes) -> None:
        """The channel's claimed alerts: the gaps' notes, then the jobs' replies under the day's parent (given back to
        the outbox when there is none now); then the parent's count refreshed."""
        day = now.astimezone(UTC).date()
        claimed = self.store.claim(channel, self.owner)
        waiting = self._not_yet_posted(channel, claimed)
        for gap in [d for d in waiting if d.kind == GAP]:
            self._post_gap(channel, day, gap, run)
        jobs = [d for d in waiting if d.kind == JOB]
        if jobs:
            ts = self._parent(channel, day, len(jobs), run)
            if ts is None:
                why = run.failed.get(channel, "no thread")
                self.store.release([d.id for d in jobs], self.owner, why, maybe_posted=False)
            else:
                self.store.assign([d.id for d in jobs], self.owner, day, ts)
                groups = reply_groups(jobs)
                for index, group in enumerate(groups):
                    if not self._post_reply(channel, day, ts, group, run):
                        rest = [d.id for g in groups[index + 1 :] for d in g]
                        self.store.release(rest, self.owner, run.failed.get(channel, "not posted"), maybe_posted=False)
                        break
        self._refresh(channel, day)

    def _not_yet_posted(self, channel: str, claimed: list[Delivery]) -> list[Delivery]:
        """The claimed alerts minus those a process that died (or lost its connection) had posted already: an alert
        recorded in a thread before posting is looked for there first. When the thread cannot be read, it is
        posted again: a possible duplicate, logged, rather than a lost alert."""
        by_thread: dict[str, list[Delivery]] = defaultdict(list)
        waiting: list[Delivery] = []
        for delivery in claimed:
            (by_thread[delivery.thread_ts] if delivery.thread_ts else waiting).append(delivery)
        for thread_ts, deliveries in by_thread.items():
            posted = self._replies(channel, thread_ts)
            for delivery in deliveries:
                ts = posted.get(delivery.job_id) if posted is not None else None
                if ts is not None and delivery.day is not None:
                    self.store.mark_done([delivery.id], self.owner, delivery.day, ts)
                    log.info("alerts channel=%s: found %s in its thread, posted by a poll that died", channel,
                             delivery.job_id)
                else:
                    waiting.append(delivery)
        return sorted(waiting, key=lambda d: d.id)

    def _replies(self, channel: str, thread_ts: str) -> dict[str, str] | None:
        """Alert key -> reply ts for the replies in a thread (their message metadata names the alerts)."""
        try:
            posts = thread_posts(self.client, channel, thread_ts, METADATA_REPLY)
        except SlackApiError as error:
            log.warning("alerts channel=%s: cannot read the thread (%s) to look for unrecorded replies; they may be "
                        "posted twice", channel, slack_error_code(error))
            return None
        return {key: ts for payload, ts in posts for key in str(payload.get("alerts", "")).split()}

    def _parent(self, channel: str, day: date, adding: int, run: RunOutcomes) -> str | None:
        """The ts of the day's thread parent in the channel, posting it (with the day's mention) if this poller is
        the first; None when it cannot be had now (the alerts wait in the outbox for the next poll)."""
        deadline = time.monotonic() + PARENT_WAIT_SECONDS
        while True:
            thread = self.store.thread(channel, day)
            if thread is not None and thread.status == DONE and thread.ts:
                return thread.ts
            if self.store.claim_thread(channel, day, self.owner):
                break
            if time.monotonic() > deadline:
                run.failed[channel] = "another poller is posting today's thread"
                return None
            time.sleep(0.2)
        if thread is not None:
            # A stale claim taken over: its owner may have posted the parent and died before recording it.
            found = self._find_parent(channel, day, since=thread.claimed_at)
            if found is not None:
                self.store.thread_posted(channel, day, self.owner, found, 0)
                return found
        count = self.store.count_done(channel, day) + adding
        message = render_parent(day, count, self.settings.alert_mention)
        outcome = self._post_outcome(channel, message, metadata(METADATA_PARENT, day=day.isoformat()), run)
        ts = outcome.ts
        if outcome.uncertain:
            # Slack may have the parent (and its mention): looked for now; if not there, the claim is kept, so no
            # poll posts another before it has gone stale and its taker has looked in the channel (above).
            ts = self._look_for_parent(channel, day)
            if ts is None:
                log.error("alerts channel=%s: the %s thread parent may be posted (%s); kept claimed, looked for "
                          "again before any new parent", channel, day, outcome.detail)
                return None
            log.warning("alerts channel=%s: found the %s thread parent after %s", channel, day, outcome.detail)
            run.failed.pop(channel, None)
        if ts is None:
            self.store.release_thread(channel, day, self.owner)
            return None
        self.store.thread_posted(channel, day, self.owner, ts, count)
        log.info("alerts channel=%s: posted the %s thread ts=%s", channel, day, ts)
        return ts

    def _find_parent(self, channel: str, day: date, *, since: datetime) -> str | None:
        return find_post(self.client, channel, METADATA_PARENT, since=since, match={"day": day.isoformat()})

    def _look_for_parent(self, channel: str, day: date) -> str | None:
        """The parent this poller just posted with an unknown outcome, if the channel shows it (since its claim)."""
        thread = self.store.thread(channel, day)
        if thread is None:
            return None
        try:
            return self._find_parent(channel, day, since=thread.claimed_at)
        except Exception as error:  # Slack unreachable still: the kept claim makes a later poll look
            log.warning("alerts channel=%s: cannot look for the thread parent now (%s)", channel, type(error).__name__)
            return None

    def _post_reply(self, channel: str, day: date, thread_ts: str, group: list[Delivery], run: RunOutcomes) -> bool:
        ids = [d.id for d in group]
        over = self.settings.alert_broadcast_over
        broadcast = False
        if over:
            before = self.store.count_done(channel, day)
            # The reply that takes the day's count past the threshold is also shown in the channel, once a day.
            broadcast = before <= over < before + len(group) and self.store.claim_broadcast(channel, day)
        meta = metadata(METADATA_REPLY, day=day.isoformat(), alerts=" ".join(d.job_id for d in group))
        names = self.account_names({d.job.account_id for d in group if d.job.account_id})
        ts = self._post(channel, render_reply([d.job for d in group], names), meta, run, thread_ts=thread_ts,
                        broadcast=broadcast, ids=ids)
        if ts is None:
            if broadcast:  # the day's broadcast goes with the next reply that is posted
                self.store.release_broadcast(channel, day)
            return False
        done = self.store.mark_done(ids, self.owner, day, ts)
        run.posted[channel] = run.posted.get(channel, 0) + done
        if done < len(ids):
            log.warning("alerts channel=%s: %d alert(s) were taken over while being posted", channel, len(ids) - done)
        return True

    def _post_gap(self, channel: str, day: date, gap: Delivery, run: RunOutcomes) -> None:
        skipped_from, skipped_to = gap_from_payload(gap.payload)
        meta = metadata(METADATA_GAP, **{"from": skipped_from.isoformat()})
        ts = self._post(channel, render_gap(skipped_from, skipped_to, self.catch_up), meta, run, ids=[gap.id])
        if ts is not None:
            self.store.mark_done([gap.id], self.owner, day, ts)

    def _post(self, channel: str, message: Message, meta: Mapping[str, Any], run: RunOutcomes, **options: Any) -> str | None:
        """chat.postMessage (429s are retried after Retry-After by the client); None when Slack would not take it,
        with the alerts given back: when Slack said no they were not posted; when the connection failed they may
        have been, and the retry looks in the thread first. `options`: _post_outcome's."""
        return self._post_outcome(channel, message, meta, run, **options).ts

    def _post_outcome(
        self,
        channel: str,
        message: Message,
        meta: Mapping[str, Any],
        run: RunOutcomes,
        *,
        thread_ts: str | None = None,
        broadcast: bool = False,
        ids: list[int] | None = None,
    ) -> PostOutcome:
        outcome = post_message(self.client, channel, message, meta, thread_ts=thread_ts, broadcast=broadcast,
                               where=CHANNELS_FROM)
        if outcome.posted:
            return outcome
        log.error("alerts post failed channel=%s error=%s", channel, outcome.detail)
        run.failed[channel] = outcome.detail
        if not outcome.uncertain:
            run.slack_errors.setdefault(channel, outcome.error)
        if ids:
            # Refused: not posted. Network trouble: a reply may have been, and the retry looks in the thread first.
            self.store.release(ids, self.owner, outcome.error, maybe_posted=outcome.uncertain and thread_ts is not None)
        return outcome

    def _refresh(self, channel: str, day: date) -> None:
        """Make the parent show the day's count (chat.update). Whoever holds the right to edit re-checks the count
        after letting go, so a count that grew meanwhile is shown by it or by the next poll."""
        for _ in range(3):
            thread = self.store.thread(channel, day)
            if thread is None or thread.status != DONE or not thread.ts:
                return
            if self.store.count_done(channel, day) == thread.shown_count:
                return
            if not self.store.claim_update(channel, day, self.owner):
                return
            shown: int | None = None
            try:
                count = self.store.count_done(channel, day)
                message = render_parent(day, count, self.settings.alert_mention)
                self.client.chat_update(channel=channel, ts=thread.ts, text=message.text, blocks=message.block_dicts())
                shown = count
            except SlackApiError as error:
                log.warning("alerts channel=%s: could not update the day's count (%s)", channel, slack_error_code(error))
                return
            except Exception as error:
                log.warning("alerts channel=%s: could not update the day's count (%s)", channel, type(error).__name__)
                return
            finally:
                self.store.finish_update(channel, day, self.owner, shown)
