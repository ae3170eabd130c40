"""An export from request to files: the channel's scope, the window on AWS's clock, the chains to read (which accounts
in which regions), the rows streamed into CSV parts, and the trailer. No Slack inside: the handler hands in `upload`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime, timedelta
from typing import IO

from bot.aws.client import BackupService
from bot.aws.plan import View
from bot.domain.access import Access, AccessPolicy
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import ANY, Period, RestoreFilter
from bot.domain.results import RegionFailure
from bot.domain.words import account_text
from bot.export.grammar import ExportQuery
from bot.export.reader import CHAINS_AT_ONCE, PAGE_SIZE, JobStream
from bot.export.render import (
    render_export_failed,
    render_no_channel,
    render_posted,
    render_started,
    render_too_large,
    trailer,
    upload_comment,
)
from bot.export.result import AccountName, Chain, ExportResult, Upload
from bot.export.table import Parts, TooLarge
from bot.slack.blocks import Message

log = logging.getLogger(__name__)

# Slack takes files up to 1 GB; parts of 100 MB (about 300,000 jobs) upload in one go on a slow link, stay far below
# Excel's 1,048,576 rows, and leave room should Slack's limit for a workspace be lower.
PART_BYTES = 100_000_000
MAX_PARTS = 10  # beyond 1 GB, an export is refused: the CLI writes any size to a file
EXPORT_DEADLINE = 600.0  # seconds for every page of an export (an answer's 20 s would cut an audit's 100,000 jobs)


@dataclass(eq=False)
class ExportService:
    """Every restore job of a window as CSV, read through the bot's own AWS session (ByAccountId for other accounts,
    as the jobs drill-down does), each job written as it arrives."""

    backup: BackupService
    policy: AccessPolicy
    _: KW_ONLY
    account_name: AccountName = lambda _account: ""
    # The organisation's accounts (its directory, once read; None: not known): what `account:ANY` reads.
    organisation: Callable[[], frozenset[str] | None] = lambda: None
    deadline_seconds: float = EXPORT_DEADLINE
    part_bytes: int = PART_BYTES
    max_parts: int = MAX_PARTS
    page_size: int = PAGE_SIZE
    at_once: int = CHAINS_AT_ONCE
    sample: bool = False

    def write(self, query: ExportQuery, access: Access, out: IO[bytes]) -> ExportResult:
        """The export as one CSV file on `out`, whatever its size (the CLI)."""
        return self._run(query, access, Parts(None, 1, spool=lambda: out))

    def spool(self, query: ExportQuery, access: Access) -> ExportResult:
        """The export as parts of at most `part_bytes`, rewound for uploading; the caller closes them. A read that
        raises (a full disk, say) closes what was spooled before the error goes on: no result holds the parts yet."""
        parts = Parts(self.part_bytes, self.max_parts)
        try:
            return self._run(query, access, parts)
        except BaseException:
            parts.close()
            raise

    def answer(
        self,
        query: ExportQuery,
        access: Access,
        *,
        upload: Upload | None,
        command: str,
        progress: Callable[[Message], None] | None = None,
    ) -> Message:
        """Export and share the files to the request's channel; what the user is told (the channel gets the files
        with the comment). Raises OutOfScope for accounts the channel may not see, before any AWS call."""
        if upload is None:
            return render_no_channel(command, query)
        self.policy.scope(query.restore_filter(), access)  # before "Exporting"
        if progress is not None:
            progress(render_started(query, command))
        result = self.spool(query, access)
        try:
            if result.too_large:
                return render_too_large(result, command)
            uploaded = upload(result.files(), upload_comment(result, command, sample=self.sample))
            if uploaded.error:
                return render_export_failed(result, uploaded, command)
            return render_posted(result, command)
        finally:
            result.close()

    # ----------------------------------------------------------------- the reads

    def _run(self, query: ExportQuery, access: Access, parts: Parts) -> ExportResult:
        flt = self.policy.scope(query.restore_filter(), access)
        started = time.monotonic()
        deadline = started + self.deadline_seconds
        chains, scope, notes, unasked, calls = self._chains(flt, query.days)
        aws_now = self.backup.clock.now()
        end = (aws_now or datetime.now(UTC)).replace(microsecond=0)
        window = (end - timedelta(days=query.days), end)
        result = ExportResult(query, window, aws_now is not None, scope, notes=notes, unasked=unasked)
        stream = JobStream(self.backup, chains, window, deadline, page_size=self.page_size, at_once=self.at_once)
        names: dict[str, str] = {}
        try:
            for row in stream:
                name = names.get(row.account_id)
                if name is None:
                    name = names[row.account_id] = self.account_name(row.account_id) or ""
                parts.write(row.cells(name))
        except TooLarge as error:
            result.too_large = str(error)
        result.failures = stream.failures
        result.calls = calls + stream.calls
        result.elapsed = time.monotonic() - started
        result.rows = parts.rows
        result.parts = parts.finish(trailer(result))
        result.sizes = [part.size for part in parts.files]
        log.info("exported", extra={"export": query.to_text(), "rows": result.rows, "parts": len(result.parts),
                                    "failed_chains": len(result.failures), "aws_calls": result.calls,
                                    "aws_ms": round(result.elapsed * 1000, 1)})
        return result

    def _chains(
        self, flt: RestoreFilter, days: int
    ) -> tuple[list[Chain], str, tuple[str, ...], tuple[RegionFailure, ...], int]:
        """Which (region, account) chains hold the jobs asked for: ListRestoreJobs takes one account a call (ByAccountId
        accepts no wildcard). A channel's scope names its accounts: each is read. One account, or the bot's own: that
        one. Every account: the accounts AWS's summaries name in each region (see _accounts)."""
        if flt.visible_accounts is not None:
            accounts = sorted(flt.visible_accounts) if flt.account in (None, ANY) else [str(flt.account)]
            scope = (f"the {len(accounts)} accounts of ou:{flt.unit}" if flt.unit and flt.account in (None, ANY)
                     else "accounts " + ", ".join(accounts))
            return [Chain(r, a) for r in flt.regions for a in accounts], scope, (), (), 0
        if flt.account != ANY:
            scope = account_text(flt.account, self._own())
            return [Chain(r, flt.account) for r in flt.regions], scope, (), (), 0
        return self._accounts(flt, days)

    def _own(self) -> str | None:
        """The bot's own account id, when AWS said it (sts:GetCallerIdentity, kept by bot.aws.identity)."""
        identity = self.backup.identity
        return (identity.current().account or None) if identity is not None else None

    def _accounts(
        self, flt: RestoreFilter, days: int
    ) -> tuple[list[Chain], str, tuple[str, ...], tuple[RegionFailure, ...], int]:
        """Every account: the organisation's, when its directory knows them (each is read in every region). Else the
        accounts with jobs in AWS's 14-day summaries, per region, and what that cannot cover is said in words:
        accounts whose only jobs are older than 14 days or from today, regions whose summaries failed (every account
        found elsewhere is read there; with none found, the region is not read at all)."""
        members = self.organisation()
        if members is not None:
            everyone = sorted(members)
            scope = f"every account of the organisation ({len(everyone)})"
            return [Chain(r, a) for r in flt.regions for a in everyone], scope, (), (), 0
        summary = self.backup.restore_job_summaries(
            RestoreFilter(account=ANY, period=Period.FOURTEEN_DAYS, regions=flt.regions), views=(View.BY_ACCOUNT,)
        )
        by_region: dict[str, set[str]] = {}
        for row in summary.by_account_rows:
            if row.count > 0 and ACCOUNT_ID_RE.match(row.account_id):
                by_region.setdefault(row.region, set()).add(row.account_id)
        found = sorted(set().union(*by_region.values())) if by_region else []
        failed = {failure.region for failure in summary.failures}
        # A region whose summaries hit the page cap named only some of its accounts: it is read for every account
        # found anywhere, and said so.
        cut = [region for region in flt.regions if region in summary.truncated and region not in failed]
        chains = [Chain(r, a) for r in flt.regions
                  for a in (found if r in failed or r in cut else sorted(by_region.get(r, ())))]
        # AWS's summaries end with yesterday (UTC) and span 14 days: accounts whose jobs are all outside are not found.
        older = " older than 14 days or" if days > 14 else ""
        notes = [f"the accounts come from AWS's 14-day restore job summaries: an account whose jobs are all{older} "
                 "from today is not listed"]
        notes += [f"{f.region}: the accounts with jobs could not be listed ({f.message}); only accounts found in other "
                  "regions were read there" for f in summary.failures if found]
        notes += [f"{region}: AWS's summaries there were cut at the page limit, so an account found only on the pages "
                  "not read is not listed; every account found in any region was read there" for region in cut]
        if summary.only_account is not None:
            notes.append(summary.only_account.note)
        unasked = tuple(
            RegionFailure(f.region, f.kind, f"the accounts with jobs could not be listed ({f.message}), so no job was "
                          "read there")
            for f in summary.failures if not found
        )
        return chains, f"every account with jobs ({len(found)})", tuple(notes), unasked, summary.aws_calls
