"""Charts drawn in a renderer process of their own, so a long-lived bot process never loads matplotlib.

Why a process: importing numpy and matplotlib costs a process about 45 MB that Python never gives back, drawing adds
about 1 MB a chart to matplotlib's caches, and a 200-300 ms drawing holds the GIL, stalling every other thread of a
web worker (the 3-second acks of other users' commands among them). The renderer is started on the first chart,
draws one chart at a time, is replaced after `max_renders` charts (its caches go with it) and exits on its own after
`idle_s` without a chart, giving all of that memory back. Charts are cached here by content, so a digest posting one
scope's chart to several channels, or a Home tab reopened, costs no drawing at all.

Why a pipe rather than concurrent.futures.ProcessPoolExecutor (spawn, max_tasks_per_child), measured side by side in
bench/chart.py: as fast and as small in the bot process, but its worker never exits when idle and outlives a killed
bot process, a killed worker breaks the pool for good, and Python 3.11 cannot kill a hung one at the deadline.

Protocol (binary, on the child's stdin/stdout): a request is a 4-byte big-endian length and a JSON series; an answer
is one status byte (0 PNG, 1 error text), a 4-byte length and the payload.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
from datetime import date

from bot.charts.render import DailySeries

log = logging.getLogger(__name__)

MAX_PNG = 16 * 1024 * 1024  # a 900 x 450 chart is about 50 KB; anything near this is a broken child
FIRST_TIMEOUT = 30.0  # the first chart includes starting Python and importing matplotlib (1-2 s on a quiet machine)
TIMEOUT = 10.0
_HEADER = struct.Struct(">I")
_ANSWER = struct.Struct(">BI")


class RenderError(RuntimeError):
    """The renderer could not draw the chart (it said why, it timed out, or it died)."""


class _Gone(Exception):
    """The renderer closed the pipe without answering: it was exiting (idle) when the request went out."""


def series_to_json(series: DailySeries) -> bytes:
    return json.dumps({
        "days": [d.isoformat() for d in series.days],
        "failed": list(series.failed),
        "aborted": list(series.aborted),
        "completed": list(series.completed),
        "highlight": series.highlight.isoformat() if series.highlight else None,
        "title": series.title,
    }).encode()


def series_from_json(raw: bytes) -> DailySeries:
    data = json.loads(raw)
    return DailySeries(
        days=tuple(date.fromisoformat(d) for d in data["days"]),
        failed=tuple(int(n) for n in data["failed"]),
        aborted=tuple(int(n) for n in data["aborted"]),
        completed=tuple(int(n) for n in data["completed"]),
        highlight=date.fromisoformat(data["highlight"]) if data["highlight"] else None,
        title=str(data["title"]),
    )


def request_frame(series: DailySeries) -> bytes:
    """A request as it goes down the pipe: the JSON series behind its length."""
    body = series_to_json(series)
    return _HEADER.pack(len(body)) + body


def answer_frame(status: int, payload: bytes) -> bytes:
    """An answer as it comes back: its status, the payload's length and the payload."""
    return _ANSWER.pack(status, len(payload)) + payload


def read_answer(fd: int, deadline: float) -> tuple[int, bytes]:
    """One answer read from `fd` by `deadline` (time.monotonic()): its status and payload."""
    status, length = _ANSWER.unpack(_read(fd, _ANSWER.size, deadline, first=True))
    if length > MAX_PNG:
        raise RenderError(f"the chart renderer answered {length} bytes")
    return status, _read(fd, length, deadline)


def _read(fd: int, n: int, deadline: float, *, first: bool = False) -> bytes:
    chunks: list[bytes] = []
    while n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise RenderError("the chart renderer timed out")
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            if first and not chunks:
                raise _Gone  # closed before answering: it had decided to exit
            raise RenderError("the chart renderer exited")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class ChartRenderer:
    """One renderer process, started on demand, used by one thread at a time (drawing is serial anyway)."""

    def __init__(self, *, idle_s: float = 300.0, max_renders: int = 200, timeout: float = TIMEOUT,
                 first_timeout: float = FIRST_TIMEOUT, python: str = sys.executable) -> None:
        self.idle_s = idle_s
        self.max_renders = max_renders
        self.timeout = timeout
        self.first_timeout = first_timeout
        self.python = python
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._renders = 0
        self.started = 0  # renderer processes started, for tests and the benchmark

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def render(self, series: DailySeries) -> bytes:
        request = request_frame(series)
        # Charts are drawn one at a time; a caller does not wait longer for its turn than a first chart may take.
        if not self._lock.acquire(timeout=self.first_timeout):
            raise RenderError("the chart renderer is busy")
        try:
            for attempt in (1, 2):
                fresh = self._ensure()
                try:
                    status, payload = self._exchange(request, self.first_timeout if fresh else self.timeout)
                except _Gone:
                    # It was exiting on its own (idle) as the request went out: start a new one, once.
                    self._stop()
                    if attempt == 1 and not fresh:
                        continue
                    raise RenderError("the chart renderer exited") from None
                except BaseException:
                    self._stop()  # never leave a half-read answer in the pipe for the next chart
                    raise
                self._renders += 1
                if self._renders >= self.max_renders:
                    self._stop()
                if status != 0:
                    raise RenderError(payload.decode("utf-8", "replace")[:500])
                return payload
            raise AssertionError("unreachable")
        finally:
            self._lock.release()

    def _exchange(self, request: bytes, timeout: float) -> tuple[int, bytes]:
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(request)
            proc.stdin.flush()
        except OSError:  # BrokenPipeError: it has exited
            raise _Gone from None
        return read_answer(proc.stdout.fileno(), time.monotonic() + timeout)

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _ensure(self) -> bool:
        """A running renderer; True when it was started now."""
        if self._proc is not None and self._proc.poll() is None:
            return False
        self._stop()
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no user input
            [self.python, "-m", "bot.charts.renderer", str(self.idle_s)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, close_fds=True,
            env={**os.environ, "MPLBACKEND": "Agg"},
        )
        self._renders = 0
        self.started += 1
        log.info("chart renderer started pid=%d", self._proc.pid)
        # Reap it when it exits on its own (idle), and close its pipes, rather than leave a zombie until the next chart.
        threading.Thread(target=self._reap, args=(self._proc,), name="chart-reaper", daemon=True).start()
        return True

    def _reap(self, proc: subprocess.Popen[bytes]) -> None:
        proc.wait()
        with self._lock:
            if self._proc is proc:
                self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()  # EOF: a healthy renderer exits at once
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


_renderer: list[ChartRenderer] = []
_renderer_lock = threading.Lock()


def renderer() -> ChartRenderer:
    """This process's renderer (one per process: gunicorn workers, the clock and poll processes each have theirs)."""
    with _renderer_lock:
        if not _renderer:
            _renderer.append(ChartRenderer())
        return _renderer[0]


@functools.lru_cache(maxsize=32)
def render_png(series: DailySeries) -> bytes:
    """The chart as PNG bytes, drawn by the renderer process; cached by content in this process."""
    return renderer().render(series)


def _serve(idle_s: float) -> int:
    """The renderer's loop: one request, one answer; exit on EOF (the parent is gone) or after `idle_s` idle."""
    from bot.charts.render import render_png as draw

    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # Anything a library prints, from Python or C, goes to the log, never into the protocol.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    fd = inp.fileno()

    def read(n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            chunk = os.read(fd, n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    while True:
        if not select.select([fd], [], [], idle_s)[0]:
            return 0  # idle: give the memory back; the parent starts a new renderer for the next chart
        head = read(_HEADER.size)
        if head is None:
            return 0
        body = read(_HEADER.unpack(head)[0])
        if body is None:
            return 0
        try:
            status, payload = 0, draw(series_from_json(body))
        except Exception as error:  # answered, not raised: one bad series must not cost the next chart its renderer
            status, payload = 1, f"{type(error).__name__}: {error}".encode()
        out.write(answer_frame(status, payload))
        out.flush()


if __name__ == "__main__":
    sys.exit(_serve(float(sys.argv[1]) if len(sys.argv) > 1 else 300.0))
