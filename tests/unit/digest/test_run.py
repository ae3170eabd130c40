"""post_digest: one AWS query per run, exactly one post per channel and day (claimed in a SQLite ledger), a refused or
lost post released for the next run, no post without numbers, an incomplete digest held back when asked, nothing
called "all clear" from partial data, scoped channels cut to their accounts, and the chart uploaded once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import OperationalError

from bot.aws.client import BackupService, ChainsAnswer
from bot.charts.render import ChartFile
from bot.charts.upload import ChartUpload
from bot.digest import chart, run
from bot.digest.query import DIGEST_MAX_PAGES
from bot.digest.run import METADATA_EVENT, post_digest
from bot.domain.access import NoScope
from bot.domain.query import ANY, Period
from bot.domain.results import FailureKind, RegionFailure, SummaryRow
from bot.store.ledger import CLAIMED, DONE, Ledger
from tests.support import age_claim

NOW = datetime(2027, 1, 10, 9, 30, tzinfo=UTC)
DAY = date(2027, 1, 9)  # the digest's day: yesterday in UTC
REGIONS = ("us-east-1", "eu-west-1")
A1, A2 = "111122223333", "444455556666"
DENIED = RegionFailure("us-east-1", FailureKind.ACCESS_DENIED, "access denied")
LATE = RegionFailure("eu-west-1", FailureKind.TIMEOUT, "no answer within 300 s")
FILE = ChartFile("F0CHART1", "14 days of restores", "Restore jobs per UTC day")


def row(region: str, state: str, count: int, account: str = "", resource_type: str = "EBS") -> SummaryRow:
    start = datetime.combine(DAY, datetime.min.time(), UTC)
    return SummaryRow(region, account, state, resource_type, count, start, start + timedelta(days=1))


# us-east-1: 2 failed, eu-west-1: 1 aborted, 10 completed in all; per account: A1 2 failed, A2 1 aborted.
ROWS = [row("us-east-1", "FAILED", 2, A1), row("eu-west-1", "ABORTED", 1, A2), row("us-east-1", "COMPLETED", 10, A1)]
CLEAR = [row("us-east-1", "COMPLETED", 10, A1)]


def backup_with(rows: list[SummaryRow], *, failures: tuple[RegionFailure, ...] = (),
                truncated: tuple[str, ...] = ()) -> Mock:
    """A BackupService whose summary chains hold `rows` of the regions that answered: with account ids where a chain
    asked per account (AccountId=ANY), summed to "" where AWS would sum them."""

    def answer(regions: tuple[str, ...], chains: dict[str, dict[str, Any]], **_: Any) -> ChainsAnswer:
        down = {f.region for f in failures}

        def chain_rows(params: dict[str, Any]) -> list[SummaryRow]:
            kept = [r for r in rows if r.region not in down and params["State"] in ("ANY", r.state)]
            if params.get("AccountId") == ANY:
                return kept
            return [SummaryRow(r.region, "", r.state, r.resource_type, r.count, r.start, r.end) for r in kept]

        return ChainsAnswer(rows={name: chain_rows(params) for name, params in chains.items()}, period=Period.ONE_DAY,
                            failures=failures, truncated=truncated, calls=len(chains), elapsed=0.1)

    backup = Mock(BackupService)
    backup.summary_chains.side_effect = answer
    return backup


def refusal(code: str) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="", req_args={}, data={"ok": False, "error": code},
                             headers={}, status_code=200)
    return SlackApiError("refused", response)


def slack() -> Mock:
    client = Mock(WebClient)
    client.chat_postMessage.side_effect = lambda **kwargs: {"ok": True, "ts": f"{len(posts(client))}.0001"}
    return client


def posts(client: Mock) -> list[dict[str, Any]]:
    return [c.kwargs for c in client.chat_postMessage.call_args_list]


def outcomes(result: run.DigestRun) -> dict[str, tuple[str, str]]:
    return {o.channel: (o.status, o.detail) for o in result.outcomes}


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    instance = Ledger.from_url(f"sqlite:///{tmp_path}/l.db")
    yield instance
    instance.engine.dispose()


def digest(backup: Mock, client: Mock | None, ledger: Ledger | None, channels: tuple[str, ...] = ("C1", "C2"),
           **options: Any) -> run.DigestRun:
    options.setdefault("charts", False)
    return post_digest(backup=backup, client=client, ledger=ledger, regions=REGIONS, channels=channels, now=NOW, **options)


def test_each_channel_gets_the_day_digest_once_from_one_query(ledger: Ledger) -> None:
    backup, client = backup_with(ROWS), slack()
    first = digest(backup, client, ledger, deadline_seconds=300)
    assert outcomes(first) == {"C1": ("posted", ""), "C2": ("posted", "")} and first.ok and first.day == DAY
    assert [o.ts for o in first.outcomes] == ["1.0001", "2.0001"]
    assert [p["channel"] for p in posts(client)] == ["C1", "C2"]
    sent = posts(client)[0]
    assert sent["text"] == "Restore digest 2027-01-09: 2 failed, 1 aborted, 10 completed"
    assert sent["metadata"]["event_type"] == METADATA_EVENT and sent["metadata"]["event_payload"]["day"] == "2027-01-09"
    backup.summary_chains.assert_called_once()
    assert backup.summary_chains.call_args.kwargs == {"deadline_seconds": 300, "max_pages": DIGEST_MAX_PAGES}
    entry = ledger.get("C1", DAY)
    assert entry is not None and entry.status == DONE and entry.message_ts == "1.0001"

    again = digest(backup, client, ledger)
    assert outcomes(again) == {"C1": ("already-posted", ""), "C2": ("already-posted", "")}
    assert len(posts(client)) == 2 and backup.summary_chains.call_count == 1  # no post, not even a query


def test_a_channel_another_run_posted_is_left_alone(ledger: Ledger) -> None:
    ledger.claim("C1", DAY, "other-run")
    ledger.mark_done("C1", DAY, "other-run", "9.9")
    client = slack()
    result = digest(backup_with(ROWS), client, ledger)
    assert outcomes(result) == {"C1": ("already-posted", ""), "C2": ("posted", "")}
    assert [p["channel"] for p in posts(client)] == ["C2"]


def test_a_fresh_claim_of_another_run_is_in_flight(ledger: Ledger) -> None:
    ledger.claim("C1", DAY, "other-run")
    client = slack()
    result = digest(backup_with(ROWS), client, ledger)
    assert outcomes(result)["C1"] == ("in-flight", "") and [p["channel"] for p in posts(client)] == ["C2"]


def test_a_slack_refusal_releases_the_claim_with_the_advice(ledger: Ledger) -> None:
    client = slack()
    client.chat_postMessage.side_effect = refusal("channel_not_found")
    result = digest(backup_with(ROWS), client, ledger, channels=("C1",))
    [outcome] = result.outcomes
    assert (outcome.status, outcome.error) == ("failed", "channel_not_found") and not result.ok
    assert outcome.detail == ("channel_not_found: the bot cannot see this channel: check the channel ID "
                              "(RESTORES_DIGEST_CHANNELS or the channel's /restores subscriptions) or /invite @restores")
    assert ledger.get("C1", DAY) is None  # the next run tries again
    retry = digest(backup_with(ROWS), slack(), ledger, channels=("C1",))
    assert outcomes(retry) == {"C1": ("posted", "")} and ledger.is_done("C1", DAY)


def test_network_trouble_keeps_the_claim_so_nothing_is_posted_blindly(ledger: Ledger) -> None:
    """Slack may have the post (the connection failed after the request left): the claim stays, and the next run
    looks for the post before posting again instead of posting a second digest."""
    client = slack()
    client.chat_postMessage.side_effect = ConnectionResetError("peer gone")
    client.conversations_history.return_value = {"ok": True, "messages": [], "response_metadata": {"next_cursor": ""}}
    result = digest(backup_with(ROWS), client, ledger, channels=("C1",))
    [outcome] = result.outcomes
    assert (outcome.status, outcome.error) == ("failed", "") and outcome.detail.startswith("ConnectionResetError")
    entry = ledger.get("C1", DAY)
    assert entry is not None and entry.status == CLAIMED  # kept: not released for a blind repost
    again = slack()
    assert outcomes(digest(backup_with(ROWS), again, ledger, channels=("C1",)))["C1"][0] == "in-flight"
    assert posts(again) == []


def test_a_post_slack_took_before_the_connection_dropped_is_found_and_recorded(ledger: Ledger) -> None:
    client = slack()
    client.chat_postMessage.side_effect = TimeoutError("timed out")
    client.conversations_history.return_value = {"ok": True, "messages": [
        {"ts": "7.0", "metadata": {"event_type": METADATA_EVENT, "event_payload": {"day": "2027-01-09"}}},
    ], "response_metadata": {"next_cursor": ""}}
    result = digest(backup_with(ROWS), client, ledger, channels=("C1",))
    assert [(o.status, o.ts) for o in result.outcomes] == [("posted", "7.0")] and result.ok
    entry = ledger.get("C1", DAY)
    assert entry is not None and entry.status == DONE and entry.message_ts == "7.0"
    assert len(posts(client)) == 1


def test_no_post_when_no_region_answered(ledger: Ledger) -> None:
    client = slack()
    result = digest(backup_with(ROWS, failures=(DENIED, LATE)), client, ledger)
    nothing = ("failed", "no region could be queried (us-east-1 access denied, eu-west-1 timed out)")
    assert outcomes(result) == dict.fromkeys(("C1", "C2"), nothing)
    assert posts(client) == [] and ledger.get("C1", DAY) is None and not result.ok


def test_an_incomplete_digest_is_held_back_when_asked_and_never_called_all_clear(ledger: Ledger) -> None:
    client = slack()
    held = digest(backup_with(CLEAR, failures=(LATE,)), client, ledger, hold_incomplete=True)
    assert outcomes(held) == dict.fromkeys(("C1", "C2"), ("failed", "incomplete (eu-west-1); held back for a retry"))
    assert posts(client) == [] and ledger.get("C1", DAY) is None

    posted = digest(backup_with(CLEAR, failures=(LATE,)), client, ledger, skip_all_clear=True)
    assert outcomes(posted) == {"C1": ("posted", ""), "C2": ("posted", "")}  # zero of partial data is not all clear
    assert posts(client)[0]["text"] == ("Restore digest 2027-01-09: incomplete, at least 0 failed, 0 aborted, "
                                        "10 completed; regions not answering: eu-west-1")
    shown = json.dumps(posts(client)[0]["blocks"])
    assert "*All clear*" not in shown and "this is not an all clear" in shown


def test_a_region_cut_short_makes_the_digest_incomplete_too(ledger: Ledger) -> None:
    result = digest(backup_with(ROWS, truncated=("us-east-1",)), slack(), ledger, channels=("C1",), hold_incomplete=True)
    assert outcomes(result) == {"C1": ("failed", "incomplete (us-east-1); held back for a retry")}


def test_an_all_clear_day_is_skipped_only_when_asked(ledger: Ledger) -> None:
    client = slack()
    skipped = digest(backup_with(CLEAR), client, ledger, channels=("C1",), skip_all_clear=True)
    assert outcomes(skipped) == {"C1": ("skipped-all-clear", "")} and posts(client) == []
    posted = digest(backup_with(CLEAR), client, ledger, channels=("C1",))
    assert outcomes(posted) == {"C1": ("posted", "")}
    assert posts(client)[0]["text"] == "Restore digest 2027-01-09: all clear, 10 completed"


def test_a_dry_run_posts_nothing_and_claims_nothing(ledger: Ledger) -> None:
    client = slack()
    result = digest(backup_with(ROWS), client, ledger, dry_run=True)
    assert outcomes(result) == {"C1": ("dry-run", ""), "C2": ("dry-run", "")}
    assert result.message is not None and result.message.text.startswith("Restore digest 2027-01-09: 2 failed")
    assert posts(client) == [] and ledger.get("C1", DAY) is None
    assert digest(backup_with(ROWS), None, None, dry_run=True).message is not None  # needs neither Slack nor a ledger


def test_a_scoped_channel_sees_only_its_accounts_and_an_unscoped_one_the_sum(ledger: Ledger) -> None:
    def scope_for(channel: str) -> frozenset[str] | None:
        if channel == "C9":
            raise NoScope(channel)
        return frozenset({A1}) if channel == "C1" else None

    backup, client = backup_with(ROWS), slack()
    result = digest(backup, client, ledger, channels=("C1", "C2", "C9"), scope_for=scope_for)
    assert outcomes(result) == {"C1": ("posted", ""), "C2": ("posted", ""),
                                "C9": ("failed", "no account scope: add it to RESTORES_CHANNEL_ACCOUNTS")}
    texts = {p["channel"]: p["text"] for p in posts(client)}
    assert texts == {"C1": "Restore digest 2027-01-09: 2 failed, 0 aborted, 10 completed",
                     "C2": "Restore digest 2027-01-09: 2 failed, 1 aborted, 10 completed"}
    # One query per AccountId: per account (ANY) for the scoped channel, summed by AWS for the other.
    asked = [c.args[1]["totals"].get("AccountId") for c in backup.summary_chains.call_args_list]
    assert len(asked) == 2 and set(asked) == {ANY, None}
    assert ledger.get("C9", DAY) is None


def test_a_stale_claim_whose_post_is_in_the_channel_is_not_posted_again(ledger: Ledger) -> None:
    ledger.claim("C1", DAY, "dead-run")
    age_claim(ledger, "C1", DAY, timedelta(minutes=11))
    client = slack()
    client.conversations_history.return_value = {"ok": True, "messages": [
        {"ts": "5.0", "metadata": {"event_type": METADATA_EVENT, "event_payload": {"day": "2027-01-08"}}},
        {"ts": "4.0", "metadata": {"event_type": METADATA_EVENT, "event_payload": {"day": "2027-01-09"}}},
    ], "response_metadata": {"next_cursor": ""}}
    result = digest(backup_with(ROWS), client, ledger, channels=("C1",))
    assert outcomes(result) == {"C1": ("already-posted", "found the earlier post in the channel")}
    assert posts(client) == []
    entry = ledger.get("C1", DAY)
    assert entry is not None and entry.status == DONE and entry.message_ts == "4.0"


def test_one_channel_ledger_trouble_fails_that_channel_only(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    claim = ledger.claim

    def flaky(channel: str, *args: Any, **kwargs: Any) -> bool:
        if channel == "C1":
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        return claim(channel, *args, **kwargs)

    monkeypatch.setattr(ledger, "claim", flaky)
    client = slack()
    result = digest(backup_with(ROWS), client, ledger)
    assert outcomes(result) == {"C1": ("failed", "ledger error (OperationalError)"), "C2": ("posted", "")}
    assert [p["channel"] for p in posts(client)] == ["C2"]


def image_blocks(post: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in post["blocks"] if b["type"] == "image"]


def test_the_chart_is_uploaded_once_and_shown_in_every_channel(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    upload = Mock(return_value=ChartUpload(FILE))
    monkeypatch.setattr(run, "upload_chart", upload)
    client = slack()
    result = digest(backup_with(ROWS), client, ledger, charts=True)
    assert outcomes(result) == {"C1": ("posted", ""), "C2": ("posted", "")}
    upload.assert_called_once()
    assert [image_blocks(p)[0]["slack_file"] for p in posts(client)] == [{"id": FILE.file_id}] * 2


def test_no_chart_uploaded_means_the_text_trend_and_says_why(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "upload_chart", Mock(return_value=ChartUpload(None, "missing_scope")))
    client = slack()
    result = digest(backup_with(ROWS), client, ledger, charts=True, channels=("C1",))
    assert outcomes(result) == {"C1": ("posted", "text trend, no chart: missing_scope")}
    assert image_blocks(posts(client)[0]) == []


def test_a_chart_slack_never_shows_falls_back_to_the_text_trend_for_the_rest_of_the_run(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = Mock(return_value=ChartUpload(FILE))
    monkeypatch.setattr(run, "upload_chart", upload)
    monkeypatch.setattr(chart, "sleep", lambda seconds: None)
    not_shown = SlackApiError("refused", SlackResponse(
        client=None, http_verb="POST", api_url="", req_args={}, headers={}, status_code=200,
        data={"ok": False, "error": "invalid_blocks", "errors": ["invalid slack_file [json-pointer:/blocks/4]"]}))
    client = slack()

    def post(**kwargs: Any) -> dict[str, Any]:
        if image_blocks(kwargs):
            raise not_shown
        return {"ok": True, "ts": "7.0"}

    client.chat_postMessage.side_effect = post
    result = digest(backup_with(ROWS), client, ledger, charts=True)
    assert outcomes(result) == dict.fromkeys(("C1", "C2"), ("posted", "text trend, no chart: file_not_shown"))
    with_image = [p for p in posts(client) if image_blocks(p)]
    assert len(with_image) == len(chart.FILE_WAITS) + 1  # only the first channel tried the chart
    assert [p["channel"] for p in posts(client) if not image_blocks(p)] == ["C1", "C2"]
    assert ledger.get("C1", DAY).status == DONE and ledger.get("C2", DAY).status == DONE  # type: ignore[union-attr]
    assert upload.call_count == 1
