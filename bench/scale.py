"""Organisation scale: the digest, org-wide answers and a drill-down at 10 / 100 / 1,000 accounts x 3 / 17 regions.

A synthetic organisation is served by the AWS emulator: A accounts x R regions (real `aws` partition names from
botocore) x 8 resource types x 4 states (COMPLETED, FAILED, ABORTED, RUNNING) x 14 days, about 30 % of the
(account, type, state, day) cells non-zero (seeded), 500-row pages, every request `--latency` s late. Restore
jobs are loaded for the accounts of the biggest "failed 7d" rows, one job per counted FAILED restore. For each
(A, R), against a fresh `python -m bot serve` (RESTORES_CACHE_TTL=0):

* digest: `python -m bot digest --dry-run` (RESTORES_DIGEST_ACCOUNT=ANY) as a subprocess: wall time, CPU, its own
  peak RSS (VmHWM at exit), AWS calls, and every number it prints against sums from the generated rows;
* `/restores daily account:ANY` and `/restores failed 7d account:ANY`, signed, to the real server: time to the first
  post on the response_url (the "[still counting accounts]" answer) and to the final one, AWS calls, exactness of
  both posts;
* drill-downs on the failed 7d answer: the `restores_jobs:failed` button (every account, every region) and the
  "jobs behind a row" menu on its biggest account · region row (`restores_jobs_row`);
* the peak RSS (VmHWM) of the gunicorn worker after each step.

Baseline, same run, same emulator: "today's single-chain plan", one cross-product chain per region
(State=FAILED|ANY, ResourceType=ANY, AccountId=ANY, the query's AggregationPeriod, MaxResults 500) followed to its
end with the bot's page cap (200) and deadline (20 s), through BackupService.summary_chains in this process.

    python -m bench.scale [--accounts 10,100,1000] [--regions 3,17] [--latency 0.15]

Targets at A=1,000, R=17 (exit status 1 if one is missed): every number exact; the digest and both org-wide answers
complete in < 10 s; first answer < 2 s; planned AWS calls grow with A + T, not A x T: the pages a complete answer
needs at A=1,000 / at A=100 stay below (1,000 + T) / (100 + T) = x9.3 per query (a view per account reads a row
per account, so it may grow with A; the cross product grows with A x T, and the baseline column shows what it
costs); peak RSS of the bot's worker < 150 MB.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import REGIONS, Report, Stack, add_common_args, bot_env, cpu_seconds, process_tree, stack
from bot.answers.grammar import parse_command
from bot.aws.client import BackupService
from bot.aws.plan import ALL_VIEWS, View, digest_chains, plan_summary
from bot.domain import words
from bot.domain.query import ANY, Period
from bot.domain.regions import region_partitions
from bot.domain.results import SummaryRow
from bot.sample.records import DailyCount, RestoreJob
from bot.slack.blocks import sparkline
from tests.fakes.signing import block_actions_body, click_payload, post_signed
from tests.fakes.slack import ResponsePost
from tests.support import aws_session, settled_now

REPO = Path(__file__).resolve().parent.parent
TYPES = ("Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "RDS")
STATES = ("COMPLETED", "FAILED", "ABORTED", "RUNNING")
BAD = ("FAILED", "ABORTED")
DAYS = 14
SUMMARIES = "/audit/"
JOBS = "/restore-jobs"
INTERIM = "[still counting accounts]"
ONE_DAY_TEXT = "daily account:ANY"  # the 14-day series (1d is the last day alone)
FAILED_TEXT = "failed 7d account:ANY"
REASONS = (
    "Access denied to KMS key arn:aws:kms:{region}:{account}:key/0000{n:04d}-aaaa-bbbb-cccc-000000000000",
    "Insufficient capacity for instance type r6i.4xlarge in Availability Zone {region}a",
    "The subnet ID 'subnet-0abc{n:013x}' does not exist",
)

WALL_TARGET = 10.0
FIRST_TARGET = 2.0
RSS_TARGET_MB = 150.0
# `python -m bot digest --dry-run`, run through runpy exactly as -m does, reporting its own peak RSS at exit. Not
# os.wait4's ru_maxrss: Linux carries the parent's RSS at fork/vfork into the child's across exec, so the child of a
# benchmark process holding 2 million rows would "peak" at the benchmark's size.
DIGEST_CHILD = """import atexit, runpy, sys
def _hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("\\nbench.scale VmHWM " + line.split()[1] + " kB\\n")
atexit.register(_hwm)
sys.argv[0] = "bot"
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""
_HWM_RE = re.compile(r"^bench\.scale VmHWM (\d+) kB$", re.MULTILINE)
ANSWER_TIMEOUT = 90.0  # per answer: two AWS deadlines (20 s each) and the posting fit well within it
DIGEST_TIMEOUT = 180.0


# --------------------------------------------------------------------------- the organisation


def org_regions(count: int) -> tuple[str, ...]:
    """`count` real regions of the aws partition: the other benchmarks' three first, then the rest sorted."""
    aws = sorted(r for r, partition in region_partitions().items() if partition == "aws")
    ordered = [r for r in REGIONS if r in aws] + [r for r in aws if r not in REGIONS]
    if count > len(ordered):
        raise SystemExit(f"botocore knows {len(ordered)} aws regions for AWS Backup, {count} asked")
    return tuple(ordered[:count])


def org_accounts(count: int) -> tuple[str, ...]:
    return tuple(f"{210000000000 + 7919 * i:012d}" for i in range(count))


def generate(accounts: Sequence[str], regions: Sequence[str], today: date, seed: int, density: float) -> list[DailyCount]:
    """About `density` of the (region, account, type, state, day) cells get 1..12 jobs; the same seed, the same org."""
    rng = random.Random(f"{seed}:{len(accounts)}:{len(regions)}")
    draw = rng.random
    days = [today - timedelta(days=d) for d in range(1, DAYS + 1)]  # shared date objects: ~80 bytes a row
    counts: list[DailyCount] = []
    add = counts.append
    for region in regions:
        for account in accounts:
            for rtype in TYPES:
                for state in STATES:
                    for day in days:
                        if draw() < density:
                            add(DailyCount(region, account, state, rtype, day, 1 + int(draw() * 12)))
    return counts


Breakdown = dict[str, int]  # state -> count


@dataclass
class Expected:
    """Sums computed from the generated rows in one plain pass (nothing shared with the emulator or the bot)."""

    today: date
    state_day: dict[tuple[str, date], int] = field(default_factory=lambda: defaultdict(int))
    type_state_day: dict[tuple[str, str, date], int] = field(default_factory=lambda: defaultdict(int))
    account_region_state: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    failed_7d: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))  # (account, region)
    account_state_yday: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    region_state_yday: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    @property
    def yday(self) -> date:
        return self.today - timedelta(days=1)

    @property
    def days(self) -> list[date]:
        return [self.today - timedelta(days=d) for d in range(DAYS, 0, -1)]  # oldest first

    @classmethod
    def of(cls, counts: Iterable[DailyCount], today: date) -> Expected:
        e = cls(today)
        week = today - timedelta(days=7)
        yday = today - timedelta(days=1)
        for c in counts:
            n, state, day = c.count, c.state, c.day
            if not today - timedelta(days=DAYS) <= day < today:
                continue
            e.state_day[(state, day)] += n
            e.type_state_day[(c.resource_type, state, day)] += n
            e.account_region_state[(c.account_id, c.region, state)] += n
            if state == "FAILED" and day >= week:
                e.failed_7d[(c.account_id, c.region)] += n
            if day == yday:
                e.account_state_yday[(c.account_id, state)] += n
                e.region_state_yday[(c.region, state)] += n
        return e

    # The figures each answer shows: {line name: {state: count}}.
    def one_day(self) -> dict[str, Any]:
        types: dict[str, Breakdown] = defaultdict(dict)
        for (rtype, state, _day), n in self.type_state_day.items():
            types[rtype][state] = types[rtype].get(state, 0) + n
        accounts: dict[str, Breakdown] = defaultdict(dict)
        for (account, region, state), n in self.account_region_state.items():
            accounts[f"{account} · {region}"][state] = n
        states: Breakdown = defaultdict(int)
        per_day: dict[date, tuple[int, int]] = {}
        for (state, day), n in self.state_day.items():
            states[state] += n
            total, bad = per_day.get(day, (0, 0))
            per_day[day] = (total + n, bad + (n if state in BAD else 0))
        return {"states": dict(states), "days": per_day, "types": dict(types), "accounts": dict(accounts)}

    def failed_week(self) -> dict[str, Any]:
        week = self.today - timedelta(days=7)
        types: dict[str, Breakdown] = defaultdict(dict)
        for (rtype, state, day), n in self.type_state_day.items():
            if state == "FAILED" and day >= week:
                types[rtype]["FAILED"] = types[rtype].get("FAILED", 0) + n
        accounts = {f"{a} · {r}": {"FAILED": n} for (a, r), n in self.failed_7d.items()}
        return {"states": {"FAILED": sum(self.failed_7d.values())}, "types": dict(types), "accounts": accounts}

    def digest(self) -> dict[str, Any]:
        yday = self.yday
        accounts: dict[str, Breakdown] = defaultdict(dict)
        for (account, state), n in self.account_state_yday.items():
            if state in BAD:
                accounts[account][state] = n
        regions: dict[str, Breakdown] = defaultdict(dict)
        for (region, state), n in self.region_state_yday.items():
            if state in BAD:
                regions[region][state] = n
        types: dict[str, Breakdown] = defaultdict(dict)
        for (rtype, state, day), n in self.type_state_day.items():
            if state in BAD and day == yday:
                types[rtype][state] = types[rtype].get(state, 0) + n
        trend = [sum(self.state_day.get((s, d), 0) for s in BAD) for d in self.days]
        return {
            "FAILED": self.state_day.get(("FAILED", yday), 0),
            "ABORTED": self.state_day.get(("ABORTED", yday), 0),
            "COMPLETED": self.state_day.get(("COMPLETED", yday), 0),
            "accounts": dict(accounts), "regions": dict(regions), "types": dict(types), "trend": trend, "day": yday,
        }


def make_jobs(counts: Iterable[DailyCount], accounts: set[str]) -> list[RestoreJob]:
    """One FAILED restore job per counted FAILED restore of `accounts`, on the counted day (spread over its hours)."""
    jobs: list[RestoreJob] = []
    for c in counts:
        if c.state != "FAILED" or c.account_id not in accounts:
            continue
        midnight = datetime(c.day.year, c.day.month, c.day.day, tzinfo=UTC)
        for i in range(c.count):
            n = len(jobs)
            jobs.append(RestoreJob(
                region=c.region, account_id=c.account_id, job_id=f"job-{n:07d}", status="FAILED",
                resource_type=c.resource_type, created=midnight + timedelta(minutes=37 * i + 5),
                status_message=REASONS[n % len(REASONS)].format(region=c.region, account=c.account_id, n=n),
                created_resource_arn=f"arn:aws:backup:{c.region}:{c.account_id}:restored/{n}",
            ))
    return jobs


# --------------------------------------------------------------------------- reading the answers


_LINE_RE = re.compile(r"^\*(.+?)\* — ([\d,]+)(?:  \((.*)\))?$")
# The digest's rows say what each count is (words.states_text): "*us-east-1* — 2 failed, 1 aborted".
_LABELLED_RE = re.compile(r"^\*(.+?)\* — ((?:[\d,]+ [a-z_]+)(?:, [\d,]+ [a-z_]+)*)$")
_PART_RE = re.compile(r"([\d,]+) ([a-z_]+)")
_FIELD_RE = re.compile(r"\*([A-Za-z_ ]+)\*\n([\d,]+)")
# "*324 restore jobs* in 3 regions" over states (a field each), ":x: *19 failed restore jobs* in 3 regions" for one.
_TOTAL_RE = re.compile(r"^(?::[a-z_]+: )?\*([\d,]+) (?:([a-z]+) )?restore jobs?\* in (\d+) region")
_MORE_RE = re.compile(r"^_…and ([\d,]+) more_$")
_DAY_RE = re.compile(r"^`(\w{3} \d{1,2} \w{3})` ([\d,]+)(?: \(([\d,]+) failed or aborted\))?$")
_JOBS_RE = re.compile(r"^\*(at least )?([\d,]+) failed restore jobs?\*")  # the jobs answer's summary section
_UNLISTED_RE = re.compile(r"([\d,]+) accounts? in .*? not listed .*?summaries count ([\d,]+) failed jobs? there")


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def check_lines(what: str, body: str, expected: dict[str, Breakdown], problems: list[str], *, limit: int) -> None:
    """A breakdown section ("*name* — N  (breakdown)" lines, biggest first, "…and K more"): every shown figure equals
    the expected one, the shown ones are the biggest, and the number left out is right."""
    shown: list[int] = []
    more = 0
    for line in body.split("\n"):
        if not line:
            continue
        m = _MORE_RE.match(line)
        if m:
            more = _int(m.group(1))
            continue
        m = _LINE_RE.match(line) or _LABELLED_RE.match(line)
        if not m:
            problems.append(f"{what}: unreadable line {line[:80]!r}")
            continue
        labelled = m.re is _LABELLED_RE
        parts = {state.upper(): _int(n) for n, state in _PART_RE.findall(m.group(2 if labelled else 3) or "")}
        name, total = m.group(1), sum(parts.values()) if labelled else _int(m.group(2))
        want = expected.get(name)
        if want is None:
            problems.append(f"{what}: {name} shown ({total:,}) but has no jobs")
            continue
        if total != sum(want.values()):
            problems.append(f"{what}: {name} {total:,}, expected {sum(want.values()):,}")
        if parts and parts != {s: n for s, n in want.items() if n}:
            problems.append(f"{what}: {name} breakdown {parts}, expected {want}")
        shown.append(total)
    top = sorted((sum(v.values()) for v in expected.values() if sum(v.values())), reverse=True)
    if sorted(shown, reverse=True) != top[: len(shown)]:
        problems.append(f"{what}: the {len(shown)} lines shown are not the biggest")
    if len(shown) + more != len(top) or len(shown) > limit:
        problems.append(f"{what}: {len(shown)} shown + {more} more, expected {len(top)} lines")


def sections(post: ResponsePost) -> dict[str, str]:
    """Section texts of a Slack answer by their bold title ("*By resource type*" -> its lines)."""
    found: dict[str, str] = {}
    for block in post.body.get("blocks", []):
        if block.get("type") != "section":
            continue
        text = (block.get("text") or {}).get("text", "")
        title, _, rest = text.partition("\n")
        found[title] = rest
        if block.get("fields") or _TOTAL_RE.match(text):
            found["_totals"] = text
            found["_fields"] = "\n".join(f.get("text", "") for f in block.get("fields", ()))
    return found


def check_summary(post: ResponsePost, want: dict[str, Any], notes: list[str], *, per_day: bool, interim: bool) -> list[str]:
    """Every number of a `/restores` answer (the quick first one: no accounts yet) against the expected sums; a section
    the bot left out (Slack's size limits) goes to `notes`."""
    problems: list[str] = []
    blob = json.dumps(post.body.get("blocks", []), ensure_ascii=False)
    if post.rejected:
        problems.append(f"Slack rejected the post: {post.error}")
    if ":warning:" in blob or ":scissors:" in blob or ":rotating_light:" in blob:
        problems.append("the answer says regions failed or were cut short")
    found = sections(post)
    m = _TOTAL_RE.match(found.get("_totals", ""))
    if not m:
        return problems + ["no totals in the answer: " + str(post.body.get("text", ""))[:160]]
    states = want["states"]
    if _int(m.group(1)) != sum(states.values()):
        problems.append(f"total {m.group(1)}, expected {sum(states.values()):,}")
    got_states = {s.upper(): _int(n) for s, n in _FIELD_RE.findall(found.get("_fields", ""))}
    if m.group(2):  # one state: said in the headline, no field per state
        got_states = {m.group(2).upper(): _int(m.group(1))}
    if got_states != {s: n for s, n in states.items() if n}:
        problems.append(f"states {got_states}, expected {states}")
    if per_day:
        days = {words.day_text(d): v for d, v in want["days"].items()}
        lines = found.get("*Per day*", "").split("\n")[1:]  # the first line is the sparkline
        if len(lines) != words.SERIES_DAYS:  # one line per day, zeros included
            problems.append(f"per day: {len(lines)} lines, expected {words.SERIES_DAYS}")
        for line in lines:
            dm = _DAY_RE.match(line)
            if not dm:
                problems.append(f"per day: unreadable line {line[:60]!r}")
                continue
            total, bad = days.get(dm.group(1), (0, 0))
            if _int(dm.group(2)) != total or (dm.group(3) is not None and _int(dm.group(3)) != bad):
                problems.append(f"per day {dm.group(1)}: {line}, expected {total:,} ({bad:,} failed or aborted)")
    for title, what, key in (("*By resource type*", "by type", "types"), ("*By account / region*", "by account · region", "accounts")):
        if interim and key == "accounts":
            continue
        if title not in found and "left out to fit Slack's limits" in blob:
            # Not a wrong number: the bot dropped the whole section (bounded()); said in the notes, not counted here.
            notes.append(f"the {what} section was left out to fit Slack's limits ({len(want[key]):,} lines not shown)")
            continue
        check_lines(what, found.get(title, ""), want[key], problems, limit=12)
    return problems


def check_digest(text: str, want: dict[str, Any]) -> list[str]:
    """Every number `python -m bot digest --dry-run` printed against the expected sums."""
    problems: list[str] = []
    if "Incomplete" in text or "did not answer" in text or "No region could be queried" in text:
        problems.append("the digest says it is incomplete")
    bad = want["FAILED"] + want["ABORTED"]
    m = re.search(r"\*([\d,]+) restore jobs failed or were aborted\* on [^;]+; ([\d,]+) completed", text)
    if not m or _int(m.group(1)) != bad or _int(m.group(2)) != want["COMPLETED"]:
        problems.append(f"headline {m.group(0) if m else None!r}, expected {bad:,} bad, {want['COMPLETED']:,} completed")
    for state in BAD:
        fm = re.search(rf"\*{state}\*: ([\d,]+)", text)
        if not fm or _int(fm.group(1)) != want[state]:
            problems.append(f"{state} {fm.group(1) if fm else None}, expected {want[state]:,}")
    for title, key in (("*By account*", "accounts"), ("*By region*", "regions"), ("*By resource type*", "types")):
        start = text.find(title + "\n")
        body = text[start + len(title) + 1:].split("\n\n", 1)[0] if start >= 0 else ""
        # The terminal shows the state icons as symbols; the parts still read "N failed, M aborted".
        check_lines(f"digest {key}", body, want[key], problems, limit=8)
    trend = want["trend"]
    if f"`{sparkline(trend)}`" not in text:
        problems.append("trend sparkline differs from the expected per-day figures")
    # "Sat 5 Dec: 859 failed or aborted — 🟢 *better:* 859 is ▼ 7% vs 923.7 a day in the 7 days before"
    average = sum(trend[-8:-1]) / 7
    ym = re.search(re.escape(words.day_text(want["day"])) + r": ([\d,]+) failed or aborted — (.*)", text)
    said = ym.group(2) if ym else ""
    direction = "*better:*" if bad < average else "*worse:*" if bad > average else ""
    if not ym or _int(ym.group(1)) != bad or (average and f"vs {average:.1f} a day" not in said) \
            or (direction and direction not in said and "about the same" not in said):
        problems.append(f"trend line {ym.group(0) if ym else None!r}, expected {bad:,} vs {average:.1f} a day")
    return problems


# --------------------------------------------------------------------------- measuring


@dataclass
class Figures:
    """One measured row: the planned path (the bot) and, if it has one, the baseline chain."""

    name: str
    summaries: int = 0
    needed: int | None = None  # summary pages a complete answer takes (the plan's chains to their last page)
    jobs: int = 0
    first: float | None = None
    wall: float = float("nan")
    rss_mb: float | None = None
    bot_cpu: float | None = None  # CPU seconds of the bot's processes (the digest process) during the step
    emu_cpu: float | None = None  # CPU seconds of this process (the emulator and fake Slack) during the step
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    base_calls: int | None = None
    base_needed: int | None = None
    base_wall: float | None = None
    base_cpu: float | None = None  # CPU of this process: the baseline's boto3 parsing and the emulator together
    base_outcome: str = ""
    base_problems: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.problems


def worker_hwm_mb(s: Stack) -> float:
    """Peak resident set (VmHWM) of the busiest gunicorn worker so far, MB."""
    assert s.bot is not None
    peaks = [status_kb(pid) / 1024 for pid in process_tree(s.bot.process.pid)[1:]]
    return max((p for p in peaks if p), default=float("nan"))


def wait_quiet(s: Stack, quiet: float = 0.5, timeout: float = 30.0) -> None:
    """Until no AWS request arrived for `quiet` s: page chains cut off by a deadline stop at their next page."""
    deadline = time.monotonic() + timeout
    seen, since = len(s.emulator.requests), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = len(s.emulator.requests)
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


WARM_SECONDS = [0.0]  # time spent paging through the emulator before the measurements, this case


def warm(s: Stack, regions: Sequence[str], chains: Iterable[dict[str, Any]]) -> int:
    """Page through these chains in the emulator (no HTTP, not recorded) before the clock starts: its recent-results
    cache then holds their rows, so the measured requests cost the benchmark process no aggregation (real AWS does
    that work elsewhere). Returns the pages they take to the end (identical chains once per region, as the bot
    asks them): the AWS calls a complete answer needs, whether or not it got there in time."""
    unique = {tuple(sorted((k, str(v)) for k, v in p.items() if k != "NextToken")) for p in chains}
    pages, started = 0, time.monotonic()
    for region in regions:
        for params in unique:
            query, token = dict(params), None
            while True:
                body = s.emulator.api.list_restore_job_summaries(region, dict(query, NextToken=token) if token else query)
                pages += 1
                token = body.get("NextToken")
                if not token:
                    break
    WARM_SECONDS[0] += time.monotonic() - started
    return pages


def begin(s: Stack) -> None:
    """A clean record of AWS requests with the latency on, after whatever ran before went quiet."""
    wait_quiet(s)
    s.inject_latency()


class Cpu:
    """CPU seconds used during a step by the bot's processes and by this process (emulator + fake Slack)."""

    def __init__(self, s: Stack) -> None:
        assert s.bot is not None
        self.pids = process_tree(s.bot.process.pid)
        self.bot, self.own = cpu_seconds(self.pids), time.process_time()

    def into(self, fig: Figures) -> None:
        fig.bot_cpu = cpu_seconds(self.pids) - self.bot
        fig.emu_cpu = time.process_time() - self.own


def count_calls(s: Stack) -> tuple[int, int]:
    return len(s.emulator.calls(SUMMARIES)), len(s.emulator.calls(JOBS))


def status_kb(pid: int | str, field: str = "VmHWM") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_digest(s: Stack, regions: Sequence[str], want: dict[str, Any]) -> Figures:
    """`python -m bot digest --dry-run` as a child: wall time, CPU (os.wait4) and its own peak RSS (VmHWM)."""
    fig = Figures("digest --dry-run")
    env = bot_env(s.emulator, s.slack, s.log_dir / "aws", RESTORES_REGIONS=",".join(regions),
                  RESTORES_DIGEST_ACCOUNT=ANY, LOG_LEVEL="INFO")
    fig.needed = warm(s, regions, digest_chains(ANY, per_account=False).values())
    begin(s)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        own = time.process_time()
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", DIGEST_CHILD, "digest", "--dry-run"], cwd=REPO, env=env,
                                stdout=out, stderr=err)
        deadline = started + DIGEST_TIMEOUT
        polled = 0  # fallback if the child dies before its atexit report
        while True:
            polled = max(polled, status_kb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                fig.problems.append(f"the digest did not finish within {DIGEST_TIMEOUT:g} s")
                break
            time.sleep(0.005)
        fig.wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait for it again
        fig.bot_cpu, fig.emu_cpu = usage.ru_utime + usage.ru_stime, time.process_time() - own
        out.seek(0)
        err.seek(0)
        text, log = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    reported = _HWM_RE.search(log)
    fig.rss_mb = (int(reported.group(1)) if reported else polled) / 1024
    calls = s.emulator.calls(SUMMARIES)
    fig.summaries, fig.jobs = count_calls(s)
    if calls:
        fig.notes.append(f"process start to 1st AWS call {calls[0].time - started:.1f} s, AWS first to last "
                    f"call {calls[-1].time - calls[0].time:.1f} s")
    if proc.returncode != 0:
        fig.problems.append(f"exit status {proc.returncode}: {log.strip().splitlines()[-1:] if log.strip() else ''}")
    fig.problems += check_digest(text, want)
    if fig.problems and os.environ.get("BENCH_SCALE_DEBUG"):
        print(text, log[-3000:], sep="\n")
    return fig


def ask(s: Stack, text: str, user: str) -> tuple[float, list[ResponsePost]]:
    """A signed slash command; its posts on the response_url (one, or the quick one and its replacement)."""
    assert s.bot is not None
    started = time.time()
    status, key = s.bot.post_command(text, user_id=user)
    if status != 200:
        return started, []
    deadline = time.monotonic() + ANSWER_TIMEOUT
    try:
        posts = s.slack.wait_for_responses(1, key=key, timeout=ANSWER_TIMEOUT)
        if str(posts[0].body.get("text", "")).startswith(INTERIM):
            posts = s.slack.wait_for_responses(2, key=key, timeout=max(0.1, deadline - time.monotonic()))
    except AssertionError:
        posts = s.slack.responses_for(key)
    return started, posts


def run_command(s: Stack, name: str, text: str, want: dict[str, Any], chains: Iterable[dict[str, Any]],
                regions: Sequence[str], *, per_day: bool) -> tuple[Figures, ResponsePost | None]:
    fig = Figures(name)
    fig.needed = warm(s, regions, chains)
    begin(s)
    cpu = Cpu(s)
    started, posts = ask(s, text, user="U0SCALE01")
    cpu.into(fig)
    fig.summaries, fig.jobs = count_calls(s)
    if not posts:
        fig.problems.append(f"no answer within {ANSWER_TIMEOUT:g} s")
        return fig, None
    final = posts[-1]
    fig.first = posts[0].time - started
    fig.wall = final.time - started
    if str(final.body.get("text", "")).startswith(INTERIM):
        fig.problems.append(f"only the quick answer arrived within {ANSWER_TIMEOUT:g} s")
        final = None
    elif len(posts) > 1:
        if final.body.get("replace_original") is not True:
            fig.problems.append("the full answer does not replace the quick one")
        notes: list[str] = []
        fig.problems += [f"quick answer: {p}" for p in check_summary(posts[0], want, notes, per_day=per_day, interim=True)]
        fig.notes += [f"quick answer: {n}" for n in notes]
    else:
        fig.notes.append("one post only (no quick answer)")
    if final is not None:
        fig.problems += check_summary(final, want, fig.notes, per_day=per_day, interim=False)
    fig.rss_mb = worker_hwm_mb(s)
    return fig, final


def click(s: Stack, action_id: str, value: str, *, select: bool) -> tuple[float, ResponsePost | None]:
    """A signed block_actions click (button, or an option of a static select), and its one answer."""
    assert s.bot is not None
    key = f"click-{time.monotonic_ns()}"
    payload = click_payload(action_id, value, response_url=s.slack.response_url(key), select=select, user_id="U0SCALEDD")
    started = time.time()
    status, _, _ = post_signed(s.bot.events_url, s.bot.secret, block_actions_body(payload))
    if status != 200:
        return started, None
    try:
        return started, s.slack.wait_for_responses(1, key=key, timeout=ANSWER_TIMEOUT)[0]
    except AssertionError:
        return started, None


def drill_targets(answer: ResponsePost) -> tuple[str | None, str | None]:
    """The `restores_jobs:failed` button's value, and the menu option of the biggest account · region row."""
    button = option = None
    for block in answer.body.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == "restores_jobs:failed":
                button = element.get("value")
            if element.get("action_id") == "restores_jobs_row":
                for group in element.get("option_groups", []):
                    if group["label"]["text"].startswith("By account") and group["options"]:
                        option = group["options"][0]["value"]
    return button, option


def expected_jobs(jobs: Sequence[RestoreJob], value: str, asked: set[tuple[str, str]] | None = None) -> int:
    """Jobs a drill-down must list: FAILED, created in the button's window, in its regions (and account); with
    `asked`, only those of the (region, account) pairs the bot asked for."""
    data = json.loads(value)
    after, before = (datetime.fromtimestamp(t, UTC) for t in data["w"])
    regions = set(data["r"].split(",")) if "r" in data else None  # a mask ("m") means every region of the org
    return sum(
        1 for j in jobs
        if j.status == "FAILED" and after <= j.created < before
        and (regions is None or j.region in regions) and data.get("a", ANY) in (ANY, j.account_id)
        and (asked is None or (j.region, j.account_id) in asked)
    )


def accounts_left(s: Stack, value: str, asked: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The (region, account) pairs with FAILED jobs in AWS's 14-day summaries that the bot did not ask, and those
    counts: what its "not listed" note must say."""
    data = json.loads(value)
    regions = set(data["r"].split(",")) if "r" in data else None
    today = max(c.day for c in s.counts) + timedelta(days=1)
    left: dict[tuple[str, str], int] = defaultdict(int)
    for c in s.counts:
        pair = (c.region, c.account_id)
        if (c.state == "FAILED" and today - timedelta(days=DAYS) <= c.day < today and pair not in asked
                and (regions is None or c.region in regions) and c.count):
            left[pair] += c.count
    return left


def run_drill(s: Stack, name: str, action_id: str, value: str, *, select: bool, jobs: Sequence[RestoreJob],
              regions: Sequence[str], accounts_chain: dict[str, Any]) -> Figures:
    want = expected_jobs(jobs, value)
    fig = Figures(name)
    warm(s, regions, [accounts_chain])
    begin(s)
    cpu = Cpu(s)
    started, post = click(s, action_id, value, select=select)
    cpu.into(fig)
    fig.summaries, fig.jobs = count_calls(s)
    fig.rss_mb = worker_hwm_mb(s)
    if post is None:
        fig.problems.append(f"no answer within {ANSWER_TIMEOUT:g} s")
        return fig
    fig.wall = post.time - started
    fig.first = fig.wall
    text = str(post.body.get("text", ""))
    body = json.dumps(post.body.get("blocks", []), ensure_ascii=False)
    m = next((m for b in post.body.get("blocks", []) if (m := _JOBS_RE.match((b.get("text") or {}).get("text", "")))), None)
    asked = {(c.region, c.params.get("accountId", "")) for c in s.emulator.calls(JOBS)}
    unlisted = _UNLISTED_RE.search(body)
    if not m:
        fig.problems.append(f"no job count in the answer: {text[:160]!r}")
    elif unlisted:
        # Accounts with the most jobs first, the rest named: exact for every account asked, and the accounts left
        # out counted exactly as AWS's 14-day FAILED summaries have them.
        listed = expected_jobs(jobs, value, asked)
        if _int(m.group(2)) != listed:
            fig.problems.append(f"{m.group(2)} jobs listed, the accounts asked have {listed:,}")
        left = accounts_left(s, value, asked)
        if (_int(unlisted.group(1)), _int(unlisted.group(2))) != (len({a for _, a in left}), sum(left.values())):
            fig.problems.append(f"not listed: {unlisted.group(0)!r}, expected {len({a for _, a in left}):,} accounts "
                                f"and {sum(left.values()):,} jobs")
        fig.notes.append(f"{len(asked):,} account·region pairs listed (most jobs first), {len(left):,} named with "
                         f"their summary counts; {listed:,} of the {want:,} jobs loaded are in the pairs listed")
    elif m.group(1) or _int(m.group(2)) != want:
        fig.problems.append(f"{'incomplete, ' if m.group(1) else ''}{m.group(2)} jobs listed, expected {want:,}")
    if "regions not answering" in text:
        fig.problems.append("regions not answering: " + text.split("regions not answering: ", 1)[1][:200])
    fig.notes.append(f"{want:,} jobs expected")
    return fig


# --------------------------------------------------------------------------- the baseline


def rows_by(rows: Iterable[SummaryRow], key: Callable[[SummaryRow], str]) -> dict[str, Breakdown]:
    out: dict[str, Breakdown] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        out[key(r)][r.state] += r.count
    return {k: {s: n for s, n in v.items() if n} for k, v in out.items()}


def _drop_zero(groups: dict[str, Breakdown]) -> dict[str, Breakdown]:
    return {k: {s: n for s, n in v.items() if n} for k, v in groups.items() if any(v.values())}


def compare_views(rows: list[SummaryRow], want: dict[str, Any]) -> list[str]:
    """The views an answer shows, summed locally from the cross-product rows, against the expected sums."""
    problems = []
    states = dict(rows_by(rows, lambda r: "all")).get("all", {})
    if states != {s: n for s, n in want["states"].items() if n}:
        problems.append("totals differ")
    if rows_by(rows, lambda r: r.resource_type) != _drop_zero(want["types"]):
        problems.append("by type differs")
    if rows_by(rows, lambda r: f"{r.account_id} · {r.region}") != _drop_zero(want["accounts"]):
        problems.append("by account · region differs")
    return problems


def compare_digest(rows: list[SummaryRow], want: dict[str, Any], yday: date, days: list[date]) -> list[str]:
    problems = []
    bad_rows = [r for r in rows if r.state in BAD and r.start.date() == yday]
    states = rows_by([r for r in rows if r.start.date() == yday], lambda r: "all").get("all", {})
    if any(states.get(s, 0) != want[s] for s in ("FAILED", "ABORTED", "COMPLETED")):
        problems.append("yesterday's totals differ")
    for key, fn in (("accounts", lambda r: r.account_id), ("regions", lambda r: r.region), ("types", lambda r: r.resource_type)):
        if rows_by(bad_rows, fn) != _drop_zero(want[key]):
            problems.append(f"by {key} differs")
    trend: dict[date, int] = defaultdict(int)
    for r in rows:
        if r.state in BAD:
            trend[r.start.date()] += r.count
    if [trend.get(d, 0) for d in days] != want["trend"]:
        problems.append("trend differs")
    return problems


def run_baseline(s: Stack, service: BackupService, regions: tuple[str, ...], params: dict[str, Any],
                 judge: Callable[[list[SummaryRow]], dict[str, list[str]]], figures: dict[str, Figures]) -> None:
    """One cross-product chain per region, the bot's page cap and deadline, in this process."""
    needed = warm(s, regions, [params])
    begin(s)
    own = time.process_time()
    started = time.monotonic()
    answer = service.summary_chains(regions, {"all": params})
    wall = time.monotonic() - started
    cpu = time.process_time() - own
    wait_quiet(s)
    calls = len(s.emulator.calls(SUMMARIES))  # also the pages read after the deadline, until the chains stopped
    timed_out = [f.region for f in answer.failures if f.kind.value == "timed out"]
    other = [f for f in answer.failures if f.kind.value != "timed out"]
    outcome = []
    if timed_out:
        outcome.append(f"timed out {len(timed_out)}/{len(regions)}")
    if answer.truncated:
        outcome.append(f"truncated {len(answer.truncated)}/{len(regions)}")
    if other:
        outcome.append(f"failed {len(other)}/{len(regions)} ({other[0].message[:40]})")
    verdicts = judge(answer.rows["all"])
    for name, problems in verdicts.items():
        fig = figures[name]
        fig.base_calls, fig.base_wall, fig.base_cpu, fig.base_needed = calls, wall, cpu, needed
        fig.base_problems = problems + ([", ".join(outcome)] if outcome else [])
        fig.base_outcome = ", ".join(outcome) if outcome else ("exact" if not problems else "WRONG: " + problems[0])
        if outcome and not problems:
            fig.base_outcome += " (rows read were right)"
        elif outcome:
            fig.base_outcome = "not exact: " + fig.base_outcome
    del answer
    gc.collect()


# --------------------------------------------------------------------------- one (A, R)


@dataclass
class Case:
    accounts: int
    regions: int
    rows: int = 0
    figures: dict[str, Figures] = field(default_factory=dict)
    rss_mb: float = float("nan")
    setup: str = ""
    log_notes: list[str] = field(default_factory=list)


def run_case(n_accounts: int, n_regions: int, args: argparse.Namespace, now: datetime) -> Case:
    case = Case(n_accounts, n_regions)
    today = now.date()
    regions = org_regions(n_regions)
    accounts = org_accounts(n_accounts)
    t0 = time.monotonic()
    counts = generate(accounts, regions, today, args.seed, args.density)
    t1 = time.monotonic()
    expected = Expected.of(counts, today)
    week_want = expected.failed_week()
    top = sorted(expected.failed_7d.items(), key=lambda item: (-item[1], f"{item[0][0]} · {item[0][1]}"))
    job_accounts = {account for (account, _region), _n in top[:2]}
    jobs = make_jobs(counts, job_accounts)
    t2 = time.monotonic()
    case.rows = len(counts)
    print(f"\n== A={n_accounts:,} accounts x R={n_regions} regions: {len(counts):,} count rows "
          f"({len(counts) / (n_accounts * n_regions * len(TYPES) * len(STATES) * DAYS):.0%} of cells), "
          f"{len(jobs):,} restore jobs for {len(job_accounts)} accounts", flush=True)
    env = {"RESTORES_REGIONS": ",".join(regions), "RESTORES_CACHE_TTL": "0", "LOG_LEVEL": "INFO"}
    flt_day = parse_command(ONE_DAY_TEXT, regions).filter
    flt_week = parse_command(FAILED_TEXT, regions).filter
    with stack(args.latency, env=env, backlog=args.fake_backlog, counts=counts, jobs=jobs,
               page_size=args.page_size, now=now) as s:
        t3 = time.monotonic()
        case.setup = (f"generated {t1 - t0:.1f} s, expected sums {t2 - t1:.1f} s, emulator load + bot start "
                      f"{t3 - t2:.1f} s")
        print(f"   {case.setup}", flush=True)
        assert s.bot is not None
        day_want = expected.one_day()
        figs = case.figures
        # The smallest answer first, the biggest last: each step's VmHWM then says which step set the peak.
        fig, week_answer = run_command(s, "/restores failed 7d account:ANY", FAILED_TEXT, week_want,
                                       plan_summary(flt_week, ALL_VIEWS).values(), regions, per_day=False)
        figs["failed7d"] = fig
        print(f"   {fig.name}: {fig.wall:.2f} s", flush=True)
        accounts_chain = plan_summary(replace(flt_week, account=ANY, period=Period.FOURTEEN_DAYS, share=False),
                                      (View.BY_ACCOUNT,))[View.BY_ACCOUNT]
        button, option = drill_targets(week_answer) if week_answer else (None, None)
        if option:
            fig = run_drill(s, "drill-down: biggest account·region row", "restores_jobs_row", option, select=True,
                            jobs=jobs, regions=regions, accounts_chain=accounts_chain)
        else:
            fig = Figures("drill-down: biggest account·region row", problems=["no row menu in the failed 7d answer"])
        figs["drill_row"] = fig
        print(f"   {fig.name}: {fig.wall:.2f} s", flush=True)
        if button:
            fig = run_drill(s, "drill-down: restores_jobs:failed button", "restores_jobs:failed", button, select=False,
                            jobs=jobs, regions=regions, accounts_chain=accounts_chain)
        else:
            fig = Figures("drill-down: restores_jobs:failed button", problems=["no failed-jobs button in the answer"])
        figs["drill_total"] = fig
        print(f"   {fig.name}: {fig.wall:.2f} s", flush=True)
        fig, _ = run_command(s, "/restores daily account:ANY", ONE_DAY_TEXT, day_want,
                             plan_summary(flt_day, ALL_VIEWS).values(), regions, per_day=True)
        figs["oneday"] = fig
        print(f"   {fig.name}: {fig.wall:.2f} s", flush=True)
        case.rss_mb = worker_hwm_mb(s)
        fig = run_digest(s, regions, expected.digest())
        figs["digest"] = fig
        print(f"   {fig.name}: {fig.wall:.2f} s", flush=True)
        wait_quiet(s)
        log = s.bot.log_text()
        if "Traceback" in log:
            case.log_notes.append("the bot logged a traceback")
        caps = log.count("page cap hit")
        if caps:
            case.log_notes.append(f"the bot logged 'page cap hit' {caps} times")
        if os.environ.get("BENCH_SCALE_DEBUG"):
            print(log[-6000:])

        if not args.no_baseline:
            print("   baseline: one cross-product chain per region ...", flush=True)
            service = BackupService(lambda: aws_session(bot_env(s.emulator, s.slack, s.log_dir / "aws")),
                                    endpoint_url=s.emulator.url)  # the bot's defaults: 20 s deadline, 200 pages
            try:
                for region in regions:
                    service.client(region)  # clients exist in a running bot
                chain = {"State": "ANY", "ResourceType": ANY, "AccountId": ANY, "AggregationPeriod": "ONE_DAY",
                         "MaxResults": 500}
                digest_want, yday, days = expected.digest(), expected.yday, expected.days
                run_baseline(s, service, regions, chain, lambda rows: {
                    "oneday": compare_views(rows, day_want),
                    "digest": compare_digest(rows, digest_want, yday, days),
                }, figs)
                chain = dict(chain, State="FAILED", AggregationPeriod="SEVEN_DAYS")
                run_baseline(s, service, regions, chain, lambda rows: {"failed7d": compare_views(rows, week_want)}, figs)
            finally:
                service.close()
                wait_quiet(s)
    case.setup += f", emulator warm-up {WARM_SECONDS[0]:.1f} s"
    WARM_SECONDS[0] = 0.0
    del counts, jobs, expected
    gc.collect()
    return case


# --------------------------------------------------------------------------- report


ORDER = ("digest", "oneday", "failed7d", "drill_row", "drill_total")
LEGEND = """columns: summaries / jobs = ListRestoreJobSummaries / ListRestoreJobs requests the emulator saw; (needed) = the
  summary pages a complete answer takes; first / wall = to the first / the final post (the digest: process start to
  exit); bot CPU = the bot's processes (the digest: its own process); emu CPU = this process (emulator, fake Slack);
  peak RSS = the digest process's VmHWM, else the gunicorn worker's VmHWM so far (steps run in the order failed 7d,
  drill-downs, 1d, digest); baseline = one cross-product chain per region in this process, the bot's page cap and
  deadline (the digest and 1d use the same chain; base CPU includes the emulator's)"""


def _s(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.2f} s"


def print_case(case: Case) -> None:
    head = ("", "summaries (needed)", "jobs", "first", "wall", "bot CPU", "emu CPU", "peak RSS", "exact", "|",
            "base calls (needed)", "base wall", "base CPU", "baseline")
    rows = [head]
    for key in ORDER:
        f = case.figures.get(key)
        if f is None:
            continue
        rows.append((f.name, f"{f.summaries:,}" + ("" if f.needed is None else f" ({f.needed:,})"), f"{f.jobs:,}", _s(f.first), _s(f.wall), _s(f.bot_cpu),
                     _s(f.emu_cpu), "-" if f.rss_mb is None else f"{f.rss_mb:.0f} MB", "yes" if f.exact else "NO", "|",
                     "-" if f.base_calls is None else f"{f.base_calls:,} ({f.base_needed:,})", _s(f.base_wall), _s(f.base_cpu),
                     f.base_outcome or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    print(f"\n-- A={case.accounts:,}, R={case.regions}: {case.rows:,} count rows ({case.setup})")
    for i, row in enumerate(rows):
        print("  " + "  ".join(c.ljust(widths[j]) if j in (0, len(head) - 1) else c.rjust(widths[j])
                               for j, c in enumerate(row)).rstrip())
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    for key in ORDER:
        f = case.figures.get(key)
        if f is None:
            continue
        for note in f.notes:
            print(f"  note: {f.name}: {note}")
        for problem in f.problems[:6]:
            print(f"  NOT EXACT: {f.name}: {problem}")
        if len(f.problems) > 6:
            print(f"  NOT EXACT: {f.name}: ... {len(f.problems) - 6} more")
    for note in case.log_notes:
        print(f"  note: {note}")


def parse_ints(text: str) -> list[int]:
    return sorted({int(x.replace(",", "").replace("_", "")) for x in text.split(",") if x.strip()})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", default="10,100,1000", help="organisation sizes A (default 10,100,1000)")
    parser.add_argument("--regions", default="3,17", help="region counts R (default 3,17)")
    parser.add_argument("--latency", type=float, default=0.15, help="injected AWS latency per request, s (default 0.15)")
    parser.add_argument("--page-size", type=int, default=500, help="emulator rows per page (default 500)")
    parser.add_argument("--density", type=float, default=0.3, help="share of non-zero cells (default 0.3)")
    parser.add_argument("--seed", type=int, default=20240601, help="data set seed")
    parser.add_argument("--no-baseline", action="store_true", help="skip the single-chain baseline")
    add_common_args(parser)
    args = parser.parse_args(argv)
    sizes, region_counts = parse_ints(args.accounts), parse_ints(args.regions)
    logging.getLogger("bot.aws").setLevel(logging.ERROR)  # the in-process baseline's timeouts: in the table already
    # The expected sums, the emulator's "today" and the bot's clock must share one UTC day for the whole run.
    now = settled_now(timedelta(minutes=20))
    print(f"scale: A in {sizes} accounts x R in {region_counts} regions x {len(TYPES)} types x {len(STATES)} states x "
          f"{DAYS} days, ~{args.density:.0%} non-zero; {args.page_size}-row pages, {args.latency:g} s per AWS request; "
          f"the bot: RESTORES_CACHE_TTL=0, deadline 20 s, page cap 200", flush=True)

    print(LEGEND)
    started = time.monotonic()
    cases: dict[tuple[int, int], Case] = {}
    for n_regions in region_counts:
        for n_accounts in sizes:
            cases[(n_accounts, n_regions)] = case = run_case(n_accounts, n_regions, args, now)
            print_case(case)

    # ---- targets, at A=1,000 R=17 (or the biggest run)
    a_top, r_top = (1000 if 1000 in sizes else sizes[-1]), (17 if 17 in region_counts else region_counts[-1])
    top = cases[(a_top, r_top)]
    smaller = [a for a in sizes if a < a_top]
    report = Report("scale")
    label = f"A={a_top:,} R={r_top}"
    for key in ORDER:
        f = top.figures[key]
        report.add(f"{label} {f.name}: exact", "yes" if f.exact else f"{len(f.problems)} wrong", "every number", f.exact)
    for key in ("digest", "oneday", "failed7d"):
        f = top.figures[key]
        report.add(f"{label} {f.name}: wall", _s(f.wall), f"< {WALL_TARGET:g} s", f.wall < WALL_TARGET)
    for key in ("oneday", "failed7d"):
        f = top.figures[key]
        first = f.first if f.first is not None else float("nan")
        report.add(f"{label} {f.name}: first answer", _s(first), f"< {FIRST_TARGET:g} s", first < FIRST_TARGET)
    if smaller:
        a_ref = smaller[-1]
        ref = cases[(a_ref, r_top)]
        for key in ("digest", "oneday", "failed7d"):
            f, g = top.figures[key], ref.figures[key]
            ratio = (f.needed or 0) / max(1, g.needed or 0)
            base = ""
            if f.base_needed is not None and g.base_needed is not None:
                base = f" (baseline x{f.base_needed / max(1, g.base_needed):.1f})"
            # "Grows with A + T": no faster than A + T does. A view per account may grow with A (it has a row per
            # account); what the plan avoids is the cross product's A x T.
            bound = (a_top + len(TYPES)) / (a_ref + len(TYPES))
            report.add(f"{label} {f.name}: AWS calls needed, A={a_top:,} / A={a_ref:,}",
                       f"x{ratio:.1f}{base}", f"< x{bound:.1f} = (A+T) grew (A grew x{a_top / a_ref:g})", ratio < bound)
    rss = top.rss_mb
    report.add(f"{label} bot worker peak RSS (VmHWM)", f"{rss:.0f} MB", f"< {RSS_TARGET_MB:g} MB", rss < RSS_TARGET_MB)
    report.add(f"{label} digest process peak RSS", f"{top.figures['digest'].rss_mb or 0:.0f} MB")
    report.notes.append(f"run time {time.monotonic() - started:.0f} s")
    report.extra = {f"{a}x{r}": {k: {"summaries": f.summaries, "needed": f.needed, "jobs": f.jobs, "first": f.first, "wall": f.wall,
                                     "rss_mb": f.rss_mb, "exact": f.exact, "problems": f.problems[:10],
                                     "base_calls": f.base_calls, "base_needed": f.base_needed, "base_wall": f.base_wall, "base": f.base_outcome}
                                 for k, f in c.figures.items()} | {"rss_mb": c.rss_mb, "rows": c.rows}
                    for (a, r), c in cases.items()}
    report.print()
    report.save(args.summary_json)
    print(f"\n{'PASS' if report.passed else 'FAIL'}: {sum(c.ok is False for c in report.checks)} of "
          f"{sum(c.ok is not None for c in report.checks)} targets missed at {label}")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
