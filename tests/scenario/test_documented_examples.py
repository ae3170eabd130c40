"""Every `/restores` example the README and `help` show, typed into the bot as `python -m bot ask --sample` answers it
(real boto3 over HTTP to the bundled sample emulator, the wiring every process uses), and the window each answer
states checked against the clock: counts are whole UTC days up to yesterday (`1d` yesterday alone, `7d`/`14d` the
days before today, `daily` the 14 of them, one line a day), job lists and restore tests are rolling windows ending
now (`1d` the last 24 h). The examples are read from the README and the rendered help when the test runs: a new
example is checked without touching this file, and one the bot does not understand fails here."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from bot.answers.grammar import parse_command
from bot.answers.notices import render_help
from bot.answers.service import RestoresService
from bot.answers.terminal import message_as_text
from bot.aws.client import BackupService
from bot.aws.identity import IdentityReader
from bot.config import load_settings
from bot.domain.query import COMMAND
from bot.export.result import ExportFile, Uploaded
from bot.recoverability.grammar import CoverageQuery
from bot.sample.data import sample_emulator
from bot.sample.estate import SAMPLE_CALLER_ACCOUNT, SAMPLE_REGIONS
from bot.wiring import Wiring
from tests.support import settled_now

pytestmark = pytest.mark.dates

README = Path(__file__).resolve().parents[2] / "README.md"
SPAN = re.compile(r"`(" + re.escape(COMMAND) + r"(?: [^`\n]*)?)`")
# A grammar line or a placeholder, not a command to type: `/restores [state] [1d|7d]`, `/restores resource <ARN>`.
TEMPLATE = re.compile(r"[<>\[\]{}|…]|\.\.\.")
# The kinds answered here; subscriptions are typed through the grammar only (they write to the database).
WINDOWED = ("summary", "jobs", "tests", "help", "recoverability", "export")
# What each window word means, written here and not taken from the code: (days, the words after a count's window).
COUNT_DAYS = {
    "1d": (1, "the last full UTC day AWS has counted"),
    "7d": (7, "the last 7 full UTC days AWS has counted"),
    "14d": (14, "the last 14 full UTC days AWS has counted"),
    "daily": (14, "per UTC day, the last 14 full days AWS has counted"),
}
ROLLING = {1: "24 h", 7: "7 days", 14: "14 days", 30: "30 days", 90: "90 days", 180: "180 days"}
# An export's window in its CSV trailer, in the CSV's own time format: "created 2026-11-06 11:19:02 to 2026-12-06
# 11:19:02 UTC".
EXPORT_RE = re.compile(r"created (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) to (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC")
ROLLING_RE = re.compile(r"last (24 h|\d+ days), to (\d{1,2}) (\w{3}) (\d\d):(\d\d) UTC")


def examples_in(text: str) -> list[str]:
    """The commands in a text: `/restores …` code spans, and lines of code blocks that start with the command."""
    found = SPAN.findall(text)
    found += [line.strip() for line in text.splitlines() if line.strip().startswith(f"{COMMAND} ")
              or line.strip() == COMMAND]
    return list(dict.fromkeys(cmd.strip() for cmd in found if not TEMPLATE.search(cmd)))


def readme_examples() -> list[str]:
    return examples_in(README.read_text()) if README.exists() else []


def help_examples() -> list[str]:
    return examples_in(message_as_text(render_help(COMMAND, SAMPLE_REGIONS)))


def documented() -> list[str]:
    return list(dict.fromkeys(readme_examples() + help_examples()))


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestoresService]:
    """The service `python -m bot ask --sample` answers with (bot.__main__._backup and cmd_ask)."""
    database = tmp_path_factory.mktemp("examples") / "bot.sqlite3"
    settings = load_settings({"RESTORES_REGIONS": ",".join(SAMPLE_REGIONS), "DATABASE_URL": f"sqlite:///{database}"},
                             "local")
    with sample_emulator() as emulator:

        def session() -> boto3.session.Session:
            return boto3.session.Session(aws_access_key_id="sample", aws_secret_access_key="sample")

        backup = BackupService(session, endpoint_url=emulator.url, deadline_seconds=settings.aws_deadline_seconds,
                               identity=IdentityReader(session, endpoint_url=emulator.url))
        wiring = Wiring(settings, backup=backup, sample=True)
        try:
            yield wiring.answers
        finally:
            wiring.close()
            backup.close()


def day_window(first: date, last: date) -> str:
    """A count's window as every answer states it, written out here: "5 Dec 00:00 – 6 Dec 00:00 UTC"."""
    end = last + timedelta(days=1)
    year = first.year != end.year
    return (f"{first.day} {first:%b}{f' {first:%Y}' if year else ''} 00:00 – "
            f"{end.day} {end:%b}{f' {end:%Y}' if year else ''} 00:00 UTC")


def assert_rolling(text: str, label: str, days: int, asked: datetime, answered: datetime) -> None:
    """`label` followed by "last 24 h, to 6 Dec 07:09 UTC", its end between the moments the answer was asked and
    given (to the minute)."""
    match = re.search(re.escape(label) + " " + ROLLING_RE.pattern, text)
    assert match, f"no rolling window after {label!r} in:\n{text}"
    assert match.group(1) == ROLLING[days]
    day, month, hour, minute = int(match.group(2)), match.group(3), int(match.group(4)), int(match.group(5))
    ends = [moment.replace(second=0, microsecond=0) for moment in (asked, answered)]
    stated = [e for e in {*ends, ends[0] + timedelta(minutes=1)}
              if (e.day, f"{e:%b}", e.hour, e.minute) == (day, month, hour, minute)]
    assert stated, f"window end {match.group(0)!r} is not the moment of the answer ({asked:%d %b %H:%M} UTC)"


def check_answer(answers: RestoresService, example: str) -> None:
    typed = example.removeprefix(COMMAND).strip()
    parsed = parse_command(typed, SAMPLE_REGIONS)  # a documented example is one the grammar takes
    if parsed.kind not in WINDOWED:
        return
    asked = settled_now(timedelta(minutes=5))
    shared: list[tuple[list[ExportFile], str]] = []

    def upload(files: list[ExportFile], comment: str) -> Uploaded:  # the channel an export is posted to
        shared.append(([replace(f, data=io.BytesIO(f.data.read())) for f in files], comment))
        return Uploaded()

    message = answers.answer(typed, upload=upload)
    answered = datetime.now(UTC)
    text = message_as_text(message)
    assert ":thinking_face:" not in message.text and "Something went wrong" not in text, text
    today = asked.date()
    if parsed.kind == "help":
        assert "*Window*" in text and "`daily`" in text
    elif parsed.kind == "summary":
        span = parsed.filter.span.value
        days, words = COUNT_DAYS[span]
        first, last = today - timedelta(days=days), today - timedelta(days=1)
        assert f"*Window:* {day_window(first, last)} ({words})" in text, text
        # Today is never in a count: every counts answer says so and offers a command that lists today's jobs.
        offered = re.search(r"today's jobs are not in AWS's daily counts yet: `([^`]+)` lists them", text)
        assert offered, text
        listing = parse_command(offered.group(1).removeprefix(COMMAND).strip(), SAMPLE_REGIONS)
        assert (listing.kind, listing.filter.span.value) == ("jobs", "1d")
        assert (listing.filter.resource_type, listing.filter.account, listing.filter.unit, listing.filter.regions) == (
            parsed.filter.resource_type, parsed.filter.account, parsed.filter.unit, parsed.filter.regions)
        if span == "daily" and "restore jobs* in" in text:
            per_day = re.findall(r"^`\w{3} \d{1,2} \w{3}` [\d,]+", text.split("*Per day*")[1], re.MULTILINE)
            assert len(per_day) == 14, text  # one line per day, zeros included
        if parsed.filter.account is None and parsed.filter.unit is None and parsed.filter.account_name is None:
            assert f"account {SAMPLE_CALLER_ACCOUNT} (the bot's own)" in text
        if parsed.filter.unit is not None:  # an OU's accounts, never the bot's own or every account
            assert f"accounts of ou:{parsed.filter.unit} (nested OUs included)" in text, text
    elif parsed.kind == "jobs":
        assert_rolling(text, "*Created:*", parsed.filter.span.days, asked, answered)
    elif parsed.kind == "tests":
        assert parsed.tests is not None
        assert_rolling(text, "*Window:*", parsed.tests.days, asked, answered)
    elif isinstance(parsed.recoverability, CoverageQuery):
        assert f"Restore coverage — last {parsed.recoverability.days} days" in text
        assert_rolling(text, "*Window:*", parsed.recoverability.days, asked, answered)
    elif parsed.kind == "recoverability":  # one resource: no window, its restores each dated
        assert "*Resource:*" in text and "*Last restores*" in text, text
    else:
        assert parsed.export is not None and len(shared) == 1, text
        files, comment = shared[0]
        # In Slack (the upload comment and the answer) the rolling form every answer uses; the CSV's trailer keeps
        # the exact moments, as evidence.
        assert_rolling(comment, ":", parsed.export.days, asked, answered)
        rolling = ROLLING_RE.search(comment)
        assert rolling and rolling.group(0) in text, text  # the comment and the answer agree
        last_line = files[-1].data.getvalue().decode().rstrip().splitlines()[-1]
        stated = EXPORT_RE.search(last_line)
        assert stated, last_line
        start, end = (datetime.strptime(moment, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) for moment in stated.groups())
        assert end - start == timedelta(days=parsed.export.days)
        # AWS's clock comes from Date headers, whole seconds: it may read up to a second behind this process's.
        assert asked.replace(microsecond=0) - timedelta(seconds=1) <= end <= answered + timedelta(seconds=1), \
            (asked, end, answered)
        assert f"{end:%H:%M}" == rolling.group(4) + ":" + rolling.group(5)  # the trailer's window is the comment's


def test_the_readme_and_help_show_examples() -> None:
    """The reading above found what it reads: the help's examples, and the README's when it has a command section."""
    shown = help_examples()
    assert len(shown) >= 8 and f"{COMMAND} failed 1d" in shown and any(" daily" in e for e in shown)
    if README.exists():
        assert len(readme_examples()) >= 5


@pytest.mark.parametrize("example", documented())
def test_each_documented_example_states_its_window(answers: RestoresService, example: str) -> None:
    check_answer(answers, example)


@pytest.mark.parametrize("example", [f"{COMMAND} failed 1d", f"{COMMAND} failed 24h", f"{COMMAND} jobs failed 1d",
                                     f"{COMMAND} tests 1d", f"{COMMAND} aborted daily", f"{COMMAND} completed 14d"])
def test_one_day_is_the_last_day_in_every_command(answers: RestoresService, example: str) -> None:
    """`1d` (or `24h`) is one day wherever it is typed: the last full UTC day of counts, the last 24 h of jobs and
    restore tests."""
    check_answer(answers, example)
