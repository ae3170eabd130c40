"""What the real process writes to its log: no secret ever (signing secret, tokens, AWS keys, Authorization headers,
at DEBUG, in text and JSON), and JSON lines with a request id, durations and AWS call counts."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.answers.controls import ActionId
from tests.fakes.aws import BackupEmulator, access_denied, multi_page_counts
from tests.fakes.recording_proxy import RecordingProxy
from tests.fakes.signing import block_actions_body, post_signed
from tests.fakes.slack import FakeSlack, ResponsePost
from tests.support import BOT_TOKEN, E2E_REGIONS, SIGNING_SECRET, BotProcess, load_dataset

pytestmark = pytest.mark.e2e

ACCOUNTS = ("111122223333", "444455556666")

TYPES = ("EBS", "RDS", "Storage Gateway")

# The logged requests' data set ends on the wall clock's day (which CI also runs shifted by faketime), so nothing
# depends on the day the test was written.
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.mark.dates
def test_secrets_never_reach_the_logs(bot: BotProcess, emulator: BackupEmulator, today: date) -> None:
    load_dataset(emulator, today)
    emulator.set_fault("eu-west-1", access_denied())
    bot.ask("failed")
    bot.ask("faild")
    log = bot.log_text()
    assert log  # the bot does log (at DEBUG here)
    for secret in (SIGNING_SECRET, BOT_TOKEN, "e2e-aws-secret-key-do-not-log"):
        assert secret not in log


def test_json_logs_with_request_id_duration_and_aws_calls(launch_bot: Callable[..., BotProcess],
                                                          fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    json_bot = launch_bot(LOG_FORMAT="json", LOG_LEVEL="INFO")
    json_bot.ask("failed 7d")
    json_bot.ask("faild")
    lines = [line for line in json_bot.log_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is JSON, gunicorn's own included
    answered = [e for e in entries if e["message"] == "answered summary"]
    assert len(answered) == 1 and answered[0]["aws_calls"] == 3 and "aws_ms" in answered[0]
    handled = [e for e in entries if e["message"] == "handled command"]
    assert len(handled) == 2 and all("duration_ms" in e for e in handled)
    assert answered[0]["request_id"] in {e["request_id"] for e in handled}
    assert len({e["request_id"] for e in handled}) == 2


def _click(bot: BotProcess, slack: FakeSlack, action_id: str, value: str, *, select: bool = False) -> ResponsePost:
    key = f"click-{time.monotonic_ns()}"
    action: dict[str, Any] = {"action_id": action_id, "block_id": "b", "action_ts": f"{time.time():.6f}"}
    if select:
        action.update(type="static_select", selected_option={"text": {"type": "plain_text", "text": "x"}, "value": value})
    else:
        action.update(type="button", value=value, text={"type": "plain_text", "text": "x"})
    payload: dict[str, Any] = {
        "type": "block_actions", "user": {"id": "U0USER", "username": "alice", "team_id": "T0TEST"},
        "api_app_id": "A0TEST", "token": "fake-verification-token", "trigger_id": "1.2.3",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0CHAN", "is_ephemeral": True},
        "team": {"id": "T0TEST", "domain": "test"}, "enterprise": None, "is_enterprise_install": False,
        "channel": {"id": "C0CHAN", "name": "ops"}, "state": {"values": {}},
        "response_url": slack.response_url(key), "actions": [action],
    }
    status, _, _ = post_signed(bot.events_url, bot.secret, block_actions_body(payload))
    assert status == 200
    (answer,) = slack.wait_for_responses(1, key=key, timeout=30)
    return answer


def _elements(answer: ResponsePost) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in answer.body.get("blocks", []) if b["type"] == "actions" for e in b["elements"]}


# One log line per answered request, whatever the format: (what, substrings that must all be on one line).
ANSWER_EVIDENCE = (
    ("command that succeeds", ("answered", "state:FAILED 7d account:ANY")),
    ("command that fails to parse", ("bad command", "faild")),
    ("command with AccessDenied in a region", ("answered", "state:ABORTED 14d account:ANY")),
    ("period click", ("answered", "state:FAILED 14d account:ANY")),
    ("jobs click", ("answered jobs",)),
    ("stale click", ("stale or tampered",)),
)


def _drive_and_check_logs(launch_bot: Callable[..., BotProcess], emulator: BackupEmulator, slack: FakeSlack,
                          bot_env: dict[str, str], **overrides: str) -> BotProcess:
    emulator.load(counts=multi_page_counts(E2E_REGIONS, ACCOUNTS, TYPES, 14, NOW.date()), jobs=[])
    with RecordingProxy(emulator.url) as proxy:
        bot = launch_bot(LOG_LEVEL="DEBUG", AWS_ENDPOINT_URL_BACKUP=proxy.url, RESTORES_CACHE_TTL="0", **overrides)
        try:
            ok = bot.ask("failed 7d account:ANY")  # succeeds
            assert "restore jobs*" in json.dumps(ok.body.get("blocks", []))
            assert "is not something I understand" in bot.ask("faild sevendays").body["text"]  # fails to parse
            emulator.set_fault("eu-west-1", access_denied())  # AWS AccessDenied in one region
            denied = bot.ask("aborted 14d account:ANY")
            assert "backup:ListRestoreJobSummaries" in json.dumps(denied.body.get("blocks", []))
            emulator.set_fault("eu-west-1", None)
            controls = _elements(ok)
            _click(bot, slack, ActionId.PERIOD.with_suffix("14d"), controls[ActionId.PERIOD.with_suffix("14d")]["value"])
            jobs_button = controls[ActionId.JOBS.with_suffix("failed")]
            _click(bot, slack, jobs_button["action_id"], jobs_button["value"])
            stale = _click(bot, slack, ActionId.JOBS.with_suffix("failed"), '{"v":1,"s":"EXPLODED"}')
            assert "older or unknown message" in stale.body["text"]
        finally:
            bot.stop()  # flushes everything; the log is complete from here on
        aws_authorizations = proxy.header_values("authorization")
    log = bot.log_text()
    assert aws_authorizations, "the recording proxy saw no AWS request"
    slack_authorizations = [c.headers["authorization"] for c in slack.calls if "authorization" in c.headers]
    slack_authorizations += [r.headers["authorization"] for r in slack.responses if "authorization" in r.headers]
    assert any(BOT_TOKEN in a for a in slack_authorizations), "auth.test at start-up carried no bot token?"
    secrets = {
        "signing secret": SIGNING_SECRET,
        "bot token": BOT_TOKEN,
        "AWS secret key": bot_env["AWS_SECRET_ACCESS_KEY"],
    }
    for i, value in enumerate(aws_authorizations + slack_authorizations):
        secrets[f"Authorization header #{i}"] = value
        secrets[f"Authorization header #{i} credential part"] = value.split(" ", 1)[-1]
        signature = re.search(r"Signature=([0-9a-f]{64})", value)
        if signature:
            secrets[f"Authorization header #{i} signature"] = signature.group(1)
    leaked = [name for name, value in secrets.items() if value and value in log]
    assert not leaked, f"secrets in the log: {leaked}"
    for marker in ("AWS4-HMAC-SHA256 Credential=", "Bearer xoxb-"):
        assert marker not in log
    # The check can fail: the log does have the requests in it, one line per answer at least.
    lines = log.splitlines()
    missing = [what for what, parts in ANSWER_EVIDENCE if not any(all(p in line for p in parts) for line in lines)]
    assert not missing, f"no log line for: {missing}"
    return bot


@pytest.mark.hardening
def test_http_secrets_never_reach_the_debug_log(launch_bot: Callable[..., BotProcess], fakes: Any,
                                                bot_env: dict[str, str]) -> None:
    emulator, slack = fakes
    _drive_and_check_logs(launch_bot, emulator, slack, bot_env)


@pytest.mark.hardening
def test_http_secrets_never_reach_the_json_debug_log(launch_bot: Callable[..., BotProcess], fakes: Any,
                                                     bot_env: dict[str, str]) -> None:
    emulator, slack = fakes
    bot = _drive_and_check_logs(launch_bot, emulator, slack, bot_env, LOG_FORMAT="json")
    lines = [line for line in bot.log_text().splitlines() if line.strip()]

    def is_json_object(line: str) -> bool:
        try:
            return isinstance(json.loads(line), dict)
        except ValueError:
            return False

    json_lines = [line for line in lines if is_json_object(line)]
    if not json_lines:
        pytest.skip(f"LOG_FORMAT=json is not implemented: none of the {len(lines)} log lines is JSON "
                    f"(first: {lines[0][:100]!r}); the secrets check above ran on the plain-text log")
    not_json = [line for line in lines if not is_json_object(line)]
    assert not not_json, f"LOG_FORMAT=json, yet {len(not_json)} lines are not JSON objects, e.g. {not_json[:3]}"
