"""Alerts: how long from a restore job's failure to its reply in Slack, and how many AWS calls a poll makes.

1. Latency. The real `python -m bot clock` polls every `--interval` s (default 3; production's default is 300)
   against the loopback fakes, every AWS request `--latency` s late. `--jobs` restore jobs fail one by one at
   random moments spread over several intervals (each completes "now": AWS lists it at once); for each, the time
   from its CompletionDate to the reply naming it in the fake Slack is split into the wait for the next poll
   (completion -> the first ListRestoreJobs request of the poll that found it) and that poll's processing (its first
   request -> the reply posted). The wait is at most one interval (half of one on average) whatever the interval,
   the processing does not depend on it: the figures are given as a fraction of the interval plus processing, and
   the same at 300 s.
2. AWS calls per poll. The poller `python -m bot poll` builds, in this process, for 3 and 17 regions, with the bot's
   own account only and with three channels scoped to three more accounts (ListRestoreJobs takes one account and
   one status a call): ListRestoreJobs requests the emulator received for one poll, and the poll's wall time.

    python -m bench.alerts [--interval 3] [--jobs 20] [--latency 0.1]

Targets (exit status 1 if one is missed): every job posted exactly once, under one parent; no wait longer than
1.1 intervals; processing p95 <= 2 s; calls per poll == regions x accounts x 2 (FAILED and ABORTED) when every
answer fits one page.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import REGIONS, Report, add_common_args, bot_env, median, percentile
from bench.scale import org_regions
from bot.sample.records import RestoreJob
from tests.fakes.aws import BackupEmulator, slow
from tests.fakes.slack import FakeSlack
from tests.support import ALERT_JOB_RE, BOT_TOKEN, REPO, alert_poller, alert_posts, alerted_jobs, failed_job

JOBS_PATH = "/restore-jobs/"
PRODUCTION_INTERVAL = 300.0
WAIT_TARGET = 1.1  # intervals
PROCESSING_TARGET = 2.0  # seconds, p95
SCOPED = {"C0TEAMA": "444455556666", "C0TEAMB": "777788889999", "C0TEAMC": "210000000000"}


def _bursts(times: Sequence[float], gap: float) -> list[float]:
    """The start of each poll: ListRestoreJobs requests closer together than `gap` belong to one poll."""
    starts: list[float] = []
    last = None
    for t in sorted(times):
        if last is None or t - last > gap:
            starts.append(t)
        last = t
    return starts


def measure_latency(args: argparse.Namespace, report: Report) -> None:
    interval = args.interval
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="restores-bench-alerts-") as tmp, \
            BackupEmulator(backlog=args.fake_backlog) as emulator, \
            FakeSlack(token=BOT_TOKEN, backlog=args.fake_backlog) as slack:
        emulator.set_fault("*", slow(args.latency) if args.latency > 0 else None)
        aws_dir = Path(tmp) / "aws"
        aws_dir.mkdir()
        env = bot_env(emulator, slack, aws_dir, RESTORES_ALERT_CHANNELS="C0ALERTS", RESTORES_ALERT_INTERVAL=str(interval),
                      DATABASE_URL=f"sqlite:///{Path(tmp) / 'state.sqlite3'}", LOG_LEVEL="WARNING")
        log_path = Path(tmp) / "clock.log"
        clock = subprocess.Popen([sys.executable, "-m", "bot", "clock"], cwd=REPO, env=env,
                                 stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
        offset = time.time() - time.monotonic()  # the fake Slack stamps calls with time.time(), the emulator monotonic
        completions: dict[str, float] = {}  # job id -> completion, monotonic
        try:
            deadline = time.monotonic() + 30
            while not emulator.calls(JOBS_PATH):  # the clock's first poll: alerts start from here
                if time.monotonic() > deadline or clock.poll() is not None:
                    raise SystemExit(f"the clock did not poll:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.05)
            print(f"clock polling every {interval:g} s; {args.jobs} jobs fail over ~{args.jobs * 0.6:.0f} intervals")
            jobs: list[RestoreJob] = []
            for n in range(1, args.jobs + 1):
                time.sleep(rng.uniform(0.1, 1.1) * interval)
                now = datetime.now(UTC)
                completions[f"alert-{n:05d}"] = time.monotonic()
                jobs.append(failed_job(now, n, reason=f"reason {n}", ago=timedelta(0),
                                       region=REGIONS[n % len(REGIONS)]))
                emulator.load(jobs=jobs)
            deadline = time.monotonic() + 3 * interval + 30
            while sum(alerted_jobs(slack, "C0ALERTS").values()) < args.jobs and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(interval)  # one more poll: nothing may be posted twice
        finally:
            clock.send_signal(signal.SIGTERM)
            clock.wait(timeout=60)
        counted = alerted_jobs(slack, "C0ALERTS")
        parents, replies = alert_posts(slack, "C0ALERTS")
        posted_at = {job: reply.time - offset for reply in replies
                     for job in ALERT_JOB_RE.findall(json.dumps(reply.params.get("blocks")))}
        polls = _bursts([r.time for r in emulator.calls(JOBS_PATH)], gap=interval / 2)

    exact = counted == dict.fromkeys(completions, 1) and len(parents) == 1
    latency, wait, processing = [], [], []
    for job, completed in completions.items():
        if job not in posted_at:
            continue
        posted = posted_at[job]
        start = max((p for p in polls if p <= posted), default=completed)
        latency.append(posted - completed)
        wait.append(max(0.0, start - completed))
        processing.append(posted - max(start, completed))
    if not latency:
        raise SystemExit("no alert was posted")
    for job in sorted(completions):
        if job in posted_at:
            print(f"  {job}: posted {posted_at[job] - completions[job]:6.2f} s after completing")
    fraction = [w / interval for w in wait]
    print(f"latency median {median(latency):.2f} s, p95 {percentile(latency, 95):.2f} s, max {max(latency):.2f} s at a "
          f"{interval:g} s interval; wait for the poll {median(fraction):.2f} (max {max(fraction):.2f}) of an interval; "
          f"processing median {median(processing) * 1000:.0f} ms, max {max(processing) * 1000:.0f} ms; {len(polls)} polls")
    p95_processing = percentile(processing, 95)
    report.add("jobs posted exactly once, one parent", "yes" if exact else f"no: {dict(counted)}", "all", exact)
    report.add(f"latency median / max @ {interval:g} s", f"{median(latency):.2f} / {max(latency):.2f} s")
    report.add("wait for the poll, median", f"{median(fraction):.2f} interval", "~0.5")
    report.add("wait for the poll, max", f"{max(fraction):.2f} interval", f"<= {WAIT_TARGET}", max(fraction) <= WAIT_TARGET)
    report.add("poll processing p95", f"{p95_processing * 1000:.0f} ms", f"<= {PROCESSING_TARGET:g} s",
               p95_processing <= PROCESSING_TARGET)
    at_300 = (PRODUCTION_INTERVAL * median(fraction) + median(processing),
              PRODUCTION_INTERVAL * max(max(fraction), 1.0) + max(processing))
    report.add("latency @ 300 s, median / worst", f"{at_300[0]:.0f} / {at_300[1]:.0f} s")
    report.extra.update(interval=interval, latency=latency, wait_fraction=fraction, processing=processing)


def measure_calls(args: argparse.Namespace, report: Report) -> None:
    now = datetime.now(UTC)
    # The emulator pages as AWS does, at the MaxResults the bot asks for: 20 failures fit one page per chain.
    with tempfile.TemporaryDirectory(prefix="restores-bench-alerts-") as tmp, \
            BackupEmulator(backlog=args.fake_backlog, page_size=1000) as emulator, \
            FakeSlack(token=BOT_TOKEN, backlog=args.fake_backlog) as slack:
        for n_regions in (3, 17):
            regions = org_regions(n_regions)
            for scoped in (False, True):
                emulator.reset()
                emulator.set_fault("*", slow(args.latency) if args.latency > 0 else None)
                db = Path(tmp) / f"state-{n_regions}-{scoped}.sqlite3"
                overrides = {"RESTORES_REGIONS": ",".join(regions), "DATABASE_URL": f"sqlite:///{db}",
                             "RESTORES_ALERT_CHANNELS": "C0ALERTS", "LOG_LEVEL": "WARNING"}
                accounts = 1
                if scoped:
                    overrides["RESTORES_ALERT_CHANNELS"] += "," + ",".join(SCOPED)
                    overrides["RESTORES_CHANNEL_ACCOUNTS"] = ";".join(f"{c}={a}" for c, a in SCOPED.items()) + ";C0ALERTS=ANY"
                    accounts += len(SCOPED)
                aws_dir = Path(tmp) / f"aws-{n_regions}-{scoped}"
                aws_dir.mkdir()
                poller = alert_poller(bot_env(emulator, slack, aws_dir, **overrides))
                try:
                    poller.poll(now)  # the first poll records where alerts start
                    emulator.load(jobs=[failed_job(datetime.now(UTC), n, region=regions[n % n_regions],
                                                   account=(["111122223333", *SCOPED.values()])[n % accounts],
                                                   reason=f"reason {n % 3}") for n in range(1, 21)])
                    emulator.reset()
                    emulator.set_fault("*", slow(args.latency) if args.latency > 0 else None)
                    started = time.monotonic()
                    run = poller.poll()
                    elapsed = time.monotonic() - started
                finally:
                    poller.backup.close()
                    poller.store.engine.dispose()
                calls = len(emulator.calls(JOBS_PATH))
                expected = n_regions * accounts * 2
                label = f"{n_regions} regions, {accounts} account{'s' * (accounts > 1)}"
                print(f"{label}: {calls} ListRestoreJobs calls (poll says {run.calls}), {run.jobs} jobs read, "
                      f"poll {elapsed:.2f} s at {args.latency:g} s per AWS request; {run.summary()}")
                report.add(f"AWS calls per poll, {label}", str(calls), f"= {expected}", calls == expected and run.ok)
                report.add(f"poll time, {label}", f"{elapsed * 1000:.0f} ms")
                report.extra[f"calls_{n_regions}_{accounts}"] = calls


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alerts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=int, default=3, help="RESTORES_ALERT_INTERVAL of the clock, s (default 3)")
    parser.add_argument("--jobs", type=int, default=20, help="jobs that fail during the latency run (default 20)")
    parser.add_argument("--latency", type=float, default=0.1, help="injected AWS latency per request, s (default 0.1)")
    parser.add_argument("--seed", type=int, default=13, help="seed of the failure times (default 13)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    report = Report("alerts")
    measure_latency(args, report)
    measure_calls(args, report)
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
