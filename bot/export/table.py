"""The export's CSV: its columns, one restore job as cells, the formula-injection guard, and files split in parts.

Written with the stdlib `csv` module, not by hand: it is the library for RFC 4180 (a cell with a comma, a quote or a
line break is quoted and its quotes doubled), and the `csv.reader` that reads it back in the tests is its other half.

What a spreadsheet sees: UTF-8 with a byte order mark (Excel reads a CSV without one in the machine's legacy code
page, and every other spreadsheet skips it), CRLF line ends (RFC 4180), one header row, one row a job, then an empty
row and the trailer: one cell in column A beginning with `#`, stating the window, the rows and what was not read. The
empty row ends the range a spreadsheet detects for sorting, filters and pivot tables, so the trailer stays out of
them; a program reading the file stops at the empty row.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from tempfile import SpooledTemporaryFile
from typing import IO

COLUMNS = (
    "job id", "account id", "account name", "region", "source resource ARN", "created resource ARN",
    "recovery point ARN", "resource type", "created (UTC)", "completed (UTC)", "duration (seconds)", "status",
    "status message", "restore testing plan ARN", "validation status", "validation message", "deletion status",
    "deletion message",
)
# OWASP's CSV injection list: a cell beginning with one of these is a formula (or becomes one) in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TRAILER_MARK = "#"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # what every spreadsheet reads as a date and time; the header says UTC
SPOOL_BYTES = 1 << 20  # a part is held in memory up to this size, then on disk
TRAILER_ROOM = 8192  # kept free in every part for its trailer
WRITE_BLOCK = 65536  # rows are written to the file in blocks of about this size


def guard(cell: str) -> str:
    """A cell a spreadsheet shows as text: one that could start a formula gets a leading apostrophe (OWASP)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def utc_text(moment: datetime | None) -> str:
    return moment.strftime(TIME_FORMAT) if moment is not None else ""


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One ListRestoreJobs item as the export writes it (every value as AWS sent it, timestamps in UTC)."""

    job_id: str
    account_id: str
    region: str
    source_arn: str
    created_arn: str
    recovery_point_arn: str
    resource_type: str
    created: datetime
    completed: datetime | None
    status: str
    status_message: str
    plan_arn: str
    validation_status: str
    validation_message: str
    deletion_status: str
    deletion_message: str

    def cells(self, account_name: str = "") -> list[str]:
        seconds = max(0, round((self.completed - self.created).total_seconds())) if self.completed else None
        return [guard(cell) for cell in (
            self.job_id, self.account_id, account_name, self.region, self.source_arn, self.created_arn,
            self.recovery_point_arn, self.resource_type, utc_text(self.created), utc_text(self.completed),
            "" if seconds is None else str(seconds), self.status, self.status_message, self.plan_arn,
            self.validation_status, self.validation_message, self.deletion_status, self.deletion_message,
        )]


class CsvFile:
    """One CSV file on a binary stream: the byte order mark and header at once, then rows, then the trailer."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.rows = 0
        self.size = 0
        self._pending = bytearray()
        self._line = io.StringIO()
        self._writer = csv.writer(self._line, lineterminator="\r\n")
        self._put(codecs.BOM_UTF8 + self.encode(list(COLUMNS)))

    def encode(self, cells: Sequence[str]) -> bytes:
        """One row as the bytes it takes in the file."""
        self._line.seek(0)
        self._line.truncate()
        self._writer.writerow(cells)
        return self._line.getvalue().encode("utf-8")

    def add(self, line: bytes) -> None:
        self._put(line)
        self.rows += 1

    def finish(self, trailer: str) -> None:
        """The empty row that ends the data, and the trailer's one cell (it is ours, but it quotes AWS's words)."""
        self._put(b"\r\n" + self.encode([guard(f"{TRAILER_MARK} {trailer}")]))
        self._flush()
        self.out.flush()

    def _put(self, data: bytes) -> None:
        # Rows leave in blocks: a write a row to a spool on disk cost a quarter of an export's time (bench.export).
        self._pending += data
        self.size += len(data)
        if len(self._pending) >= WRITE_BLOCK:
            self._flush()

    def _flush(self) -> None:
        self.out.write(self._pending)
        self._pending.clear()


class TooLarge(Exception):
    """The export needs more parts than allowed; the message is written for the user."""


class Parts:
    """The export as files of at most `part_bytes` each (None: one file, whatever its size), each a spreadsheet of
    its own (header row, trailer), held in memory up to SPOOL_BYTES and on disk past it, so a large export costs
    disk, not memory. More than `max_parts` parts raise TooLarge when the next part would start."""

    def __init__(
        self,
        part_bytes: int | None,
        max_parts: int,
        spool: Callable[[], IO[bytes]] = lambda: SpooledTemporaryFile(max_size=SPOOL_BYTES),  # noqa: SIM115
    ) -> None:
        self.part_bytes = part_bytes
        self.max_parts = max_parts
        self._spool = spool
        self.files: list[CsvFile] = [CsvFile(spool())]

    @property
    def rows(self) -> int:
        return sum(part.rows for part in self.files)

    @property
    def size(self) -> int:
        return sum(part.size for part in self.files)

    def write(self, cells: Sequence[str]) -> None:
        current = self.files[-1]
        line = current.encode(cells)
        if self.part_bytes is not None and current.rows and current.size + len(line) > self.part_bytes - TRAILER_ROOM:
            if len(self.files) >= self.max_parts:
                raise TooLarge(f"more than {self.max_parts} files of {self.part_bytes / 1e6:,.0f} MB")
            number = len(self.files)
            current.finish(f"part {number} of this export; it continues in part {number + 1}; the last part states "
                           "the window and anything not read")
            current = CsvFile(self._spool())
            self.files.append(current)
        current.add(line)

    def finish(self, trailer: str) -> list[IO[bytes]]:
        """Close the last part with `trailer`; every part rewound for reading."""
        self.files[-1].finish(trailer)
        for part in self.files:
            if part.out.seekable():
                part.out.seek(0)
        return [part.out for part in self.files]

    def close(self) -> None:
        for part in self.files:
            part.out.close()
