"""`/restores export` at audit size: 100,000 restore jobs (3 regions x 10 accounts, 30 days) read from the AWS
emulator and written as CSV, each way in a fresh child process whose peak memory is read from the kernel.

    python -m bench.export [--jobs 100000] [--accounts 10] [--latency 0.1] [--page-size 250] [--at-once 8]

Streamed (the bot's way, bot.export): ExportService.spool, the chains' pages handed through a small queue into CSV
parts spooled to disk. Baseline, in the same run: the jobs drill-down's reader (BackupService.list_restore_jobs with
its cap lifted) builds the whole list, then the same CSV writer writes it. Each child reports its wall time, its AWS
calls, the rows it wrote (read back with csv.reader) and its peak RSS growth: VmHWM after the export minus VmRSS before
it, the high-water mark reset first (/proc/self/clear_refs), after a warm-up export of the same accounts.

Target: streamed peak RSS growth < 8 MB (a few MB, whatever the export's size); every row of both exact. Exit status 1 if missed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.export.reader import CHAINS_AT_ONCE, PAGE_SIZE

TARGET_MB = 8.0
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
REPO = Path(__file__).resolve().parent.parent


def status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux 4.0+); False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------- the child: one way of exporting


def child(way: str, url: str, days: int, accounts: list[str], expected: int, page_size: int,
          at_once: int) -> dict[str, Any]:
    import boto3

    from bot.aws.client import BackupService
    from bot.config import load_settings
    from bot.domain.access import AccessPolicy
    from bot.domain.results import JobsQuery
    from bot.export.grammar import ExportQuery
    from bot.export.reader import export_row
    from bot.export.service import ExportService
    from bot.export.table import Parts

    def session() -> boto3.session.Session:
        return boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench")

    backup = BackupService(session, endpoint_url=url, deadline_seconds=600, max_jobs=10 * expected)
    policy = AccessPolicy(load_settings({"RESTORES_REGIONS": ",".join(REGIONS)}, "local"))
    access = policy.check(user_id="", channel_id="")
    service = ExportService(backup, policy, page_size=page_size, at_once=at_once)

    def streamed(query_days: int) -> tuple[int, int, list[Any]]:
        result = service.spool(ExportQuery(query_days, REGIONS, "ANY"), access)
        return result.rows, result.calls, result.parts

    def baseline(query_days: int) -> tuple[int, int, list[Any]]:
        now = datetime.now(UTC)
        query = JobsQuery(regions=REGIONS, created_after=now - timedelta(days=query_days), created_before=now,
                          accounts=tuple(accounts))
        listed = backup.list_restore_jobs(query)  # the drill-down's reader: every job in memory, then written
        parts = Parts(None, 1)
        for job in listed.jobs:
            row = export_row(job.region, {
                "RestoreJobId": job.job_id, "AccountId": job.account_id, "CreationDate": job.created,
                "CompletionDate": job.completed, "Status": job.status, "StatusMessage": job.status_message,
                "ResourceType": job.resource_type, "SourceResourceArn": job.source_arn or "",
                "CreatedResourceArn": job.resource_arn, "ValidationStatus": job.validation_status,
            })
            parts.write(row.cells())
        return parts.rows, listed.aws_calls, parts.finish("baseline")

    run = streamed if way == "streamed" else baseline
    run(1)  # warm-up: clients, models, threads, the first pages
    reset = reset_peak()
    before = status_kb("VmRSS")
    started = time.perf_counter()
    rows, calls, parts = run(days)
    elapsed = time.perf_counter() - started
    peak = status_kb("VmHWM")
    read_back = 0
    for part in parts:  # as a spreadsheet program reads it: data rows end at the empty row
        for row in csv.reader(io.TextIOWrapper(part, encoding="utf-8-sig", newline="")):
            if not row:
                break
            read_back += 1
        part.close()
    backup.close()
    return {"way": way, "seconds": elapsed, "calls": calls, "rows": rows, "read_back": read_back - 1,
            "rss_before_mb": before / 1024, "peak_mb": peak / 1024, "growth_mb": (peak - before) / 1024,
            "peak_reset": reset}


# --------------------------------------------------------------------------- the parent: data, emulator, report


def make_jobs(count: int, accounts: list[str], now: datetime, days: int) -> list[Any]:
    """`count` restore jobs spread over the regions, accounts and window, with AWS-sized ARNs and messages."""
    from bot.sample.records import RestoreJob

    jobs = []
    span = int(timedelta(days=days).total_seconds()) - 7200
    for n in range(count):
        region = REGIONS[n % len(REGIONS)]
        account = accounts[(n // len(REGIONS)) % len(accounts)]
        status = ("COMPLETED", "COMPLETED", "COMPLETED", "FAILED", "ABORTED", "RUNNING")[n % 6]
        created = now - timedelta(seconds=3600 + (n * 7919) % span)
        jobs.append(RestoreJob(
            region=region, account_id=account, job_id=f"{n:08X}-0C4E-4D3A-9B1F-{n:012X}", status=status,
            resource_type=("EBS", "RDS", "DynamoDB", "EFS", "S3")[n % 5], created=created,
            status_message=(f"Access denied to KMS key arn:aws:kms:{region}:{account}:key/{n:08x}-1111-2222-3333-"
                            "444455556666 while restoring the volume" if status == "FAILED" else ""),
            recovery_point_arn=f"arn:aws:backup:{region}:{account}:recovery-point:{n:08x}-aaaa-bbbb-cccc-dddddddddddd",
            source_resource_arn=f"arn:aws:ec2:{region}:{account}:volume/vol-{n:017x}",
            created_resource_arn=f"arn:aws:ec2:{region}:{account}:volume/vol-{n + 1:017x}" if status == "COMPLETED"
            else "",
            completion=created + timedelta(minutes=n % 90 + 1) if status != "RUNNING" else None,
        ))
    return jobs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000, help="restore jobs in the window (default 100,000)")
    parser.add_argument("--accounts", type=int, default=10, help="accounts (default 10)")
    parser.add_argument("--days", type=int, default=30, help="the export's window, 7|30|90 (default 30)")
    parser.add_argument("--latency", type=float, default=0.1, help="injected AWS latency per page, s (default 0.1)")
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE,
                        help=f"the export's ListRestoreJobs MaxResults (default {PAGE_SIZE}, AWS's maximum 1000)")
    parser.add_argument("--at-once", type=int, default=CHAINS_AT_ONCE,
                        help=f"the export's chains read at once (default {CHAINS_AT_ONCE})")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    from bench.common import Report, add_common_args

    add_common_args(parser)
    args = parser.parse_args(argv)
    accounts = [f"{100000000000 + 111111111 * i:012d}" for i in range(args.accounts)]
    if args.child:
        print(json.dumps(child(args.child, args.url, args.days, accounts, args.jobs, args.page_size,
                               args.at_once)))
        return 0

    from tests.fakes.aws import BackupEmulator, slow
    from tests.support import counts_from

    now = datetime.now(UTC).replace(microsecond=0)
    jobs = make_jobs(args.jobs, accounts, now, args.days)
    report = Report("export")
    print(f"export: {len(jobs):,} restore jobs, {len(REGIONS)} regions x {len(accounts)} accounts, last {args.days} "
          f"days; pages of {args.page_size:,} (the baseline's: 500), {args.at_once} chains at once, {args.latency:g} s "
          "a page")
    results: dict[str, dict[str, Any]] = {}
    with BackupEmulator(counts_from(jobs), jobs, page_size=1000, caller_account=accounts[0], org_admin=True,
                        now=lambda: now, backlog=128) as emulator:
        if args.latency > 0:
            emulator.set_fault("*", slow(args.latency))
        for way in ("streamed", "baseline"):
            done = subprocess.run(
                [sys.executable, "-m", "bench.export", "--child", way, "--url", emulator.url, "--jobs", str(args.jobs),
                 "--accounts", str(args.accounts), "--days", str(args.days),
                 "--page-size", str(args.page_size), "--at-once", str(args.at_once)],
                cwd=REPO, capture_output=True, text=True, timeout=1800,
            )
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                raise SystemExit(f"the {way} child failed (exit {done.returncode})")
            results[way] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{'way':<9} {'time':>8} {'AWS calls':>10} {'rows':>9} {'RSS before':>11} {'peak':>9} {'growth':>9}")
    for way, r in results.items():
        print(f"{way:<9} {r['seconds']:>7.2f}s {r['calls']:>10,} {r['rows']:>9,} {r['rss_before_mb']:>8.1f} MB "
              f"{r['peak_mb']:>6.1f} MB {r['growth_mb']:>6.1f} MB")
    streamed, baseline = results["streamed"], results["baseline"]
    report.add("streamed: peak RSS growth", f"{streamed['growth_mb']:.1f} MB", f"< {TARGET_MB:.0f} MB",
               streamed["growth_mb"] < TARGET_MB)
    report.add("baseline: peak RSS growth", f"{baseline['growth_mb']:.1f} MB")
    report.add("streamed: time", f"{streamed['seconds']:.2f} s")
    report.add("baseline: time", f"{baseline['seconds']:.2f} s")
    report.add("streamed / baseline time", f"{streamed['seconds'] / baseline['seconds']:.2f}")
    report.add("streamed: AWS calls", f"{streamed['calls']:,}")
    report.add("baseline: AWS calls", f"{baseline['calls']:,}")
    for way, r in results.items():
        exact = r["rows"] == r["read_back"] == args.jobs
        report.add(f"{way}: rows", f"{r['read_back']:,}", f"{args.jobs:,}", exact)
    if not (streamed["peak_reset"] and baseline["peak_reset"]):
        report.notes.append("this kernel does not reset VmHWM: growth includes the warm-up's peak")
    report.extra.update(results)
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
