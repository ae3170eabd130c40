"""Peak memory of `python -m bot serve` (gunicorn arbiter + workers) after a few hundred slash commands.

The bot runs as in production against the loopback fakes (3 regions x 3 pages x `--latency` s). `--commands`
signed commands are sent in batches of `--batch` concurrent ones; by default the next batch leaves as soon
as the previous batch is acknowledged (so answers pile up, as in a busy minute), `--pace answers` waits for
the answers instead. When every answer is in, the peak resident set (VmHWM in /proc/<pid>/status) of every
process of the server is read.

    python -m bench.memory [--commands 200] [--batch 20] [--latency 0.2]

Target: every process's peak RSS < 150 MB. Exit status 1 if missed or an answer is missing/wrong.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import (
    REGIONS,
    CpuWindow,
    Report,
    add_common_args,
    answer_total,
    collect_answers,
    expected_total,
    fire,
    ms,
    parse_env_overrides,
    percentile,
    prepare_commands,
    process_tree,
    stack,
)

TARGET_MB = 150.0


def status_kb(pid: int) -> dict[str, int]:
    """VmHWM, VmRSS, ... of one process, in kB (empty if it is gone)."""
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name.startswith("Vm") or name == "Threads":
                values[name] = int(rest.split()[0])
    except OSError:
        pass
    return values


def snapshot(root: int) -> list[tuple[int, str, dict[str, int]]]:
    rows = []
    for pid in process_tree(root):
        role = "arbiter" if pid == root else "worker"
        rows.append((pid, role, status_kb(pid)))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=200, help="commands in all (default 200)")
    parser.add_argument("--batch", type=int, default=20, help="concurrent commands per batch (default 20)")
    parser.add_argument("--latency", type=float, default=0.2, help="injected AWS latency per page, s (default 0.2)")
    parser.add_argument("--pace", choices=("ack", "answers"), default="ack",
                        help="send the next batch when the previous one is acknowledged (default) or answered")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the bot, e.g. WEB_CONCURRENCY=2 (repeatable)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    report = Report("memory")
    env = parse_env_overrides(args.env)

    print(f"memory: {args.commands} commands in batches of {args.batch} (next batch after the previous one's "
          f"{'acks' if args.pace == 'ack' else 'answers'}); AWS emulator: {len(REGIONS)} regions x 3 pages x "
          f"{args.latency:g} s" + (f"; bot env {env}" if env else ""))
    with stack(args.latency, env=env, backlog=args.fake_backlog) as s:
        assert s.bot is not None
        root = s.bot.process.pid
        before = snapshot(root)
        expected = expected_total(s.counts)
        keys: list[str] = []
        acks = []
        started = time.time()
        with CpuWindow(process_tree(root)) as cpu:
            for first in range(0, args.commands, args.batch):
                batch = [f"m-{i}" for i in range(first, min(first + args.batch, args.commands))]
                keys += batch
                acks += fire(s.bot.events_url, prepare_commands(s.bot, batch))
                if args.pace == "answers":
                    collect_answers(s.slack, batch, timeout=60)
            sent = time.time() - started
            answers = collect_answers(s.slack, keys, timeout=60 + args.commands * args.latency)
        last = max((a.time for a in answers.values() if a is not None), default=float("nan")) - started
        after = snapshot(root)
        log = s.bot.log_text()

    correct = sum(1 for a in answers.values() if a is not None and not a.rejected and answer_total(a) == expected)
    ok200 = sum(a.status == 200 for a in acks)
    lat = [a.latency for a in acks]
    print(f"sent {len(keys)} commands in {sent:.2f} s: 200s {ok200}/{len(acks)}, ack p99 {ms(percentile(lat, 99))} "
          f"max {ms(max(lat))}; answers correct {correct}/{len(keys)}, last after {last:.2f} s")
    print(f"{cpu.describe()}")
    print(f"{'pid':>8}  {'process':<8} {'RSS at start':>13} {'RSS now':>9} {'peak (VmHWM)':>13} {'threads':>8}")
    start_rss = {pid: kb.get("VmRSS", 0) for pid, _, kb in before}
    peaks: list[float] = []
    for pid, role, kb in after:
        peak = kb.get("VmHWM", 0) / 1024
        peaks.append(peak)
        print(f"{pid:>8}  {role:<8} {start_rss.get(pid, 0) / 1024:>10.1f} MB {kb.get('VmRSS', 0) / 1024:>6.1f} MB "
              f"{peak:>10.1f} MB {kb.get('Threads', 0):>8}")
    worst = max(peaks, default=float("nan"))
    report.add("peak RSS, max process", f"{worst:.1f} MB", f"< {TARGET_MB:.0f} MB", worst < TARGET_MB)
    report.add("peak RSS, all processes", f"{sum(peaks):.1f} MB")
    report.add("acks 200", f"{ok200}/{len(acks)}", "all", ok200 == len(acks))
    report.add("answers correct", f"{correct}/{len(keys)}", "all", correct == len(keys))
    report.add("ack p99 (while loaded)", ms(percentile(lat, 99)))
    if "Traceback" in log:
        report.notes.append("the bot logged a traceback during the run")
    report.extra.update(peak_mb=worst, total_mb=sum(peaks), ok200=ok200, correct=correct,
                        ack_p99=percentile(lat, 99))
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
