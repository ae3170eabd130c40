"""`python -m bot export` as a real process: the bundled sample's restore jobs as CSV on stdout, the trailer also on
stderr; bad words refused with what is accepted (exit 2), nothing on stdout."""

from __future__ import annotations

import codecs
import csv
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.export.table import COLUMNS, TIME_FORMAT
from bot.sample.estate import SAMPLE_ACCOUNTS, SAMPLE_CALLER_ACCOUNT, SAMPLE_REGIONS
from tests.support import REPO, clean_env

pytestmark = [pytest.mark.e2e, pytest.mark.dates]


def export(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = clean_env(HOME="/nonexistent", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                    AWS_EC2_METADATA_DISABLED="true")
    return subprocess.run([sys.executable, "-m", "bot", "export", *args], cwd=REPO, env=env, capture_output=True,
                          timeout=120)


def test_the_sample_exports_every_account_as_a_spreadsheet_reads_it() -> None:
    done = export("--sample", "7d", "account:ANY")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(codecs.BOM_UTF8) and b"\r\n" in done.stdout
    rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(COLUMNS) and rows[-2] == [] and rows[-1][0].startswith("# restore jobs created ")
    jobs = rows[1:-2]
    assert f"{len(jobs):,} rows" in rows[-1][0] and done.stderr.decode().strip() == rows[-1][0]
    assert len({r[0] for r in jobs}) == len(jobs) > 100  # one row a job
    assert {r[COLUMNS.index("account id")] for r in jobs} == set(SAMPLE_ACCOUNTS)
    assert {r[COLUMNS.index("region")] for r in jobs} == set(SAMPLE_REGIONS)
    start, end = (datetime.strptime(t, TIME_FORMAT).replace(tzinfo=UTC)
                  for t in rows[-1][0].split("created ", 1)[1].split(" UTC", 1)[0].split(" to "))
    assert end - start == timedelta(days=7)
    created = [datetime.strptime(r[COLUMNS.index("created (UTC)")], TIME_FORMAT).replace(tzinfo=UTC) for r in jobs]
    assert all(start <= c < end for c in created)
    assert {r[COLUMNS.index("status")] for r in jobs} >= {"COMPLETED", "FAILED"}
    assert any(r[COLUMNS.index("restore testing plan ARN")] for r in jobs)  # the sample's restore tests


def test_the_bots_own_account_by_default() -> None:
    done = export("--sample", "region:eu-west-1")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8-sig"), newline="")))[1:-2]
    assert rows and {(r[1], r[3]) for r in rows} == {(SAMPLE_CALLER_ACCOUNT, "eu-west-1")}
    # The bot's own account by its id (the sample's identity is known), never an unnamed "the bot's own account".
    assert f"account {SAMPLE_CALLER_ACCOUNT} (the bot's own)" in done.stderr.decode() and "last page" in done.stderr.decode()


def test_bad_words_are_refused_with_what_is_accepted() -> None:
    done = export("--sample", "14d")
    assert done.returncode == 2 and done.stdout == b""
    assert "`14d` does not apply to an export" in done.stderr.decode() and "7d|30d|90d" in done.stderr.decode()
