"""Helpers shared by the test modules: import them from here (or from tests/fakes/), never from conftest or another
test module. Constants and environments, the bot as a real process (BotProcess) and in this process (AppBot) behind
one interface, and the data sets and Slack-side gestures (commands, clicks) the tiers share."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import boto3
import botocore.session

from bot.alerts.poll import AlertPoller
from bot.alerts.targets import static_targets
from bot.answers.service import RestoresService
from bot.aws.client import BackupService
from bot.config import Settings, load_settings
from bot.sample.records import DailyCount, RestoreJob, RestoreTestingPlan, RestoreTestingSelection
from bot.slack.blocks import MAX_BLOCKS, MAX_FIELD_TEXT, MAX_FIELDS, MAX_MESSAGE_CHARS, MAX_SECTION_TEXT, Message
from bot.store.alerts import AlertStore
from bot.web.admission import Gate
from bot.web.app import create_app
from bot.web.front import create_wsgi_app
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator, multi_page_counts
from tests.fakes.signing import (
    app_home_opened,
    block_actions_body,
    click_payload,
    command_body,
    event_callback_body,
    home_click_payload,
    post_signed,
)
from tests.fakes.slack import FakeSlack, ResponsePost, SlackCall

REPO = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------- the clock

# A test's expected figures and the bot's windows must come from the same UTC day. No test takes this long;
# starting one this close to midnight waits the boundary out instead of straddling it.
MIDNIGHT_MARGIN = timedelta(minutes=3)


def settled_now(margin: timedelta = MIDNIGHT_MARGIN) -> datetime:
    """The wall clock's now (the clock the bot, its subprocesses and the emulator read; CI also runs the suite with
    it shifted by libfaketime), never within `margin` of the next UTC midnight."""
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    if midnight - now < margin:
        time.sleep((midnight - now).total_seconds() + 1)
        now = datetime.now(UTC)
    return now


# --------------------------------------------------------------------------- the bot's environment

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"
E2E_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
API_ACCOUNT_RE = re.compile(r"[0-9]{12}")  # the AWS API's pattern: ASCII digits only, nothing after them

# Proxies would send loopback traffic elsewhere (slack_sdk ignores NO_PROXY).
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment of a new user's shell: no AWS, Slack or proxy settings leaking in from this machine."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "SLACK_", "RESTORES_")) and k not in PROXY_VARS}
    env.update(overrides)
    return env


def bot_environment(aws_endpoint: str, slack_api_url: str, aws_dir: Path, **overrides: str) -> dict[str, str]:
    """`python -m bot serve`'s environment wired to the loopback fakes, with throwaway credentials and empty
    AWS config files (nothing from this machine's AWS set-up leaks in)."""
    (aws_dir / "config").write_text("")
    (aws_dir / "credentials").write_text("")
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api_url,
        AWS_ENDPOINT_URL_BACKUP=aws_endpoint,
        # Who the caller is (sts:GetCallerIdentity, organizations:DescribeOrganization): the same emulator.
        AWS_ENDPOINT_URL_STS=aws_endpoint,
        AWS_ENDPOINT_URL_ORGANIZATIONS=aws_endpoint,
        AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API=aws_endpoint,  # coverage's restore-critical tags
        AWS_ACCESS_KEY_ID="AKIDE2ETESTING",
        AWS_SECRET_ACCESS_KEY="e2e-aws-secret-key-do-not-log",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(aws_dir / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(aws_dir / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        # The bot's state (replay records, the ledger) in a throwaway file, never in the working directory.
        DATABASE_URL=f"sqlite:///{aws_dir / 'state.sqlite3'}",
    )
    env.update(overrides)
    return env


# --------------------------------------------------------------------------- a running bot, two ways


@dataclass(kw_only=True)
class RunningBot:
    """What a test does with a bot that serves POST /slack/events: send it what Slack sends, signed."""

    url: str
    slack: FakeSlack
    secret: str = SIGNING_SECRET
    _keys: int = field(default=0, repr=False)

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    def post_command(self, text: str, *, user_id: str = "U0USER", channel_id: str = "C0CHAN",
                     key: str | None = None, timestamp: int | None = None) -> tuple[int, str]:
        """Send a signed slash command; returns the ack status and the response_url key."""
        self._keys += 1
        key = key or f"cmd-{self._keys}-{time.monotonic_ns()}"
        body = command_body(text, response_url=self.slack.response_url(key), user_id=user_id, channel_id=channel_id)
        status, _, _ = post_signed(self.events_url, self.secret, body, timestamp=timestamp)
        return status, key

    def ask(self, text: str, **kwargs: str) -> ResponsePost:
        """Send a command and wait for its answer through response_url: the only post, or, for a long org-wide
        answer, the final one that replaces the first ("still counting") in place."""
        status, key = self.post_command(text, **kwargs)
        assert status == 200, f"ack status {status}"
        return final_answer(self.slack, key)


STILL_COUNTING = "[still counting accounts]"


def final_answer(slack: FakeSlack, key: str, timeout: float = 30) -> ResponsePost:
    """The answer to one command: a first post saying it is still counting is followed by the full answer with
    replace_original (checked here), and nothing else is posted to that response_url."""
    first = slack.wait_for_responses(1, key=key, timeout=timeout)[0]
    if not str(first.body.get("text", "")).startswith(STILL_COUNTING):
        return first
    _, final = slack.wait_for_responses(2, key=key, timeout=timeout)[:2]
    assert final.body.get("replace_original") is True, "the full answer must replace the first in place"
    return final


@dataclass(kw_only=True)
class BotProcess(RunningBot):
    """`python -m bot serve` (gunicorn) as a subprocess, wired to the loopback fakes."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_bot(env: dict[str, str], slack: FakeSlack, log_dir: Path, *, timeout: float = 20.0) -> BotProcess:
    port = free_port()
    env = dict(env, PORT=str(port))
    log_path = log_dir / f"bot-{port}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"],
        cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )
    bot = BotProcess(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, slack=slack)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"bot exited with {process.returncode}:\n{bot.log_text()}")
        try:
            with urllib.request.urlopen(bot.url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return bot
        except OSError:
            time.sleep(0.1)
    bot.stop()
    raise AssertionError(f"bot did not become healthy in {timeout} s:\n{bot.log_text()}")


@dataclass(kw_only=True)
class AppBot(RunningBot):
    """The bot's WSGI app in this process: built by the composition root from the same environment `serve` gets,
    served on a loopback thread. The same requests, listeners, boto3 and slack_sdk calls as the real process, without
    starting one (milliseconds instead of seconds); what only a process shows (gunicorn, logs, signals) stays e2e."""

    server: WSGIServer
    backup: BackupService
    lazy: LazyListenerPool
    gate: Gate

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every lazy listener the bot has started is done: after it, whatever the requests sent so far
        were going to do to AWS or a response_url has been done (for requests that started none, at once). Stronger
        than sleeping a while and hoping a listener would have shown up by then."""
        # Answers are handed to the pool by the gate's own thread (bot.web.admission): first every one handed over.
        assert self.gate.executor(self.lazy).wait_handed_over(timeout), f"answers not handed over after {timeout} s"
        assert self.lazy.wait_idle(timeout), f"lazy listeners still running after {timeout} s"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.lazy.shutdown(wait=True)
        self.backup.close()


class LazyListenerPool(ThreadPoolExecutor):
    """The pool Bolt runs lazy listeners on (create_app's listener_executor, as in bot.web.app.create_web_app), counting
    the work in flight."""

    def __init__(self) -> None:
        super().__init__(max_workers=64, thread_name_prefix="lazy")
        self._in_flight = 0
        self._changed = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._changed:
            self._in_flight += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future[Any]) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._in_flight == 0, timeout)


def aws_session(env: Mapping[str, str]) -> boto3.session.Session:
    """The boto3 session the bot's process would build from `env`, built without putting `env` in this process's
    environment: its credentials, its (empty) AWS config files and AWS_MAX_ATTEMPTS."""
    core = botocore.session.Session()
    for variable, name in (("AWS_CONFIG_FILE", "config_file"), ("AWS_SHARED_CREDENTIALS_FILE", "credentials_file")):
        if env.get(variable):
            core.set_config_variable(name, env[variable])
    if env.get("AWS_MAX_ATTEMPTS"):
        core.set_config_variable("max_attempts", int(env["AWS_MAX_ATTEMPTS"]))
    return boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                 aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], botocore_session=core)


def restores_service(env: Mapping[str, str]) -> RestoresService:
    """The application service bot.wiring builds for `serve` from `env` (Settings, deadline, cache TTL, the
    installation's workspace from auth.test), its boto3 clients on AWS_ENDPOINT_URL_BACKUP whatever the region. Close
    `service.backup` when done."""
    settings = load_settings(env, "http")
    backup = BackupService(lambda: aws_session(env), endpoint_url=env["AWS_ENDPOINT_URL_BACKUP"],
                           deadline_seconds=settings.aws_deadline_seconds, cache_ttl=settings.cache_ttl)
    return Wiring(settings, backup=backup, serving=True).answers


def start_app_bot(env: Mapping[str, str], slack: FakeSlack) -> AppBot:
    """`python -m bot serve` minus the process: the service from `env`, then
    bot.web.front.create_wsgi_app(bot.web.app.create_app(wiring, listener_executor), secret), as
    bot.web.app.create_web_app builds what each gunicorn worker serves."""
    settings = load_settings(env, "http")
    backup = BackupService(lambda: aws_session(env), endpoint_url=env["AWS_ENDPOINT_URL_BACKUP"],
                           deadline_seconds=settings.aws_deadline_seconds, cache_ttl=settings.cache_ttl)
    lazy = LazyListenerPool()
    wiring = Wiring(settings, backup=backup, serving=True)
    gate = Gate(settings.user_concurrency, settings.max_in_flight)
    wsgi = create_wsgi_app(create_app(wiring, listener_executor=lazy, gate=gate), settings.slack_signing_secret,
                           acks=gate.acks)
    server = make_server("127.0.0.1", 0, _reading_whole_body(wsgi), server_class=_ThreadingWSGIServer,
                         handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="app-bot", daemon=True).start()
    return AppBot(url=f"http://127.0.0.1:{server.server_port}", slack=slack, secret=settings.slack_signing_secret,
                  server=server, backup=backup, lazy=lazy, gate=gate)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
        pass


class _Body:
    """wsgi.input limited to Content-Length, remembering how much is left unread."""

    def __init__(self, stream: Any, length: int) -> None:
        self.stream = stream
        self.left = length

    def read(self, size: int | None = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data: bytes = self.stream.read(size) if size > 0 else b""
        self.left -= len(data)
        return data


def _reading_whole_body(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """gunicorn reads what an app left of a request body before the connection closes; wsgiref does not, and the
    client of an answer given without reading the body (405, 413) would see a reset instead of the answer."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
        except ValueError:
            length = 0
        body = _Body(environ["wsgi.input"], length)
        environ["wsgi.input"] = body
        try:
            return list(app(environ, start_response))
        finally:
            while body.left > 0 and body.read(1 << 16):
                pass

    return wsgi


# --------------------------------------------------------------------------- summaries: a data set and its answers

SUMMARIES = "/audit/restore-job-summaries"
JOBS_PATH = "/restore-jobs/"
DATASET_ACCOUNTS = ("111122223333", "444455556666", "777788889999")
DATASET_TYPES = ("EBS", "RDS", "DynamoDB", "EFS")


def load_dataset(emulator: BackupEmulator, today: date) -> list[DailyCount]:
    """Three regions × three accounts × four types × 14 days: several pages per region at the emulator's page size."""
    counts = multi_page_counts(E2E_REGIONS, DATASET_ACCOUNTS, DATASET_TYPES, 14, today)
    emulator.load(counts=counts)
    return counts


# Per-channel account scopes (RESTORES_CHANNEL_ACCOUNTS): one account, two accounts, and every account.
CHANNEL_SCOPES = f"C0TEAMA={DATASET_ACCOUNTS[0]};C0TEAMAB={DATASET_ACCOUNTS[0]},{DATASET_ACCOUNTS[1]};C0PLATFORM=ANY"


def blocks_text(answer: Any) -> str:
    return json.dumps(answer.body.get("blocks", []), ensure_ascii=False)


def totals_field(answer: Any) -> str:
    """The headline count of a summary answer: "*9 restore jobs* in 2 regions" (over states, with a field per state),
    or ":x: *9 failed restore jobs* in 2 regions" (one state)."""
    section = next(b for b in answer.body["blocks"] if b["type"] == "section"
                   and re.search(r"\*[\d,]+ (\w+ )?restore jobs?\*", b.get("text", {}).get("text", "")))
    return str(section["text"]["text"])


# --------------------------------------------------------------------------- jobs: a data set and clicks

PLAN = "arn:aws:backup:us-east-1:111122223333:restore-testing-plan:nightly_rds_check-1a2b3c4d"
REASONS = {
    "kms": "Access denied to KMS key arn:aws:kms:{region}:{account}:key/{n:08d}-aaaa-bbbb-cccc-000000000000",
    "capacity": "Insufficient capacity for instance type r6i.4xlarge in Availability Zone {region}a",
    "subnet": "The subnet ID 'subnet-0abc{n:013x}' does not exist",
}


def make_jobs(today: date) -> list[RestoreJob]:
    """FAILED and ABORTED jobs over the last 7 days in two regions and two accounts; some from restore testing."""
    jobs: list[RestoreJob] = []
    plan = [("kms", "RDS", 9), ("capacity", "EC2", 5), ("subnet", "EBS", 3)]
    n = 0
    for region in ("us-east-1", "eu-west-1"):
        for account in ("111122223333", "444455556666"):
            for reason, rtype, count in plan:
                for i in range(count):
                    n += 1
                    created = datetime.combine(today - timedelta(days=1 + i % 6), datetime.min.time(), UTC) + timedelta(hours=i)
                    test = reason == "kms" and i % 3 == 0
                    jobs.append(RestoreJob(
                        region=region, account_id=account, job_id=f"job-{n:05d}", status="FAILED",
                        resource_type=rtype, created=created,
                        status_message=REASONS[reason].format(region=region, account=account, n=n),
                        created_resource_arn=f"arn:aws:rds:{region}:{account}:db:db-{n}",
                        restore_testing_plan_arn=PLAN if test else None,
                        validation_status="FAILED" if test and i % 2 else ("SUCCESSFUL" if test else None),
                    ))
            n += 1
            jobs.append(RestoreJob(region=region, account_id=account, job_id=f"job-{n:05d}", status="ABORTED",
                                   resource_type="EFS", created=datetime.combine(today - timedelta(days=2), datetime.min.time(), UTC),
                                   status_message="Restore aborted by user"))
    return jobs


def counts_from(jobs: list[RestoreJob]) -> list[DailyCount]:
    per = Counter((j.region, j.account_id, j.status, j.resource_type, j.created.date()) for j in jobs)
    return [DailyCount(r, a, s, t, d, n) for (r, a, s, t, d), n in per.items()]


def actions_of(answer: ResponsePost) -> dict[str, dict[str, Any]]:
    """Every interactive element of an answer by action_id; select options by their text."""
    found: dict[str, dict[str, Any]] = {}
    for block in answer.body.get("blocks", []):
        if block["type"] != "actions":
            continue
        for element in block["elements"]:
            found[element["action_id"]] = element
            for group in element.get("option_groups", []):
                for option in group["options"]:
                    found["option:" + option["text"]["text"]] = option
    return found


def click(bot: RunningBot, slack: FakeSlack, action_id: str, value: str, *, select: bool = False,
          user_id: str = "U0USER", channel_id: str = "C0CHAN", secret: str = SIGNING_SECRET,
          expect_answers: int = 1) -> tuple[int, list[ResponsePost]]:
    """Send a block_actions payload exactly as Slack does, then wait for the answers via response_url."""
    key = f"click-{time.monotonic_ns()}"
    payload = click_payload(action_id, value, response_url=slack.response_url(key), select=select, user_id=user_id,
                            channel_id=channel_id)
    status, _, _ = post_signed(bot.events_url, secret, block_actions_body(payload))
    if status != 200 or expect_answers == 0:
        return status, []
    return status, slack.wait_for_responses(expect_answers, key=key, timeout=30)


def text_of(answer: ResponsePost) -> str:
    return json.dumps(answer.body.get("blocks", []), ensure_ascii=False)


# --------------------------------------------------------------------------- the App Home tab


def open_home(bot: RunningBot, user_id: str = "U0USER", *, team_id: str = "T0TEST", secret: str | None = None) -> int:
    """What Slack sends when a user opens the app's Home tab: a signed `app_home_opened` event_callback. The status."""
    body = event_callback_body(app_home_opened(user_id, team_id=team_id), team_id=team_id)
    status, _, _ = post_signed(bot.events_url, secret or bot.secret, body)
    return status


def click_home(bot: RunningBot, action_id: str, value: str, *, user_id: str = "U0USER") -> int:
    """A signed click on a button of the Home tab (no channel, no response_url). The status."""
    status, _, _ = post_signed(bot.events_url, bot.secret, block_actions_body(home_click_payload(action_id, value,
                                                                                                   user_id=user_id)))
    return status


def home_view(slack: FakeSlack, user_id: str, n: int = 1, timeout: float = 30) -> dict[str, Any]:
    """The n-th Home tab view views.publish accepted for this user, waited for."""
    deadline = time.monotonic() + timeout
    while len(slack.home_views(user_id)) < n:
        refused = [c.response for c in slack.calls_to("views.publish") if not c.ok]
        assert not refused, f"views.publish refused: {refused}"
        assert time.monotonic() < deadline, f"no view #{n} published for {user_id} in {timeout} s"
        time.sleep(0.02)
    return slack.home_views(user_id)[n - 1]


def home_buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a Home view, in order: actions blocks' elements and sections' accessories."""
    found = []
    for block in view["blocks"]:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"] if block["type"] == "actions" else []
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def home_text(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


# --------------------------------------------------------------------------- the digest and its clock

DIGEST_CHANNELS = ("C0DIGEST1", "C0DIGEST2", "C0DIGEST3")


def posts(slack: FakeSlack, channel: str | None = None) -> list[SlackCall]:
    """The chat.postMessage calls the fake Slack accepted (to `channel`, if given)."""
    return [c for c in slack.calls_to("chat.postMessage") if c.ok and (channel is None or c.params["channel"] == channel)]


def clock_settings(**env: str) -> Settings:
    base = {"RESTORES_REGIONS": "us-east-1", "RESTORES_DIGEST_CHANNELS": "C0CLOCK1,C0CLOCK2",
            "SLACK_BOT_TOKEN": BOT_TOKEN}
    return load_settings(dict(base, **env), "clock")


def age_claim(ledger: Any, channel: str, day: date, by: timedelta) -> None:
    """Make a ledger claim look `by` older, by the database's own clock (the only clock claims are judged by)."""
    from sqlalchemy import update

    from bot.store.db import db_now_minus
    from bot.store.ledger import deliveries

    with ledger.engine.begin() as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.channel == channel, deliveries.c.day == day)
            .values(claimed_at=db_now_minus(ledger.engine, by))
        )


# --------------------------------------------------------------------------- what Slack would render

# What Slack would turn into a mention, a broadcast or a link: `<` followed by !, @, #, or a URL scheme.
LIVE = re.compile(r"<(?:!|@|#|https?:|mailto:)")


def all_texts(message: Message) -> list[str]:
    """Every string Slack parses as mrkdwn in a message: the fallback text and each text object's text."""
    texts = [message.text]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.block_dicts())
    return texts


def assert_inert(message: Message) -> None:
    for text in all_texts(message):
        assert not LIVE.search(text), text
    for block in message.block_dicts():
        for item in block.get("fields", []):
            assert len(item["text"]) <= MAX_FIELD_TEXT


def assert_within_slack_limits(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= MAX_BLOCKS
    assert len(json.dumps(blocks)) <= MAX_MESSAGE_CHARS * 1.5
    for block in blocks:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= MAX_SECTION_TEXT
            assert len(block.get("fields", [])) <= MAX_FIELDS
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150


# --------------------------------------------------------------------------- restore testing data


@dataclass(frozen=True)
class PlanData:
    """Restore testing plans, selections and jobs for `/restores tests`, every time well inside a 7-day window."""

    plans: list[RestoreTestingPlan]
    selections: list[RestoreTestingSelection]
    jobs: list[RestoreJob]

    def load(self, emulator: BackupEmulator) -> None:
        emulator.load(plans=self.plans, selections=self.selections, jobs=self.jobs)

    def of(self, name: str) -> RestoreTestingPlan:
        return next(p for p in self.plans if p.name == name)

    def jobs_of(self, name: str) -> list[RestoreJob]:
        arn = self.of(name).arn
        return [j for j in self.jobs if j.restore_testing_plan_arn == arn]


def daily_at(moment: datetime) -> str:
    """An AWS cron expression that runs every day at `moment`'s UTC time of day."""
    return f"cron({moment.minute} {moment.hour} ? * * *)"


def plan_data(now: datetime, account: str = "111122223333", *, extra_jobs: int = 0) -> PlanData:
    """Five plans over three regions: `good` (ran an hour ago, all passed), `stale` (daily, last ran 3 days ago),
    `flaky` (failed and aborted restores, failed and timed-out validations), `leaky` (a restored resource not
    deleted; selects RDS, restores only EBS), `slow` (one restore over its expected time). `extra_jobs` adds that
    many passing restores to `good` (for answers many pages long)."""
    hour_ago = now - timedelta(hours=1)
    created = now - timedelta(days=60)
    regions = {"good": "us-east-1", "stale": "us-east-1", "flaky": "eu-west-1", "leaky": "ap-southeast-2",
               "slow": "ap-southeast-2"}
    plans = [
        RestoreTestingPlan(region, account, name, daily_at(hour_ago), created,
                           last_execution=hour_ago + timedelta(minutes=1) if name != "stale" else now - timedelta(days=3, hours=1))
        for name, region in regions.items()
    ]
    arn = {p.name: p.arn for p in plans}
    selections = [
        RestoreTestingSelection(regions[name], account, name, f"{name}_{rtype.lower()}", rtype, created)
        for name, types in {"good": ("EBS",), "stale": ("EC2",), "flaky": ("RDS",), "leaky": ("EBS", "RDS"),
                            "slow": ("EFS",)}.items()
        for rtype in types
    ]
    jobs: list[RestoreJob] = []

    def job(name: str, n: int, status: str = "COMPLETED", rtype: str = "EBS", *, validation: str | None = "SUCCESSFUL",
            deletion: str | None = "SUCCESSFUL", minutes: int = 20, expected: int | None = 60, message: str = "",
            validation_message: str | None = None, deletion_message: str | None = None) -> None:
        start = now - timedelta(days=1 + n % 5, hours=2, minutes=n)
        jobs.append(RestoreJob(
            region=regions[name], account_id=account, job_id=f"{name}-{n}", status=status, resource_type=rtype,
            created=start, status_message=message, source_resource_arn=f"arn:aws:ec2:{regions[name]}:{account}:volume/vol-{name}{n}",
            created_resource_arn=f"arn:aws:ec2:{regions[name]}:{account}:volume/vol-restored-{name}{n}",
            restore_testing_plan_arn=arn[name], validation_status=validation if status == "COMPLETED" else None,
            validation_status_message=validation_message, completion=start + timedelta(minutes=minutes),
            deletion_status=deletion if status == "COMPLETED" else None, deletion_status_message=deletion_message,
            expected_completion_minutes=expected))

    for n in range(4 + extra_jobs):
        job("good", n)
    for n in range(3):
        job("stale", 100 + n, rtype="EC2")
    for n in range(3):
        job("flaky", 200 + n, rtype="RDS")
    job("flaky", 210, "FAILED", "RDS", message="Access denied to KMS key arn:aws:kms:eu-west-1:111122223333:key/1")
    job("flaky", 211, "FAILED", "RDS", message="Access denied to KMS key arn:aws:kms:eu-west-1:111122223333:key/2")
    job("flaky", 212, "ABORTED", "RDS", message="Aborted by the restore testing plan's window")
    job("flaky", 213, "COMPLETED", "RDS", validation="FAILED", validation_message="<!channel> port 5432 refused")
    job("flaky", 214, "COMPLETED", "RDS", validation="TIMED_OUT")
    job("leaky", 300)
    job("leaky", 301, deletion="FAILED", deletion_message="not authorized to perform ec2:DeleteVolume")
    job("slow", 400, rtype="EFS")
    job("slow", 401, rtype="EFS", minutes=95, expected=60)
    return PlanData(plans, selections, jobs)


# --------------------------------------------------------------------------- alerts

ALERT_JOB_RE = re.compile(r"alert-[0-9]{5}")
ALERT_REASONS = {
    "kms": "Access denied to KMS key arn:aws:kms:{region}:{account}:key/{n:08d}-aaaa-bbbb-cccc-000000000000",
    "subnet": "The subnet ID 'subnet-0abc{n:013x}' does not exist",
    "aborted": "Restore aborted by user",
}


def failed_job(now: datetime, n: int, *, region: str = "us-east-1", account: str = "111122223333",
               status: str = "FAILED", reason: str = "kms", ago: timedelta = timedelta(minutes=1),
               ran: timedelta = timedelta(minutes=12), resource_type: str = "EBS",
               plan_arn: str | None = None) -> RestoreJob:
    """A restore job that reached `status` `ago` before `now` after running for `ran`; its id is alert-NNNNN."""
    completion = now - ago
    return RestoreJob(
        region=region, account_id=account, job_id=f"alert-{n:05d}", status=status, resource_type=resource_type,
        created=completion - ran, completion=completion,
        status_message=ALERT_REASONS.get(reason, reason).format(region=region, account=account, n=n),
        created_resource_arn=f"arn:aws:ec2:{region}:{account}:volume/vol-{n:017x}",
        restore_testing_plan_arn=plan_arn,
    )


def alert_posts(slack: FakeSlack, channel: str) -> tuple[list[SlackCall], list[SlackCall]]:
    """The thread parents and the thread replies the fake Slack accepted in `channel`, oldest first."""
    calls = posts(slack, channel)
    return [c for c in calls if not c.params.get("thread_ts")], [c for c in calls if c.params.get("thread_ts")]


def wait_for_posts(slack: FakeSlack, channel: str, n: int, timeout: float = 30) -> list[SlackCall]:
    """Block until `channel` has at least `n` accepted chat.postMessage calls (other channels' posts do not count)."""
    deadline = time.monotonic() + timeout
    while len(found := posts(slack, channel)) < n:
        assert time.monotonic() < deadline, f"{len(found)} of {n} posts in {channel} after {timeout} s"
        time.sleep(0.02)
    return found


def alerted_jobs(slack: FakeSlack, channel: str) -> Counter[str]:
    """How many replies in `channel` name each job (by the alert-NNNNN ids in their blocks): 1 each when every job
    was posted exactly once."""
    _, replies = alert_posts(slack, channel)
    return Counter(job for reply in replies for job in set(ALERT_JOB_RE.findall(json.dumps(reply.params.get("blocks")))))


def alert_poller(env: Mapping[str, str], *, store: AlertStore | None = None, owner: str | None = None) -> AlertPoller:
    """The poller `python -m bot poll` builds from `env`, over RESTORES_ALERT_CHANNELS (its boto3 clients on
    AWS_ENDPOINT_URL_BACKUP whatever the region); `store` shares an AlertStore. Close `poller.backup` when done."""
    settings = load_settings(env, "poll")
    backup = BackupService(lambda: aws_session(env), endpoint_url=env["AWS_ENDPOINT_URL_BACKUP"],
                           deadline_seconds=settings.aws_deadline_seconds)
    parts = Wiring(settings, backup=backup)
    return AlertPoller(settings, backup, parts.web_client, store or parts.alert_store, lambda: static_targets(settings),
                       regions=parts.regions, policy=parts.policy, owner=owner)


def age_alerts(store: AlertStore, by: timedelta) -> None:
    """Make the alerts' claims, queued alerts, thread claims and the poller's lease look `by` older, by the database's
    own clock (the only clock they are judged by)."""
    from sqlalchemy import update

    from bot.store.alerts import CLAIMED, deliveries, leases, threads
    from bot.store.db import db_now_minus

    then = db_now_minus(store.engine, by)
    with store.engine.begin() as conn:
        conn.execute(update(deliveries).values(enqueued_at=then))
        conn.execute(update(deliveries).where(deliveries.c.status == CLAIMED).values(claimed_at=then))
        conn.execute(update(threads).where(threads.c.status == CLAIMED).values(claimed_at=then))
        conn.execute(update(leases).values(renewed_at=then))


# --------------------------------------------------------------------------- charts as Slack receives them

CHART_SIZE = (900, 450)  # what bot/charts/render.py states: 6 x 3 inches at 150 dpi
FAILED_RED = (198, 40, 40)  # the failed bars' colour (#c62828)


def png_facts(data: bytes) -> tuple[tuple[int, int], int, bool]:
    """An uploaded chart read back with Pillow (which shares nothing with matplotlib): its size, how many distinct
    colours it has (a blank or single-colour image has 1), and whether it shows failed bars. Raises unless the bytes
    are a complete, valid PNG."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        image.load()  # decodes every row: a truncated file fails here
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        red = any(all(abs(c - r) <= 12 for c, r in zip(colour, FAILED_RED, strict=True)) and n >= 20
                  for n, colour in colours)
        return rgb.size, len(colours), red


def skip_where_the_database_clock_cannot_move(database_url: str) -> None:
    """Alerts read AWS's jobs by windows of the database's clock, and the digest looks for a lost post in Slack's history
    back to its claim's time, the database's too. Under CI's moved-clock run (libfaketime) this process, the AWS emulator
    and the fake Slack move weeks ahead but a PostgreSQL server's clock does not, so the two disagree by weeks there,
    as they never do in a deployment: such a test runs on SQLite there (its clock is this process's), and on PostgreSQL
    in the plain run."""
    if database_url.startswith("postgresql") and os.environ.get("FAKETIME"):
        import pytest

        pytest.skip("PostgreSQL's clock is not moved by libfaketime; the plain run covers this on PostgreSQL")

