"""The digest clock's minute tick: what `DigestRunner.tick` costs with `--channels` subscribed channels, all posted.

In process, no fakes: a SQLite file database in a temporary directory, `--channels` (default 500) channels subscribed
at times spread over the day in four zones (UTC, Europe/Berlin, America/New_York, Asia/Tokyo), the ones due now
claimed and marked done in the ledger, and a DigestRunner built from Wiring as the clock builds it. Each tick reads the
subscriptions and the ledger and posts nothing. Before the due ones are marked done, a first runner's tick is shown to
want them all (the setup is not vacuous). Then one warm tick, then `--rounds` (default 50) ticks, timed one by one.
Baseline in the same run, ticked alternately with it: the same runner over an empty subscriptions table (the tick's
fixed cost: one read of an empty table).

    python -m bench.digest_tick [--channels 500] [--rounds 50]

Targets: a tick at `--channels` channels under 250 ms at p95 (the clock runs it every minute); every tick posts nothing
and none fails. Exit status 1 if missed.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Report, add_common_args, median, percentile
from bot.aws.client import BackupService
from bot.config import Settings, load_settings
from bot.digest.data import digest_day
from bot.digest.due import due_channels
from bot.digest.run import DigestRunner
from bot.store.ledger import Ledger
from bot.store.subscriptions import SubscriptionStore
from bot.wiring import Wiring

TARGET_SECONDS = 0.25
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")


@dataclass
class Recorder:
    """Stands in for `DigestRunner.run` (the post): records the channels a tick asked to post, posts nothing."""

    channels: list[str] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> str:
        self.channels.extend(kwargs["channels"])
        return "posted"


class Failures(logging.Handler):
    """Counts the ticks that failed: `tick` logs the exception and returns [], which would read as "posted nothing"."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def settings_for(url: str) -> Settings:
    return load_settings({"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": "xoxb-test", "DATABASE_URL": url}, "clock")


def runner_for(settings: Settings, store: SubscriptionStore, ledger: Ledger) -> tuple[DigestRunner, Recorder]:
    """A runner built as the clock builds it (tests/unit/digest/test_due.py does the same), its post recorded."""
    parts = Wiring(settings, backup=BackupService())
    runner = DigestRunner(settings, parts.backup, None, ledger, regions=parts.regions, tests=parts.tests,
                          policy=parts.policy, subscriptions=store)
    recorder = Recorder()
    runner.run = recorder  # type: ignore[method-assign]
    return runner, recorder


def subscribe_spread(store: SubscriptionStore, channels: int) -> None:
    for n in range(channels):
        store.subscribe_digest(f"C0TICK{n:04d}", (n * 7) % 24, (n * 13) % 60, ZONES[n % 4], "U0ADMIN")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.digest_tick", description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=50)
    add_common_args(parser)
    args = parser.parse_args(argv)
    report = Report("digest_tick")
    failures = Failures()
    logging.getLogger("bot").addHandler(failures)

    with tempfile.TemporaryDirectory(prefix="restores-bench-") as tmp:
        url, empty_url = f"sqlite:///{Path(tmp) / 'tick.sqlite3'}", f"sqlite:///{Path(tmp) / 'empty.sqlite3'}"
        settings, empty_settings = settings_for(url), settings_for(empty_url)
        store, ledger = SubscriptionStore.from_url(url), Ledger.from_url(url)
        empty_store, empty_ledger = SubscriptionStore.from_url(empty_url), Ledger.from_url(empty_url)
        subscribe_spread(store, args.channels)
        now = datetime.now(UTC)
        due = due_channels(store.digest_subscriptions(settings), now)

        control, wanted = runner_for(settings, store, ledger)  # before the posts: the tick wants every due channel
        control.tick(now)
        for channel, fire in due.items():
            ledger.claim(channel, digest_day(fire), "bench")
            ledger.mark_done(channel, digest_day(fire), "bench", "1.000001")

        runner, posted = runner_for(settings, store, ledger)
        baseline, baseline_posted = runner_for(empty_settings, empty_store, empty_ledger)
        returned = runner.tick(now) + baseline.tick(now)  # warm: zoneinfo caches, the SQLite connections
        full_times: list[float] = []
        empty_times: list[float] = []
        for _ in range(args.rounds):
            for target, times in ((runner, full_times), (baseline, empty_times)):
                started = time.perf_counter()
                returned += target.tick(now)
                times.append(time.perf_counter() - started)

    full_median, full_p95 = median(full_times), percentile(full_times, 95)
    empty_median, empty_p95 = median(empty_times), percentile(empty_times, 95)
    ratio = full_median / empty_median
    print(f"{args.channels} channels ({len(due)} due, posted), {args.rounds} ticks: median {full_median * 1000:.1f} ms, "
          f"p95 {full_p95 * 1000:.1f} ms; empty table (baseline): median {empty_median * 1000:.1f} ms, "
          f"p95 {empty_p95 * 1000:.1f} ms; ratio x{ratio:.1f}", flush=True)
    print(f"before the posts, the tick asked to post {len(wanted.channels)} of the {len(due)} due channels; "
          f"after: {len(posted.channels)} (baseline {len(baseline_posted.channels)}); failed ticks: {failures.count}")

    report.add(f"tick, {args.channels} channels, median", f"{full_median * 1000:.1f} ms")
    report.add(f"tick, {args.channels} channels, p95", f"{full_p95 * 1000:.1f} ms",
               f"< {TARGET_SECONDS * 1000:.0f} ms", full_p95 < TARGET_SECONDS)
    report.add("tick, empty table, median / p95", f"{empty_median * 1000:.1f} / {empty_p95 * 1000:.1f} ms")
    report.add("ratio to the empty table (median)", f"x{ratio:.1f}")
    setup_ok = 0 < len(due) < args.channels and sorted(wanted.channels) == sorted(due)
    report.add("due channels the tick wants before the posts", f"{len(wanted.channels)} of {len(due)}",
               f"all, 0 < due < {args.channels}", setup_ok)
    nothing = not posted.channels and not baseline_posted.channels and not returned and failures.count == 0
    report.add("channels posted by the timed ticks", f"{len(posted.channels) + len(baseline_posted.channels)}",
               "0, no tick failed", nothing)
    report.extra.update(channels=args.channels, due=len(due), rounds=args.rounds, full_ms=[t * 1000 for t in full_times],
                        empty_ms=[t * 1000 for t in empty_times])
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
