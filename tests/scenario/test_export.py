"""`/restores export` in process: a signed slash command is acked, answered first with "Exporting…", then the CSV is
shared to the command's channel (real slack_sdk to the fake Slack) and the first answer replaced; its rows are the
jobs the AWS fake served. A scoped channel cannot export another account: refused before any AWS call."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from bot.export.table import COLUMNS, TIME_FORMAT
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import CHANNEL_SCOPES, DATASET_ACCOUNTS, AppBot, counts_from, make_jobs, text_of

pytestmark = pytest.mark.dates

CHANNEL = "C0EXPORTS1"  # Slack's shape: files.completeUploadExternal refuses shorter channel ids


def window_of(trailer: str) -> tuple[datetime, datetime]:
    start, end = trailer.split("created ", 1)[1].split(" UTC", 1)[0].split(" to ")
    return tuple(datetime.strptime(t, TIME_FORMAT).replace(tzinfo=UTC) for t in (start, end))  # type: ignore[return-value]


def test_the_export_is_shared_to_the_channel_and_holds_every_job_served(
    app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack, today: date
) -> None:
    jobs = make_jobs(today)
    emulator.load(counts=counts_from(jobs), jobs=jobs)
    slack.set_conversation(CHANNEL, member=True)
    status, key = app_bot.post_command("export 7d account:ANY", channel_id=CHANNEL)
    assert status == 200
    first, final = slack.wait_for_responses(2, key=key, timeout=30)[:2]
    assert str(first.body["text"]).startswith("Exporting every restore job of the last 7 days")
    assert final.body.get("replace_original") is True

    (shared,) = [f for f in slack.files if f.completed]
    assert shared.channel == CHANNEL and shared.filename.startswith("restores-export-7d-")
    data = shared.data or b""
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(COLUMNS) and rows[-2] == []
    start, end = window_of(rows[-1][0])
    at = [COLUMNS.index(c) for c in ("job id", "account id", "region", "status", "created (UTC)")]
    assert Counter(tuple(r[i] for i in at) for r in rows[1:-2]) == Counter(
        (j.job_id, j.account_id, j.region, j.status, f"{j.created:{TIME_FORMAT}}") for j in jobs
        if start <= j.created < end
    )
    count = len(rows) - 3
    assert count > 0 and f"{count:,} restore jobs" in (shared.initial_comment or "")
    # Every account: the accounts come from AWS's summaries, which do not cover today's jobs; said, not hidden.
    assert final.body["text"] == f"May be incomplete: Posted the export ({count:,} restore jobs) to this channel as a CSV file."
    assert "from today is not listed" in text_of(final) and "from today is not listed" in (shared.initial_comment or "")


def test_a_scoped_channel_cannot_export_another_account(
    launch_app_bot: Callable[..., AppBot], emulator: BackupEmulator, slack: FakeSlack, today: date,
    fakes: tuple[BackupEmulator, FakeSlack],
) -> None:
    jobs = make_jobs(today)
    emulator.load(counts=counts_from(jobs), jobs=jobs)
    bot = launch_app_bot(RESTORES_CHANNEL_ACCOUNTS=CHANNEL_SCOPES)
    emulator.reset()
    answer = bot.ask(f"export 30d account:{DATASET_ACCOUNTS[1]}", channel_id="C0TEAMA")
    assert f"account {DATASET_ACCOUNTS[1]} is not one of them" in text_of(answer)
    assert emulator.calls() == [] and slack.files == []
