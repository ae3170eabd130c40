"""Issue 20 through the real path: `python -m bot ask --sample` reads the emulator's sample organisation over signed
Organizations requests and names every account it shows, with a By OU breakdown equal to an oracle over the sample's
records; `digest --dry-run --sample` the same for the digest's day."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta

import pytest

from bot.domain.accounts import short_id
from bot.sample.data import sample_counts
from tests.sample_org import NAME, top_of
from tests.support import REPO, clean_env

pytestmark = [pytest.mark.e2e]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(HOME="/nonexistent", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                    AWS_EC2_METADATA_DISABLED="true")
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)


def section(out: str, title: str) -> dict[str, int]:
    part = out.split(f"*{title}*\n", 1)[1].split("\n\n", 1)[0]
    found: dict[str, int] = {}
    for line in part.splitlines():
        label, counts = line.rsplit("* — ", 1)
        found[label.lstrip("*")] = sum(int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", counts.split("  (")[0]))
    return found


def test_ask_names_every_account_and_breaks_down_by_ou(today: date) -> None:
    result = run("ask", "--sample", "failed 7d account:ANY")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    counts = [c for c in sample_counts(today)
              if c.state == "FAILED" and today - timedelta(days=7) <= c.day < today]
    per_row: Counter[str] = Counter()
    per_top: Counter[str] = Counter()
    for c in counts:
        per_row[f"{NAME[c.account_id]} · {short_id(c.account_id)} · {c.region}"] += c.count
        per_top[top_of(c.account_id)] += c.count
    assert "prod-payments · 4444…6666" in out
    assert section(out, "By account / region") == {k: v for k, v in per_row.items() if v}
    assert section(out, "By OU") == {k: v for k, v in per_top.items() if v}
    assert sum(section(out, "By OU").values()) == sum(c.count for c in counts)
    assert "Traceback" not in result.stderr


def test_the_digest_dry_run_names_accounts_of_an_organisation_wide_digest(day: date) -> None:
    env_run = subprocess.run([sys.executable, "-m", "bot", "digest", "--dry-run", "--sample"], cwd=REPO,
                             env=clean_env(HOME="/nonexistent", AWS_CONFIG_FILE="/dev/null",
                                           AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true",
                                           RESTORES_DIGEST_ACCOUNT="ANY"),
                             capture_output=True, text=True, timeout=60)
    assert env_run.returncode == 0, env_run.stderr
    bad = [c for c in sample_counts(day + timedelta(days=1)) if c.day == day and c.state in ("FAILED", "ABORTED")]
    per_account: Counter[str] = Counter()
    per_top: Counter[str] = Counter()
    for c in bad:
        per_account[f"{NAME[c.account_id]} · {short_id(c.account_id)}"] += c.count
        per_top[top_of(c.account_id)] += c.count
    if not bad:
        pytest.skip("the sample has no failed or aborted job on this day")  # the sample moves with the day
    assert section(env_run.stdout, "By account") == {k: v for k, v in per_account.items() if v}
    assert section(env_run.stdout, "By OU") == {k: v for k, v in per_top.items() if v}
