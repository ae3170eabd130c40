"""The chart as real processes: `python -m bot chart` writes a PNG (the README's picture and a filter's), and
`python -m bot digest` posts a digest whose image block shows the file it uploaded."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.sample.data import sample_counts
from bot.sample.records import DailyCount
from tests.fakes.aws import BackupEmulator
from tests.fakes.slack import FakeSlack
from tests.support import CHART_SIZE, REPO, clean_env, png_facts, posts

pytestmark = [pytest.mark.e2e, pytest.mark.dates]


def chart(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = clean_env(HOME="/nonexistent", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                    AWS_EC2_METADATA_DISABLED="true")
    return subprocess.run([sys.executable, "-m", "bot", "chart", *args], cwd=REPO, env=env, capture_output=True,
                          timeout=60)


def test_chart_sample_writes_the_readme_picture(today: date, day: date) -> None:
    result = chart("--sample")
    assert result.returncode == 0, result.stderr
    size, colours, red = png_facts(result.stdout)
    assert size == CHART_SIZE and colours > 16 and red
    counts = sample_counts(today)
    failed, aborted, completed = (sum(c.count for c in counts if c.day == day and c.state == s)
                                  for s in ("FAILED", "ABORTED", "COMPLETED"))
    alt = result.stderr.decode()
    assert f"{day:%d %b} (highlighted): {failed} failed, {aborted} aborted, {completed} completed." in alt


def test_chart_of_a_filter_reads_it_day_by_day(today: date, day: date, tmp_path: Path) -> None:
    target = tmp_path / "ebs.png"
    result = chart("--sample", "-o", str(target), "type:EBS account:ANY")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"" and png_facts(target.read_bytes())[0] == CHART_SIZE
    days = [day - timedelta(days=13 - i) for i in range(14)]
    counts = [c for c in sample_counts(today) if c.resource_type == "EBS"]
    bad = [sum(c.count for c in counts if c.day == d and c.state in ("FAILED", "ABORTED")) for d in days]
    assert "Failed or aborted per day: " + ", ".join(f"{d:%d %b} {n}" for d, n in zip(days, bad, strict=True)) in (
        result.stderr.decode())
    refused = chart("--sample", "-o", str(tmp_path / "no.png"), "failed 7d")
    assert refused.returncode == 2 and b"`7d` is a window, but a chart is always per day" in refused.stderr
    assert b"conflicts" not in refused.stderr and not (tmp_path / "no.png").exists()


def test_the_digest_process_shows_the_chart_it_uploaded(fakes: tuple[BackupEmulator, FakeSlack],
                                                        dataset: list[DailyCount], bot_env: dict[str, str],
                                                        tmp_path: Path) -> None:
    _, slack = fakes
    env = dict(bot_env, RESTORES_DIGEST_CHANNELS="C0DIGEST1,C0DIGEST2", RESTORES_DIGEST_ACCOUNT="ANY",
               DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}", SLACK_API_URL=slack.api_url)
    result = subprocess.run([sys.executable, "-m", "bot", "digest"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    (upload,) = slack.files
    assert upload.channel is None and png_facts(upload.data or b"")[0] == CHART_SIZE
    for channel in ("C0DIGEST1", "C0DIGEST2"):
        (post,) = posts(slack, channel)
        assert [b["slack_file"]["id"] for b in post.params["blocks"] if b["type"] == "image"] == [upload.id]
