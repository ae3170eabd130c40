"""The organisation at scale: 1,000 accounts in nested OUs (bot.sample.api_organizations.spread_organization: Root ->
Production, Staging, Development, Sandbox -> team OUs of 20 accounts; every 50th account suspended), 17 regions, the
AWS emulator's every request `--latency` s late.

1. Directory load: the real OrganizationDirectory (boto3 over HTTP, Organizations' own operations, MaxResults 20)
   reads the whole organisation: its AWS calls and time; exact: every account's name, state and OU as generated.
2. `ou:` against the `account:ANY` answer it filters, side by side in one run: RestoresService as every process wires
   it (cache off) answers `failed 7d account:ANY` and `failed 7d ou:Production` alternately, `--reps` times each:
   median times and AWS calls; exact: each total, and every (account, region) row of the `ou:` read, against sums
   of the generated rows (Production: the accounts of its team OUs, nested).
3. Alerts: bench.alert_events' two paths measured as it does (measure_event_path, measure_polling): AWS calls per
   quiet 5-minute interval and event -> reply on the event path (the sweep is one summaries chain per region and
   state whatever the organisation's size), next to today's listed-accounts polling (R x (A + 1) x 2 calls a poll).

    python -m bench.org [--accounts 1000] [--regions 17] [--reps 5] [--latency 0.1] [--quiet 60] [--events 20]
                        [--poll-accounts 100]

Targets (exit status 1 if one is missed): every number exact; the `ou:` answer no slower than the `account:ANY` one
(median, 10 % for noise) and at most its AWS calls; event -> reply p95 < 10 s; a quiet interval on the event path
< 50 AWS calls.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import boto3

from bench import alert_events
from bench.common import Report, add_common_args, median
from bench.scale import org_accounts, org_regions
from bot.answers.grammar import parse_command
from bot.aws.client import BackupService
from bot.config import load_settings
from bot.domain.access import Access
from bot.organization.directory import OrganizationDirectory
from bot.sample.api_organizations import SampleOrganization, spread_organization
from bot.sample.records import DailyCount
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator, slow

SUMMARIES = "/audit/"
TYPES = ("EBS", "RDS", "DynamoDB", "EFS", "EC2")
SLOWER_ALLOWED = 1.10  # the ou: answer's median may exceed account:ANY's by this much (noise; it reads less)
_TOTAL_RE = re.compile(r"\*([\d,]+) failed restore jobs?\*")


def failed_counts(accounts: Sequence[str], regions: Sequence[str], today: date, seed: int) -> list[DailyCount]:
    """About a third of the (region, account, day) cells of the last 14 days hold 1..5 failed restores of one type."""
    rng = random.Random(seed)
    return [DailyCount(region, account, "FAILED", rng.choice(TYPES), today - timedelta(days=day), rng.randint(1, 5))
            for region in regions for account in accounts for day in range(1, 15) if rng.random() < 0.33]


def unit_accounts(org: SampleOrganization, top: str) -> set[str]:
    """The accounts under the top-level OU named `top`, nested OUs included, from the generated tree alone."""
    tops = {unit for unit, name, parent in org.units if name == top and parent == org.root}
    under = set(tops)
    changed = True
    while changed:
        grown = under | {unit for unit, _, parent in org.units if parent in under}
        changed, under = grown != under, grown
    return {account for account, _, _, parent in org.members if parent in under}


def measure_directory(emulator: BackupEmulator, org: SampleOrganization, session: object, latency: float,
                      report: Report) -> None:
    directory = OrganizationDirectory(session, endpoint_url=emulator.url)  # type: ignore[arg-type]
    emulator.reset()
    started = time.monotonic()
    read = directory.refresh()
    elapsed = time.monotonic() - started
    calls = len(emulator.calls())
    exact = read is not None and {a.id: (a.name, a.state, a.parent) for a in read.accounts.values()} == {
        m[0]: (m[1], m[2], m[3]) for m in org.members} and all(
        read.accounts_under(unit) == unit_accounts(org, name) for unit, name, parent in org.units if parent == org.root)
    print(f"directory: {len(org.members)} accounts, {len(org.units)} OUs read in {calls} calls, {elapsed:.1f} s "
          f"({directory.kept_calls} counted by the directory); exact: {exact}")
    report.add(f"directory: accounts, states and OUs as generated ({len(org.members):,} accounts)",
               "yes" if exact else "no", "exact", exact)
    # The emulator delays AWS Backup only: a read is sequential, so at the injected latency it takes calls x latency.
    report.add("directory: one read, AWS calls / time here / at --latency a call", f"{calls} / {elapsed:.1f} s / "
               f"{elapsed + calls * latency:.1f} s")


def measure_answers(args: argparse.Namespace, emulator: BackupEmulator, org: SampleOrganization, regions: Sequence[str],
                    counts: list[DailyCount], today: date, report: Report) -> None:
    settings = load_settings({"RESTORES_REGIONS": ",".join(regions), "RESTORES_CACHE_TTL": "0", "LOG_LEVEL": "WARNING"})
    backup = BackupService(lambda: boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench",
                                                         region_name="us-east-1"), endpoint_url=emulator.url)
    answers = Wiring(settings, backup=backup).answers
    production = unit_accounts(org, "Production")
    start = today - timedelta(days=7)
    window = [c for c in counts if start <= c.day < today]
    want = {"account:ANY": sum(c.count for c in window),
            "ou:Production": sum(c.count for c in window if c.account_id in production)}
    rows: dict[tuple[str, str], int] = defaultdict(int)
    for c in window:
        if c.account_id in production:
            rows[(c.account_id, c.region)] += c.count
    answers.policy.directory.refresh()  # type: ignore[union-attr]  # the directory warm, as in a running process
    times: dict[str, list[float]] = defaultdict(list)
    calls: dict[str, list[int]] = defaultdict(list)
    totals: dict[str, set[int | None]] = defaultdict(set)
    try:
        for _ in range(args.reps):
            for word in ("account:ANY", "ou:Production"):
                emulator.reset()
                emulator.set_fault("*", slow(args.latency) if args.latency > 0 else None)
                started = time.monotonic()
                message = answers.answer(f"failed 7d {word}")
                times[word].append(time.monotonic() - started)
                calls[word].append(len(emulator.calls(SUMMARIES)))
                found = _TOTAL_RE.search(message.text + str(message.block_dicts()))
                totals[word].add(int(found[1].replace(",", "")) if found else None)
        scoped = answers.policy.scope(parse_command("failed 7d ou:Production", tuple(regions)).filter, Access(True))
        read = answers.backup.restore_job_summaries(scoped)
        got: dict[tuple[str, str], int] = defaultdict(int)
        for row in read.by_account_rows:
            got[(row.account_id, row.region)] += row.count
    finally:
        backup.close()
    exact_rows = dict(got) == dict(rows) and not read.failures and not read.truncated
    for word in ("account:ANY", "ou:Production"):
        exact = totals[word] == {want[word]}
        report.add(f"answers: `failed 7d {word}` total", f"{sorted(totals[word], key=str)}",
                   f"= {want[word]:,}", exact)
    report.add(f"answers: ou:Production rows (account, region): {len(rows):,}", "exact" if exact_rows else "differ",
               "exact", exact_rows)
    any_t, ou_t = median(times["account:ANY"]), median(times["ou:Production"])
    report.add("answers: median time account:ANY / ou:Production", f"{any_t:.2f} / {ou_t:.2f} s",
               f"ou: <= {SLOWER_ALLOWED:.2f} x", ou_t <= any_t * SLOWER_ALLOWED)
    report.add("answers: AWS calls account:ANY / ou:Production", f"{max(calls['account:ANY'])} / "
               f"{max(calls['ou:Production'])}", "ou: <=", max(calls["ou:Production"]) <= min(calls["account:ANY"]))
    print(f"answers over {len(org.members):,} accounts x {len(regions)} regions, {args.reps} reps at {args.latency:g} s "
          f"a request: account:ANY {times['account:ANY']}, ou:Production {times['ou:Production']} "
          f"({len(production)} accounts); calls {dict(calls)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.org", description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1000, help="accounts in the organisation (default 1000)")
    parser.add_argument("--regions", type=int, default=17, help="regions (default 17)")
    parser.add_argument("--reps", type=int, default=5, help="answers of each kind, alternating (default 5)")
    parser.add_argument("--latency", type=float, default=0.1, help="injected AWS latency per request, s (default 0.1)")
    parser.add_argument("--quiet", type=float, default=60.0, help="quiet seconds on the event path (default 60)")
    parser.add_argument("--events", type=int, default=20, help="failed jobs sent as events (default 20)")
    parser.add_argument("--poll-accounts", type=int, default=100, help="listed accounts polled (default 100)")
    parser.add_argument("--seed", type=int, default=20, help="seed of the data and the event times (default 20)")
    parser.add_argument("--skip-alerts", action="store_true", help="leave out the alerts' two paths (3 minutes)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    report = Report("org")
    accounts, regions = org_accounts(args.accounts), org_regions(args.regions)
    org = spread_organization(accounts)
    today = datetime.now(UTC).date()
    counts = failed_counts(accounts, regions, today, args.seed)
    session = lambda: boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench",  # noqa: E731
                                            region_name="us-east-1")
    with BackupEmulator(counts, caller_account=accounts[0], org_admin=True, page_size=500,
                        backlog=args.fake_backlog) as emulator:
        emulator.organization = org
        emulator.set_fault("*", slow(args.latency) if args.latency > 0 else None)
        measure_directory(emulator, org, session, args.latency, report)
        measure_answers(args, emulator, org, regions, counts, today, report)
    if not args.skip_alerts:
        alerts = argparse.Namespace(quiet=args.quiet, events=args.events, accounts=args.poll_accounts,
                                    regions=args.regions, latency=args.latency, seed=args.seed,
                                    fake_backlog=args.fake_backlog)
        alert_events.measure_event_path(alerts, report)
        alert_events.measure_polling(alerts, report)
    report.print()
    report.save(args.summary_json)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
