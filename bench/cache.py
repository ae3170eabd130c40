"""AWS calls saved by the summary cache: identical `/restores` queries within RESTORES_CACHE_TTL make none.

Two bots run against the same loopback fakes (3 regions x 3 pages x `--latency` s): one with the cache on
(`RESTORES_CACHE_TTL=300`, the default), one with it off (`0`). Each gets `--repeats` identical commands one after
the other, then `--burst` identical commands at once, then one different query, and the benchmark counts the
ListRestoreJobSummaries requests the emulator saw for each phase. The cache is also shown not to keep a failed
region: with one region failing, the next identical query asks that region again.

    python -m bench.cache [--repeats 10] [--burst 20] [--latency 0.2]

Targets (cache on): after the first query, identical queries make 0 AWS calls (sequential and concurrent);
a different query makes its own calls; a failed region is asked again. Exit status 1 if missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from bench.common import (
    REGIONS,
    Report,
    add_common_args,
    answer_total,
    collect_answers,
    expected_total,
    fire,
    prepare_commands,
    stack,
)
from tests.fakes.aws import access_denied

SUMMARIES = "/audit/restore-job-summaries"


def calls(s) -> int:  # type: ignore[no-untyped-def]
    return len(s.emulator.calls(SUMMARIES))


def run(ttl: str, args: argparse.Namespace, report: Report) -> dict[str, int]:
    figures: dict[str, int] = {}
    with stack(args.latency, env={"RESTORES_CACHE_TTL": ttl}, backlog=args.fake_backlog) as s:
        assert s.bot is not None
        expected = expected_total(s.counts)
        wrong = 0

        def ask(text: str) -> None:
            nonlocal wrong
            answer = s.bot.ask(text)  # type: ignore[union-attr]
            if text.startswith("failed 7d account:ANY") and answer_total(answer) != expected:
                wrong += 1

        before = calls(s)
        ask("failed 7d account:ANY")
        figures["first query"] = calls(s) - before
        before = calls(s)
        started = time.monotonic()
        for _ in range(args.repeats):
            ask("failed 7d account:ANY")
        figures["repeats"] = calls(s) - before
        figures["repeat ms"] = round((time.monotonic() - started) / args.repeats * 1000)
        before = calls(s)
        keys = [f"burst-{ttl}-{i}" for i in range(args.burst)]
        acks = fire(s.bot.events_url, prepare_commands(s.bot, keys, "failed 7d account:ANY"))
        answers = collect_answers(s.slack, keys)
        wrong += sum(1 for a in answers.values() if a is None or answer_total(a) != expected)
        figures["burst"] = calls(s) - before
        figures["burst acks 200"] = sum(a.status == 200 for a in acks)
        before = calls(s)
        ask("aborted 14d account:ANY")
        figures["different query"] = calls(s) - before
        # A failing region is not cached: the next identical query asks it again.
        s.emulator.set_fault(REGIONS[1], access_denied())
        ask("completed 1d")
        s.inject_latency()
        before = {r: len(s.emulator.calls(SUMMARIES, region=r)) for r in REGIONS}
        ask("completed 1d")
        after = {r: len(s.emulator.calls(SUMMARIES, region=r)) for r in REGIONS}
        figures["failed region asked again"] = after[REGIONS[1]] - before[REGIONS[1]]
        figures["healthy regions asked again"] = sum(after[r] - before[r] for r in (REGIONS[0], REGIONS[2]))
        figures["wrong answers"] = wrong
    label = "cache on " if ttl != "0" else "cache off"
    print(f"{label} (TTL {ttl} s): first query {figures['first query']} AWS calls; {args.repeats} repeats "
          f"{figures['repeats']} calls ({figures['repeat ms']} ms each); burst of {args.burst} "
          f"{figures['burst']} calls; different query {figures['different query']} calls; after a region "
          f"failure: that region {figures['failed region asked again']}, the others "
          f"{figures['healthy regions asked again']} calls; wrong answers {figures['wrong answers']}", flush=True)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cache", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.2)
    add_common_args(parser)
    args = parser.parse_args(argv)
    report = Report("cache")
    on = run("300", args, report)
    off = run("0", args, report)
    report.add("first query, AWS calls", str(on["first query"]), "3 regions x 3 pages", on["first query"] == 9)
    report.add(f"{args.repeats} repeats, AWS calls", f"{on['repeats']} (off: {off['repeats']})", "0",
               on["repeats"] == 0 and off["repeats"] == args.repeats * 9)
    report.add(f"burst of {args.burst}, AWS calls", f"{on['burst']} (off: {off['burst']})", "0", on["burst"] == 0)
    report.add("repeat answer time", f"{on['repeat ms']} ms (off: {off['repeat ms']} ms)")
    report.add("different query, AWS calls", str(on["different query"]), "> 0", on["different query"] > 0)
    report.add("failed region asked again", str(on["failed region asked again"]), ">= 1",
               on["failed region asked again"] >= 1 and on["healthy regions asked again"] == 0)
    report.add("answers correct", "yes" if on["wrong answers"] == off["wrong answers"] == 0 else "NO", "all",
               on["wrong answers"] == off["wrong answers"] == 0)
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
