"""Region fan-out: does BackupService.restore_job_summaries ask the regions concurrently?

The real `bot.backup.BackupService` (boto3 over HTTP) queries the loopback emulator, where every region
answers in 3 pages and every page is `--latency` s late. Measured in the same run, `--reps` times:

* one region's page chain: one region per call (3 pages one after the other, the floor for any answer);
* concurrent: one call covering the 3 regions (what a `/restores` command does);
* sequential baseline: the 3 regions one call after the other (the sum of the three chains above).

    python -m bench.fanout [--latency 0.2] [--reps 5]

Target: concurrent / one-region chain <= 1.3 (median). Exit status 1 if missed or an answer is wrong.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import boto3

from bench.common import (
    COMMAND,
    PAGES_PER_REGION,
    REGIONS,
    TODAY,
    Report,
    add_common_args,
    expected_total,
    median,
    stack,
)
from bot.answers.grammar import parse_command
from bot.aws.client import BackupService
from tests.fakes.aws import expected_sum

RATIO_TARGET = 1.3


def _isolate_aws_environment(tmp: Path) -> None:
    """Nothing from this machine's AWS setup may reach the clients (profiles, endpoints, retries, IMDS)."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    (tmp / "config").write_text("")
    (tmp / "credentials").write_text("")
    os.environ.update(AWS_CONFIG_FILE=str(tmp / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "credentials"),
                      AWS_EC2_METADATA_DISABLED="true")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.2, help="injected AWS latency per page, s (default 0.2)")
    parser.add_argument("--reps", type=int, default=5, help="repetitions; medians are reported (default 5)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    report = Report("fanout")

    with tempfile.TemporaryDirectory(prefix="restores-bench-aws-") as tmp, \
            stack(args.latency, with_bot=False, backlog=args.fake_backlog) as s:
        _isolate_aws_environment(Path(tmp))
        kwargs = {}
        if "cache_ttl" in inspect.signature(BackupService).parameters:
            kwargs["cache_ttl"] = 0  # every call must reach AWS: this measures the fan-out, not a cache
        # Same construction as `python -m bot ask --sample`: throwaway credentials, the emulator as endpoint.
        service = BackupService(
            lambda: boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench"),
            endpoint_url=s.emulator.url,
            deadline_seconds=60,
            **kwargs,
        )
        flt = parse_command(COMMAND, REGIONS).filter
        assert flt.regions == REGIONS, flt
        expected = expected_total(s.counts)
        # COMMAND covers the 7 days before the emulator's pinned "today".
        per_region = {r: expected_sum(s.counts, region=r, state="FAILED", start=TODAY - timedelta(days=7), end=TODAY)
                      for r in REGIONS}
        problems: list[str] = []

        def timed(regions: tuple[str, ...]) -> float:
            one = dataclasses.replace(flt, regions=regions)
            started = time.perf_counter()
            result = service.restore_job_summaries(one)
            elapsed = time.perf_counter() - started
            total = sum(row.count for row in result.rows)
            want = sum(per_region[r] for r in regions)
            if result.failures or total != want or result.aws_calls != PAGES_PER_REGION * len(regions):
                problems.append(f"{regions}: total {total} (expected {want}), {result.aws_calls} AWS calls, "
                                f"failures {[f.message for f in result.failures]}")
            return elapsed

        print(f"fan-out: BackupService.restore_job_summaries, {len(REGIONS)} regions x {PAGES_PER_REGION} pages x "
              f"{args.latency:g} s injected latency (floor for one region: {PAGES_PER_REGION * args.latency:.2f} s)")
        # Warm-up: boto3 session, one client per region and their HTTP connections, as in a running bot.
        timed(REGIONS)
        chains: list[float] = []
        concurrent: list[float] = []
        sequential: list[float] = []
        for rep in range(1, args.reps + 1):
            s.inject_latency()
            one_by_one = [timed((region,)) for region in REGIONS]
            together = timed(REGIONS)
            chain = median(one_by_one)
            chains.append(chain)
            concurrent.append(together)
            sequential.append(sum(one_by_one))
            print(f"rep {rep}: one-region chain {chain:.3f} s (per region: "
                  + ", ".join(f"{t:.3f}" for t in one_by_one)
                  + f")  concurrent {together:.3f} s  sequential {sum(one_by_one):.3f} s  "
                  f"ratio {together / chain:.2f}  speed-up x{sum(one_by_one) / together:.2f}")
        service.close()
        pages = len(s.emulator.calls("/audit/restore-job-summaries"))  # since the last rep's reset

    chain, conc, seq = median(chains), median(concurrent), median(sequential)
    ratio = median([c / ch for c, ch in zip(concurrent, chains, strict=True)])
    speedup = median([sq / c for sq, c in zip(sequential, concurrent, strict=True)])
    print(f"median over {args.reps} reps: one-region chain {chain:.3f} s, concurrent {conc:.3f} s, "
          f"sequential {seq:.3f} s; AWS pages per rep {pages} (expected {2 * PAGES_PER_REGION * len(REGIONS)}); "
          f"expected total {expected:,}")
    report.add("one-region page chain", f"{chain:.3f} s")
    report.add("concurrent, 3 regions", f"{conc:.3f} s")
    report.add("sequential, 3 regions", f"{seq:.3f} s")
    report.add("concurrent / chain", f"{ratio:.2f}", f"<= {RATIO_TARGET}", ratio <= RATIO_TARGET)
    report.add("speed-up vs sequential", f"x{speedup:.2f}", f"~x{len(REGIONS)} ideal")
    report.add("answers exact", "yes" if not problems else f"{len(problems)} wrong", "all", not problems)
    report.notes += problems[:5]
    report.extra.update(chain=chain, concurrent=conc, sequential=seq, ratio=ratio, speedup=speedup)
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
