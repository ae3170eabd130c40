"""The renderer's pipe protocol without its process: a series survives the JSON, frames carry their lengths, and an
answer read from a pipe is bounded in size and time, telling a renderer that closed before answering from one that
died mid-answer."""

from __future__ import annotations

import contextlib
import os
import struct
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.charts.render import DailySeries
from bot.charts.renderer import (
    MAX_PNG,
    RenderError,
    _Gone,
    answer_frame,
    read_answer,
    request_frame,
    series_from_json,
    series_to_json,
)

LAST = date(2026, 11, 30)


def series() -> DailySeries:
    days = tuple(LAST - timedelta(days=i) for i in reversed(range(14)))
    return DailySeries(days, tuple(i % 5 for i in range(14)), tuple(i % 2 for i in range(14)),
                       tuple(30 + i for i in range(14)), highlight=LAST, title="Restore jobs <&> per day")


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read_fd, write_fd = os.pipe()
    yield read_fd, write_fd
    for fd in (read_fd, write_fd):
        with contextlib.suppress(OSError):  # closed by the test
            os.close(fd)


def soon() -> float:
    return time.monotonic() + 1.0


def test_the_series_survives_the_pipe() -> None:
    s = series()
    assert series_from_json(series_to_json(s)) == s
    assert series_from_json(series_to_json(replace(s, highlight=None))).highlight is None


def test_a_request_is_its_json_behind_its_length() -> None:
    frame = request_frame(series())
    (length,) = struct.unpack(">I", frame[:4])
    assert length == len(frame) - 4
    assert series_from_json(frame[4:]) == series()


@pytest.mark.parametrize(("status", "payload"), [(0, b"\x89PNG" + bytes(range(256)) * 40), (1, b"ValueError: no")])
def test_an_answer_reads_back_as_written(pipe: tuple[int, int], status: int, payload: bytes) -> None:
    read_fd, write_fd = pipe
    os.write(write_fd, answer_frame(status, payload) + b"the next answer")
    assert read_answer(read_fd, soon()) == (status, payload)
    assert os.read(read_fd, 100) == b"the next answer"  # nothing of the next answer was consumed


def test_an_answer_too_large_for_a_chart_is_refused(pipe: tuple[int, int]) -> None:
    read_fd, write_fd = pipe
    os.write(write_fd, struct.pack(">BI", 0, MAX_PNG + 1))
    with pytest.raises(RenderError, match="answered"):
        read_answer(read_fd, soon())


def test_no_answer_by_the_deadline_times_out(pipe: tuple[int, int]) -> None:
    read_fd, write_fd = pipe
    os.write(write_fd, answer_frame(0, b"half")[:6])
    started = time.monotonic()
    with pytest.raises(RenderError, match="timed out"):
        read_answer(read_fd, started + 0.05)
    assert time.monotonic() - started < 1


def test_closed_before_answering_means_it_was_exiting(pipe: tuple[int, int]) -> None:
    read_fd, write_fd = pipe
    os.close(write_fd)
    with pytest.raises(_Gone):  # it had decided to exit (idle): the caller starts a new renderer and asks again
        read_answer(read_fd, soon())


def test_closed_mid_answer_is_a_failure(pipe: tuple[int, int]) -> None:
    read_fd, write_fd = pipe
    os.write(write_fd, answer_frame(0, b"a whole chart")[:9])
    os.close(write_fd)
    with pytest.raises(RenderError, match="exited"):
        read_answer(read_fd, soon())
