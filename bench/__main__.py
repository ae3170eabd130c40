"""`python -m bench`: run every benchmark (each in its own process), then print one summary table.

    python -m bench                      # ack_latency, fanout, memory with their defaults
    python -m bench --only fanout,memory
    python -m bench org                  # one benchmark (its defaults), with the summary table

Exit status 1 if any benchmark missed a target (or crashed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCHES = ("ack_latency", "fanout", "cache", "memory", "fairness", "digest_tick", "scale", "chart", "alerts", "alert_events",
           "export", "coverage", "org")
REPO = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="run all benchmarks, then summarize")
    parser.add_argument("names", nargs="*", help="benchmarks to run, e.g. `python -m bench org` (default: all)")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(BENCHES)}")
    args = parser.parse_args(argv)
    named = args.names + ([b.strip() for b in args.only.split(",")] if args.only else [])
    chosen = named or list(BENCHES)
    unknown = set(chosen) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    results: list[tuple[str, int, float, dict[str, Any] | None]] = []
    with tempfile.TemporaryDirectory(prefix="restores-bench-") as tmp:
        for name in chosen:
            summary = Path(tmp) / f"{name}.json"
            print(f"\n######## python -m bench.{name}", flush=True)
            started = time.monotonic()
            code = subprocess.call([sys.executable, "-m", f"bench.{name}", "--summary-json", str(summary)], cwd=REPO)
            data = json.loads(summary.read_text()) if summary.exists() else None
            results.append((name, code, time.monotonic() - started, data))

    print("\n######## summary")
    rows = [("benchmark", "figure", "value", "target", "")]
    for name, code, elapsed, data in results:
        if data is None:
            rows.append((name, f"crashed (exit {code})", "", "", "FAIL"))
            continue
        for check in data["checks"]:
            mark = "" if check["ok"] is None else ("PASS" if check["ok"] else "MISS")
            rows.append((name, check["name"], check["value"], check["target"], mark))
        rows.append((name, "run time", f"{elapsed:.0f} s", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[j]) if j != 2 else cell.rjust(widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    failed = [name for name, code, _, data in results if code != 0 or data is None or not data["passed"]]
    print(f"\n{'all targets met' if not failed else 'targets missed: ' + ', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
