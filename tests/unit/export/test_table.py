"""The export's CSV on its own: RFC 4180 quoting read back by csv.reader, the formula-injection guard, UTF-8 with its
byte order mark, the trailer after an empty row, and parts that each open as a spreadsheet."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.export.table import COLUMNS, TRAILER_ROOM, CsvFile, ExportRow, Parts, TooLarge, guard

CREATED = datetime(2026, 11, 30, 8, 15, 2, tzinfo=UTC)


def row(n: int = 1, message: str = "", **fields: object) -> ExportRow:
    values: dict[str, object] = {
        "job_id": f"JOB-{n:05d}", "account_id": "111122223333", "region": "eu-west-1",
        "source_arn": "arn:aws:rds:eu-west-1:111122223333:db:orders", "created_arn": "", "recovery_point_arn": "rp",
        "resource_type": "RDS", "created": CREATED, "completed": CREATED + timedelta(minutes=41, seconds=3),
        "status": "FAILED", "status_message": message, "plan_arn": "", "validation_status": "",
        "validation_message": "", "deletion_status": "", "deletion_message": "",
    }
    values.update(fields)
    return ExportRow(**values)  # type: ignore[arg-type]


def read(data: bytes) -> list[list[str]]:
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_a_cell_that_could_start_a_formula_gets_an_apostrophe(cell: str) -> None:
    assert guard(cell) == "'" + cell
    out = io.BytesIO()
    csv_file = CsvFile(out)
    csv_file.add(csv_file.encode(row(message=cell).cells()))
    csv_file.finish("t")
    assert read(out.getvalue())[1][COLUMNS.index("status message")] == "'" + cell


@pytest.mark.parametrize("cell", ["", "Access denied", "a=b", "1-2", "'quoted", "# not a trailer"])
def test_other_cells_are_left_as_they_are(cell: str) -> None:
    assert guard(cell) == cell


def test_commas_quotes_line_breaks_and_unicode_round_trip() -> None:
    messages = ['KMS key "alias/orders", disabled', "line one\nline two\r\nline three", "Zürich ✓ 数据库 😀",
                "\u202eevil\u202c, \u200bzero-width", 'a ""double"" quote']
    out = io.BytesIO()
    csv_file = CsvFile(out)
    for n, message in enumerate(messages):
        csv_file.add(csv_file.encode(row(n, message).cells("Prod – Zürich")))
    csv_file.finish("window")
    data = out.getvalue()
    rows = read(data)
    assert rows[0] == list(COLUMNS)
    assert [r[COLUMNS.index("status message")] for r in rows[1:-2]] == messages
    assert {r[COLUMNS.index("account name")] for r in rows[1:-2]} == {"Prod – Zürich"}
    assert rows[-2:] == [[], ["# window"]]
    assert b'"KMS key ""alias/orders"", disabled"' in data  # RFC 4180: quoted, its quotes doubled
    assert data.endswith(b"\r\n") and data.count(b"\r\n") >= len(messages) + 3  # CRLF row ends


def test_times_and_duration_as_a_spreadsheet_reads_them() -> None:
    cells = row().cells()
    assert cells[COLUMNS.index("created (UTC)")] == "2026-11-30 08:15:02"
    assert cells[COLUMNS.index("completed (UTC)")] == "2026-11-30 08:56:05"
    assert cells[COLUMNS.index("duration (seconds)")] == "2463"
    running = row(completed=None).cells()
    assert running[COLUMNS.index("completed (UTC)")] == running[COLUMNS.index("duration (seconds)")] == ""


def test_parts_split_before_the_limit_each_with_its_header_and_a_trailer() -> None:
    spooled: list[io.BytesIO] = []

    def spool() -> io.BytesIO:
        spooled.append(io.BytesIO())
        return spooled[-1]

    limit = TRAILER_ROOM + 3000
    parts = Parts(limit, max_parts=50, spool=spool)
    written = [row(n, "x" * 200).cells() for n in range(60)]
    for cells in written:
        parts.write(cells)
    files = parts.finish("the window")
    assert len(files) == len(spooled) > 2 and parts.rows == 60
    read_back: list[list[str]] = []
    for n, part in enumerate(spooled, start=1):
        data = part.getvalue()
        assert len(data) <= limit
        rows = read(data)
        assert rows[0] == list(COLUMNS) and rows[-2] == []
        last = n == len(spooled)
        assert rows[-1] == (["# the window"] if last else
                            [f"# part {n} of this export; it continues in part {n + 1}; the last part states the "
                             "window and anything not read"])
        read_back += rows[1:-2]
    assert read_back == written


def test_more_parts_than_allowed_is_refused_when_the_next_part_would_start() -> None:
    parts = Parts(TRAILER_ROOM + 3000, max_parts=2, spool=io.BytesIO)
    written = 0
    with pytest.raises(TooLarge, match="more than 2 files"):  # noqa: PT012 - which write raises is the point
        for n in range(100):
            parts.write(row(n, "y" * 300).cells())
            written += 1
    assert 2 < written < 100 and parts.rows == written
    assert len(parts.files) == 2


def test_without_a_limit_one_file_takes_everything() -> None:
    out = io.BytesIO()
    parts = Parts(None, 1, spool=lambda: out)
    for n in range(500):
        parts.write(row(n, "z" * 300).cells())
    assert parts.finish("t") == [out] and len(read(out.getvalue())) == 500 + 3
