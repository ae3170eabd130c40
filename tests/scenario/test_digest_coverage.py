"""The digest's weekly restore coverage line in process: real boto3 to the emulator (three accounts, two read through
the role the STS fake lets the bot assume, every operation in several pages), the wiring every process uses. On the
digest of COVERAGE_WEEKDAY its figures equal an oracle computed from the raw records over the 30 days that end with
the digest's day; on the other days nothing is read; an account that cannot be read is said; the all clear is the
same with the line as without it."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import boto3
import pytest

from bot.aws.client import BackupService
from bot.aws.identity import IdentityReader
from bot.config import load_settings
from bot.digest.coverage import COVERAGE_DAYS, COVERAGE_WEEKDAY, coverage_end
from bot.digest.run import DigestRunner
from bot.sample.records import DailyCount
from bot.slack.blocks import Message
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator
from tests.fakes.resources import Estate, coverage_oracle, estate
from tests.fakes.slack import FakeSlack
from tests.fakes.sts import READER_ROLE, FakeSts
from tests.support import E2E_REGIONS

pytestmark = pytest.mark.dates

OWN, MEMBER, OTHER = "111122223333", "444455556666", "777788889999"
UNREADABLE = "999900001111"  # in RESTORES_TESTING_ACCOUNTS, but the STS fake lets no role be assumed there
PER_PAIR = 10  # resources an account and region: 3 pages of ListProtectedResources at 4 a page


def due_day(today: date) -> date:
    """The newest digest day (yesterday or before) that carries the coverage line."""
    day = today - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - COVERAGE_WEEKDAY) % 7)


@dataclass
class World:
    """The fakes a digest of the estate reads, and this test's clock."""

    emulator: BackupEmulator
    sts: FakeSts
    monkeypatch: pytest.MonkeyPatch
    tmp_path: Path
    now: datetime

    def load(self, day: date) -> Estate:
        """The estate on the wall clock (some restores after the window's end, which the line must not count), and an
        all-clear digest day: completed restores only, in every region."""
        data = estate(self.now, (OWN, MEMBER, OTHER), E2E_REGIONS, PER_PAIR, jobs_per_story=3)
        self.emulator.load(jobs=data.jobs,
                           counts=[DailyCount(region, OWN, "COMPLETED", "EBS", day, 7) for region in E2E_REGIONS])
        self.emulator.api.load_resources(data.resources)
        return data

    def runner(self, accounts: str = f"{MEMBER},{OTHER}") -> DigestRunner:
        self.monkeypatch.setenv("AWS_ENDPOINT_URL_STS", self.sts.url)

        def session() -> boto3.session.Session:
            return boto3.session.Session(aws_access_key_id="AKIDBOT", aws_secret_access_key="t",
                                         region_name="us-east-1")

        settings = load_settings({"RESTORES_REGIONS": ",".join(E2E_REGIONS), "AWS_MAX_ATTEMPTS": "1",
                                  "RESTORES_TESTING_ACCOUNTS": accounts, "RESTORES_TESTING_ROLE": READER_ROLE,
                                  "RESTORES_DIGEST_ACCOUNT": "ANY",
                                  "DATABASE_URL": f"sqlite:///{self.tmp_path / 'l.sqlite3'}"}, "local")
        backup = BackupService(session, endpoint_url=self.emulator.url, deadline_seconds=20,
                               identity=IdentityReader(session, endpoint_url=self.emulator.url))
        return Wiring(settings, backup=backup).digest(posting=False)

    def digest(self, day: date, runner: DigestRunner | None = None) -> Message:
        message = (runner or self.runner()).run(day=day, now=self.now, dry_run=True).message
        assert message is not None
        return message


@pytest.fixture
def world(fakes: tuple[BackupEmulator, FakeSlack], sts: FakeSts, now: datetime, monkeypatch: pytest.MonkeyPatch,
          tmp_path: Path) -> World:
    return World(fakes[0], sts, monkeypatch, tmp_path, now)


def digest_of(message: Message) -> str:
    return message.text + "\n" + json.dumps(message.block_dicts(), ensure_ascii=False)


def expected(data: Estate, day: date, accounts: tuple[str, ...]) -> tuple[int, int, int]:
    """(proven, resources, restore-critical not proven) from the raw records of `accounts`, over the 30 days to the
    end of the digest's day."""
    end = coverage_end(day)
    assert end == datetime.combine(day + timedelta(days=1), time.min, UTC)
    resources = [r for r in data.resources if r.account_id in accounts]
    jobs = [j for j in data.jobs if j.created < end]
    by_type, _, proven, _, unproven = coverage_oracle(resources, jobs, end, COVERAGE_DAYS)
    critical = {r.arn for r in resources if ("restore-critical", "true") in r.tags} & unproven
    return sum(proven.values()), sum(by_type.values()), len(critical)


def test_the_line_on_its_day_equals_the_oracle_and_leaves_the_all_clear_alone(world: World) -> None:
    day = due_day(world.now.date())
    data = world.load(day)
    digests = world.runner()
    message = world.digest(day, digests)
    proven, total, critical = expected(data, day, (OWN, MEMBER, OTHER))
    assert total == 3 * 3 * PER_PAIR and 0 < proven < total and critical
    line = (f"*Restore coverage (30 days):* {proven} of {total} protected resources restored (validated where "
            f"tested); {critical} restore-critical not restored — `/restores coverage`")
    text = digest_of(message)
    assert text.count(line) == 1, text
    assert f"restore coverage (30 days) {proven} of {total}" in message.text
    # Read once for the run, two page chains an account and region (and the tags), nothing per resource.
    assert len(world.emulator.calls("/resources")) == 3 * 3 * 3
    # The same digest without the line says the same all clear, block for block.
    without = world.digest(day, replace(digests, recoverability=None))
    assert "Restore coverage" not in digest_of(without) and "all clear" in without.text.lower()
    assert message.text.startswith(without.text)
    kept = [b for b in message.block_dicts() if "Restore coverage" not in json.dumps(b)]
    assert [b for b in kept if b["type"] != "divider"] == [b for b in without.block_dicts() if b["type"] != "divider"]


def test_other_days_read_no_coverage_and_say_none(world: World) -> None:
    day = due_day(world.now.date()) - timedelta(days=1)
    world.load(day)
    message = world.digest(day)
    assert "Restore coverage" not in digest_of(message) and "coverage" not in message.text
    assert world.emulator.calls("/resources") == []


def test_an_account_not_read_is_said_and_the_figures_count_what_was_read(world: World) -> None:
    day = due_day(world.now.date())
    data = world.load(day)
    message = world.digest(day, world.runner(accounts=f"{MEMBER},{UNREADABLE}"))
    proven, total, critical = expected(data, day, (OWN, MEMBER))
    text = digest_of(message)
    assert ":warning: *Restore coverage (30 days), incomplete:* not read: " in text
    assert UNREADABLE in text.split("Restore coverage", 1)[1].split("Of what was read", 1)[0]
    assert (f"Of what was read, {proven} of {total} protected resources restored (validated where tested); at least "
            f"{critical} restore-critical not restored — `/restores coverage`") in text
    assert "restore coverage (30 days) incomplete" in message.text
