"""Alerts for a whole organisation: the event path (AWS Backup's events in an SQS queue) against today's polling of
listed accounts, side by side in one run.

1. The event path, as deployed: the real `python -m bot clock` with RESTORES_ALERT_QUEUE_URL on moto's SQS server
   (through a recording proxy that names each SQS request), the AWS emulator (every request `--latency` s late) and
   the fake Slack. Measured: the AWS calls of a quiet `--quiet` s (no event: ReceiveMessage long polls, and any
   AWS Backup call) as calls per 5-minute interval, plus that interval's share of the hourly safety sweep (its calls
   at start: one summaries chain per region and state, and the bot's own account; bot/alerts/sweep.py; the same for
   any number of quiet accounts, tests/scenario/test_alerts_organization.py); then `--events` failed jobs, each
   event sent at a random moment (every 4th one twice, as SQS's at-least-once delivery may), the time from the
   event entering the queue to the reply naming its job in Slack.
2. Today's polling of listed accounts: the poller `python -m bot poll` builds, in this process, over
   `--accounts` listed accounts in `--regions` regions: its ListRestoreJobs calls for one poll (one a 5-minute
   interval), and its time; the same at 1,000 accounts follows from regions × accounts × 2 (one chain per
   account and state: ListRestoreJobs takes one account and one state a call).

    python -m bench.alert_events [--quiet 60] [--events 20] [--accounts 100] [--regions 17] [--latency 0.1]

Targets (exit status 1 if one is missed): every event's job posted exactly once; a quiet 5-minute interval on the
event path < 50 AWS calls whatever the number of accounts; event-to-reply p95 < 10 s; calls per poll on the
polling path = regions × (accounts + 1) × 2.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Report, add_common_args, bot_env, median, percentile
from bench.scale import org_regions
from bot.sample.api_model import SUMMARIES_PATH
from tests.fakes.aws import BackupEmulator, slow
from tests.fakes.recording_proxy import RecordingProxy
from tests.fakes.slack import FakeSlack
from tests.fakes.sqs import moto_sqs, restore_job_event
from tests.support import ALERT_JOB_RE, BOT_TOKEN, REPO, alert_poller, alert_posts, alerted_jobs, failed_job

JOBS_PATH = "/restore-jobs/"
INTERVAL = 300.0  # the 5-minute interval: RESTORES_ALERT_INTERVAL's default
QUIET_TARGET = 50  # AWS calls per quiet interval on the event path
LATENCY_TARGET = 10.0  # seconds, p95, event to reply
ORGANISATION = 1000  # accounts, for the polling figure computed from the formula
SWEEP_SECONDS = 3600


def _sqs_operations(proxy: RecordingProxy) -> list[str]:
    return [r.get("x-amz-target", "?").split(".")[-1] for r in proxy.requests]


def _wait(condition: object, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not happen in {timeout:g} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def measure_event_path(args: argparse.Namespace, report: Report) -> None:
    rng = random.Random(args.seed)
    regions = org_regions(args.regions)
    with tempfile.TemporaryDirectory(prefix="restores-bench-events-") as tmp, \
            BackupEmulator(backlog=args.fake_backlog, page_size=1000) as emulator, \
            FakeSlack(token=BOT_TOKEN, backlog=args.fake_backlog) as slack, moto_sqs() as sqs, \
            RecordingProxy(sqs.url) as proxy:
        emulator.set_fault("*", slow(args.latency) if args.latency > 0 else None)
        queue_url, _ = sqs.queue(visibility=60)
        aws_dir = Path(tmp) / "aws"
        aws_dir.mkdir()
        env = bot_env(emulator, slack, aws_dir, RESTORES_REGIONS=",".join(regions), RESTORES_ALERT_CHANNELS="C0ALERTS",
                      RESTORES_ALERT_QUEUE_URL=queue_url, AWS_ENDPOINT_URL_SQS=proxy.url,
                      RESTORES_ALERT_SWEEP_INTERVAL=str(SWEEP_SECONDS),
                      DATABASE_URL=f"sqlite:///{Path(tmp) / 'state.sqlite3'}", LOG_LEVEL="WARNING")
        log_path = Path(tmp) / "clock.log"
        clock = subprocess.Popen([sys.executable, "-m", "bot", "clock"], cwd=REPO, env=env,
                                 stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
        offset = time.time() - time.monotonic()
        sent: dict[str, float] = {}  # job id -> when its (first) event entered the queue, monotonic
        try:
            # The clock takes the lease, sweeps once at once, and listens.
            _wait(lambda: "ReceiveMessage" in _sqs_operations(proxy) and clock.poll() is None, 60, "the first receive",
                  log_path)
            _wait(lambda: len(emulator.calls(JOBS_PATH)) >= len(regions) * 2, 60, "the start-up sweep", log_path)
            time.sleep(1.0)
            sweep_calls = len(emulator.calls(JOBS_PATH)) + len(emulator.calls(SUMMARIES_PATH))
            print(f"clock listening; its start-up sweep made {sweep_calls} AWS Backup calls; quiet for {args.quiet:g} s")
            before_sqs, before_aws = len(proxy.requests), len(emulator.calls())
            time.sleep(args.quiet)
            quiet_sqs = len(proxy.requests) - before_sqs
            quiet_aws = len(emulator.calls()) - before_aws
            # The quiet window's receives, plus this interval's share of the hourly sweep.
            per_interval = (quiet_sqs + quiet_aws) * INTERVAL / args.quiet + sweep_calls * INTERVAL / SWEEP_SECONDS

            jobs = []
            for n in range(1, args.events + 1):
                time.sleep(rng.uniform(0.2, 2.0))
                job = failed_job(datetime.now(UTC), n, reason=f"reason {n % 4}", ago=timedelta(seconds=2),
                                 region=regions[n % len(regions)], account=f"{200000000000 + n % 7:012d}")
                jobs.append(job)
                emulator.load(jobs=jobs)
                sent[job.job_id] = time.monotonic()
                sqs.send(queue_url, restore_job_event(job))
                if n % 4 == 0:
                    sqs.send(queue_url, restore_job_event(job))
            _wait(lambda: sum(alerted_jobs(slack, "C0ALERTS").values()) >= args.events, 120, "every reply", log_path)
            time.sleep(3.0)  # the duplicates settled: nothing may be posted twice
            left = sqs.depth(queue_url)
        finally:
            clock.send_signal(signal.SIGTERM)
            clock.wait(timeout=60)
        counted = alerted_jobs(slack, "C0ALERTS")
        parents, replies = alert_posts(slack, "C0ALERTS")
        posted_at: dict[str, float] = {}
        for reply in replies:
            for job_id in ALERT_JOB_RE.findall(str(reply.params.get("blocks"))):
                posted_at.setdefault(job_id, reply.time - offset)
        operations = _sqs_operations(proxy)

    latency = [posted_at[job] - at for job, at in sent.items() if job in posted_at]
    exact = counted == dict.fromkeys(sent, 1) and len(parents) == 1 and left == 0
    p95 = percentile(latency, 95) if latency else float("inf")
    print(f"quiet {args.quiet:g} s: {quiet_sqs} SQS requests, {quiet_aws} AWS Backup requests "
          f"-> {per_interval:.0f} per 5 minutes; event -> reply median {median(latency):.2f} s, p95 {p95:.2f} s, "
          f"max {max(latency):.2f} s over {len(latency)} jobs; SQS requests by operation: "
          f"{ {op: operations.count(op) for op in sorted(set(operations))} }; {left} messages left in the queue")
    report.add("events: jobs posted exactly once (every 4th event sent twice)",
               "yes" if exact else f"no: {dict(counted)}, {left} left", "all", exact)
    report.add("events: AWS calls per quiet 5-min interval (receives + the sweep's share)", f"{per_interval:.0f}",
               f"< {QUIET_TARGET}, any org size", per_interval < QUIET_TARGET)
    report.add("events: event -> reply p95", f"{p95:.2f} s", f"< {LATENCY_TARGET:g} s", p95 < LATENCY_TARGET)
    report.add("events: event -> reply median / max", f"{median(latency):.2f} / {max(latency):.2f} s")
    report.add(f"events: one quiet safety sweep, {len(regions)} regions, any org size",
               f"{sweep_calls} calls / {SWEEP_SECONDS} s")
    report.extra.update(event_latency=latency, quiet_calls=quiet_sqs + quiet_aws, quiet_seconds=args.quiet)


def measure_polling(args: argparse.Namespace, report: Report) -> None:
    regions = org_regions(args.regions)
    accounts = [f"{300000000000 + n:012d}" for n in range(args.accounts)]
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="restores-bench-events-") as tmp, \
            BackupEmulator(backlog=args.fake_backlog, page_size=1000) as emulator, \
            FakeSlack(token=BOT_TOKEN, backlog=args.fake_backlog) as slack:
        aws_dir = Path(tmp) / "aws"
        aws_dir.mkdir()
        env = bot_env(emulator, slack, aws_dir, RESTORES_REGIONS=",".join(regions), RESTORES_ALERT_CHANNELS="C0ALERTS",
                      RESTORES_ALERT_ACCOUNTS=",".join(accounts), LOG_LEVEL="WARNING",
                      DATABASE_URL=f"sqlite:///{Path(tmp) / 'state.sqlite3'}")
        poller = alert_poller(env)
        try:
            poller.poll(now)  # the first poll records where alerts start
            emulator.reset()
            emulator.set_fault("*", slow(args.latency) if args.latency > 0 else None)
            started = time.monotonic()
            run = poller.poll()
            elapsed = time.monotonic() - started
        finally:
            poller.backup.close()
            poller.store.engine.dispose()
        calls = len(emulator.calls(JOBS_PATH))
    expected = len(regions) * (args.accounts + 1) * 2
    at_org = len(regions) * ORGANISATION * 2
    print(f"polling {args.accounts} listed accounts + own in {len(regions)} regions: {calls} ListRestoreJobs calls "
          f"(poll says {run.calls}) in {elapsed:.1f} s at {args.latency:g} s per request; {run.summary()}")
    report.add(f"polling: AWS calls per 5-min interval, {args.accounts} accounts x {len(regions)} regions",
               str(calls), f"= {expected}", calls == expected and run.ok)
    report.add(f"polling: the same at {ORGANISATION:,} accounts x {len(regions)} regions (R x A x 2)", f"{at_org:,}")
    report.add(f"polling: one poll's time, {args.accounts} accounts", f"{elapsed:.1f} s")
    report.add("polling: failure -> reply", f"up to {INTERVAL:.0f} s + {elapsed:.1f} s (one interval and a poll)")
    report.extra.update(poll_calls=calls, poll_seconds=elapsed)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alert_events", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quiet", type=float, default=60.0, help="quiet seconds measured on the event path (default 60)")
    parser.add_argument("--events", type=int, default=20, help="failed jobs whose events are sent (default 20)")
    parser.add_argument("--accounts", type=int, default=100, help="listed accounts for the polling path (default 100)")
    parser.add_argument("--regions", type=int, default=17, help="regions (default 17)")
    parser.add_argument("--latency", type=float, default=0.1, help="injected AWS latency per request, s (default 0.1)")
    parser.add_argument("--seed", type=int, default=20, help="seed of the event times (default 20)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    report = Report("alert_events")
    measure_event_path(args, report)
    measure_polling(args, report)
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
