"""Shared plumbing for the benchmarks: the data set, the fakes + real bot stack, the load generator, reporting.

Everything here reuses the test fakes (`tests.fakes.*`, `tests.support`); nothing is re-implemented.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.sample.records import DailyCount, RestoreJob
from tests.fakes.aws import BackupEmulator, expected_sum, multi_page_counts, slow
from tests.fakes.signing import command_body, signed_headers
from tests.fakes.slack import FakeSlack, ResponsePost
from tests.support import BOT_TOKEN, PROXY_VARS, BotProcess, bot_environment, free_port, start_bot

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
ACCOUNTS = ("111122223333", "444455556666", "777788889999")
TYPES = ("EBS", "RDS", "DynamoDB", "EFS")
# Pinned clock, as in the e2e tests, so expected sums never straddle a UTC midnight.
NOW = datetime.now(UTC)  # the emulator is pinned here, so the expected sums and the answers share one day
TODAY = NOW.date()
COMMAND = "failed 7d account:ANY"
PAGES_PER_REGION = 3

for _name in PROXY_VARS:  # loopback only: never let a proxy setting redirect the fakes' traffic
    os.environ.pop(_name, None)


# --------------------------------------------------------------------------- data set


def dataset() -> list[DailyCount]:
    return multi_page_counts(REGIONS, ACCOUNTS, TYPES, 14, TODAY)


def expected_total(counts: Sequence[DailyCount]) -> int:
    """The total `/restores failed 7d account:ANY` must show (summed over every region)."""
    return expected_sum(counts, state="FAILED", start=TODAY - timedelta(days=7), end=TODAY)


def rows_per_region(counts: Sequence[DailyCount]) -> dict[str, int]:
    """Rows ListRestoreJobSummaries returns per region for COMMAND: one per non-empty (account, type)."""
    rows: dict[str, int] = {}
    for region in REGIONS:
        rows[region] = sum(
            1
            for account in ACCOUNTS
            for rtype in TYPES
            if expected_sum(counts, region=region, account_id=account, resource_type=rtype, state="FAILED",
                            start=TODAY - timedelta(days=7), end=TODAY) > 0
        )
    return rows


def page_size_for(counts: Sequence[DailyCount], pages: int = PAGES_PER_REGION) -> int:
    """The emulator page size that makes every region answer COMMAND in exactly `pages` pages."""
    rows = rows_per_region(counts)
    size = math.ceil(max(rows.values()) / pages)
    got = {region: math.ceil(n / size) for region, n in rows.items()}
    if set(got.values()) != {pages}:
        raise SystemExit(f"data set does not split into {pages} pages per region: rows={rows} page_size={size}")
    return size


_TOTAL_RE = re.compile(r"\*([\d,]+) (?:[a-z]+ )?restore jobs?\*")  # "*9 restore jobs*", "*9 failed restore jobs*"


def answer_total(answer: ResponsePost) -> int | None:
    """The total in an answer's summary section, or None if it has none (error answer)."""
    for block in answer.body.get("blocks", []):
        text = (block.get("text") or {}).get("text", "") if isinstance(block, dict) else ""
        match = _TOTAL_RE.search(text)
        if match:
            return int(match.group(1).replace(",", ""))
    return None


# --------------------------------------------------------------------------- the stack


def bot_env(emulator: BackupEmulator, slack: FakeSlack, aws_dir: Path, **overrides: str) -> dict[str, str]:
    """The e2e tests' environment for `python -m bot serve` (tests/support.py), plus the benchmarks' settings."""
    settings = {
        "RESTORES_REGIONS": ",".join(REGIONS),
        # Every command does its own AWS page chains (the worst case): identical concurrent commands would
        # otherwise share one chain through the summary cache. `--env RESTORES_CACHE_TTL=300` measures it on.
        "RESTORES_CACHE_TTL": "0",
        "LOG_LEVEL": "INFO",
    }
    return bot_environment(emulator.url, slack.api_url, aws_dir, **dict(settings, **overrides))


@dataclass
class DoNothingServer:
    """`python -m bench.noop_server`: gunicorn with the bot's settings serving an app that only answers 200."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_do_nothing(env: dict[str, str], log_dir: Path, *, timeout: float = 20.0) -> DoNothingServer:
    port = free_port()
    log_path = log_dir / f"do-nothing-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "bench.noop_server"], cwd=Path(__file__).resolve().parent.parent,
                                   env=dict(env, PORT=str(port)), stdout=log_file, stderr=subprocess.STDOUT)
    server = DoNothingServer(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"do-nothing server exited with {process.returncode}:\n{log_path.read_text()}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    server.stop()
    raise SystemExit(f"do-nothing server did not answer in {timeout} s:\n{log_path.read_text()}")


@dataclass
class Stack:
    emulator: BackupEmulator
    slack: FakeSlack
    bot: BotProcess | None
    counts: list[DailyCount]
    latency: float
    log_dir: Path
    do_nothing: DoNothingServer | None = None

    def inject_latency(self) -> None:
        """(Re)apply the injected latency on every region; emulator.reset() clears it."""
        self.emulator.reset()
        self.emulator.set_fault("*", slow(self.latency) if self.latency > 0 else None)


# Listen backlog of the two loopback fakes (http.server's default is 5). With 5, a burst of new connections
# overflows the accept queue and the kernel drops SYNs: the client retries after 1 s, 3 s, ... Real Slack and
# AWS endpoints do not do that, so the benchmarks raise it; `--fake-backlog 5` brings the stdlib default back.
FAKE_BACKLOG = 128


@contextmanager
def stack(latency: float, *, with_bot: bool = True, env: dict[str, str] | None = None,
          python: str | None = None, backlog: int = FAKE_BACKLOG, counts: list[DailyCount] | None = None,
          jobs: Sequence[RestoreJob] = (), page_size: int | None = None, now: datetime | None = None,
          do_nothing: bool = False) -> Iterator[Stack]:
    """Emulator (3 pages per region, `latency` s per request on every region) + fake Slack + the real bot.

    `env` adds/overrides variables of the bot's environment (e.g. WEB_CONCURRENCY); `python` runs the bot
    with another interpreter (same venv expected). `counts`, `jobs`, `page_size` and `now` replace the default
    data set, its page size and the emulator's pinned clock (bench.scale serves a synthetic organisation).
    `do_nothing` also starts the do-nothing server (bench.noop_server) with the bot's environment, as a baseline."""
    counts = dataset() if counts is None else counts
    pinned = NOW if now is None else now
    with tempfile.TemporaryDirectory(prefix="restores-bench-") as tmp, \
            BackupEmulator(counts=counts, jobs=jobs, page_size=page_size or page_size_for(counts),
                           now=lambda: pinned, backlog=backlog) as emulator, \
            FakeSlack(token=BOT_TOKEN, backlog=backlog) as slack:
        log_dir = Path(tmp)
        aws_dir = log_dir / "aws"
        aws_dir.mkdir()
        s = Stack(emulator, slack, None, counts, latency, log_dir)
        s.inject_latency()
        bot = None
        try:
            bot_environment = bot_env(emulator, slack, aws_dir, **(env or {}))
            if do_nothing:
                s.do_nothing = start_do_nothing(bot_environment, log_dir)
            if with_bot:
                if python:
                    # Experiments only: start_bot runs [sys.executable, "-m", "bot", "serve"].
                    original = sys.executable
                    sys.executable = python
                    try:
                        bot = start_bot(bot_environment, slack, log_dir)
                    finally:
                        sys.executable = original
                else:
                    bot = start_bot(bot_environment, slack, log_dir)
                s.bot = bot
            yield s
        finally:
            if s.do_nothing is not None:
                s.do_nothing.stop()
            if bot is not None:
                bot.stop()
                if os.environ.get("BENCH_KEEP_LOG"):
                    Path(os.environ["BENCH_KEEP_LOG"]).write_text(bot.log_text())


# --------------------------------------------------------------------------- load generator


@dataclass
class Ack:
    key: str
    status: int
    latency: float  # connect + request + full response, seconds
    connect: float  # TCP connect only, seconds
    sent_at: float  # time.time() when the request started
    error: str = ""


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, float, float, str]:
    parts = urlsplit(url)
    started = time.perf_counter()
    connected = started
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.connect()
        connected = time.perf_counter()
        conn.request("POST", parts.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started, connected - started, ""
    except Exception as error:  # a timeout or reset is a measured failure, not a crash of the benchmark
        return 0, time.perf_counter() - started, connected - started, f"{type(error).__name__}: {error}"
    finally:
        conn.close()


def prepare_commands(bot: BotProcess, keys: Sequence[str], text: str = COMMAND) -> list[tuple[str, bytes, dict[str, str]]]:
    """Signed slash command requests (body + headers), built before the clock starts."""
    prepared = []
    for index, key in enumerate(keys):
        # One person each: a single user is limited to RESTORES_USER_CONCURRENCY answers in flight.
        body = command_body(text, response_url=bot.slack.response_url(key), user_id=f"U0LOAD{index:05d}")
        # X-Bench-Key is not signed (Slack signs the body and timestamp only); it lets a profiler match requests.
        prepared.append((key, body, dict(signed_headers(bot.secret, body), **{"X-Bench-Key": key})))
    return prepared


def fire(url: str, prepared: Sequence[tuple[str, bytes, dict[str, str]]], *, timeout: float = 10.0) -> list[Ack]:
    """Send every request at once: one thread each, all released together by a barrier."""
    barrier = threading.Barrier(len(prepared))
    acks: list[Ack | None] = [None] * len(prepared)

    def one(i: int) -> None:
        key, body, headers = prepared[i]
        barrier.wait()
        sent_at = time.time()
        status, latency, connect, error = _post(url, body, headers, timeout)
        acks[i] = Ack(key, status, latency, connect, sent_at, error)

    threads = [threading.Thread(target=one, args=(i,), name=f"loadgen-{i}") for i in range(len(prepared))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [a for a in acks if a is not None]


def fire_in_subprocess(url: str, prepared: Sequence[tuple[str, bytes, dict[str, str]]], *,
                       timeout: float = 10.0) -> list[Ack]:
    """Same as fire(), but from a separate Python process, so the load generator shares no GIL with the fakes."""
    import subprocess

    payload = json.dumps({"url": url, "timeout": timeout,
                          "requests": [[k, b.decode(), h] for k, b, h in prepared]})
    done = subprocess.run([sys.executable, "-m", "bench._loadgen"], input=payload, capture_output=True,
                          text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    return [Ack(**a) for a in json.loads(done.stdout)]


def listen_overflows() -> int:
    """This network namespace's count of connections dropped because a listen backlog was full."""
    try:
        lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines() if line.startswith("TcpExt:")]
        return int(dict(zip(lines[0], lines[1], strict=True))["ListenOverflows"])
    except (OSError, KeyError, IndexError, ValueError):
        return -1


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants (from /proc/<pid>/stat's ppid field)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time consumed so far by `pids` (processes that exited count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / tick


def own_cpu_seconds() -> float:
    """CPU of this process plus its waited-for children (the `--loadgen-process` child)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def host_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores; /proc/stat without idle and iowait)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuWindow:
    """CPU used during a measured window: by the bot's processes, this process, and everything else."""

    bot_pids: Sequence[int]
    wall: float = 0.0
    bot: float = 0.0
    own: float = 0.0
    other: float = 0.0

    def __enter__(self) -> CpuWindow:
        self._start = (time.perf_counter(), cpu_seconds(self.bot_pids), own_cpu_seconds(), host_busy_seconds())
        return self

    def __exit__(self, *exc: object) -> None:
        wall, bot, own, host = self._start
        self.wall = time.perf_counter() - wall
        self.bot = cpu_seconds(self.bot_pids) - bot
        self.own = own_cpu_seconds() - own
        self.other = max(0.0, host_busy_seconds() - host - self.bot - self.own)

    def describe(self) -> str:
        cores = os.cpu_count() or 1
        text = (f"CPU over {self.wall:.2f} s: bot {self.bot:.2f} s, benchmark process {self.own:.2f} s, "
                f"other processes {self.other:.2f} s ({cores} cores)")
        if self.other > 0.25 * self.wall:
            text += "  <- the machine was busy with something else: figures are pessimistic"
        return text


def collect_answers(slack: FakeSlack, keys: Sequence[str], timeout: float = 60.0) -> dict[str, ResponsePost | None]:
    """Each command's whole answer (an org-wide answer's quick first post is not its answer: the next round of a
    benchmark must not start while the answers of this one are still being read and rendered)."""
    deadline = time.monotonic() + timeout
    return {key: wait_full_answer(slack, key, deadline)[1] for key in keys}


INTERIM_PREFIX = "[still counting"  # the quick first post of a two-post answer, replaced by the full one


def is_interim(answer: ResponsePost) -> bool:
    return str(answer.body.get("text", "")).startswith(INTERIM_PREFIX)


def wait_full_answer(slack: FakeSlack, key: str, deadline: float) -> tuple[ResponsePost | None, ResponsePost | None]:
    """(first post, full answer) to response_url(key), None for what did not arrive by `deadline` (time.monotonic):
    an org-wide answer may first post its totals ("[still counting accounts]") and replace them with the full answer;
    without that, both are the one post."""
    first: ResponsePost | None = None
    wanted = 1
    while True:
        try:
            posts = slack.wait_for_responses(wanted, key=key, timeout=max(0.1, deadline - time.monotonic()))
        except AssertionError:
            return first, None
        first = first or posts[0]
        full = next((p for p in posts if not is_interim(p)), None)
        if full is not None:
            return first, full
        wanted = len(posts) + 1


# --------------------------------------------------------------------------- figures and targets


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): a value that was actually measured."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Check:
    """One figure compared to its target; `ok` is None for figures without a target."""

    name: str
    value: str
    target: str = ""
    ok: bool | None = None


@dataclass
class Report:
    bench: str
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # raw figures for `python -m bench` and experiments

    def add(self, name: str, value: str, target: str = "", ok: bool | None = None) -> None:
        self.checks.append(Check(name, value, target, ok))

    @property
    def passed(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    def print(self) -> None:
        print(f"\n== {self.bench}: targets")
        width = max((len(c.name) for c in self.checks), default=10)
        for c in self.checks:
            mark = "" if c.ok is None else ("PASS" if c.ok else "MISS")
            target = f"target {c.target}" if c.target else ""
            print(f"  {c.name:<{width}}  {c.value:>14}  {target:<22} {mark}")
        for note in self.notes:
            print(f"  note: {note}")
        print(f"  => {'all targets met' if self.passed else 'TARGET MISSED'}")

    def save(self, path: str | None) -> None:
        if path:
            Path(path).write_text(json.dumps({"bench": self.bench, "passed": self.passed,
                                              "checks": [asdict(c) for c in self.checks], "notes": self.notes,
                                              "extra": self.extra}))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def add_common_args(parser: argparse.ArgumentParser) -> None:
    # Used by `python -m bench` to collect each benchmark's figures for its summary table.
    parser.add_argument("--summary-json", help=argparse.SUPPRESS, default=None)
    parser.add_argument("--fake-backlog", type=int, default=FAKE_BACKLOG,
                        help=f"listen backlog of the loopback fakes (default {FAKE_BACKLOG}; http.server's own is 5)")


def parse_env_overrides(items: Sequence[str]) -> dict[str, str]:
    env = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--env expects NAME=VALUE, got {item!r}")
        env[name] = value
    return env
