"""The streamed reader on its own, with stand-in clients (no sockets): every page of every chain once, a chain that
fails part-way keeps what it gave and says how much, a spent deadline reads nothing, and a writer that stops reading
stops the chains."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from bot.domain.results import FailureKind
from bot.export.reader import JobStream
from bot.export.result import Chain

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
WINDOW = (NOW - timedelta(days=7), NOW)


class Client:
    """ListRestoreJobs of one region: `pages` pages of `size` jobs per account, failing at page `fail_at`."""

    def __init__(self, region: str, pages: int, size: int, fail_at: int | None) -> None:
        self.region, self.pages, self.size, self.fail_at = region, pages, size, fail_at
        self.asked: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def list_restore_jobs(self, **params: Any) -> dict[str, Any]:
        with self.lock:
            self.asked.append(params)
        page = int(params.get("NextToken") or 0)
        if page == self.fail_at:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListRestoreJobs")
        account = params.get("ByAccountId", "111122223333")
        jobs = [{"RestoreJobId": f"{self.region}-{account}-{page}-{n}", "AccountId": account,
                 "CreationDate": (NOW - timedelta(hours=page * 10 + n)).timestamp(), "Status": "COMPLETED"}
                for n in range(self.size)]
        body: dict[str, Any] = {"RestoreJobs": jobs}
        if page + 1 < self.pages:
            body["NextToken"] = str(page + 1)
        return body


class Backup:
    def __init__(self, **clients: Client) -> None:
        self.clients = clients

    def client(self, region: str) -> Client:
        return self.clients[region]


def stream(backup: Backup, chains: list[Chain], deadline: float | None = None, **knobs: int) -> JobStream:
    return JobStream(backup, chains, WINDOW, time.monotonic() + 60 if deadline is None else deadline,  # type: ignore[arg-type]
                     **knobs)


def test_every_page_of_every_chain_once_and_a_failure_part_way_says_how_much() -> None:
    backup = Backup(east=Client("east", pages=4, size=5, fail_at=None), west=Client("west", pages=4, size=5, fail_at=2))
    chains = [Chain("east", "111122223333"), Chain("east", "444455556666"), Chain("west", None)]
    jobs = stream(backup, chains, at_once=2, waiting=1)
    ids = [row.job_id for row in jobs]
    assert len(ids) == len(set(ids)) == 2 * 4 * 5 + 2 * 5
    assert {i.rsplit("-", 2)[0] for i in ids} == {"east-111122223333", "east-444455556666", "west-111122223333"}
    (failed,) = jobs.failures
    assert failed.chain == Chain("west", None) and failed.rows == 10 and failed.failure.kind is FailureKind.ACCESS_DENIED
    assert jobs.calls == 4 + 4 + 2 and len(backup.clients["west"].asked) == 3  # pages answered; the refused asked too
    first = backup.clients["east"].asked[0]
    assert (first["ByCreatedAfter"], first["ByCreatedBefore"], first["MaxResults"]) == (*WINDOW, 250)
    assert "ByAccountId" not in backup.clients["west"].asked[0]  # the bot's own account: none sent


def test_a_spent_deadline_reads_nothing_and_names_every_chain() -> None:
    backup = Backup(east=Client("east", pages=2, size=3, fail_at=None))
    jobs = stream(backup, [Chain("east", "111122223333"), Chain("east", None)], deadline=time.monotonic() - 1)
    assert list(jobs) == [] and backup.clients["east"].asked == []
    assert {f.failure.kind for f in jobs.failures} == {FailureKind.TIMEOUT} and len(jobs.failures) == 2


def test_a_writer_that_stops_reading_stops_the_chains() -> None:
    backup = Backup(east=Client("east", pages=1000, size=10, fail_at=None))
    jobs = stream(backup, [Chain("east", str(100000000000 + n)) for n in range(4)], at_once=4, waiting=2)
    rows = iter(jobs)
    assert len([next(rows) for _ in range(15)]) == 15
    rows.close()  # what a writer that raised does to it: the chains stop, what they hand over meanwhile is dropped
    assert len(backup.clients["east"].asked) <= 2 + 2 + 4 + 4  # read, waiting, being handed over, being read
    assert jobs.failures == []  # a stop is not a failure of AWS's
