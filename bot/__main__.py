"""The single entry point: `python -m bot serve|socket|ask` (see README)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn, TypeVar

from bot.config import ConfigError, Mode, Settings, load_settings
from bot.domain.query import COMMAND

if TYPE_CHECKING:
    from bot.answers.grammar import ParsedCommand
    from bot.aws.client import BackupService
    from bot.store.migrate import Migration
    from bot.wiring import Wiring

T = TypeVar("T")

EXIT_CONFIG = 2
EXIT_INCOMPLETE = 1
# The exit statuses every command keeps (`python -m bot --help` prints them).
EXIT_STATUSES = """exit status:
  0  done: answered, posted, or (check) all good
  1  done, but incomplete: a region, account or page could not be read (the output says which), or (check)
     something does not work
  2  refused: bad input or configuration (a command the grammar does not take, a missing or wrong setting, an
     unusable database), or (check) a process would refuse to start"""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

log = logging.getLogger("bot")


def _settings(mode: Mode, env: dict[str, str] | None = None) -> Settings:
    """The validated settings of a process of `mode`, or every problem, one line each, and exit 2 (bot.preflight: the
    same validation `check` lists for every process)."""
    try:
        return load_settings(env if env is not None else dict(os.environ), mode)
    except ConfigError as error:
        _refuse(error)


def _refuse(error: ConfigError) -> NoReturn:
    for problem in error.problems:
        print(f"configuration error: {problem}", file=sys.stderr)
    raise SystemExit(EXIT_CONFIG) from None


def _check_slack_token(settings: Settings) -> None:
    """Fail fast on a wrong token; a Slack outage at start-up only warns (the process keeps serving)."""
    from bot.preflight import slack_auth
    from bot.slack.client import create_web_client

    auth = slack_auth(settings, lambda: create_web_client(settings))
    if auth.refusal is not None:
        _refuse(ConfigError(auth.refusal))
    if auth.trouble is not None:
        log.warning("%s; serving anyway", auth.trouble)
    else:
        log.info("slack auth ok team=%s bot_user=%s", auth.response.get("team_id"), auth.response.get("user_id"))


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.web.app import create_web_app
    from bot.web.server import serve
    from bot.wiring import Wiring

    settings = _settings("http")
    _check_slack_token(settings)
    # Once, in the arbiter, before gunicorn forks: the workers find the schema current. No connection survives the fork.
    wiring = Wiring(settings)
    _upgrade_schema(wiring)
    wiring.engine.dispose()
    from bot.logs import secrets_from_env

    serve(
        settings,
        lambda: create_web_app(settings),
        host=args.host,
        secrets=secrets_from_env(dict(os.environ)),
    )
    return 0


def cmd_socket(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.web.app import create_app, warm
    from bot.wiring import Wiring

    settings = _settings("socket")
    _check_slack_token(settings)
    wiring = Wiring(settings, serving=True)
    _upgrade_schema(wiring)
    warm(wiring)
    app = create_app(wiring)
    handler = SocketModeHandler(app, settings.slack_app_token, web_client=wiring.web_client)
    handler.start()  # type: ignore[no-untyped-call]
    return 0


def _local_settings(sample: bool, mode: Mode = "local", env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    if sample:
        from bot.sample.estate import SAMPLE_REGIONS

        env.setdefault("RESTORES_REGIONS", ",".join(SAMPLE_REGIONS))
    return _settings(mode, env)


@contextmanager
def _backup(settings: Settings, *, sample: bool) -> Iterator[BackupService]:
    """The AWS client module, for real or against the bundled sample data (same code path, over HTTP)."""
    from bot.aws.client import BackupService
    from bot.aws.identity import IdentityReader

    emulator = None
    if sample:
        import boto3

        from bot.sample.data import sample_emulator

        emulator = sample_emulator().start()

        def session() -> boto3.session.Session:
            # Throwaway credentials: the emulator is on loopback and checks only the signature's shape.
            return boto3.session.Session(aws_access_key_id="sample", aws_secret_access_key="sample")  # noqa: S106

        backup = BackupService(session, endpoint_url=emulator.url, deadline_seconds=settings.aws_deadline_seconds,
                               identity=IdentityReader(session, endpoint_url=emulator.url))
    else:
        backup = BackupService(deadline_seconds=settings.aws_deadline_seconds, identity=IdentityReader())
    try:
        yield backup
    finally:
        backup.close()
        if emulator is not None:
            emulator.stop()


def cmd_ask(args: argparse.Namespace) -> int:
    """Exit status as documented in `--help` (EXIT_STATUSES): 2 for a command the grammar refuses, 1 when a read the
    answer rests on failed or was cut short (a region, account or page not read: the answer says which), else 0."""
    from bot.answers.grammar import parse_command
    from bot.answers.reads import BACKUP_READS, RECOVERABILITY_READS, TESTING_READS, ReadWatch
    from bot.answers.terminal import message_as_text
    from bot.domain.query import ParseError
    from bot.wiring import Wiring

    settings = _local_settings(args.sample)
    text = " ".join(args.text)
    watch = ReadWatch()
    with _backup(settings, sample=args.sample) as backup:
        wiring = Wiring(settings, backup=backup, sample=args.sample)
        watch.watch(backup, BACKUP_READS)
        watch.watch(wiring.testing_reader, TESTING_READS)
        watch.watch(wiring.recoverability, RECOVERABILITY_READS)
        message = wiring.answers.answer(text)
        try:
            parsed = parse_command(text, wiring.regions.current())  # as the answer did: its words are in the message
            refused = _names_refused(parsed, wiring)
        except ParseError:
            refused = True
    if args.json:
        print(json.dumps({"text": message.text, "blocks": message.block_dicts()}, indent=2, ensure_ascii=False))
    else:
        print(message_as_text(message), end="")
    return EXIT_CONFIG if refused else EXIT_INCOMPLETE if watch.incomplete else 0


def _names_refused(parsed: ParsedCommand, wiring: Wiring) -> bool:
    """Whether the command's `account:<name>` or `ou:<name|id>` names no account, or several, in a directory that was
    read: bad input, like a grammar refusal (the answer, already given, said which and offered close names). An
    organisation that cannot be read now is not the user's mistake: the answer's own status stands."""
    from bot.domain.org_scopes import Unresolved, resolve_filter
    from bot.domain.query import RestoreFilter

    part = parsed.tests or parsed.recoverability or parsed.export
    account_name, unit = getattr(part, "account_name", None), getattr(part, "unit", None)
    if part is None:
        account_name, unit = parsed.filter.account_name, parsed.filter.unit
    if account_name is None and unit is None:
        return False
    try:
        resolve_filter(RestoreFilter(account_name=account_name, unit=unit), wiring.directory)
    except Unresolved:
        return wiring.directory.current() is not None
    return False


def cmd_chart(args: argparse.Namespace) -> int:
    """The 14-day trend chart as PNG: of the bundled sample data (`--sample`, the README's picture), or of a filter
    read from AWS (or, with --sample and a filter, from the sample data through the same code path). The chart in
    words goes to stderr."""
    from bot.charts.grammar import parse_chart
    from bot.charts.render import render_png, sample_series
    from bot.domain.query import ParseError
    from bot.wiring import Wiring

    if not args.output and sys.stdout.isatty():
        print("usage error: a PNG does not belong on a terminal: redirect it (> chart.png) or use --output",
              file=sys.stderr)
        return EXIT_CONFIG
    if args.sample and not args.text:
        series = sample_series()
    else:
        settings = _local_settings(args.sample)
        text = " ".join(args.text)
        try:
            flt = parse_chart(text, settings.regions)  # a window word is refused by its own name
        except ParseError as error:
            print(f"usage error: {error}", file=sys.stderr)
            return EXIT_CONFIG
        with _backup(settings, sample=args.sample) as backup:
            answers = Wiring(settings, backup=backup, sample=args.sample).answers
            result, series, command_text = answers.chart_of(flt)
        if result.failures or result.truncated:
            missing = [f"{f.region}: {f.message}" for f in result.failures] + [f"{r}: cut short" for r in result.truncated]
            print(f"no chart of partial numbers for `{command_text}`: {'; '.join(missing)}", file=sys.stderr)
            return 1
    png = render_png(series)
    if args.output:
        with open(args.output, "wb") as out:
            out.write(png)
    else:
        sys.stdout.buffer.write(png)
    print(series.alt_text(), file=sys.stderr)
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from bot.answers.terminal import message_as_text
    from bot.domain.ids import CHANNEL_RE
    from bot.wiring import Wiring

    if args.sample and not args.dry_run:
        print("usage error: --sample only goes with --dry-run (sample numbers must never reach a channel)", file=sys.stderr)
        return EXIT_CONFIG
    env = dict(os.environ)
    if args.channel:
        if not CHANNEL_RE.match(args.channel):
            print(f"usage error: --channel {args.channel!r} is not a Slack channel ID (e.g. C0123ABCD)", file=sys.stderr)
            return EXIT_CONFIG
        env["RESTORES_DIGEST_CHANNELS"] = args.channel
    settings = _local_settings(args.sample, "local" if args.dry_run else "digest", env)
    with _backup(settings, sample=args.sample) as backup:
        wiring = Wiring(settings, backup=backup, sample=args.sample)
        if not args.dry_run:  # a dry run reads no table: it leaves the database alone
            _upgrade_schema(wiring)
        runner = _or_config_error(lambda: wiring.digest(posting=not args.dry_run))
        if not args.dry_run and not runner.channels():
            print("configuration error: no channel gets the digest: set RESTORES_DIGEST_CHANNELS or run "
                  f"`{COMMAND} subscribe digest` in a channel", file=sys.stderr)
            return EXIT_CONFIG
        # --channel posts there only; otherwise every channel, static and subscribed.
        run = runner.run(force=args.force, dry_run=args.dry_run, channels=(args.channel,) if args.channel else None)
    if args.dry_run and run.message is not None:
        print(message_as_text(run.message), end="")
    print(run.summary(), file=sys.stderr)
    return 0 if run.ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    """Every restore job of a window as one CSV file on stdout (`> restores.csv`), streamed whatever its size; its
    trailer, also on stderr, states the window and what was not read (exit 1 when a region or account failed)."""
    from bot.domain.access import OutOfScope
    from bot.domain.query import ParseError
    from bot.domain.regions import partitions_of
    from bot.domain.tokens import tokenize
    from bot.export.grammar import EXPORT_ACCEPTED, parse_export
    from bot.export.render import trailer
    from bot.wiring import Wiring

    settings = _local_settings(args.sample)
    with _backup(settings, sample=args.sample) as backup:
        wiring = Wiring(settings, backup=backup, sample=args.sample)
        regions = wiring.regions.current()
        try:
            query = parse_export(tokenize(" ".join(args.text)), regions, partitions_of(regions))
        except ParseError as error:
            print(f"usage error: {error.user_message()}", file=sys.stderr)
            return EXIT_CONFIG
        access = wiring.policy.check(user_id="", channel_id="", teams=None)
        if not access.allowed:  # account scoping configured with no `*` default: the CLI is no channel
            print(f"usage error: RESTORES_CHANNEL_ACCOUNTS gives no scope to the command line ({EXPORT_ACCEPTED})",
                  file=sys.stderr)
            return EXIT_CONFIG
        try:
            result = wiring.exports.write(query, access, sys.stdout.buffer)  # names and accounts from the directory
        except OutOfScope as error:
            print(f"usage error: {error}", file=sys.stderr)
            return EXIT_CONFIG
    print(f"# {trailer(result)}", file=sys.stderr)
    return 1 if result.failures or result.unasked else 0


def cmd_check(args: argparse.Namespace) -> int:
    from bot.check import run_check
    from bot.config import read_settings
    from bot.slack.client import create_web_client
    from bot.wiring import Wiring

    env = dict(os.environ)
    settings, _ = read_settings(env)  # what is wrong is listed by the check itself, all of it
    with _backup(settings, sample=False) as backup:
        report = run_check(Wiring(settings, backup=backup), lambda: create_web_client(settings), env)
    print(report.render(), end="")
    return report.exit_status


def _or_config_error(build: Callable[[], T]) -> T:
    """What the wiring builds, or the configuration error it met (an unusable DATABASE_URL), as every command says it."""
    try:
        return build()
    except ConfigError as error:
        _refuse(error)


def _upgrade_schema(wiring: Wiring) -> Migration:
    """DATABASE_URL at this release's newest revision before the process does anything else (README: Upgrades and
    rollbacks): under a lock, so replicas starting together migrate once; a newer schema stops the process (exit 2)."""
    done = _or_config_error(wiring.upgrade_schema)
    log.info("database schema: %s", done.describe())
    return done


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.logs import mask_url
    from bot.wiring import Wiring

    settings = _settings("local")
    done = _or_config_error(lambda: Wiring(settings).upgrade_schema(args.to))
    print(f"{mask_url(settings.database_url)}: {done.describe()}")
    return 0


def cmd_poll(args: argparse.Namespace) -> int:
    from bot.wiring import Wiring

    settings = _settings("poll")
    with _backup(settings, sample=False) as backup:
        wiring = Wiring(settings, backup=backup)
        _upgrade_schema(wiring)
        run = _or_config_error(lambda: wiring.alerts).poll()
    print(run.summary(), file=sys.stderr)
    return 0 if run.ok else 1


def cmd_clock(args: argparse.Namespace) -> int:
    from bot.alerts.clock import PollerLease, add_alert_jobs
    from bot.digest.clock import run_clock
    from bot.wiring import Wiring

    settings = _settings("clock")
    _check_slack_token(settings)
    with _backup(settings, sample=False) as backup:
        wiring = Wiring(settings, backup=backup)
        _upgrade_schema(wiring)
        runner = _or_config_error(lambda: wiring.digest())
        poller = _or_config_error(lambda: wiring.alerts)
        lease = PollerLease(wiring.lease_store, poller.owner, settings.alert_interval_seconds)
        try:
            run_clock(settings, runner.tick,
                      lambda scheduler: add_alert_jobs(scheduler, settings.alert_interval_seconds, poller, lease))
        finally:
            lease.release()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="restores bot: AWS Backup restores in Slack",
                                     epilog=EXIT_STATUSES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="HTTP mode: POST /slack/events, GET /healthz on 0.0.0.0:$PORT")
    serve.add_argument("--host", default="0.0.0.0", help="address to bind (default 0.0.0.0)")
    serve.set_defaults(func=cmd_serve)

    socket = sub.add_parser("socket", help="Socket Mode with SLACK_APP_TOKEN (no public URL needed)")
    socket.set_defaults(func=cmd_socket)

    ask = sub.add_parser("ask", help=f"answer a {COMMAND} command here, as text")
    ask.add_argument("--sample", action="store_true", help="use the bundled sample data (no AWS or Slack needed)")
    ask.add_argument("--json", action="store_true", help="print the Block Kit payload instead of text")
    ask.add_argument("text", nargs="*", help='the command text, e.g. "failed 7d type:EBS"')
    ask.set_defaults(func=cmd_ask)

    digest = sub.add_parser("digest", help="post the daily FAILED/ABORTED digest now, once per channel and day")
    digest.add_argument("--dry-run", action="store_true", help="print the digest, post nothing")
    digest.add_argument("--force", action="store_true", help="post even if today's digest was posted already")
    digest.add_argument("--channel", help="post to this channel ID only (default: RESTORES_DIGEST_CHANNELS)")
    digest.add_argument("--sample", action="store_true", help="with --dry-run: use the bundled sample data")
    digest.set_defaults(func=cmd_digest)

    chart = sub.add_parser("chart", help="write the 14-day trend chart of a filter as PNG (to stdout or --output)")
    chart.add_argument("--sample", action="store_true", help="use the bundled sample data (no AWS needed)")
    chart.add_argument("--output", "-o", help="write the PNG to this file instead of stdout")
    chart.add_argument("text", nargs="*", help='a filter, e.g. "type:EBS account:ANY" (always 14 days, a bar a day)')
    chart.set_defaults(func=cmd_chart)

    clock = sub.add_parser("clock", help="the scheduler process: the digest every day at RESTORES_DIGEST_TIME")
    clock.set_defaults(func=cmd_clock)

    poll = sub.add_parser("poll", help="one alert poll, then exit (for cron; the clock polls every RESTORES_ALERT_INTERVAL)")
    poll.set_defaults(func=cmd_poll)

    migrate = sub.add_parser("migrate", help="upgrade DATABASE_URL's schema to this release's newest revision (every "
                             "process also does it at start)")
    migrate.add_argument("--to", metavar="REVISION",
                         help="upgrade or downgrade to this revision instead (a rollback: run it with the newer release)")
    migrate.set_defaults(func=cmd_migrate)

    export = sub.add_parser("export", help="every restore job of a window as CSV on stdout (> restores.csv)")
    export.add_argument("--sample", action="store_true", help="use the bundled sample data (no AWS needed)")
    export.add_argument("text", nargs="*", help='e.g. "30d account:ANY" (7d|30d|90d, default 30d; region:…)')
    export.set_defaults(func=cmd_export)

    check = sub.add_parser("check", help="the effective configuration, what each process would refuse at start, and "
                           "what works in the database, Slack and AWS (exit 2: a process would refuse to start)")
    check.set_defaults(func=cmd_check)
    for command in sub.choices.values():  # every command's --help says what its exit status means
        command.epilog, command.formatter_class = EXIT_STATUSES, argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.logs import configure_logging, secrets_from_env

    args = build_parser().parse_args(argv)
    # `ask` and dry runs print an answer: keep the terminal for it unless LOG_LEVEL asks for more.
    quiet = args.command in ("ask", "check", "chart", "export") or getattr(args, "dry_run", False)
    level = os.environ.get("LOG_LEVEL", "").strip().upper()
    if level not in LOG_LEVELS:
        level = "WARNING" if quiet else "INFO"
    fmt = "json" if os.environ.get("LOG_FORMAT", "").strip().lower() == "json" else "text"
    configure_logging(level, fmt, secrets_from_env(dict(os.environ)))
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
