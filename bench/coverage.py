"""Restore coverage over a large organisation: `/restores coverage` as the bot reads it, against the per-resource way.

A synthetic estate of `--accounts` accounts (the bot's own and the others through the role it assumes, real boto3 to
the STS fake) × 3 regions × `--resources` protected resources each, with restore histories of every kind
(tests/fakes/resources.py), served by the loopback emulator in pages of 1,000. Each reader runs in a fresh child
process (its peak RSS is its own, not the emulator's), in the same run:

* the bot: bot.aws.resources.ResourceReader.coverage and the verdicts (two page chains an account and region:
  ListProtectedResources, then ListRestoreJobs of the completed restores in the window);
* baseline, per resource: ListProtectedResources, then ListRestoreJobsByProtectedResource for every resource (the only
  per-resource call that tells validation; DescribeProtectedResource cannot), same 32 threads, over `--baseline-accounts`
  accounts (it makes one call a resource), projected linearly to the whole estate.

    python -m bench.coverage [--accounts 50] [--resources 2000] [--baseline-accounts 2] [--days 90]

Targets (exit status 1 if one is missed), and why:
* every figure equals the oracle computed from the raw records, both ways (numbers exact);
* the bot's CPU < 20 s: its own work within RESTORES_AWS_DEADLINE's default (a read past it is answered as
  incomplete). Its wall time here also holds the emulator's, which serves every page from one process on the same
  cores as the bot, so the wall time is compared, not bounded: ≤ 10% of the per-resource way's (projected);
* its AWS calls ≤ 1% of the per-resource way's: AWS Backup's request rate is per account and region, and a call a
  resource is what gets throttled;
* its peak RSS < 400 MB: it holds every resource of the estate for the verdicts (about 100 MB at 300,000) beside
  boto3 and a session per account; over the 150 MB a usual answer's worker stays under (`python -m bench.memory`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource as rlimits
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
OWN = "111122223333"
CPU_TARGET = 20.0
WALL_SHARE_TARGET = 0.10
CALLS_SHARE_TARGET = 0.01
RSS_TARGET_MB = 400
REPO = Path(__file__).resolve().parent.parent


def accounts_of(n: int) -> tuple[str, ...]:
    return (OWN, *[f"{200000000000 + i:012d}" for i in range(1, n)])


def _isolated_env(tmp: Path, sts_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    (tmp / "config").write_text("")
    (tmp / "credentials").write_text("")
    return dict(env, AWS_CONFIG_FILE=str(tmp / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "credentials"),
                AWS_EC2_METADATA_DISABLED="true", AWS_ENDPOINT_URL_STS=sts_url, AWS_MAX_ATTEMPTS="1")


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return rlimits.getrusage(rlimits.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- the child: one way of reading


def worker(way: str, url: str, accounts: tuple[str, ...], days: int) -> dict[str, Any]:
    import boto3

    from bot.aws.client import BackupService
    from bot.aws.resources import ResourceReader
    from bot.aws.testing import OWN as OWN_SESSION
    from bot.aws.testing import AccountSessions
    from bot.recoverability.verdicts import cover, proves
    from tests.fakes.sts import READER_ROLE

    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="AKIDBOT", aws_secret_access_key="b"),
                           endpoint_url=url, deadline_seconds=600)
    sessions = AccountSessions(backup, READER_ROLE, "us-east-1")
    read_as = tuple(OWN_SESSION if a == OWN else a for a in accounts)
    now = datetime.now(UTC)
    window = (now - timedelta(days=days), now)
    before = rlimits.getrusage(rlimits.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    if way == "bot":
        reader = ResourceReader(sessions, deadline_seconds=600, own_account=lambda: OWN)
        read = reader.coverage(read_as, REGIONS, window)
        verdict = cover(read)
        reader.close()
        result = {"resources": verdict.total.resources, "proven": verdict.total.proven, "calls": read.calls,
                  "not_read": list(read.not_read)}
    else:
        calls = [0]

        def one(client: Any, arn: str) -> int:
            from bot.aws.rows import job_row

            jobs = [job_row("", j) for page in client.get_paginator("list_restore_jobs_by_protected_resource")
                    .paginate(ResourceArn=arn) for j in page["RestoreJobs"]]
            calls[0] += 1
            return int(any(proves(j) and window[0] <= j.created < window[1] for j in jobs))

        with ThreadPoolExecutor(32) as pool:
            # The pairs one after the other, each pair's resources 32 at a time: the same concurrency as the bot.
            totals = []
            for account in read_as:
                for region in REGIONS:
                    client = sessions.client(account, region)
                    arns = [r["ResourceArn"] for page in client.get_paginator("list_protected_resources").paginate(
                        PaginationConfig={"PageSize": 1000}) for r in page["Results"]]
                    calls[0] += max(1, -(-len(arns) // 1000))
                    totals.append((len(arns), sum(pool.map(lambda arn, c=client: one(c, arn), arns))))
        result = {"resources": sum(t[0] for t in totals), "proven": sum(t[1] for t in totals), "calls": calls[0],
                  "not_read": []}
    usage = rlimits.getrusage(rlimits.RUSAGE_SELF)
    result.update(elapsed=time.perf_counter() - started, cpu=usage.ru_utime + usage.ru_stime - cpu_before,
                  peak_rss_mb=_peak_rss_mb())
    backup.close()
    return result


# --------------------------------------------------------------------------- the parent: estate, fakes, figures


def run_child(way: str, url: str, accounts: tuple[str, ...], days: int, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.coverage", "--worker", way, "--url", url, "--days", str(days),
         "--worker-accounts", ",".join(accounts)],
        cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{way} reader failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coverage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--resources", type=int, default=2000, help="protected resources an account and region")
    parser.add_argument("--baseline-accounts", type=int, default=2, help="accounts the per-resource way reads")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--worker", choices=("bot", "per-resource"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--worker-accounts", help=argparse.SUPPRESS)
    parser.add_argument("--summary-json", help=argparse.SUPPRESS, default=None)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.url, tuple(args.worker_accounts.split(",")), args.days)))
        return 0

    from bench.common import Report
    from tests.fakes.aws import BackupEmulator
    from tests.fakes.resources import coverage_oracle, estate
    from tests.fakes.sts import FakeSts, reader_role_arn

    report = Report("coverage")
    accounts = accounts_of(args.accounts)
    now = datetime.now(UTC)
    started = time.perf_counter()
    data = estate(now, accounts, REGIONS, args.resources)
    print(f"estate: {len(accounts)} accounts x {len(REGIONS)} regions x {args.resources:,} resources = "
          f"{len(data.resources):,} protected resources, {len(data.jobs):,} restore jobs "
          f"({time.perf_counter() - started:.1f} s to build)", flush=True)

    def oracle(of: tuple[str, ...]) -> tuple[int, int]:
        kept = [r for r in data.resources if r.account_id in of]
        by_type, _, proven, _, _ = coverage_oracle(kept, [j for j in data.jobs if j.account_id in of], now, args.days)
        return sum(by_type.values()), sum(proven.values())

    with tempfile.TemporaryDirectory(prefix="restores-bench-aws-") as tmp, \
            FakeSts(roles={reader_role_arn(a): "" for a in accounts if a != OWN}) as sts, \
            BackupEmulator((), data.jobs, page_size=1000, backlog=128, caller_account=OWN) as emulator:
        emulator.api.load_resources(data.resources)
        env = _isolated_env(Path(tmp), sts.url)
        bot = run_child("bot", emulator.url, accounts, args.days, env)
        bot_requests = len(emulator.calls())
        print(f"bot: {bot}", flush=True)
        emulator.reset()
        sample = accounts[: args.baseline_accounts]
        base = run_child("per-resource", emulator.url, sample, args.days, env)
        print(f"per-resource ({len(sample)} accounts): {base}", flush=True)

    want_all, want_sample = oracle(accounts), oracle(sample)
    scale = len(accounts) / len(sample)
    projected_calls = base["calls"] * scale
    projected_time = base["elapsed"] * scale
    exact = (bot["resources"], bot["proven"]) == want_all and (base["resources"], base["proven"]) == want_sample \
        and not bot["not_read"]
    report.add("estate", f"{len(data.resources):,} resources", f"{len(accounts)}x{len(REGIONS)}x{args.resources}")
    report.add("figures exact (both ways)", "yes" if exact else "NO", "equal to the oracle", exact)
    report.add("bot: CPU", f"{bot['cpu']:.1f} s", f"< {CPU_TARGET:g} s", bot["cpu"] < CPU_TARGET)
    report.add("bot: time", f"{bot['elapsed']:.1f} s")
    report.add("bot: AWS calls", f"{bot['calls']:,} ({bot_requests:,} requests)")
    report.add("bot: peak RSS", f"{bot['peak_rss_mb']:.0f} MB", f"< {RSS_TARGET_MB} MB",
               bot["peak_rss_mb"] < RSS_TARGET_MB)
    report.add(f"per-resource, {len(sample)} accounts: time", f"{base['elapsed']:.1f} s (CPU {base['cpu']:.1f} s)")
    report.add(f"per-resource, {len(sample)} accounts: calls", f"{base['calls']:,}")
    report.add("per-resource, projected: time", f"{projected_time:.0f} s")
    report.add("per-resource, projected: calls", f"{projected_calls:,.0f}")
    report.add("per-resource: peak RSS", f"{base['peak_rss_mb']:.0f} MB")
    wall_share = bot["elapsed"] / projected_time
    report.add("bot time / per-resource time", f"{wall_share:.1%}", f"<= {WALL_SHARE_TARGET:.0%}",
               wall_share <= WALL_SHARE_TARGET)
    share = bot["calls"] / projected_calls
    report.add("bot calls / per-resource calls", f"{share:.2%}", f"<= {CALLS_SHARE_TARGET:.0%}",
               share <= CALLS_SHARE_TARGET)
    report.extra.update(bot=bot, per_resource=base, projected_calls=projected_calls, projected_time=projected_time,
                        oracle={"resources": want_all[0], "proven": want_all[1]})
    if not exact:
        report.notes.append(f"oracle {want_all} / {want_sample}; bot {bot['resources'], bot['proven']}; "
                            f"per-resource {base['resources'], base['proven']}")
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
