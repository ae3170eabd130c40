"""Issue 20 through the bot's front door: a signed slash command to the in-process bot, real boto3 to the AWS emulator
for AWS Backup (several pages a region) and AWS Organizations (the sample organisation, paged), the answer through
response_url to the fake Slack: every account by name, the By OU breakdown equal to an oracle over the raw counts,
the drill-down menu's values carrying ids. Without the directory (refused, as to a member account): ids, no error."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.domain.accounts import short_id
from bot.sample.api_organizations import SAMPLE_ORGANIZATION
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator, expected_sum
from tests.fakes.slack import FakeSlack, validate_blocks
from tests.sample_org import NAME, top_of
from tests.support import (
    DATASET_ACCOUNTS,
    AppBot,
    alert_posts,
    alerted_jobs,
    aws_session,
    blocks_text,
    failed_job,
    home_buttons,
    home_text,
    home_view,
    load_dataset,
    open_home,
)


@pytest.fixture
def organization(fakes: tuple[BackupEmulator, FakeSlack]) -> Iterator[BackupEmulator]:
    emulator, _ = fakes
    emulator.organization = SAMPLE_ORGANIZATION
    try:
        yield emulator
    finally:
        emulator.organization = None


def breakdown(blocks: list[dict[str, Any]], title: str) -> dict[str, int]:
    """A breakdown section's lines as {label: count}."""
    text = next(b["text"]["text"] for b in blocks if b["type"] == "section" and b.get("text")
                and b["text"]["text"].startswith(f"*{title}*\n"))
    found: dict[str, int] = {}
    for line in text.split("\n")[1:]:
        label, count = line.rsplit("* — ", 1)
        found[label.lstrip("*")] = int(re.match(r"[\d,]+", count).group(0).replace(",", ""))  # type: ignore[union-attr]
    return found


def test_an_organisation_wide_answer_names_every_account_and_sums_by_ou(
    organization: BackupEmulator, launch_app_bot: Callable[..., AppBot], today: date
) -> None:
    counts = load_dataset(organization, today)
    bot = launch_app_bot()  # its own directory: read now, from the emulator's organisation
    answer = bot.ask("failed 14d account:ANY")
    text = blocks_text(answer)
    start = today - timedelta(days=14)
    rows = Counter({f"{NAME[a]} · {short_id(a)} · {r}": expected_sum(counts, state="FAILED", account_id=a, region=r,
                                                                      start=start, end=today)
                    for a in DATASET_ACCOUNTS for r in {c.region for c in counts}})
    assert breakdown(answer.body["blocks"], "By account / region") == {k: v for k, v in rows.items() if v}
    tops: Counter[str] = Counter()
    for account in DATASET_ACCOUNTS:
        tops[top_of(account)] += expected_sum(counts, state="FAILED", account_id=account, start=start, end=today)
    assert breakdown(answer.body["blocks"], "By OU") == {k: v for k, v in tops.items() if v}
    assert sum(tops.values()) == expected_sum(counts, state="FAILED", start=start, end=today)
    assert "prod-payments · 4444…6666" in text
    validate_blocks(answer.body["blocks"])
    menu = [o for b in answer.body["blocks"] if b["type"] == "actions" for e in b["elements"]
            for g in e.get("option_groups", ()) for o in g["options"]]
    assert menu and all("prod-" not in o["value"] for o in menu)
    assert any(json.loads(o["value"]).get("a") == "444455556666" for o in menu)
    assert any(o["text"]["text"].startswith("prod-payments · 4444…6666 · ") for o in menu)
    # Organizations is asked once for both reads of the answer (the quick totals, then the accounts): the directory
    # keeps what it read; its calls are POSTs to "/" (AWS Backup's are REST paths; this bot reads no STS identity).
    reads = [r for r in organization.calls("/") if r.method == "POST" and r.path == "/"]
    assert reads and all(r.signed for r in reads)
    assert bot.ask("failed 7d account:ANY") and len([r for r in organization.calls("/")
                                                    if r.method == "POST" and r.path == "/"]) == len(reads)


def test_without_the_directory_the_answer_shows_ids_and_is_whole(
    fakes: tuple[BackupEmulator, FakeSlack], launch_app_bot: Callable[..., AppBot], today: date
) -> None:
    emulator, _ = fakes
    emulator.organizations_denied = True
    try:
        counts = load_dataset(emulator, today)
        bot = launch_app_bot()
        answer = bot.ask("failed 14d account:ANY")
        again = bot.ask("failed 7d account:ANY")
    finally:
        emulator.organizations_denied = False
    text = blocks_text(answer)
    expected = expected_sum(counts, state="FAILED", start=today - timedelta(days=14), end=today)
    assert f"*{expected:,} failed restore jobs*" in text
    assert "*444455556666 · " in text and "By OU" not in text and "prod-" not in text
    assert "By OU" not in blocks_text(again) and "*444455556666 · " in blocks_text(again)
    # One refused attempt for both answers (retried minutes later), not one per answer or per account.
    assert len([r for r in emulator.calls("/") if r.method == "POST" and r.path == "/"]) == 1


def test_the_wirings_poller_alerts_every_active_member_by_name_and_never_asks_for_a_suspended_one(
    organization: BackupEmulator, fakes: tuple[BackupEmulator, FakeSlack], bot_env: dict[str, str], tmp_path: Path,
    now: datetime,
) -> None:
    """`python -m bot poll` as wired: no RESTORES_ALERT_ACCOUNTS, the directory's active accounts polled, each reply
    naming its account."""
    _, slack = fakes
    payments, suspended = "444455556666", "555566667777"  # prod-payments; sandbox-legacy is SUSPENDED in the sample
    organization.load(jobs=[failed_job(now, 1, account=payments, region="eu-west-1"),
                            failed_job(now, 2, account=suspended)])
    env = {**bot_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'alerts.sqlite3'}", "RESTORES_ALERT_CHANNELS": "C0ALERTS"}
    settings = load_settings(env, "poll")
    backup = BackupService(lambda: aws_session(env), endpoint_url=env["AWS_ENDPOINT_URL_BACKUP"],
                           deadline_seconds=settings.aws_deadline_seconds)
    try:
        run = Wiring(settings, backup=backup).alerts.poll()
    finally:
        backup.close()
    assert run.ok, run.summary()
    assert alerted_jobs(slack, "C0ALERTS") == {"alert-00001": 1}
    _, replies = alert_posts(slack, "C0ALERTS")
    shown = json.dumps([r.params for r in replies], ensure_ascii=False)
    assert "prod-payments · 4444…6666 · eu-west-1" in shown
    asked = {c.params.get("accountId") for c in organization.calls("/restore-jobs/")}
    assert payments in asked and suspended not in asked


def test_the_home_tab_names_every_failing_account_and_its_buttons_keep_ids(
    organization: BackupEmulator, fakes: tuple[BackupEmulator, FakeSlack], launch_app_bot: Callable[..., AppBot],
    today: date,
) -> None:
    _, slack = fakes
    counts = load_dataset(organization, today)
    bot = launch_app_bot()
    open_home(bot, "U0NAMES")
    view = home_view(slack, "U0NAMES")
    text = home_text(view)
    failing = {c.account_id for c in counts if c.state in ("FAILED", "ABORTED") and c.count
               and today - timedelta(days=14) <= c.day < today}
    assert failing == set(DATASET_ACCOUNTS)
    for account in failing:
        assert f"*{NAME[account]} · {short_id(account)}* — " in text, account
    values = [b["value"] for b in home_buttons(view) if str(b.get("value", "")).startswith("{")]
    assert values and not any("prod-" in v or "management" in v for v in values)
    assert {json.loads(v).get("a") for v in values} >= set(DATASET_ACCOUNTS)
