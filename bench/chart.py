"""The trend chart's cost: time to render one PNG and the memory it adds to a bot process.

In a fresh interpreter that has imported what the web process imports (bot.app, the handlers, boto3, slack-bolt),
RSS is read before the first chart (baseline, matplotlib not loaded: checked), then matplotlib is loaded and a chart
rendered, then `--renders` more charts of different data are rendered (the content cache cleared each time). The
baseline is that same process before any chart, in the same run.

    python -m bench.chart [--renders 20]

Targets: a rendering (warm, median) < 300 ms; the extra RSS of loading matplotlib and rendering < 40 MB; the web
process does not load matplotlib before a chart is asked for. Exit status 1 if one is missed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.common import Report, add_common_args, ms

REPO = Path(__file__).resolve().parent.parent
RENDER_TARGET_S = 0.300
RSS_TARGET_MB = 40.0

CHILD = r"""
import json, sys, time
from datetime import timedelta

def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

import bot.app, bot.service, handlers.commands, handlers.actions  # what a web worker has loaded
loaded_before = "matplotlib" in sys.modules
base = rss_kb()
from bot.render.chart import render_png, sample_series
series = sample_series()
t0 = time.perf_counter()
png = render_png(series)
first = time.perf_counter() - t0
after_first = rss_kb()
times = []
for i in range(int(sys.argv[1])):
    render_png.cache_clear()
    shifted = series.__class__(series.days, tuple(n + i for n in series.failed), series.aborted, series.completed,
                               series.highlight, series.title)
    t0 = time.perf_counter()
    render_png(shifted)
    times.append(time.perf_counter() - t0)
print(json.dumps({"loaded_before": loaded_before, "base_kb": base, "after_first_kb": after_first, "peak_kb": rss_kb(),
                  "first_s": first, "times": times, "png_bytes": len(png)}))
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chart", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--renders", type=int, default=20, help="warm renderings to time (default 20)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    out = subprocess.run([sys.executable, "-c", CHILD, str(args.renders)], cwd=REPO, capture_output=True, text=True,
                         check=False, timeout=300)
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return 1
    data = json.loads(out.stdout.strip().splitlines()[-1])
    times = sorted(data["times"])
    median = times[len(times) // 2]
    extra_mb = (max(data["peak_kb"], data["after_first_kb"]) - data["base_kb"]) / 1024
    report = Report("chart")
    report.add("matplotlib loaded before a chart", "yes" if data["loaded_before"] else "no", "no",
               not data["loaded_before"])
    report.add("rendering, warm (median)", ms(median), f"< {ms(RENDER_TARGET_S)}", median < RENDER_TARGET_S)
    report.add("rendering, warm (slowest)", ms(times[-1]))
    report.add("first chart (loads matplotlib)", ms(data["first_s"]))
    report.add("extra RSS (matplotlib + charts)", f"{extra_mb:.1f} MB", f"< {RSS_TARGET_MB:g} MB",
               extra_mb < RSS_TARGET_MB)
    report.notes.append(f"baseline: the same process before any chart, {data['base_kb'] / 1024:.0f} MB RSS; "
                        f"PNG {data['png_bytes']:,} bytes; {len(times)} warm renderings")
    report.extra = data
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
