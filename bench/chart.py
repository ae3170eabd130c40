"""The trend chart's cost: time to draw one PNG, the memory it adds to a bot process and to the machine, and how long
it stalls the bot process's other threads.

Three fresh interpreters, each having imported what a web worker imports (bot.web.app, the handlers, boto3, slack-bolt),
in the same run:
- **renderer**: charts drawn by the renderer process (bot.charts.renderer), as the bot does;
- **pool**: charts drawn by a `concurrent.futures.ProcessPoolExecutor` (one worker, `spawn`, `max_tasks_per_child`),
  the standard library's way to do the same; it has no idle timeout of its own, so its worker stays;
- **in-process**: the same charts drawn in the process itself (bot.charts.render.render_png, the previous design).
Each reads its RSS before the first chart, draws one chart (which loads matplotlib), then `--renders` charts of
different data, while a thread that asks for a 5 ms sleep in a loop records the longest it waited (what a 3-second
ack of another user's command waits behind a drawing holding the GIL). The two process designs also read their child
processes' RSS, then wait up to 5 x the idle time for the drawing process to exit.

    python -m bench.chart [--renders 20]

Targets (the renderer, as shipped): a drawing (warm, median, through the pipe) < 300 ms; the bot process's extra RSS
< 40 MB; matplotlib never loaded by the bot process; the idle renderer gone (its memory back) within 5 x its idle
time. The other two are figures to compare against, in the same run. Exit status 1 on a miss.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import Report, add_common_args, ms

REPO = Path(__file__).resolve().parent.parent
RENDER_TARGET_S = 0.300
RSS_TARGET_MB = 40.0
IDLE_S = 2.0
MODES = {"renderer": "renderer process", "pool": "ProcessPoolExecutor", "inline": "in-process"}

CHILD = r"""
import json, os, sys, threading, time

def rss_kb(pid="self"):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0

def children():
    # {pid: command line} of this process's live children, read from /proc (no psutil in the bot's venv)
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            found[int(entry)] = cmdline
    return found

import bot.web.app, bot.answers.service, handlers.commands, handlers.actions  # what a web worker has loaded
mode, renders, idle_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
loaded_before = "matplotlib" in sys.modules
from bot.charts.render import sample_series
base = rss_kb()  # before anything the design itself imports
if mode == "renderer":
    from bot.charts.renderer import ChartRenderer
    renderer = ChartRenderer(idle_s=idle_s)
    draw = renderer.render
elif mode == "pool":
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context
    from bot.charts.render import render_png  # a reference to pickle; matplotlib is imported on first use, there
    pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"), max_tasks_per_child=200)
    draw = lambda s: pool.submit(render_png, s).result(timeout=30)
else:
    from bot.charts.render import render_png as draw
stall = [0.0]
stop = threading.Event()
def ticker():
    while not stop.is_set():
        t0 = time.perf_counter()
        time.sleep(0.005)
        stall[0] = max(stall[0], time.perf_counter() - t0 - 0.005)
threading.Thread(target=ticker, daemon=True).start()
series = sample_series()
t0 = time.perf_counter()
png = draw(series)
first = time.perf_counter() - t0
after_first = rss_kb()
stall[0] = 0.0  # the stalls of drawing, not of loading matplotlib
times = []
for i in range(renders):
    shifted = series.__class__(series.days, tuple(n + i for n in series.failed), series.aborted, series.completed,
                               series.highlight, series.title)
    t0 = time.perf_counter()
    draw(shifted)
    times.append(time.perf_counter() - t0)
stop.set()
out = {"loaded_before": loaded_before, "base_kb": base, "after_first_kb": after_first, "peak_kb": rss_kb(),
       "first_s": first, "times": times, "png_bytes": len(png), "stall_s": stall[0],
       "loaded_after": "matplotlib" in sys.modules, "children": {}}
if mode != "inline":
    kids = children()
    out["children"] = {("resource tracker" if "resource_tracker" in cmd else "drawing"): rss_kb(pid)
                       for pid, cmd in kids.items()}
    drawing = [pid for pid, cmd in kids.items() if "resource_tracker" not in cmd]
    t0 = time.monotonic()
    while any(pid in children() for pid in drawing) and time.monotonic() - t0 < idle_s * 5:
        time.sleep(0.05)
    out["idle_gone_after_s"] = None if any(pid in children() for pid in drawing) else time.monotonic() - t0
if mode == "pool":
    pool.shutdown()  # its worker would outlive this process: it holds its own call queue's write end, so sees no EOF
print(json.dumps(out))
"""


def run(mode: str, renders: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(renders), str(IDLE_S)], cwd=REPO,
                         capture_output=True, text=True, check=False, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{mode} run failed: {out.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    times = sorted(data["times"])
    data["median_s"] = times[len(times) // 2]
    data["slowest_s"] = times[-1]
    data["extra_mb"] = (max(data["peak_kb"], data["after_first_kb"]) - data["base_kb"]) / 1024
    data["matplotlib"] = data["loaded_before"] or data["loaded_after"]
    return data


def _children(data: dict[str, Any]) -> str:
    if not data["children"]:
        return "-"
    kb = data["children"]
    tracker = f" + {kb['resource tracker'] / 1024:.0f} tracker" if "resource tracker" in kb else ""
    return f"{kb.get('drawing', 0) / 1024:.0f} MB{tracker}"


def _idle(data: dict[str, Any]) -> str:
    if "idle_gone_after_s" not in data:
        return "-"
    gone = data["idle_gone_after_s"]
    return f"after {gone:.1f} s" if gone is not None else f"not in {IDLE_S * 5:g} s"


def table(runs: dict[str, dict[str, Any]]) -> list[str]:
    """The three designs side by side, one row a figure."""
    rows = [
        ("drawing, warm (median)", lambda d: ms(d["median_s"])),
        ("drawing, warm (slowest)", lambda d: ms(d["slowest_s"])),
        ("first chart", lambda d: ms(d["first_s"])),
        ("bot process extra RSS", lambda d: f"{d['extra_mb']:.1f} MB"),
        ("matplotlib in the bot process", lambda d: "yes" if d["matplotlib"] else "no"),
        ("child processes' RSS", _children),
        (f"idle drawing process gone ({IDLE_S:g} s idle)", _idle),
        ("longest stall of another thread", lambda d: ms(d["stall_s"])),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"  {'':<{width}}" + "".join(f"  {label:>20}" for label in MODES.values())]
    for name, cell in rows:
        lines.append(f"  {name:<{width}}" + "".join(f"  {cell(runs[mode]):>20}" for mode in MODES))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chart", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--renders", type=int, default=20, help="warm drawings to time (default 20)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    try:
        runs = {mode: run(mode, args.renders) for mode in MODES}
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    shipped = runs["renderer"]
    print("\n== chart: the three designs, same run")
    print("\n".join(table(runs)))
    report = Report("chart")
    report.add("matplotlib loaded by the bot process", "yes" if shipped["matplotlib"] else "no", "no",
               not shipped["matplotlib"])
    report.add("drawing, warm (median, via renderer)", ms(shipped["median_s"]), f"< {ms(RENDER_TARGET_S)}",
               shipped["median_s"] < RENDER_TARGET_S)
    report.add("bot process extra RSS", f"{shipped['extra_mb']:.1f} MB", f"< {RSS_TARGET_MB:g} MB",
               shipped["extra_mb"] < RSS_TARGET_MB)
    gone = shipped["idle_gone_after_s"]
    report.add("idle renderer exited (memory back)", _idle(shipped), f"within {IDLE_S * 5:g} s", gone is not None)
    report.notes.append(
        f"each process before its first chart, {shipped['base_kb'] / 1024:.0f} MB RSS; PNG "
        f"{shipped['png_bytes']:,} bytes; {len(shipped['times'])} warm drawings each; the renderer is given back "
        f"after {IDLE_S:g} s idle here (300 s in the bot); the pool's children are its worker + multiprocessing's "
        f"resource tracker, which lives as long as the bot process")
    report.extra = runs
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
