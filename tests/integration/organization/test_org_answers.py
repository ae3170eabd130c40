"""`account:<name>`, `ou:<name|id>` and OU-defined scopes answered end to end with real boto3 (SigV4, botocore's
parsers) against the loopback emulator, which serves AWS Backup's summaries several pages a chain and the organisation
through AWS Organizations' own operations: every number equals an oracle summed from the emulator's raw data, an `ou:`
answer is asked as one AccountId=ANY chain a region, an unknown name or an unreadable organisation costs no AWS Backup
call, and a moved account follows the directory's next read."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from bot.answers.grammar import parse_command
from bot.answers.service import RestoresService
from bot.aws.client import BackupService
from bot.config import load_settings
from bot.export.result import ExportFile, Uploaded
from bot.sample.api_organizations import SAMPLE_ORGANIZATION, SampleOrganization
from bot.sample.data import sample_emulator
from bot.sample.estate import SAMPLE_CALLER_ACCOUNT, SAMPLE_MEMBERS
from bot.slack.blocks import Message
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator, FakeBackup, expected_sum, multi_page_counts
from tests.support import all_texts, settled_now

pytestmark = pytest.mark.dates

REGIONS = ("us-east-1", "eu-west-1")
ACCOUNTS = tuple(m[0] for m in SAMPLE_MEMBERS)
PAYMENTS, DATA, DEV = "444455556666", "777788889999", "222233334444"
PRODUCTION = "ou-ex12-prod0001"
SUMMARIES, JOBS = "/audit/restore-job-summaries", "/restore-jobs"


@pytest.fixture
def today() -> date:
    return settled_now().date()


@pytest.fixture
def emulator(today: date) -> Iterator[FakeBackup]:
    counts = multi_page_counts(REGIONS, ACCOUNTS, ("EBS", "RDS", "DynamoDB"), 14, today)
    with FakeBackup(counts, caller_account=SAMPLE_CALLER_ACCOUNT, org_admin=True, page_size=2) as running:
        running.organization = SAMPLE_ORGANIZATION
        yield running


def service(emulator: BackupEmulator, **env: str) -> RestoresService:
    settings = load_settings({"RESTORES_REGIONS": ",".join(REGIONS), **env})
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="sample", aws_secret_access_key="sample",
                                                         region_name="us-east-1"), endpoint_url=emulator.url)
    return Wiring(settings, backup=backup).answers


def failed_total(message: Message) -> int:
    found = [m for text in all_texts(message) if (m := re.search(r"\*([\d,]+) failed restore jobs?\*", text))]
    assert found, message.text
    return int(found[0][1].replace(",", ""))


def oracle(emulator: FakeBackup, accounts: set[str], today: date, days: int = 7) -> int:
    return expected_sum(emulator.counts, state="FAILED", accounts=accounts, start=today - timedelta(days=days), end=today)


def test_ou_answers_are_exactly_their_accounts_nested_ous_included_from_one_any_chain(emulator: FakeBackup,
                                                                                      today: date) -> None:
    answers = service(emulator)
    emulator.reset()
    answer = answers.answer("failed 7d ou:Production")
    assert failed_total(answer) == oracle(emulator, {PAYMENTS, DATA}, today) > 0
    asked = emulator.calls(SUMMARIES)
    assert {(c.params.get("AccountId"), c.params.get("ResourceType")) for c in asked} == {("ANY", "AGGREGATE_ALL")}
    assert sorted(c.region for c in asked) == sorted(REGIONS * 3)  # one chain a region, 5 account rows in 3 pages
    assert "ou:Production" in answer.text or any("ou:Production" in t for t in all_texts(answer))
    for text, accounts in (("failed 7d ou:ou-ex12-paym0001", {PAYMENTS}), ("failed 7d ou:sandbox", {DEV, "555566667777"}),
                           ("failed 14d ou:PRODUCTION", {PAYMENTS, DATA})):
        days = 14 if "14d" in text else 7
        assert failed_total(answers.answer(text)) == oracle(emulator, accounts, today, days), text
    # The account:ANY answer it filters counts the same for those accounts.
    everything = answers.backup.restore_job_summaries(parse_command("failed 7d account:ANY", REGIONS).filter)
    assert sum(r.count for r in everything.by_account_rows if r.account_id in (PAYMENTS, DATA)) == oracle(
        emulator, {PAYMENTS, DATA}, today)


def test_an_account_by_name_is_exactly_that_account(emulator: FakeBackup, today: date) -> None:
    answers = service(emulator)
    emulator.reset()
    assert failed_total(answers.answer("failed 14d account:Prod-Payments")) == oracle(emulator, {PAYMENTS}, today, 14)
    assert {c.params.get("AccountId") for c in emulator.calls(SUMMARIES)} == {PAYMENTS}


@pytest.mark.parametrize(("text", "words"), [
    ("failed account:prod-paymnts", ("No account is named “prod-paymnts”", "account:prod-payments")),
    ("failed ou:Prodution", ("No organisational unit is named “Prodution”", "ou:Production")),
    ("jobs failed ou:Prodution", ("No organisational unit is named “Prodution”", "ou:Production")),
])
def test_an_unknown_name_is_answered_with_close_matches_and_no_aws_backup_call(emulator: FakeBackup, text: str,
                                                                               words: tuple[str, ...]) -> None:
    answers = service(emulator)
    emulator.reset()
    answer = answers.answer(text)
    assert all(w in answer.text for w in words), answer.text
    assert emulator.calls(SUMMARIES) == [] and emulator.calls(JOBS) == []


def test_an_ou_scoped_channel_sees_exactly_its_ou_and_follows_a_moved_account(emulator: FakeBackup, today: date) -> None:
    answers = service(emulator, RESTORES_CHANNEL_ACCOUNTS=f"C0PROD={PRODUCTION};C0ALL=ANY")
    assert failed_total(answers.answer("failed 7d account:ANY", channel_id="C0PROD")) == oracle(
        emulator, {PAYMENTS, DATA}, today)
    emulator.reset()
    refused = answers.answer(f"failed account:{DEV}", channel_id="C0PROD")
    assert "only sees the accounts of OU Production" in refused.text and emulator.calls(SUMMARIES) == []
    refused = answers.answer("failed ou:Sandbox", channel_id="C0PROD")
    assert "also holds" in refused.text and emulator.calls(SUMMARIES) == []
    # prod-data moves to Sandbox: it leaves Production's channel at the directory's next read.
    emulator.organization = SampleOrganization(
        SAMPLE_ORGANIZATION.id, SAMPLE_ORGANIZATION.root, SAMPLE_ORGANIZATION.units,
        tuple((i, n, s, "ou-ex12-sand0001" if i == DATA else p) for i, n, s, p in SAMPLE_ORGANIZATION.members))
    answers.policy.directory.refresh()  # type: ignore[union-attr]
    assert failed_total(answers.answer("failed 7d account:ANY", channel_id="C0PROD")) == oracle(
        emulator, {PAYMENTS}, today)
    assert failed_total(answers.answer("failed 7d ou:Sandbox", channel_id="C0ALL")) == oracle(
        emulator, {DEV, "555566667777", DATA}, today)


def test_an_unreadable_organisation_refuses_ou_scopes_and_names_with_no_aws_backup_call(emulator: FakeBackup) -> None:
    emulator.organizations_denied = True
    answers = service(emulator, RESTORES_CHANNEL_ACCOUNTS=f"C0PROD={PRODUCTION};C0MGMT={SAMPLE_CALLER_ACCOUNT}")
    emulator.reset()
    refused = answers.answer("failed 7d", channel_id="C0PROD")
    assert "organisational units" in refused.text and "organizations:" in refused.text
    for text in ("failed ou:Production", "failed account:prod-payments"):
        assert "cannot be read" in answers.answer(text, channel_id="C0MGMT").text
    assert emulator.calls(SUMMARIES) == [] and emulator.calls(JOBS) == []
    assert "restore jobs" in answers.answer("failed 7d", channel_id="C0MGMT").text  # an id scope still answers
    assert emulator.calls(SUMMARIES) != []


def test_jobs_of_an_ou_are_exactly_its_accounts_jobs() -> None:
    with sample_emulator() as emulator:
        answers = service(emulator)
        now = datetime.now(UTC)
        answer = answers.answer("jobs failed 7d ou:Production")
        expected = sum(1 for job in emulator.jobs if job.status == "FAILED" and job.account_id in (PAYMENTS, DATA)
                       and job.region in REGIONS and now - timedelta(days=7) <= job.created <= now)
        assert expected > 0 and f"*{expected} failed restore jobs*" in " ".join(all_texts(answer))
        assert SAMPLE_CALLER_ACCOUNT not in " ".join(all_texts(answer))  # the management account's jobs: not here


def test_an_export_of_an_ou_holds_exactly_its_accounts_jobs() -> None:
    shared: list[list[list[str]]] = []

    def upload(files: list[ExportFile], comment: str) -> Uploaded:
        for part in files:
            text = part.data.read().decode("utf-8-sig")
            shared.append([row for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("#")])
        return Uploaded()

    with sample_emulator() as emulator:
        answers = service(emulator)
        now = datetime.now(UTC)
        answer = answers.answer("export 7d ou:Production", upload=upload, channel_id="C0AUDIT")
        expected = {job.job_id for job in emulator.jobs if job.account_id in (PAYMENTS, DATA) and job.region in REGIONS
                    and now - timedelta(days=7) <= job.created <= now}
    assert "Something went wrong" not in answer.text and len(shared) == 1, answer.text
    header, *rows = shared[0]
    got = {row[header.index("job id")] for row in rows}
    assert expected and got == expected  # every job of the OU's accounts, none of the management account's
    assert {row[header.index("account name")] for row in rows} == {"prod-payments", "prod-data"}
