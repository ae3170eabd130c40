"""ExportService with a Mock(BackupService) whose ListRestoreJobs chains are answered in memory (no socket): which
chains it reads for a channel's scope, one account, the bot's own, the organisation or AWS's 14-day summaries; the
window on AWS's clock (or the host's, said so); rows and account names written as served; what was not read named in
the trailer; and what `answer` tells the user and hands to Slack, the parts closed whatever happened."""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from unittest.mock import Mock

import pytest
from botocore.exceptions import ClientError

from bot.aws.client import BackupService
from bot.aws.clock import AwsClock
from bot.aws.identity import CallerIdentity
from bot.aws.plan import View
from bot.config import load_settings
from bot.domain.access import Access, AccessPolicy, OutOfScope
from bot.domain.coverage import OnlyAccount
from bot.domain.query import ANY, Period, RestoreFilter
from bot.domain.results import FailureKind, RegionFailure, SummaryResult, SummaryRow
from bot.domain.words import OWN_UNKNOWN
from bot.export.grammar import ExportQuery
from bot.export.result import Chain, ExportFile, Uploaded
from bot.export.service import ExportService
from bot.export.table import COLUMNS, TRAILER_ROOM
from bot.slack.blocks import SAMPLE_NOTE, Message

pytestmark = pytest.mark.dates

REGIONS = ("us-east-1", "eu-west-1")
A, B, C = "111122223333", "444455556666", "777788889999"
OWN = A  # whose jobs ListRestoreJobs lists when no ByAccountId is sent
CHANNEL = "C0EXPORT01"
AWS_NOW = datetime(2026, 12, 6, 10, 0, 0, tzinfo=UTC)
HOST_NOW = AWS_NOW + timedelta(minutes=7)  # this host runs 7 minutes ahead of AWS
# What AWS says when it refuses, naming the caller: never for the user's eyes (bot.aws.errors words it).
AWS_REFUSAL = "User: arn:aws:sts::111122223333:assumed-role/restores-bot/i-0secret is not authorized"
ID, ACCOUNT, NAME, REGION = (COLUMNS.index(c) for c in ("job id", "account id", "account name", "region"))


class Region:
    """ListRestoreJobs of one region in memory: `jobs[account]` jobs, newest first, in pages of MaxResults; an account
    in `fail` refuses at that page (AccessDenied, AWS's own words). Records every call's parameters."""

    def __init__(self, name: str, jobs: dict[str, int], fail: dict[str, int] | None = None) -> None:
        self.name, self.jobs, self.fail = name, jobs, fail or {}
        self.asked: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def list_restore_jobs(self, **params: Any) -> dict[str, Any]:
        with self.lock:
            self.asked.append(params)
        account = params.get("ByAccountId", OWN)
        page, size = int(params.get("NextToken") or 0), int(params["MaxResults"])
        if self.fail.get(account) == page:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": AWS_REFUSAL}}, "ListRestoreJobs")
        total = self.jobs.get(account, 0)
        items = [{"RestoreJobId": job_id(self.name, account, n), "AccountId": account, "Status": "COMPLETED",
                  "CreationDate": AWS_NOW - timedelta(hours=n + 1), "ResourceType": "EBS"}
                 for n in range(page * size, min(total, (page + 1) * size))]
        body: dict[str, Any] = {"RestoreJobs": items}
        if (page + 1) * size < total:
            body["NextToken"] = str(page + 1)
        return body

    def chains(self) -> set[tuple[str, str | None]]:
        return {(self.name, p.get("ByAccountId")) for p in self.asked}


def job_id(region: str, account: str, n: int) -> str:
    return f"{region}-{account}-{n}"


def served(regions: list[Region], accounts: set[str]) -> set[str]:
    return {job_id(r.name, a, n) for r in regions for a, total in r.jobs.items() if a in accounts for n in range(total)}


def aws_clock() -> AwsClock:
    """AWS's clock heard once: AWS_NOW (the Date header's second, plus half of it) while this host says HOST_NOW."""
    clock = AwsClock(host_now=lambda: HOST_NOW)
    clock.heard(format_datetime(AWS_NOW, usegmt=True))
    return clock


def backup_of(*regions: Region, clock: AwsClock | None = None, identity: object = None,
              summaries: Callable[..., SummaryResult] | None = None) -> Mock:
    backup = Mock(BackupService)
    by_name = {r.name: r for r in regions}
    backup.client.side_effect = lambda region: by_name[region]
    backup.clock = clock or aws_clock()
    backup.identity = identity
    backup.restore_job_summaries.side_effect = summaries or AssertionError("no summaries expected")
    return backup


def make(backup: Mock, scopes: str = "", **knobs: Any) -> tuple[ExportService, Access]:
    env = {"RESTORES_REGIONS": ",".join(REGIONS)}
    if scopes:
        env["RESTORES_CHANNEL_ACCOUNTS"] = scopes
    policy = AccessPolicy(load_settings(env, "local"))
    return ExportService(backup, policy, **knobs), policy.check(user_id="U1", channel_id=CHANNEL)


def read(data: bytes) -> tuple[list[list[str]], str]:
    """The data rows and the trailer's text, as a spreadsheet program reads the file."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(COLUMNS) and rows[-2] == [] and len(rows[-1]) == 1 and rows[-1][0].startswith("# ")
    return rows[1:-2], rows[-1][0]


def export(service: ExportService, access: Access, query: ExportQuery) -> tuple[Any, list[list[str]], str]:
    out = io.BytesIO()
    result = service.write(query, access, out)
    rows, trailer = read(out.getvalue())
    return result, rows, trailer


def summary_of(rows: list[tuple[str, str, int]], failures: tuple[RegionFailure, ...] = (), calls: int = 4,
               only_account: OnlyAccount | None = None, truncated: tuple[str, ...] = ()) -> Callable[..., SummaryResult]:
    """A restore_job_summaries answering (region, account, count) rows of the by-account view."""

    def answer(flt: RestoreFilter, views: tuple[View, ...] = ()) -> SummaryResult:
        made = tuple(SummaryRow(region, account, "COMPLETED", "EBS", count, AWS_NOW - timedelta(days=14), AWS_NOW)
                     for region, account, count in rows)
        return SummaryResult(flt, Period.FOURTEEN_DAYS, (), failures, aws_calls=calls, account_rows=made,
                             only_account=only_account, truncated=truncated)

    return answer


# ---------------------------------------------------------------------------------------------------------- the reads


def test_a_scoped_channel_reads_each_of_its_accounts_in_every_region_in_the_window_on_aws_clock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    east, west = Region("us-east-1", {A: 7, B: 2, C: 5}), Region("eu-west-1", {A: 4, B: 0, C: 3})
    names = Mock(side_effect={A: "Prod, EU"}.get)  # B has no name: an empty cell
    service, access = make(backup_of(east, west), scopes=f"{CHANNEL}={A},{B}", account_name=names, page_size=3,
                           at_once=2)
    with caplog.at_level(logging.INFO, logger="bot.export.service"):
        result, rows, trailer = export(service, access, ExportQuery(30, REGIONS, ANY))
    assert {r[ID] for r in rows} == served([east, west], {A, B}) and len(rows) == result.rows == 13
    # Every account of the channel in every region, ByAccountId each, never the account it may not see.
    assert east.chains() | west.chains() == {(r, a) for r in REGIONS for a in (A, B)}
    window = (AWS_NOW - timedelta(days=30), AWS_NOW)
    assert result.window == window and result.aws_clock  # AWS's clock, not this host's 7 minutes ahead
    for asked in east.asked + west.asked:
        assert (asked["ByCreatedAfter"], asked["ByCreatedBefore"], asked["MaxResults"]) == (*window, 3)
    assert result.calls == len(east.asked) + len(west.asked) == 3 + 1 + 2 + 1  # every page, the empty one too
    # Names asked once an account, not once a row; written in every row of that account.
    assert sorted(c.args[0] for c in names.call_args_list) == [A, B]
    assert {(r[ACCOUNT], r[NAME], r[REGION]) for r in rows} == {
        (A, "Prod, EU", "us-east-1"), (A, "Prod, EU", "eu-west-1"), (B, "", "us-east-1")}
    assert result.complete and result.scope == f"accounts {A}, {B}"
    assert trailer == ("# restore jobs created 2026-11-06 10:00:00 to 2026-12-06 10:00:00 UTC (AWS's clock), every "
                       f"state, accounts {A}, {B}, regions us-east-1, eu-west-1: 13 rows; every region and account "
                       "asked answered to its last page")
    (logged,) = [r for r in caplog.records if r.getMessage() == "exported"]
    fields = tuple(getattr(logged, k) for k in ("export", "rows", "parts", "failed_chains", "aws_calls"))
    assert fields == ("export 30d account:ANY region:us-east-1,eu-west-1", 13, 1, 0, 7)


def test_one_account_is_read_in_every_region_and_the_window_is_said_to_be_the_hosts_until_aws_is_heard() -> None:
    east, west = Region("us-east-1", {A: 1, B: 3}), Region("eu-west-1", {B: 2})
    service, access = make(backup_of(east, west, clock=AwsClock()))
    before = datetime.now(UTC).replace(microsecond=0)
    result, rows, trailer = export(service, access, ExportQuery(7, REGIONS, B))
    after = datetime.now(UTC)
    assert {r[ID] for r in rows} == served([east, west], {B})
    assert east.chains() | west.chains() == {("us-east-1", B), ("eu-west-1", B)}
    start, end = result.window
    assert before <= end <= after and end.microsecond == 0 and end - start == timedelta(days=7)
    assert not result.aws_clock and "UTC (this host's clock: AWS's was not heard yet)" in trailer
    assert result.scope == f"account {B}" and f"account {B}, regions us-east-1, eu-west-1: 5 rows" in trailer


@pytest.mark.parametrize(("identity", "scope"), [
    (Mock(current=Mock(return_value=CallerIdentity(account=A))), f"account {A} (the bot's own)"),
    (Mock(current=Mock(return_value=CallerIdentity(account=None))), OWN_UNKNOWN),
    (None, OWN_UNKNOWN),
])
def test_the_bots_own_account_is_read_without_ByAccountId_and_named_only_when_aws_said_it(
    identity: object, scope: str
) -> None:
    east, west = Region("us-east-1", {OWN: 2}), Region("eu-west-1", {OWN: 1})
    service, access = make(backup_of(east, west, identity=identity))
    result, rows, trailer = export(service, access, ExportQuery(7, REGIONS, None))
    assert {r[ID] for r in rows} == served([east, west], {OWN})
    assert all("ByAccountId" not in asked for asked in east.asked + west.asked) and east.asked and west.asked
    assert result.scope == scope and f"every state, {scope}, regions" in trailer and result.complete


def test_every_account_of_the_organisation_is_read_everywhere_when_its_directory_knows_them() -> None:
    east, west = Region("us-east-1", {A: 2, C: 1}), Region("eu-west-1", {B: 3})
    backup = backup_of(east, west)  # summaries would raise: the directory is enough
    service, access = make(backup, organisation=lambda: frozenset({C, A, B}))
    result, rows, trailer = export(service, access, ExportQuery(30, REGIONS, ANY))
    assert {r[ID] for r in rows} == served([east, west], {A, B, C})
    assert east.chains() | west.chains() == {(r, a) for r in REGIONS for a in (A, B, C)}
    assert result.scope == "every account of the organisation (3)" and result.complete and result.notes == ()
    assert "every region and account asked answered" in trailer
    backup.restore_job_summaries.assert_not_called()


@pytest.mark.parametrize(("days", "older"), [(30, True), (90, True), (7, False), (14, False)])
def test_without_the_directory_each_region_reads_the_accounts_its_14_day_summaries_name(days: int, older: bool) -> None:
    east, west = Region("us-east-1", {A: 2, B: 9}), Region("eu-west-1", {A: 9, B: 3})
    rows_seen = [("us-east-1", A, 3), ("us-east-1", B, 0),  # a count of 0: no job, not read
                 ("eu-west-1", B, 2), ("eu-west-1", "", 5), ("eu-west-1", "ANY", 1), ("eu-west-1", "12345", 1)]
    backup = backup_of(east, west, summaries=summary_of(rows_seen, calls=4))
    service, access = make(backup)
    result, rows, trailer = export(service, access, ExportQuery(days, REGIONS, ANY))
    (call,) = backup.restore_job_summaries.call_args_list
    assert call.args == (RestoreFilter(account=ANY, period=Period.FOURTEEN_DAYS, regions=REGIONS),)
    assert call.kwargs == {"views": (View.BY_ACCOUNT,)}
    # Per region, only the accounts with jobs there; bad account ids never become a chain.
    assert east.chains() == {("us-east-1", A)} and west.chains() == {("eu-west-1", B)}
    assert {r[ID] for r in rows} == served([east], {A}) | served([west], {B})
    assert result.scope == "every account with jobs (2)" and result.calls == 4 + 2
    # Accounts found this way may miss some: said, never "every region and account asked answered".
    assert not result.complete and result.unasked == () and result.failures == []
    (note,) = result.notes
    assert note.endswith("from today is not listed") and ("older than 14 days or" in note) is older
    assert "MAY BE INCOMPLETE: " + note in trailer and "answered to its last page" not in trailer


def test_a_region_whose_summaries_failed_is_read_for_every_account_found_elsewhere() -> None:
    east, west = Region("us-east-1", {A: 1, B: 1}), Region("eu-west-1", {A: 2, B: 2, C: 2})
    failure = RegionFailure("eu-west-1", FailureKind.THROTTLED, "AWS throttled the requests (ThrottlingException, 3 "
                                                                "attempts)")
    service, access = make(backup_of(east, west, summaries=summary_of(
        [("us-east-1", A, 1), ("us-east-1", B, 4)], (failure,))))
    result, rows, trailer = export(service, access, ExportQuery(30, REGIONS, ANY))
    assert west.chains() == {("eu-west-1", A), ("eu-west-1", B)}  # C was found nowhere: not read
    assert {r[ID] for r in rows} == served([east, west], {A, B})
    assert result.notes[1] == ("eu-west-1: the accounts with jobs could not be listed (AWS throttled the requests "
                               "(ThrottlingException, 3 attempts)); only accounts found in other regions were read "
                               "there")
    assert result.notes[1] in trailer and result.unasked == ()


def test_a_region_whose_summaries_were_cut_at_the_page_limit_is_read_for_every_account_found_and_says_so() -> None:
    east, west = Region("us-east-1", {A: 1, B: 1}), Region("eu-west-1", {A: 2, B: 2, C: 2})
    service, access = make(backup_of(east, west, summaries=summary_of(
        [("us-east-1", A, 1), ("us-east-1", B, 4), ("eu-west-1", C, 2)], truncated=("eu-west-1",))))
    result, rows, trailer = export(service, access, ExportQuery(30, REGIONS, ANY))
    assert east.chains() == {("us-east-1", A), ("us-east-1", B)}  # a whole region: its own accounts only
    assert west.chains() == {("eu-west-1", A), ("eu-west-1", B), ("eu-west-1", C)}
    assert {r[ID] for r in rows} == served([east, west], {A, B, C})
    note = ("eu-west-1: AWS's summaries there were cut at the page limit, so an account found only on the pages not "
            "read is not listed; every account found in any region was read there")
    assert note in result.notes and note in trailer


def test_with_no_account_found_a_region_whose_summaries_failed_is_not_read_and_named_as_not_read() -> None:
    east, west = Region("us-east-1", {A: 1}), Region("eu-west-1", {A: 1})
    failure = RegionFailure("eu-west-1", FailureKind.ACCESS_DENIED,
                            "access denied: grant `backup:ListRestoreJobSummaries` to the bot's IAM role")
    service, access = make(backup_of(east, west, summaries=summary_of([], (failure,))))
    result, rows, trailer = export(service, access, ExportQuery(30, REGIONS, ANY))
    assert rows == [] and east.asked == [] and west.asked == []
    assert result.unasked == (RegionFailure("eu-west-1", FailureKind.ACCESS_DENIED, (
        "the accounts with jobs could not be listed (access denied: grant `backup:ListRestoreJobSummaries` to the "
        "bot's IAM role), so no job was read there")),)
    assert len(result.notes) == 1  # the 14-day note; no "only accounts found elsewhere": none was
    assert ("INCOMPLETE, not read: eu-west-1: the accounts with jobs could not be listed (access denied" in trailer
            and "; also the accounts come from AWS's 14-day" in trailer and result.scope == "every account with jobs (0)")


def test_aws_showing_only_the_bots_own_account_is_said() -> None:
    east = Region("us-east-1", {A: 2})
    only = OnlyAccount(A, management=C)
    service, access = make(backup_of(east, Region("eu-west-1", {}), summaries=summary_of(
        [("us-east-1", A, 2)], only_account=only)))
    result, _, trailer = export(service, access, ExportQuery(7, REGIONS, ANY))
    assert result.notes[-1] == only.note and only.note in trailer and not result.complete


def test_a_chain_refused_part_way_keeps_its_rows_and_is_named_in_aws_words_never_aws_own() -> None:
    east, west = Region("us-east-1", {A: 4, B: 2}), Region("eu-west-1", {A: 7, B: 2}, fail={A: 1})
    service, access = make(backup_of(east, west), scopes=f"{CHANNEL}={A},{B}", page_size=3)
    result, rows, trailer = export(service, access, ExportQuery(30, REGIONS, ANY))
    first_page = {job_id("eu-west-1", A, n) for n in range(3)}
    assert {r[ID] for r in rows} == served([east], {A, B}) | served([west], {B}) | first_page
    (failed,) = result.failures
    assert failed.chain == Chain("eu-west-1", A) and failed.rows == 3
    assert failed.failure.kind is FailureKind.ACCESS_DENIED and not result.complete
    assert (f"INCOMPLETE, not read: eu-west-1 account {A}: access denied: grant `backup:ListRestoreJobs` to the bot's "
            "IAM role (stopped after 3 jobs, which are in the file)") in trailer
    assert "answered to its last page" not in trailer and AWS_REFUSAL not in trailer and "i-0secret" not in trailer


def test_a_spent_deadline_reads_nothing_and_names_every_chain() -> None:
    east, west = Region("us-east-1", {A: 3}), Region("eu-west-1", {A: 3})
    service, access = make(backup_of(east, west), deadline_seconds=-1)
    result, rows, trailer = export(service, access, ExportQuery(7, REGIONS, A))
    assert rows == [] and east.asked == [] and west.asked == [] and result.rows == 0
    assert {(f.chain, f.failure.kind) for f in result.failures} == {
        (Chain("us-east-1", A), FailureKind.TIMEOUT), (Chain("eu-west-1", A), FailureKind.TIMEOUT)}
    assert f"INCOMPLETE, not read: us-east-1 account {A}: no complete answer in time" in trailer


@pytest.mark.parametrize(("scopes", "query", "refusal"), [
    (f"{CHANNEL}={A}", ExportQuery(30, REGIONS, B), f"This channel only sees accounts {A}; account {B} is not one"),
    ("", ExportQuery(30, ("cn-north-1",), ANY), "Region cn-north-1 is outside the AWS partition"),
])
def test_what_the_channel_may_not_read_is_refused_before_any_aws_call(
    scopes: str, query: ExportQuery, refusal: str
) -> None:
    backup = backup_of(Region("us-east-1", {A: 1, B: 1}), Region("eu-west-1", {}))
    service, access = make(backup, scopes=scopes)
    out = io.BytesIO()
    with pytest.raises(OutOfScope, match=refusal):
        service.write(query, access, out)
    assert out.getvalue() == b"" and backup.method_calls == []
    upload = Mock()
    progress = Mock()
    with pytest.raises(OutOfScope, match=refusal):  # `answer` too: before "Exporting" is said
        service.answer(query, access, upload=upload, command="/restores", progress=progress)
    assert backup.method_calls == [] and upload.call_count == progress.call_count == 0


# ------------------------------------------------------------------------------------------------- the Slack answer


class Sink:
    """An Upload: what it was handed (each part's bytes read as the upload reads them), and Slack's answer."""

    def __init__(self, answer: Uploaded | None = None) -> None:
        self.answer = answer or Uploaded()
        self.files: list[ExportFile] = []
        self.data: list[bytes] = []
        self.comments: list[str] = []

    def __call__(self, files: list[ExportFile], comment: str) -> Uploaded:
        self.files += files
        self.comments.append(comment)
        self.data += [part.data.read() for part in files]
        return self.answer


def answer(service: ExportService, access: Access, upload: Any, query: ExportQuery | None = None,
           progress: Callable[[Message], None] | None = None) -> Message:
    return service.answer(query or ExportQuery(30, REGIONS, ANY), access, upload=upload, command="/restores",
                          progress=progress)


def test_without_a_channel_the_user_is_told_where_to_ask_and_nothing_is_read() -> None:
    backup = backup_of(Region("us-east-1", {A: 1}))
    service, access = make(backup)
    progress = Mock()
    message = answer(service, access, None, progress=progress)
    assert message.text == ("An export is posted as a file to the channel it was asked in, and this request came "
                            "without one. Run `/restores export 30d account:ANY region:us-east-1,eu-west-1` in a "
                            "channel, or `python -m bot export` for a file here.")
    assert backup.method_calls == [] and progress.call_count == 0


@pytest.mark.parametrize("sample", [False, True])
def test_a_posted_export_hands_slack_every_row_with_its_comment_and_closes_the_parts(sample: bool) -> None:
    east, west = Region("us-east-1", {A: 2, B: 1}), Region("eu-west-1", {B: 2})
    service, access = make(backup_of(east, west), organisation=lambda: frozenset({A, B}), sample=sample)
    said: list[tuple[str, int]] = []
    sink = Sink()
    message = answer(service, access, sink, progress=lambda m: said.append((m.text, len(east.asked + west.asked))))
    # "Exporting" first, before any page is asked.
    assert said == [("Exporting every restore job of the last 30 days; the CSV will be posted to this channel when "
                     "it is read in full.", 0)]
    (part,) = sink.files
    assert part.name == "restores-export-30d-20261206.csv" and part.title == "Restore jobs, last 30 days"
    assert part.size == len(sink.data[0]) and part.data.closed  # closed once Slack has it
    rows, trailer = read(sink.data[0])
    assert {r[ID] for r in rows} == served([east, west], {A, B}) and "5 rows" in trailer
    (comment,) = sink.comments
    assert comment.startswith(SAMPLE_NOTE + "\n") is sample
    assert ":page_facing_up: 5 restore jobs from `/restores export 30d account:ANY region:us-east-1,eu-west-1`" in comment
    assert "every account of the organisation (2)" in comment and "warning" not in comment
    assert message.text == "Posted the export (5 restore jobs) to this channel as a CSV file."


def test_an_incomplete_export_is_posted_saying_what_is_missing_first() -> None:
    east, west = Region("us-east-1", {A: 2}), Region("eu-west-1", {A: 5}, fail={A: 0})
    service, access = make(backup_of(east, west), page_size=2)
    sink = Sink()
    message = answer(service, access, sink, ExportQuery(7, REGIONS, A))
    missing = (f"eu-west-1 account {A}: access denied: grant `backup:ListRestoreJobs` to the bot's IAM role "
               "(stopped after 0 jobs, which are in the file)")
    assert message.text == "Incomplete: Posted the export (2 restore jobs) to this channel as a CSV file."
    blocks = str(message.block_dicts())
    assert "*Incomplete:* 2 restore jobs, not everything could be read" in blocks and missing in blocks
    assert "*Incomplete:*" in sink.comments[0] and missing in sink.comments[0]
    assert AWS_REFUSAL not in blocks + sink.comments[0] + message.text


def test_parts_each_a_spreadsheet_of_their_own_are_posted_together() -> None:
    east = Region("us-east-1", {A: 60})
    service, access = make(backup_of(east, Region("eu-west-1", {})), part_bytes=TRAILER_ROOM + 2000, max_parts=10)
    sink = Sink()
    message = answer(service, access, sink, ExportQuery(7, REGIONS, A))
    assert len(sink.files) > 1 and [f.name for f in sink.files] == [
        f"restores-export-7d-20261206-part{n}.csv" for n in range(1, len(sink.files) + 1)]
    assert all(f.size == len(d) <= TRAILER_ROOM + 2000 for f, d in zip(sink.files, sink.data, strict=True))
    ids = [r[ID] for data in sink.data for r in read(data)[0]]
    assert sorted(ids) == sorted(served([east], {A})) and len(ids) == 60
    assert read(sink.data[0])[1].startswith("# part 1 of this export; it continues in part 2")
    assert f"in {len(sink.files)} files (each with its header row)" in sink.comments[0]
    assert message.text == "Posted the export (60 restore jobs) to this channel as a CSV files."
    assert all(f.data.closed for f in sink.files)


def test_an_export_too_large_for_slack_is_refused_with_what_to_do_and_nothing_posted() -> None:
    east = Region("us-east-1", {A: 200})
    service, access = make(backup_of(east, Region("eu-west-1", {})), part_bytes=TRAILER_ROOM + 2000, max_parts=2,
                           page_size=20, at_once=1)
    sink = Mock()
    message = answer(service, access, sink, ExportQuery(7, REGIONS, A))
    assert sink.call_count == 0 and len(east.asked) < 10  # stopped once too large, not read to the end
    assert message.text == ("The export is too large for Slack here: more than 2 files of 0 MB (Slack takes files up "
                            "to 1 GB; the bot splits exports into smaller parts). Nothing was posted.")
    assert f"`python -m bot export 7d account:{A} region:us-east-1,eu-west-1 > restores.csv`" in str(
        message.block_dicts())


@pytest.mark.parametrize(("uploaded", "why"), [
    (Uploaded("not_in_channel", "the bot is not a member of this channel: /invite @restores"),
     "the bot is not a member of this channel: /invite @restores"),
    (Uploaded("invalid_auth"), "Slack refused the upload (invalid_auth)"),
])
def test_slacks_refusal_is_told_with_its_advice_and_the_parts_closed(uploaded: Uploaded, why: str) -> None:
    service, access = make(backup_of(Region("us-east-1", {A: 3}), Region("eu-west-1", {})))
    sink = Sink(uploaded)
    message = answer(service, access, sink, ExportQuery(7, REGIONS, A))
    assert message.text == f"The export (3 restore jobs) could not be posted: {why}."
    assert "Posted" not in message.text and all(f.data.closed for f in sink.files) and sink.files


def test_the_parts_are_closed_when_the_upload_raises() -> None:
    service, access = make(backup_of(Region("us-east-1", {A: 3}), Region("eu-west-1", {})))
    handed: list[ExportFile] = []

    def upload(files: list[ExportFile], comment: str) -> Uploaded:
        handed.extend(files)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        answer(service, access, upload, ExportQuery(7, REGIONS, A))
    assert handed and all(f.data.closed for f in handed)


def test_the_spooled_parts_are_closed_when_the_read_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """No result holds the parts yet when writing a row raises (a full disk, a directory that fails): they are
    closed before the error goes on, not left to the collector."""
    import tempfile

    import bot.export.table

    spooled: list[tempfile.SpooledTemporaryFile[bytes]] = []

    def spool(max_size: int = 0) -> tempfile.SpooledTemporaryFile[bytes]:
        spooled.append(tempfile.SpooledTemporaryFile(max_size=max_size))  # noqa: SIM115  (closed by the service)
        return spooled[-1]

    monkeypatch.setattr(bot.export.table, "SpooledTemporaryFile", spool)
    service, access = make(backup_of(Region("us-east-1", {A: 3}), Region("eu-west-1", {})))

    def unreadable(_account: str) -> str:
        raise OSError(28, "No space left on device")

    service.account_name = unreadable
    with pytest.raises(OSError, match="No space left"):
        service.spool(ExportQuery(7, REGIONS, A), access)
    assert spooled and all(part.closed for part in spooled)
