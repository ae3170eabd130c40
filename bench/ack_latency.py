"""Ack latency of `python -m bot serve` under a burst of concurrent slash commands, and the answers' correctness.

The emulator answers every region in 3 pages, each page `--latency` s late; the fake Slack receives the
answers on their response_url. `--commands` signed commands are released together by a barrier; each ack's
HTTP latency (connect + request + response) is measured; then every answer's total is checked against the
sum computed independently from the data set. Repeated `--rounds` times against the same server.

Same-run baseline: before each burst to the bot, the same burst goes to a do-nothing app served by gunicorn with
the bot's own settings (bench.noop_server), so the ratio of the two ack p99s does not move with the machine's load.

    python -m bench.ack_latency [--commands 40] [--latency 0.2] [--rounds 3]

Exit status 1 if a target is missed (every ack 200, ack p99 < 250 ms and <= 3 x the do-nothing server's,
every answer correct).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bench.common import (
    PAGES_PER_REGION,
    REGIONS,
    Ack,
    CpuWindow,
    Report,
    add_common_args,
    answer_total,
    collect_answers,
    expected_total,
    fire,
    fire_in_subprocess,
    listen_overflows,
    ms,
    parse_env_overrides,
    percentile,
    prepare_commands,
    process_tree,
    stack,
)

SUMMARIES = "/audit/restore-job-summaries"
P99_TARGET = 0.250
RATIO_TARGET = 3.0  # bot's ack p99 / the do-nothing server's, same run


def describe(acks: Sequence[Ack]) -> str:
    lat = [a.latency for a in acks]
    ok = sum(a.status == 200 for a in acks)
    return (f"200s {ok}/{len(acks)}  ack p50 {ms(percentile(lat, 50))}  p90 {ms(percentile(lat, 90))}  "
            f"p99 {ms(percentile(lat, 99))}  max {ms(max(lat))}  (connect p99 {ms(percentile([a.connect for a in acks], 99))})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ack_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=40, help="concurrent commands per burst (default 40)")
    parser.add_argument("--latency", type=float, default=0.2, help="injected AWS latency per page, s (default 0.2)")
    parser.add_argument("--rounds", type=int, default=3, help="bursts to send (default 3)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the bot, e.g. WEB_CONCURRENCY=2 (repeatable)")
    parser.add_argument("--loadgen-process", action="store_true",
                        help="send the burst from a separate process (not the one running the fakes)")
    parser.add_argument("--dump-acks", help=argparse.SUPPRESS)  # experiments: every ack as JSON
    parser.add_argument("--python", help=argparse.SUPPRESS)  # experiments: run the bot with another interpreter
    add_common_args(parser)
    args = parser.parse_args(argv)

    report = Report("ack_latency")
    all_acks: list[Ack] = []
    baseline_acks: list[Ack] = []
    correct_total = 0
    last_answers: list[float] = []
    env = parse_env_overrides(args.env)
    print(f"ack latency: {args.commands} concurrent commands x {args.rounds} rounds; AWS emulator: "
          f"{len(REGIONS)} regions x {PAGES_PER_REGION} pages x {args.latency:g} s"
          + (f"; bot env {env}" if env else "") + ("; load generator in its own process" if args.loadgen_process else ""))
    with stack(args.latency, env=env, python=args.python, backlog=args.fake_backlog, do_nothing=True) as s:
        assert s.bot is not None and s.do_nothing is not None
        expected = expected_total(s.counts)
        send = fire_in_subprocess if args.loadgen_process else fire
        for rnd in range(1, args.rounds + 1):
            s.inject_latency()
            s.slack.reset()
            keys = [f"r{rnd}-{i}" for i in range(args.commands)]
            prepared = prepare_commands(s.bot, keys)
            baseline = send(s.do_nothing.events_url, prepare_commands(s.bot, [f"{k}-baseline" for k in keys]))
            overflows = listen_overflows()
            with CpuWindow(process_tree(s.bot.process.pid)) as cpu:
                acks = send(s.bot.events_url, prepared)
                burst_start = min(a.sent_at for a in acks)
                answers = collect_answers(s.slack, keys, timeout=60 + args.commands * args.latency)
            received = [a for a in answers.values() if a is not None]
            correct = sum(1 for a in received if answer_total(a) == expected and not a.rejected)
            last = max((a.time for a in received), default=float("nan")) - burst_start
            overflows = listen_overflows() - overflows
            pages = len(s.emulator.calls(SUMMARIES)) / max(1, len(received) * len(REGIONS))
            print(f"round {rnd}: {describe(acks)}")
            print(f"         do-nothing server: {describe(baseline)}")
            print(f"         answers correct {correct}/{len(keys)} (expected total {expected:,})  "
                  f"last answer after {last:.2f} s  AWS pages per region per answer {pages:.1f}"
                  + (f"  TCP listen overflows {overflows}" if overflows else ""))
            errors = sorted({a.error or str(a.status) for a in acks if a.status != 200})
            auth_tests = len(s.slack.calls_to("auth.test"))
            print(f"         {cpu.describe()}; auth.test calls {auth_tests}")
            if errors:
                print(f"         failed acks: {errors}")
            wrong = [(k, answer_total(a) if a else None) for k, a in answers.items()
                     if a is None or answer_total(a) != expected][:3]
            if wrong:
                print(f"         wrong/missing answers (key, total), first 3: {wrong}")
            if auth_tests:
                report.notes.append(f"round {rnd}: {auth_tests} auth.test call(s) made inside the ack path "
                                    "(Bolt's SingleTeamAuthorization on a worker's first requests)")
            report.extra.setdefault("rounds", []).append({
                "p50": percentile([a.latency for a in acks], 50), "p99": percentile([a.latency for a in acks], 99),
                "max": max(a.latency for a in acks), "ok200": sum(a.status == 200 for a in acks),
                "correct": correct, "last_answer": last, "auth_test": auth_tests, "bot_cpu": cpu.bot, "other_cpu": cpu.other, "wall": cpu.wall,
                "overflows": overflows, "baseline_p99": percentile([a.latency for a in baseline], 99)})
            all_acks += acks
            baseline_acks += baseline
            correct_total += correct
            last_answers.append(last)
        if "Traceback" in s.bot.log_text():
            report.notes.append("the bot logged a traceback during the run")

    lat = [a.latency for a in all_acks]
    n = len(all_acks)
    ok200 = sum(a.status == 200 for a in all_acks)
    base = [a.latency for a in baseline_acks]
    ratio = percentile(lat, 99) / percentile(base, 99)
    print(f"overall ({args.rounds} rounds, {n} commands): {describe(all_acks)}")
    print(f"do-nothing server, same bursts: {describe(baseline_acks)}")
    print(f"ack p99: bot {ms(percentile(lat, 99))} / do-nothing {ms(percentile(base, 99))} = {ratio:.1f}x")
    report.add("acks 200", f"{ok200}/{n}", "all", ok200 == n)
    report.add("ack p50", ms(percentile(lat, 50)))
    report.add("ack p90", ms(percentile(lat, 90)))
    report.add("ack p99", ms(percentile(lat, 99)), f"< {ms(P99_TARGET)}", percentile(lat, 99) < P99_TARGET)
    report.add("ack max", ms(max(lat)))
    report.add("do-nothing ack p99", ms(percentile(base, 99)))
    report.add("ack p99 / do-nothing", f"{ratio:.1f}x", f"<= {RATIO_TARGET:g}x", ratio <= RATIO_TARGET)
    report.add("answers correct", f"{correct_total}/{n}", "all", correct_total == n)
    report.add("last answer (worst round)", f"{max(last_answers):.2f} s")
    report.extra.update(p50=percentile(lat, 50), p90=percentile(lat, 90), p99=percentile(lat, 99), max=max(lat),
                        latencies=lat, baseline_p99=percentile(base, 99), baseline_latencies=base, ratio=ratio)
    report.print()
    report.save(args.summary_json)
    if args.dump_acks:
        import json
        from dataclasses import asdict

        with open(args.dump_acks, "w") as f:
            json.dump([asdict(a) for a in all_acks], f)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
