"""The export against the loopback AWS Backup fake with real boto3 (SigV4, paging) and the fake Slack with slack_sdk:
its rows equal the jobs the fake served over several pages, regions and accounts; what was not read is in the trailer;
a scoped channel cannot export another account; the parts reach the channel byte for byte."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from slack_sdk import WebClient

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.domain.access import AccessPolicy, OutOfScope
from bot.export.grammar import ExportQuery
from bot.export.render import render_too_large
from bot.export.result import ExportFile, ExportResult, Uploaded
from bot.export.service import ExportService
from bot.export.table import COLUMNS, TIME_FORMAT, TRAILER_ROOM
from bot.export.upload import slack_upload
from bot.sample.records import RestoreJob
from tests.fakes.aws import BackupEmulator, access_denied
from tests.fakes.slack import FakeSlack
from tests.support import counts_from

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
ACCOUNTS = ("111122223333", "444455556666", "777788889999")
CALLER = ACCOUNTS[0]
TOKEN = "xoxb-export-test"
CHANNEL = "C0EXPORT01"
PAGE = 7  # the fake's page size: every (region, account) chain takes several pages
NASTY = ['=HYPERLINK("http://evil.example","click")', "+1+cmd|' /C calc'!A0", "-2", "@SUM(A1:A2)", "\tTAB",
         "\rCR", 'KMS key "alias/orders", disabled', "line one\nline two", "Zürich ✓ 数据库 😀"]

pytestmark = pytest.mark.dates


def make_jobs(now: datetime) -> list[RestoreJob]:
    """Jobs of every state over 40 days, in every region and account; some nasty messages, one restore test."""
    jobs = []
    n = 0
    for r, region in enumerate(REGIONS):
        for a, account in enumerate(ACCOUNTS):
            for i in range(3 * PAGE + r + a):  # several pages, a different count per chain
                n += 1
                created = now - timedelta(hours=2 + i * 37 % (40 * 24))
                status = ("COMPLETED", "FAILED", "ABORTED", "RUNNING")[i % 4]
                jobs.append(RestoreJob(
                    region=region, account_id=account, job_id=f"{n:04d}-{region}", status=status,
                    resource_type=("RDS", "EBS", "DynamoDB")[i % 3], created=created,
                    status_message=NASTY[n % len(NASTY)] if status == "FAILED" else "",
                    source_resource_arn=f"arn:aws:rds:{region}:{account}:db:orders-{i}",
                    created_resource_arn=f"arn:aws:rds:{region}:{account}:db:orders-{i}-restored"
                    if status == "COMPLETED" else "",
                    recovery_point_arn=f"arn:aws:backup:{region}:{account}:recovery-point:rp-{n}",
                    completion=created + timedelta(minutes=i + 1) if status != "RUNNING" else None,
                    restore_testing_plan_arn=f"arn:aws:backup:{region}:{account}:restore-testing-plan:daily-1"
                    if i == 2 else None,
                    validation_status="FAILED" if i == 2 else None,
                    validation_status_message="=cmd validation" if i == 2 else None,
                    deletion_status="SUCCESSFUL" if i == 2 else None,
                ))
    return jobs


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def jobs(now: datetime) -> list[RestoreJob]:
    return make_jobs(now)


@pytest.fixture
def emulator(jobs: list[RestoreJob], now: datetime) -> Iterator[BackupEmulator]:
    with BackupEmulator(counts_from(jobs), jobs, page_size=PAGE, caller_account=CALLER, org_admin=True,
                        now=lambda: now) as emu:
        yield emu


@pytest.fixture
def backup(emulator: BackupEmulator) -> Iterator[BackupService]:
    def session() -> boto3.session.Session:
        return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")

    service = BackupService(session, endpoint_url=emulator.url, deadline_seconds=10)
    yield service
    service.close()


def exporter(backup: BackupService, scopes: str = "", **knobs: object) -> tuple[ExportService, AccessPolicy]:
    env = {"RESTORES_REGIONS": ",".join(REGIONS)}
    if scopes:
        env["RESTORES_CHANNEL_ACCOUNTS"] = scopes
    policy = AccessPolicy(load_settings(env, "local"))
    return ExportService(backup, policy, **knobs), policy  # type: ignore[arg-type]


def served(jobs: list[RestoreJob], result: ExportResult, accounts: tuple[str, ...] = ACCOUNTS,
           regions: tuple[str, ...] = REGIONS) -> Counter[tuple[str, ...]]:
    """The oracle: the jobs loaded into the fake that fall in the export's window, as the columns they must show."""
    start, end = result.window
    return Counter(
        (j.job_id, j.account_id, j.region, j.status, j.status_message, f"{j.created:{TIME_FORMAT}}")
        for j in jobs
        if start <= j.created < end and j.account_id in accounts and j.region in regions
    )


def unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell


def read(data: bytes) -> tuple[list[list[str]], str]:
    """The data rows (guard removed from the checked columns) and the trailer, as a spreadsheet program reads them."""
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == ["\ufeff" + COLUMNS[0], *COLUMNS[1:]]
    assert rows[-2] == [] and len(rows[-1]) == 1 and rows[-1][0].startswith("# ")
    return rows[1:-2], rows[-1][0]


def keys(rows: list[list[str]]) -> Counter[tuple[str, ...]]:
    at = [COLUMNS.index(c) for c in ("job id", "account id", "region", "status", "status message", "created (UTC)")]
    return Counter(tuple(unguard(r[i]) for i in at) for r in rows)


def test_every_account_every_page_every_region_equals_what_the_fake_served(
    backup: BackupService, emulator: BackupEmulator, jobs: list[RestoreJob]
) -> None:
    service, policy = exporter(backup, account_name={"444455556666": "Prod, EU"}.get)  # type: ignore[arg-type]
    out = io.BytesIO()
    result = service.write(ExportQuery(30, REGIONS, "ANY"), policy.check(user_id="", channel_id=""), out)
    rows, trailer = read(out.getvalue())
    expected = served(jobs, result)
    assert keys(rows) == expected and result.rows == sum(expected.values()) > 100
    assert result.window[1] - result.window[0] == timedelta(days=30) and result.aws_clock
    # Several pages a chain: the fake answered each account of each region with NextToken more than once.
    assert len(emulator.calls("/restore-jobs/")) >= len(REGIONS) * len(ACCOUNTS) * 3
    names = {r[COLUMNS.index("account id")]: r[COLUMNS.index("account name")] for r in rows}
    assert names == {"111122223333": "", "444455556666": "Prod, EU", "777788889999": ""}
    assert f"created {result.window[0]:{TIME_FORMAT}} to {result.window[1]:{TIME_FORMAT}} UTC (AWS's clock)" in trailer
    assert f"{result.rows:,} rows" in trailer and "every account with jobs (3)" in trailer
    # Accounts come from 14-day summaries: the trailer says what that may miss, never that everything was read.
    assert "MAY BE INCOMPLETE" in trailer and "older than 14 days" in trailer
    test_rows = [r for r in rows if r[COLUMNS.index("restore testing plan ARN")]]
    assert test_rows and all(r[COLUMNS.index("validation message")] == "'=cmd validation" for r in test_rows)


def test_formula_starts_are_guarded_and_quoting_round_trips(backup: BackupService, jobs: list[RestoreJob]) -> None:
    service, policy = exporter(backup)
    out = io.BytesIO()
    service.write(ExportQuery(90, REGIONS, CALLER), policy.check(user_id="", channel_id=""), out)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))[1:-2]
    messages = {r[COLUMNS.index("status message")] for r in rows} - {""}
    assert messages == {("'" + m if m[0] in "=+-@\t\r" else m) for m in NASTY}
    for row in rows:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row)


def test_a_region_not_read_is_named_in_the_trailer(
    backup: BackupService, emulator: BackupEmulator, jobs: list[RestoreJob]
) -> None:
    emulator.set_fault("eu-west-1", access_denied())
    service, policy = exporter(backup)
    out = io.BytesIO()
    result = service.write(ExportQuery(30, REGIONS, "444455556666"), policy.check(user_id="", channel_id=""), out)
    rows, trailer = read(out.getvalue())
    assert keys(rows) == served(jobs, result, ("444455556666",), ("us-east-1", "ap-southeast-2"))
    assert not result.complete and [f.chain.region for f in result.failures] == ["eu-west-1"]
    assert ("INCOMPLETE, not read: eu-west-1 account 444455556666: access denied: grant `backup:ListRestoreJobs` to "
            "the bot's IAM role (stopped after 0 jobs, which are in the file)") in trailer
    assert "every region and account asked answered" not in trailer


def test_a_scoped_channel_cannot_export_another_account(
    backup: BackupService, emulator: BackupEmulator, jobs: list[RestoreJob]
) -> None:
    service, policy = exporter(backup, scopes=f"{CHANNEL}={CALLER}")
    access = policy.check(user_id="U1", channel_id=CHANNEL)
    with pytest.raises(OutOfScope, match="account 444455556666 is not one of them"):
        service.write(ExportQuery(30, REGIONS, "444455556666"), access, io.BytesIO())
    assert emulator.calls() == []  # refused before any AWS call
    out = io.BytesIO()
    result = service.write(ExportQuery(30, REGIONS, "ANY"), access, out)  # ANY: the channel's accounts only
    rows, trailer = read(out.getvalue())
    assert keys(rows) == served(jobs, result, (CALLER,)) and f"accounts {CALLER}" in trailer
    assert {r.params.get("accountId") for r in emulator.calls("/restore-jobs/")} == {CALLER}


def test_parts_split_below_the_limit_and_too_large_is_refused(
    backup: BackupService, emulator: BackupEmulator, jobs: list[RestoreJob]
) -> None:
    service, policy = exporter(backup, part_bytes=TRAILER_ROOM + 6000, max_parts=100, at_once=1)
    access = policy.check(user_id="", channel_id="")
    result = service.spool(ExportQuery(30, REGIONS, "ANY"), access)
    try:
        files = result.files()
        assert len(files) > 3 and [f.name.rsplit("-", 1)[1] for f in files] == [f"part{n}.csv" for n in
                                                                                 range(1, len(files) + 1)]
        rows: list[list[str]] = []
        for part in files:
            data = part.data.read()
            assert len(data) == part.size <= TRAILER_ROOM + 6000
            got, _ = read(data)
            rows += got
        assert keys(rows) == served(jobs, result)
    finally:
        result.close()
    whole = len(emulator.calls("/restore-jobs/"))
    emulator.reset()
    small, _ = exporter(backup, part_bytes=TRAILER_ROOM + 6000, max_parts=2, at_once=1)
    refused = small.spool(ExportQuery(30, REGIONS, "ANY"), access)
    assert refused.rows > 0
    # Refused part-way: the chains stopped instead of reading the rest (without the stop, every page is read).
    assert len(emulator.calls("/restore-jobs/")) < whole
    refused.close()
    assert refused.too_large == "more than 2 files of 0 MB" and not refused.complete
    text = render_too_large(refused, "/restores").text
    assert "too large for Slack here" in text and "Nothing was posted" in text


def test_the_parts_reach_the_channel_byte_for_byte_with_one_comment(
    backup: BackupService, jobs: list[RestoreJob]
) -> None:
    service, policy = exporter(backup, part_bytes=TRAILER_ROOM + 4000)
    access = policy.check(user_id="U1", channel_id=CHANNEL)
    with FakeSlack(token=TOKEN) as slack:
        client = WebClient(token=TOKEN, base_url=slack.api_url, timeout=5)
        refused = service.answer(ExportQuery(7, REGIONS, "ANY"), access, upload=slack_upload(client, CHANNEL),
                                 command="/restores")
        assert "/invite @restores" in refused.text  # not in the channel: said, with what to do
        slack.set_conversation(CHANNEL, member=True)
        written: list[bytes] = []
        real = slack_upload(client, CHANNEL)

        def upload(files: list[ExportFile], comment: str) -> Uploaded:
            for part in files:  # what the bot wrote, read back before Slack gets it
                written.append(part.data.read())
                part.data.seek(0)
            return real(files, comment)

        message = service.answer(ExportQuery(7, REGIONS, "ANY"), access, upload=upload, command="/restores")
        assert message.text.startswith("May be incomplete: Posted the export (")  # ANY's accounts may miss some
        assert "as a CSV files" in message.text and len(written) > 1
        start, end = (datetime.strptime(t, TIME_FORMAT).replace(tzinfo=UTC) for t in
                      read(written[-1])[1].split("created ", 1)[1].split(" UTC")[0].split(" to "))
        (complete,) = [c for c in slack.calls_to("files.completeUploadExternal") if c.ok]
        shared = [f for f in slack.files if f.completed and f.channel == CHANNEL]
        assert [f.data for f in shared] == written
        rows = [row for data in written for row in read(data)[0]]
        assert keys(rows) == Counter((j.job_id, j.account_id, j.region, j.status, j.status_message,
                                      f"{j.created:{TIME_FORMAT}}") for j in jobs if start <= j.created < end)
        assert [f.filename for f in shared][-1].endswith(f"-part{len(shared)}.csv")
        comment = shared[0].initial_comment or ""
        assert "restore jobs" in comment and "/restores export 7d account:ANY" in comment
        assert "older than 14 days" not in comment and "from today is not listed" in comment
        assert str(complete.params.get("channel_id")) == CHANNEL


def test_every_account_of_the_organisation_is_read_when_its_directory_knows_them(
    backup: BackupService, emulator: BackupEmulator, jobs: list[RestoreJob], now: datetime
) -> None:
    quiet = "999900001111"  # jobs 20 days ago only: AWS's 14-day summaries do not name it
    old = RestoreJob(region="eu-west-1", account_id=quiet, job_id="quiet-1", status="COMPLETED", resource_type="EFS",
                     created=now - timedelta(days=20), completion=now - timedelta(days=20) + timedelta(minutes=5))
    emulator.load(counts=counts_from(jobs), jobs=[*jobs, old])
    service, policy = exporter(backup, organisation=lambda: frozenset((*ACCOUNTS, quiet)))
    out = io.BytesIO()
    result = service.write(ExportQuery(30, REGIONS, "ANY"), policy.check(user_id="", channel_id=""), out)
    rows, trailer = read(out.getvalue())
    assert keys(rows) == served([*jobs, old], result, (*ACCOUNTS, quiet)) and "quiet-1" in {r[0] for r in rows}
    assert "every account of the organisation (4)" in trailer and "every region and account asked answered" in trailer
    assert emulator.calls("/audit/") == []  # no summaries needed to find the accounts
    summaries_only, _ = exporter(backup)
    out = io.BytesIO()
    summaries_only.write(ExportQuery(30, REGIONS, "ANY"), policy.check(user_id="", channel_id=""), out)
    assert "quiet-1" not in {r[0] for r in read(out.getvalue())[0]}  # what the trailer's note warns of
