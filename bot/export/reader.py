"""Every restore job of a window, streamed: ListRestoreJobs chains (a region and an account each) read a few at once,
their pages handed to the writer through a small queue, so at most a few pages are held whatever the export's size."""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from bot.aws.client import BackupService
from bot.aws.errors import JOBS_ACTION, describe_error
from bot.aws.fanout import fan_out, never_late
from bot.aws.pages import Pages
from bot.aws.rows import as_utc
from bot.export.result import Chain, ChainFailure
from bot.export.table import ExportRow

# Pages of 250 jobs, 8 chains at once (the drill-down's ACCOUNTS_AT_ONCE), 3 pages waiting: at most ~2,750 jobs held,
# whatever the export's size. Pages of 1,000 (AWS's maximum) hold 4 times as much for no shorter export, and 3 chains
# at once take half again as long at 0.1 s a page: `python -m bench.export --page-size N --at-once N` measures both.
PAGE_SIZE = 250
CHAINS_AT_ONCE = 8
PAGES_WAITING = 3
_DONE = object()


class _Stopped(Exception):
    """The writer stopped reading (it failed or refused to go on): the chains stop too."""


def export_row(region: str, item: dict[str, Any]) -> ExportRow:
    """One ListRestoreJobs item as the export writes it: every member as AWS sent it."""
    created_by = item.get("CreatedBy") or {}
    return ExportRow(
        job_id=str(item.get("RestoreJobId", "")),
        account_id=str(item.get("AccountId", "")),
        region=region,
        source_arn=str(item.get("SourceResourceArn") or ""),
        created_arn=str(item.get("CreatedResourceArn") or ""),
        recovery_point_arn=str(item.get("RecoveryPointArn") or ""),
        resource_type=str(item.get("ResourceType") or ""),
        created=as_utc(item["CreationDate"]),
        completed=as_utc(item["CompletionDate"]) if item.get("CompletionDate") is not None else None,
        status=str(item.get("Status") or ""),
        status_message=str(item.get("StatusMessage") or ""),
        plan_arn=str(created_by.get("RestoreTestingPlanArn") or ""),
        validation_status=str(item.get("ValidationStatus") or ""),
        validation_message=str(item.get("ValidationStatusMessage") or ""),
        deletion_status=str(item.get("DeletionStatus") or ""),
        deletion_message=str(item.get("DeletionStatusMessage") or ""),
    )


class JobStream:
    """Iterate to get every job of every chain as an ExportRow, as the pages arrive (chains interleave; each chain's
    jobs come newest first). Afterwards `failures` names the chains that did not answer in full and `calls` counts the
    pages asked. Breaking off the iteration stops the chains."""

    def __init__(
        self,
        backup: BackupService,
        chains: list[Chain],
        window: tuple[datetime, datetime],
        deadline: float,
        *,
        page_size: int = PAGE_SIZE,
        at_once: int = CHAINS_AT_ONCE,
        waiting: int = PAGES_WAITING,
    ) -> None:
        self._backup = backup
        self.chains = chains
        self._params = {"ByCreatedAfter": window[0], "ByCreatedBefore": window[1], "MaxResults": page_size}
        self._deadline = deadline  # time.monotonic(); Pages checks it before every page
        self._at_once = at_once
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=waiting)
        self._stop = threading.Event()
        self._read: dict[Chain, int] = {}
        self._lock = threading.Lock()
        self.failures: list[ChainFailure] = []
        self.calls = 0

    def __iter__(self) -> Generator[ExportRow, None, None]:
        pool = ThreadPoolExecutor(max_workers=self._at_once, thread_name_prefix="aws-export")
        feeder = threading.Thread(target=self._feed, args=(pool,), name="aws-export-feed", daemon=True)
        feeder.start()
        got: Any = None
        try:
            while got is not _DONE:
                got = self._queue.get()
                if got is not _DONE:
                    region, items = got
                    for item in items:
                        yield export_row(region, item)
        finally:
            # Broken off: the chains stop before their next page; what they hand over meanwhile is dropped (waits on
            # the queue end by a hand-over, never by a timer).
            self._stop.set()
            while got is not _DONE:
                got = self._queue.get()
            feeder.join()
            pool.shutdown(wait=True)

    def _feed(self, pool: ThreadPoolExecutor) -> None:
        """Every chain on the pool (concurrent.futures does the pooling, bot.aws.fanout types the failures); then the
        end mark, once every chain has ended."""
        try:
            _, failed = fan_out(
                pool,
                {chain: functools.partial(self._chain, chain) for chain in self.chains},
                None,  # the chains bound their own time: Pages checks the deadline before each page
                late=never_late,
                failed=lambda chain, exc: describe_error(chain.region, exc, JOBS_ACTION),
            )
            self.failures = [ChainFailure(chain, failure, self._read.get(chain, 0)) for chain, failure in failed.items()
                             if not self._stop.is_set()]
        finally:
            self._put(_DONE)

    def _chain(self, chain: Chain) -> None:
        client = self._backup.client(chain.region)
        params = dict(self._params, ByAccountId=chain.account) if chain.account else self._params
        tally = _Tally()
        try:
            for page in Pages(client.list_restore_jobs, params, self._deadline, tally):
                items = page.get("RestoreJobs", [])
                self._put((chain.region, items))
                with self._lock:
                    self._read[chain] = self._read.get(chain, 0) + len(items)
        finally:
            with self._lock:
                self.calls += tally.calls

    def _put(self, value: Any) -> None:
        if value is not _DONE and self._stop.is_set():
            raise _Stopped
        self._queue.put(value)


class _Tally:
    calls = 0
