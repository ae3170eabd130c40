"""Fairness under a flood of drill-downs: one user's 50 clicks must not delay another user's answer by more than 2 s.

The bot runs as in production against the loopback fakes (3 regions x 3 pages x `--latency` s per AWS request),
with restore jobs loaded so a drill-down lists real jobs (account discovery, then ListRestoreJobs per account and
region). Per bot:

1. warm-up: a third user sends `/restores failed 7d account:ANY` and clicks its "failed jobs" drill-down once,
   alone; that answer's job count is the reference for every drill-down answer.
2. baseline: user B alone sends `/restores failed 7d account:ANY`, `--baseline-runs` times one after the other;
   B's ack->answer time (ack received by the client -> the full answer on its response_url) is their median.
   An org-wide answer may first post its totals ("[still counting accounts]") and then replace them with the
   full answer: the target is on the full answer; the first post's times are printed too.
3. flood: user A fires `--clicks` signed clicks on that drill-down button at once (released together by a
   barrier) and `--offset` s later B sends the same command; B's ack->answer time is measured again, and A's
   answers are sorted: the jobs, the polite "answers in flight" message, anything else, none, or more than one.

This runs twice in the same invocation: with the per-user limit as configured (RESTORES_USER_CONCURRENCY,
default 3), then with RESTORES_USER_CONCURRENCY=100 (effectively no limit), to show what the limit buys.

    python -m bench.fairness [--clicks 50] [--latency 0.2] [--offset 0.2] [--baseline-runs 3]

Targets (limited bot only): B's delay (under flood - baseline) <= 2.0 s; every request acked 200; every click
answered exactly once, with the jobs or the "answers in flight" message; B's answer exact. Exit status 1 if missed.
The unlimited bot's figures have no target.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.common import (
    COMMAND,
    PAGES_PER_REGION,
    REGIONS,
    TODAY,
    Ack,
    Report,
    Stack,
    add_common_args,
    answer_total,
    expected_total,
    fire,
    ms,
    parse_env_overrides,
    percentile,
    stack,
    wait_full_answer,
)
from bot.answers.controls import ActionId
from bot.config import Settings
from tests.fakes.signing import block_actions_body, click_payload, command_body, signed_headers
from tests.fakes.slack import ResponsePost
from tests.support import actions_of, make_jobs

DELAY_TARGET = 2.0
UNLIMITED = "100"  # the highest RESTORES_USER_CONCURRENCY the bot accepts: more than the flood, so no limit
USER_A = "U0FLOODA"  # fires the drill-downs
USER_B = "U0OTHERB"  # the other user, whose answer must stay fast
USER_WARMUP = "U0WARMUP"
BUSY_TEXT = "answers in flight"
_JOBS_RE = re.compile(r"^([\d,]+) failed restore jobs created")
DEFAULT_LIMIT = next(f.default for f in dataclasses.fields(Settings) if f.name == "user_concurrency")

Prepared = tuple[str, bytes, dict[str, str]]


# --------------------------------------------------------------------------- requests


def command_request(s: Stack, key: str, user_id: str) -> Prepared:
    """A signed `/restores COMMAND` from `user_id`, answered on response_url(key)."""
    assert s.bot is not None
    body = command_body(COMMAND, response_url=s.slack.response_url(key), user_id=user_id)
    return key, body, dict(signed_headers(s.bot.secret, body), **{"X-Bench-Key": key})


def click_request(s: Stack, key: str, user_id: str, action_id: str, value: str) -> Prepared:
    """A signed block_actions click on a drill-down button, as Slack sends it (tests.support.click's payload)."""
    assert s.bot is not None
    payload = click_payload(action_id, value, response_url=s.slack.response_url(key), user_id=user_id)
    body = block_actions_body(payload)
    return key, body, dict(signed_headers(s.bot.secret, body), **{"X-Bench-Key": key})


def send_one(s: Stack, request: Prepared) -> Ack:
    assert s.bot is not None
    (ack,) = fire(s.bot.events_url, [request])
    return ack


def wait_answer(s: Stack, key: str, deadline: float) -> ResponsePost | None:
    """The first post to response_url(key), or None by the deadline."""
    try:
        return s.slack.wait_for_responses(1, key=key, timeout=max(0.1, deadline - time.monotonic()))[0]
    except AssertionError:
        return None


def ack_to_answer(ack: Ack, answer: ResponsePost | None) -> float:
    """Seconds from the ack's arrival at the client to the answer's arrival at the fake Slack."""
    return answer.time - (ack.sent_at + ack.latency) if answer is not None else float("inf")


def jobs_count(answer: ResponsePost) -> int | None:
    match = _JOBS_RE.match(str(answer.body.get("text", "")))
    return int(match.group(1).replace(",", "")) if match else None


def is_busy(answer: ResponsePost) -> bool:
    return BUSY_TEXT in str(answer.body.get("text", "")) + json.dumps(answer.body.get("blocks", []))


# --------------------------------------------------------------------------- one bot


@dataclass
class Run:
    label: str
    baselines: list[float] = field(default_factory=list)  # ack -> full answer, B alone
    baselines_first: list[float] = field(default_factory=list)  # ack -> first post, B alone
    flooded: float = float("inf")
    flooded_first: float = float("inf")
    offset: float = float("nan")  # B's command left this long after A's clicks were released
    b_exact: bool = False
    acks: list[Ack] = field(default_factory=list)  # A's clicks, then B's command
    reference_jobs: int = 0
    jobs: int = 0
    busy: int = 0
    other: int = 0
    missing: int = 0
    extra: int = 0
    last_a_answer: float = float("nan")
    samples: list[str] = field(default_factory=list)  # a few unexpected answers, for the printout

    @property
    def baseline(self) -> float:
        return statistics.median(self.baselines) if self.baselines else float("inf")

    @property
    def delay(self) -> float:
        return self.flooded - self.baseline

    @property
    def baseline_first(self) -> float:
        return statistics.median(self.baselines_first) if self.baselines_first else float("inf")

    @property
    def delay_first(self) -> float:
        return self.flooded_first - self.baseline_first

    @property
    def ok200(self) -> int:
        return sum(a.status == 200 for a in self.acks)


def run(label: str, env: dict[str, str], args: argparse.Namespace) -> Run:
    result = Run(label)
    timeout = args.answer_timeout
    with stack(args.latency, env=env, backlog=args.fake_backlog) as s:
        assert s.bot is not None
        s.emulator.load(jobs=make_jobs(TODAY))  # the summaries' data stays; the drill-downs now list these jobs
        expected = expected_total(s.counts)

        # 1. warm-up (first requests of the worker: auth.test, connections) and the drill-down button to click
        warm_ack = send_one(s, command_request(s, "warm-cmd", USER_WARMUP))
        _, warm = wait_full_answer(s.slack, "warm-cmd", time.monotonic() + timeout)
        if warm_ack.status != 200 or warm is None:
            raise SystemExit(f"{label}: the warm-up command got no answer (ack {warm_ack.status} {warm_ack.error})")
        button_id = ActionId.JOBS.with_suffix("failed")
        button = actions_of(warm).get(button_id)
        if button is None or "value" not in button:
            raise SystemExit(f"{label}: the warm-up answer has no {button_id} button: {warm.body.get('text')!r}")
        value = str(button["value"])
        send_one(s, click_request(s, "warm-click", USER_WARMUP, button_id, value))
        ref = wait_answer(s, "warm-click", time.monotonic() + timeout)
        result.reference_jobs = (jobs_count(ref) if ref is not None else None) or 0
        if not result.reference_jobs:
            raise SystemExit(f"{label}: the reference drill-down listed no jobs: {ref.body if ref else 'no answer'}")

        # 2. baseline: B alone
        for i in range(args.baseline_runs):
            key = f"b-alone-{i}"
            ack = send_one(s, command_request(s, key, USER_B))
            first, full = wait_full_answer(s.slack, key, time.monotonic() + timeout)
            result.baselines.append(ack_to_answer(ack, full))
            result.baselines_first.append(ack_to_answer(ack, first))

        # 3. the flood: A's clicks released together, B's command `offset` s later
        s.inject_latency()  # forget the warm-up's recorded AWS requests (latency stays)
        a_keys = [f"a-click-{i}" for i in range(args.clicks)]
        a_requests = [click_request(s, key, USER_A, button_id, value) for key in a_keys]
        b_request = command_request(s, "b-flood", USER_B)
        a_acks: list[Ack] = []
        flood = threading.Thread(target=lambda: a_acks.extend(fire(s.bot.events_url, a_requests)),  # type: ignore[union-attr]
                                 name="flood-a")
        flood.start()
        time.sleep(args.offset)
        b_ack = send_one(s, b_request)
        flood.join(timeout=60)
        deadline = time.monotonic() + timeout
        b_first, b_answer = wait_full_answer(s.slack, "b-flood", deadline)
        result.flooded = ack_to_answer(b_ack, b_answer)
        result.flooded_first = ack_to_answer(b_ack, b_first)
        result.b_exact = b_answer is not None and not b_answer.rejected and answer_total(b_answer) == expected
        result.acks = a_acks + [b_ack]
        release = min((a.sent_at for a in a_acks), default=b_ack.sent_at)
        result.offset = b_ack.sent_at - release

        answers = {key: wait_answer(s, key, deadline) for key in a_keys}
        time.sleep(args.settle)  # a click answered twice would show its second answer by now
        arrived = [a for a in answers.values() if a is not None]
        result.last_a_answer = max((a.time for a in arrived), default=float("nan")) - release
        for key, answer in answers.items():
            if answer is None:
                result.missing += 1
                continue
            result.extra += len(s.slack.responses_for(key)) - 1
            if answer.rejected:
                result.other += 1
                result.samples.append(f"{key}: rejected by Slack ({answer.error})")
            elif is_busy(answer):
                result.busy += 1
            elif jobs_count(answer) == result.reference_jobs:
                result.jobs += 1
            else:
                result.other += 1
                result.samples.append(f"{key}: {str(answer.body.get('text', ''))[:160]!r}")
        if "Traceback" in s.bot.log_text():
            result.samples.append("the bot logged a traceback during the run")
    return result


# --------------------------------------------------------------------------- report


def secs(value: float) -> str:
    return f"{value:.2f} s" if value != float("inf") else "no answer"


def delta(value: float) -> str:
    return f"{value:+.2f} s" if abs(value) != float("inf") else "no answer"


def table(runs: Sequence[Run]) -> None:
    rows: list[tuple[str, ...]] = [("", *(r.label for r in runs))]
    rows.append(("B alone: ack->answer (baseline, median)", *(secs(r.baseline) for r in runs)))
    rows.append(("B under flood: ack->answer", *(secs(r.flooded) for r in runs)))
    rows.append(("B's delay (under flood - baseline)", *(delta(r.delay) for r in runs)))
    rows.append(("B's first post: alone / under flood / delay",
                 *(f"{secs(r.baseline_first)} / {secs(r.flooded_first)} / {delta(r.delay_first)}" for r in runs)))
    rows.append(("B's command sent after A's release", *(ms(r.offset) for r in runs)))
    rows.append(("A: answered with jobs", *(f"{r.jobs}/{len(r.acks) - 1}" for r in runs)))
    rows.append(("A: told to wait (answers in flight)", *(str(r.busy) for r in runs)))
    rows.append(("A: other / no answer / extra answers", *(f"{r.other} / {r.missing} / {r.extra}" for r in runs)))
    rows.append(("A: last answer after release", *(secs(r.last_a_answer) for r in runs)))
    rows.append(("acks 200 (all requests of the flood)", *(f"{r.ok200}/{len(r.acks)}" for r in runs)))
    rows.append(("ack p99 / max (all requests of the flood)",
                 *(f"{ms(percentile([a.latency for a in r.acks], 99))} / {ms(max(a.latency for a in r.acks))}" for r in runs)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for i, row in enumerate(rows):
        print("  " + "  ".join(cell.ljust(widths[j]) if j == 0 else cell.rjust(widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fairness", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=50, help="drill-down clicks user A fires at once (default 50)")
    parser.add_argument("--latency", type=float, default=0.2, help="injected AWS latency per request, s (default 0.2)")
    parser.add_argument("--offset", type=float, default=0.2, help="B's command leaves this long after A's clicks, s (default 0.2)")
    parser.add_argument("--baseline-runs", type=int, default=3, help="B's commands alone, one after the other; median (default 3)")
    parser.add_argument("--answer-timeout", type=float, default=50.0,
                        help="longest wait for any answer, s (default 50: a drill-down may take two 20 s AWS deadlines)")
    parser.add_argument("--settle", type=float, default=0.5, help="wait after the last answer for duplicates, s (default 0.5)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for both bots, e.g. WEB_CONCURRENCY=2 (repeatable)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    if args.clicks < 1 or args.baseline_runs < 1:
        parser.error("--clicks and --baseline-runs must be at least 1")

    env = parse_env_overrides(args.env)
    limit = env.get("RESTORES_USER_CONCURRENCY", f"{DEFAULT_LIMIT}")
    limited_label = f"limit {limit}" + ("" if "RESTORES_USER_CONCURRENCY" in env else " (default)")
    print(f"fairness: user A fires {args.clicks} drill-downs at once, user B sends `/restores {COMMAND}` "
          f"{args.offset:g} s later; AWS emulator: {len(REGIONS)} regions x {PAGES_PER_REGION} pages x "
          f"{args.latency:g} s per request" + (f"; bot env {env}" if env else ""))
    started = time.monotonic()
    limited = run(limited_label, env, args)
    print(f"  {limited_label}: done in {time.monotonic() - started:.0f} s", flush=True)
    mark = time.monotonic()
    unlimited = run(f"limit {UNLIMITED} (none)", dict(env, RESTORES_USER_CONCURRENCY=UNLIMITED), args)
    print(f"  limit {UNLIMITED}: done in {time.monotonic() - mark:.0f} s", flush=True)
    table([limited, unlimited])
    for r in (limited, unlimited):
        errors = sorted({a.error or str(a.status) for a in r.acks if a.status != 200})
        if errors:
            print(f"  {r.label}: failed acks: {errors}")
        for sample in r.samples[:3]:
            print(f"  {r.label}: unexpected answer: {sample}")
        if not r.b_exact:
            print(f"  {r.label}: B's answer under flood was missing or not the exact total")

    clicks = limited.acks[:-1]
    report = Report("fairness")
    report.add("B's delay under flood", delta(limited.delay), f"<= {DELAY_TARGET:.1f} s", limited.delay <= DELAY_TARGET)
    report.add("B alone (baseline)", secs(limited.baseline))
    report.add("B under flood", secs(limited.flooded))
    report.add("B's answer exact", "yes" if limited.b_exact else "no", "yes", limited.b_exact)
    report.add("acks 200", f"{limited.ok200}/{len(limited.acks)}", "all", limited.ok200 == len(limited.acks))
    report.add("clicks answered exactly once", f"{len(clicks) - limited.missing}/{len(clicks)}"
               + (f" (+{limited.extra} extra)" if limited.extra else ""), "all",
               limited.missing == 0 and limited.extra == 0)
    report.add("clicks: jobs or told to wait", f"{limited.jobs + limited.busy}/{len(clicks)}", "all",
               limited.jobs + limited.busy == len(clicks))
    report.add("A answered with jobs", str(limited.jobs))
    report.add("A told to wait", str(limited.busy))
    report.add("ack p99 (flood)", ms(percentile([a.latency for a in limited.acks], 99)))
    report.add(f"B's delay, limit {UNLIMITED}", delta(unlimited.delay))
    report.notes.append(f"with RESTORES_USER_CONCURRENCY={UNLIMITED}: B {secs(unlimited.flooded)} under flood against "
                        f"{secs(unlimited.baseline)} alone; A: {unlimited.jobs} jobs, {unlimited.busy} told to wait, "
                        f"{unlimited.other} other, {unlimited.missing} unanswered")
    report.extra.update({r.label: {"baseline": r.baseline, "baselines": r.baselines, "flooded": r.flooded,
                                   "delay": r.delay, "offset": r.offset, "jobs": r.jobs, "busy": r.busy,
                                   "other": r.other, "missing": r.missing, "extra": r.extra,
                                   "ok200": r.ok200, "requests": len(r.acks),
                                   "ack_p99": percentile([a.latency for a in r.acks], 99),
                                   "last_a_answer": r.last_a_answer} for r in (limited, unlimited)})
    report.print()
    report.save(args.summary_json)
    print(f"  run time {time.monotonic() - started:.0f} s")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
