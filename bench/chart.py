"""The trend chart's cost: time to draw one PNG, the memory it adds to a bot process and to the machine, and how long
it stalls the bot process's other threads.

Two fresh interpreters, each having imported what a web worker imports (bot.web.app, the handlers, boto3, slack-bolt), in
the same run:
- **shipped**: charts drawn by the renderer process (bot.charts.renderer), as the bot does;
- **baseline**: the same charts drawn in the process itself (bot.charts.render.render_png, the previous design).
Each reads its RSS before the first chart, draws one chart (which loads matplotlib), then `--renders` charts of
different data, while a thread that asks for a 5 ms sleep in a loop records the longest it waited (what a 3-second
ack of another user's command waits behind a drawing holding the GIL). The shipped run also reads the renderer's RSS,
then waits for the renderer to exit when idle.

    python -m bench.chart [--renders 20]

Targets: a drawing (warm, median, through the pipe) < 300 ms; the bot process's extra RSS < 40 MB; matplotlib never
loaded by the bot process; the idle renderer gone (its memory back) within its idle time. Exit status 1 on a miss.
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

CHILD = r"""
import json, sys, threading, time

def rss_kb(pid="self"):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        return 0

import bot.web.app, bot.answers.service, handlers.commands, handlers.actions  # what a web worker has loaded
mode, renders, idle_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
loaded_before = "matplotlib" in sys.modules
from bot.charts.render import sample_series
if mode == "shipped":
    from bot.charts.renderer import ChartRenderer
    renderer = ChartRenderer(idle_s=idle_s)
    draw = renderer.render
else:
    from bot.charts.render import render_png
    draw = render_png
base = rss_kb()
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
       "loaded_after": "matplotlib" in sys.modules}
if mode == "shipped":
    pid = renderer.pid
    out["renderer_kb"] = rss_kb(pid)
    t0 = time.monotonic()
    while renderer.pid is not None and time.monotonic() - t0 < idle_s * 5:
        time.sleep(0.05)
    out["renderer_gone_after_s"] = time.monotonic() - t0 if renderer.pid is None else None
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
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chart", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--renders", type=int, default=20, help="warm drawings to time (default 20)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    try:
        shipped = run("shipped", args.renders)
        inline = run("baseline", args.renders)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    report = Report("chart")
    report.add("matplotlib loaded by the bot process", "yes" if shipped["loaded_before"] or shipped["loaded_after"]
               else "no", "no", not (shipped["loaded_before"] or shipped["loaded_after"]))
    report.add("drawing, warm (median, via renderer)", ms(shipped["median_s"]), f"< {ms(RENDER_TARGET_S)}",
               shipped["median_s"] < RENDER_TARGET_S)
    report.add("drawing, warm (slowest, via renderer)", ms(shipped["slowest_s"]))
    report.add("first chart (starts the renderer)", ms(shipped["first_s"]))
    report.add("bot process extra RSS", f"{shipped['extra_mb']:.1f} MB", f"< {RSS_TARGET_MB:g} MB",
               shipped["extra_mb"] < RSS_TARGET_MB)
    report.add("renderer process RSS (while alive)", f"{shipped['renderer_kb'] / 1024:.1f} MB")
    gone = shipped["renderer_gone_after_s"]
    report.add("idle renderer exited (memory back)", "no" if gone is None else f"after {gone:.1f} s",
               f"within {IDLE_S * 5:g} s", gone is not None)
    report.add("longest stall of another thread", ms(shipped["stall_s"]))
    report.add("baseline in-process: drawing (median)", ms(inline["median_s"]))
    report.add("baseline in-process: extra RSS", f"{inline['extra_mb']:.1f} MB")
    report.add("baseline in-process: longest stall", ms(inline["stall_s"]))
    report.notes.append(
        f"baseline: each process before its first chart, {shipped['base_kb'] / 1024:.0f} MB RSS; PNG "
        f"{shipped['png_bytes']:,} bytes; {len(shipped['times'])} warm drawings each; the renderer is given back "
        f"after {IDLE_S:g} s idle here (300 s in the bot)")
    report.extra = {"shipped": shipped, "baseline": inline}
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
