"""The renderer process: the same PNG as drawing in-process, errors answered without losing the renderer, a renderer
that died, hung or went idle replaced, and a bot process that charts never loading matplotlib itself. The protocol
without the process is tests/unit/charts/test_renderer.py."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.charts.render import DailySeries, render_png
from bot.charts.renderer import ChartRenderer, RenderError
from tests.support import REPO


def series(now: datetime, bump: int = 0) -> DailySeries:
    last = now.date() - timedelta(days=1)
    days = tuple(last - timedelta(days=i) for i in reversed(range(14)))
    return DailySeries(days, tuple(i % 5 + bump for i in range(14)), tuple(i % 2 for i in range(14)),
                       tuple(30 + i for i in range(14)), highlight=last, title="Restore jobs <&> per day")


@pytest.fixture
def renderer():
    r = ChartRenderer(idle_s=60)
    yield r
    r.close()


def test_the_renderer_draws_what_drawing_in_process_draws(renderer: ChartRenderer, now: datetime) -> None:
    s = series(now)
    assert renderer.render(s) == render_png(s)
    assert renderer.render(series(now, bump=3)) == render_png(series(now, bump=3))
    assert renderer.started == 1  # one process for both


def test_a_bad_series_is_answered_and_the_renderer_keeps_drawing(renderer: ChartRenderer, now: datetime) -> None:
    s = series(now)
    with pytest.raises(RenderError, match=r"ValueError: shape mismatch"):
        renderer.render(replace(s, failed=s.failed[:3]))
    pid = renderer.pid
    assert renderer.render(s).startswith(b"\x89PNG")
    assert renderer.pid == pid and renderer.started == 1


def test_a_killed_renderer_is_replaced_on_the_next_chart(renderer: ChartRenderer, now: datetime) -> None:
    renderer.render(series(now))
    pid = renderer.pid
    assert pid is not None
    os.kill(pid, 9)
    time.sleep(0.1)
    assert renderer.render(series(now, bump=1)).startswith(b"\x89PNG")
    assert renderer.started == 2 and renderer.pid != pid


def test_an_idle_renderer_exits_and_gives_its_memory_back(now: datetime) -> None:
    r = ChartRenderer(idle_s=0.5)
    try:
        r.render(series(now))
        pid = r.pid
        assert pid is not None
        deadline = time.monotonic() + 10
        while r.pid is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert r.pid is None  # it exited on its own
        assert r.render(series(now, bump=2)).startswith(b"\x89PNG")  # and the next chart starts a new one
        assert r.started == 2
    finally:
        r.close()


@pytest.mark.parametrize("late", [0.0, 0.04, 0.1])
def test_a_chart_asked_for_while_the_idle_renderer_exits_is_drawn(now: datetime, late: float) -> None:
    """The renderer has decided to exit (idle) but still holds its pipes while Python shuts down: the request goes
    out, the pipe closes unanswered, and the chart is drawn by a new renderer instead of failing."""
    r = ChartRenderer(idle_s=0.5)
    try:
        r.render(series(now))
        time.sleep(0.5 + late)
        assert r.render(series(now, bump=1)).startswith(b"\x89PNG")
    finally:
        r.close()


def test_an_idle_renderer_is_reaped_not_left_a_zombie(now: datetime) -> None:
    r = ChartRenderer(idle_s=0.3)
    try:
        r.render(series(now))
        pid = r.pid
        assert pid is not None
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists()  # reaped: no zombie entry left behind
    finally:
        r.close()


def test_a_renderer_is_replaced_after_max_renders(now: datetime) -> None:
    r = ChartRenderer(max_renders=2)
    try:
        pids = []
        for bump in range(3):
            r.render(series(now, bump=bump))
            pids.append(r.pid)
        assert pids[0] is None or pids[0] != pids[2]
        assert pids[1] is None  # stopped after its second chart
        assert r.started == 2
    finally:
        r.close()


def test_a_hung_renderer_times_out_and_is_killed(tmp_path: Path, now: datetime) -> None:
    hang = tmp_path / "python"
    hang.write_text("#!/bin/sh\nexec sleep 30\n")
    hang.chmod(hang.stat().st_mode | stat.S_IEXEC)
    r = ChartRenderer(python=str(hang), timeout=0.5, first_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(RenderError, match="timed out"):
        r.render(series(now))
    assert time.monotonic() - started < 5  # cut off at the deadline, plus the kill
    assert r.pid is None


def test_a_bot_process_that_charts_never_loads_matplotlib() -> None:
    code = (
        "import sys\n"
        "from bot.charts.renderer import render_png\n"
        "from bot.charts.render import sample_series\n"
        "png = render_png(sample_series())\n"
        "print(png[:4] == b'\\x89PNG', 'matplotlib' in sys.modules, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         timeout=120)
    assert out.stdout.split() == ["True", "False", "False"]
