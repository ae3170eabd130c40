"""Hardening: property-based fuzzing of the whole command path, of button values, and of the HTTP endpoint.

Under the default hypothesis profile this module stays quick (100 examples per in-process property). The long
run is::

    python -m pytest tests/test_hardening.py -p no:cacheprovider --hypothesis-profile=hardening -k "not http"

which runs 10,000 examples of every in-process property (the `http` tests set their own, small, example counts:
each of their examples is a real HTTP round trip).

Bugs these tests found are kept as regression cases with the exact input hypothesis shrank them to (non-UTF-8,
malformed JSON and non-numeric timestamps answered 500; the word "payload" in a command dropped it; unbounded
echoes of long keys; non-ASCII digits taken for account ids).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode

import boto3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.controls import MAX_REGIONS, MAX_WINDOW_AGE, ActionId, ActionValue, StaleAction
from bot.query import API_STATES, RESOURCE_TYPES, WILDCARDS, ParseError, Period, RestoreFilter, known_regions, parse_command
from bot.render.message import Message
from bot.sample.emulator import BackupEmulator, access_denied
from bot.service import RestoresService
from tests.conftest import E2E_REGIONS
from tests.fakes.aws import multi_page_counts
from tests.fakes.recording_proxy import RecordingProxy
from tests.fakes.signing import block_actions_body, command_body, post_signed, slack_signature
from tests.fakes.slack import FakeSlack, ResponsePost, validate_blocks
from tests.harness import BOT_TOKEN, SIGNING_SECRET, BotProcess

pytestmark = pytest.mark.hardening

# In-process cases pin the emulator here and pass `now=` explicitly; taken from the wall clock (which CI also runs
# shifted by faketime) so nothing depends on the day the test was written.
NOW = datetime.now(UTC).replace(microsecond=0)  # button windows carry whole seconds
ACCOUNTS = ("111122223333", "444455556666")
TYPES = ("EBS", "RDS", "Storage Gateway")
TRACEBACK_MARKERS = ("Traceback", 'File "')
API_ACCOUNT_RE = re.compile(r"[0-9]{12}")  # the API's pattern: ASCII digits only, nothing after them


# --------------------------------------------------------------------------- strategies

GRAMMAR_WORDS = (
    "failed", "aborted", "completed", "running", "pending", "created", "FAILED", "Failed", "fAiLeD",
    "1d", "7d", "14d", "1D", "period:ONE_DAY", "period:seven_days", "period:FOURTEEN_DAYS", "period:3d", "period:",
    "state:ANY", "state:AGGREGATE_ALL", "state:failed", "state:EXPLODED", "state:", "stat:failed", "sate:any",
    "type:EBS", "type:ebs", 'type:"Storage Gateway"', "type:'SAP HANA on Amazon EC2'", "type:ANY",
    "type:AGGREGATE_ALL", "type:ebz", "type:", 'type:"', "ebs", "rds", "dynamodb", "sgw", "saphana", "vm", "s3",
    "account:ANY", "account:AGGREGATE_ALL", "account:any", "account:111122223333", "account:12345", "account:",
    "111122223333", "444455556666", "123456789012", "1234567890123",
    "region:us-east-1", "region:us-east-1,eu-west-1", "region:,", "region:eu-west-1,,ap-southeast-2",
    "us-east-1", "eu-west-1", "ap-southeast-2", "US-EAST-1", "eu-wset-1", "mars-north-1", "us-gov-west-1",
    "cn-north-1", "xx-east-9",
    "jobs", "JOBS", "share", "help", "?", "-h", "--help",
    ":", "::", "a:b:c", "foo:bar", "“failed”", "‘ebs’", "'", '"', "`", "```", "``failed``",
)
WEIRD_PIECES = (
    "\x00", "\x00\x00\x00", "\x07", "\x1b[31m", "\r\n", "\t", "\x0b", "\x0c", "\x7f", "\x85",
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff", "\u00a0", "\u2028", "\u2029", "\u3000", "\u180e",
    "🔥", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇪🇺", ":x:", ":boom:", "e\u0301", "\u0301\u0301\u0301",
    "ｆａｉｌｅｄ", "ＥＢＳ", "שלום", "مرحبا", "١٢٣", "𝟏𝟐𝟑", "ǅ", "ß", "İ", "ı", "ﬁ",
    "١٢٣٤٥٦٧٨٩٠١٢", "１２３４５６７８９０１２", "account:१२३४५६७८९०१२", "11112222333３",
    "<!channel>", "<!here>", "<@U0USER>", "<https://example.com|click>", "&lt;&gt;&amp;", "*bold*", "_it_", "~s~",
    "\\", "\\n", "%00", "%s", "{}", "{0}", "${HOME}", "$(id)", "' OR 1=1 --", "</script>",
)


def _join(parts: list[tuple[str, str]]) -> str:
    return "".join(piece + sep for piece, sep in parts)


pieces = st.one_of(
    st.sampled_from(GRAMMAR_WORDS),
    st.sampled_from(WEIRD_PIECES),
    st.text(max_size=12),
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "So", "Nd"]), max_size=6),
)
separators = st.sampled_from([" ", " ", " ", "  ", "\t", "\n", "", "\u00a0", "\u3000", "\u200b", ",", ":"])
# Grammar words mixed with junk: most of these parse, or fail on a token deep into the command.
mixed_commands = st.lists(st.tuples(pieces, separators), max_size=12).map(_join)
# Very long input, up to 10,000 characters, built cheaply by repetition (generating 10,000 random characters
# per example would dominate a 10,000-example run).
long_commands = st.builds(
    lambda prefix, piece, n, suffix: (prefix + piece * n + suffix)[:10_000],
    mixed_commands,
    pieces.filter(bool),
    st.integers(min_value=1, max_value=10_000),
    mixed_commands,
)
commands = st.one_of(mixed_commands, long_commands, st.text(max_size=300))


def _known_regions() -> list[str]:
    return sorted(known_regions())


# --------------------------------------------------------------------------- checks


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def assert_valid_answer(message: Message, text: str) -> None:
    """What every answer to every command text must be: a message Slack accepts, with no trace of a crash."""
    assert isinstance(message, Message)
    blocks = message.block_dicts()
    assert validate_blocks(blocks) == [], (validate_blocks(blocks), blocks)
    assert message.response_type in ("ephemeral", "in_channel")
    assert message.text.strip(), "empty fallback text"
    assert len(message.text) < 3000, len(message.text)
    json.dumps(message.for_respond())  # what respond() sends must serialize
    # The service turns any exception into this answer: for a command text it means a bug, whatever the input.
    assert not message.text.startswith(":boom:"), message.text
    # No invalid value may reach AWS (README): AWS rejecting a parameter means the parser let one through.
    assert "AWS rejected a parameter" not in json.dumps(blocks, ensure_ascii=False)
    strings = [message.text, *_strings(blocks)]
    for marker in TRACEBACK_MARKERS:
        if marker.lower() in text.lower():
            continue  # the user typed it; a parse error may echo it back
        assert not any(marker in s for s in strings), (marker, strings)


# --------------------------------------------------------------------------- in-process command path


class InProcess:
    """The in-process command path on the shared emulator. A plain class, not a dataclass: hypothesis prints the
    fixture with a failing example, and would print a dataclass field by field (hundreds of counts)."""

    def __init__(self, service: RestoresService, emulator: BackupEmulator, counts: tuple[Any, ...]) -> None:
        self.service = service
        self.emulator = emulator
        self.counts = counts

    def __repr__(self) -> str:
        return f"InProcess(emulator={self.emulator.url}, counts={len(self.counts)})"

    def prime(self) -> None:
        """Put the shared emulator in this module's state (other tests' fixtures reset it); cheap enough to do
        for every example."""
        emulator = self.emulator
        if len(emulator.requests) > 20_000:
            emulator.reset()  # keep a 10,000-example run's memory flat
        emulator.clear_faults()
        if emulator.counts is not self.counts:
            emulator.load(counts=self.counts, jobs=[])
        emulator.set_now(NOW)
        emulator.page_size = 100


@pytest.fixture(scope="module")
def in_process(emulator: BackupEmulator) -> Iterator[InProcess]:
    config = load_settings({"RESTORES_REGIONS": ",".join(E2E_REGIONS)}, "local")
    backup = BackupService(
        session_factory=lambda: boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t"),
        endpoint_url=emulator.url,
    )
    counts = tuple(multi_page_counts(E2E_REGIONS, ACCOUNTS, TYPES, 14, NOW.date()))
    harness = InProcess(RestoresService(config, backup), emulator, counts)
    harness.prime()
    yield harness
    backup.close()
    # Leave the session emulator as the conftest made it: empty, wall clock, page size 4, no faults.
    emulator.reset()
    emulator.load(counts=[], jobs=[])
    emulator.set_now(None)
    emulator.page_size = 4


def _answer(harness: InProcess, text: str) -> Message:
    harness.prime()
    before = len(harness.emulator.requests)
    message = harness.service.answer(text, user_id="U0USER", channel_id="C0CHAN")
    try:
        parse_command(text, harness.service.settings.regions)
    except ParseError:
        # "no AWS call is made with an invalid value"
        assert len(harness.emulator.requests) == before, "a command that does not parse reached AWS"
    return message


@given(text=st.text())
@example(text="")
@example(text="\x00")
@example(text="Traceback (most recent call last):\n  File \"x\"")
def test_any_text_gets_a_valid_answer(in_process: InProcess, text: str) -> None:
    assert_valid_answer(_answer(in_process, text), text)


@given(text=commands)
@example(text="failed 7d account:ANY")
@example(text="1d account:ANY type:\"Storage Gateway\"")
@example(text="jobs failed 14d account:ANY")
@example(text="help")
@example(text="x" * 10_000)
@example(text="`" * 10_000)
@example(text="failed " + "\u202e" * 5000)
@example(text="state:" + "A" * 9000)
def test_grammar_mixed_with_junk_gets_a_valid_answer(in_process: InProcess, text: str) -> None:
    assert_valid_answer(_answer(in_process, text), text)


@given(text=commands)
def test_parsed_filters_hold_only_api_values(text: str) -> None:
    """Whatever parses is something the API accepts (README: no AWS call is made with an invalid value)."""
    try:
        parsed = parse_command(text, ("us-east-1",))
    except ParseError as error:
        assert error.token is not None and error.user_message()
        return
    if parsed.kind == "help":
        return
    flt = parsed.filter
    assert flt.state in API_STATES
    assert isinstance(flt.period, Period)
    assert flt.resource_type in RESOURCE_TYPES + WILDCARDS
    assert flt.regions and set(flt.regions) <= known_regions()
    if flt.account is not None and flt.account not in WILDCARDS:
        assert API_ACCOUNT_RE.fullmatch(flt.account), flt.account


@pytest.mark.parametrize("text", ["failed ١٢٣٤٥٦٧٨٩٠١٢", "failed account:１２３４５６７８９０１２",
                                  "account:١٢٣٤٥٦٧٨٩٠١٢ failed"])
def test_non_ascii_digits_are_never_an_account_id(in_process: InProcess, text: str) -> None:
    """Found while hardening (and found by test_grammar_mixed_with_junk_gets_a_valid_answer and
    test_parsed_filters_hold_only_api_values under the hardening profile, shrunk to '١٢٣٤٥٦٧٨٩٠١٢ '): `\\d{12}`
    took any script's digits as an account id, which AWS then rejected in every region. Now: a parse error, no AWS
    call."""
    message = _answer(in_process, text)  # asserts no AWS call for a text that does not parse
    assert message.text.startswith(":thinking_face:"), message.text
    with pytest.raises(ParseError):
        parse_command(text)


@pytest.mark.parametrize("text", ["stat:" + "x" * 5000, "sate:" + "`" * 5000])
def test_unknown_key_suggestion_is_shortened(in_process: InProcess, text: str) -> None:
    """Found while hardening: the "did you mean" for an unknown key carried the whole value (fallback text cut at
    3,000 characters). Now shortened like the token."""
    message = _answer(in_process, text)
    assert len(message.text) < 3000 and "Accepted:" in message.text


@pytest.mark.parametrize("text", ["\x00" * 2593 + ": ", "x" * 5000 + ":", "failed " + "k" * 3000 + ":"])
def test_key_without_value_is_shortened(in_process: InProcess, text: str) -> None:
    message = _answer(in_process, text)
    assert len(message.text) < 3000, len(message.text)
    assert "Accepted:" in message.text


# --------------------------------------------------------------------------- button values

VALUE_KEYS = ("v", "s", "p", "t", "a", "r", "w")

json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)
_ts = int(NOW.timestamp())
near_timestamps = st.integers(min_value=_ts - 60 * 86400, max_value=_ts + 3 * 86400)
field_values: dict[str, st.SearchStrategy[Any]] = {
    "v": st.one_of(st.just(1), st.sampled_from([1.0, True, "1", 0, 2, -1, None]), json_values),
    "s": st.one_of(st.sampled_from(API_STATES), st.sampled_from([s.lower() for s in API_STATES]), st.text(max_size=12),
                   json_values),
    "p": st.one_of(st.sampled_from(["1d", "7d", "14d", "ONE_DAY", "seven_days", "3d", "", "1D"]), json_values),
    "t": st.one_of(st.sampled_from(RESOURCE_TYPES + WILDCARDS + ("ebs", "sgw", "saphana", "", "ANY ", "x" * 401)),
                   json_values),
    "a": st.one_of(st.sampled_from(["ANY", "AGGREGATE_ALL", "any", "111122223333", "12345", "", "123456789012\n",
                                    "١٢٣٤٥٦٧٨٩٠١٢", "12345678901２", " 123456789012"]),
                   st.from_regex(r"\d{12}\n?", fullmatch=True), json_values),
    "r": st.one_of(
        st.lists(st.sampled_from(_known_regions() + ["mars-north-1", "", " ", "US-EAST-1", "us-east-1\n"]),
                 max_size=35).map(",".join),
        json_values,
    ),
    "w": st.one_of(st.lists(near_timestamps, min_size=2, max_size=2), st.lists(st.integers(), max_size=3),
                   json_values),
}


@st.composite
def value_objects(draw: st.DrawFn) -> dict[str, Any]:
    """JSON objects shaped like a button value: either a valid value with one to three fields dropped or replaced
    (valid-looking or arbitrary), or every known field present or not at random; sometimes with extra fields."""
    if draw(st.booleans()):
        data: dict[str, Any] = json.loads(draw(valid_values).encode())
        for key in draw(st.lists(st.sampled_from(VALUE_KEYS), min_size=1, max_size=3, unique=True)):
            if draw(st.integers(0, 4)) == 0:
                data.pop(key, None)
            else:
                data[key] = draw(field_values[key])
    else:
        data = {key: draw(field_values[key]) for key in VALUE_KEYS if draw(st.booleans())}
    if draw(st.integers(0, 9)) == 0:
        data.update(draw(st.dictionaries(st.text(max_size=3), json_values, max_size=2)))
    return data


valid_filters = st.builds(
    RestoreFilter,
    state=st.sampled_from(API_STATES),
    period=st.sampled_from(list(Period)),
    resource_type=st.sampled_from(RESOURCE_TYPES + WILDCARDS),
    account=st.one_of(st.none(), st.sampled_from(WILDCARDS), st.text("0123456789", min_size=12, max_size=12)),
    regions=st.lists(st.sampled_from(_known_regions()), min_size=1, max_size=5).map(lambda rs: tuple(dict.fromkeys(rs))),
)
# (age of the start, length) in whole seconds: start within the last 44 days, end after it and not after NOW.
valid_windows = st.one_of(
    st.none(),
    st.builds(
        lambda age, length: (NOW - timedelta(seconds=age), NOW - timedelta(seconds=age - min(length, age))),
        st.integers(1, 44 * 86400),
        st.integers(1, 14 * 86400),
    ),
)
valid_values = st.builds(ActionValue, filter=valid_filters, window=valid_windows)
MUTATION_CHARS = st.one_of(st.sampled_from(list('{}[]",:0123456789 vsptarw\\\n\x00')), st.characters())


@st.composite
def mutated_values(draw: st.DrawFn) -> str:
    """A valid encoded value with characters flipped, dropped, inserted, duplicated or the tail cut off."""
    raw = draw(valid_values).encode()
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "drop", "insert", "truncate", "duplicate", "swap-case"]))
        i = draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw = raw[:i] + draw(MUTATION_CHARS) + raw[i + 1:]
        elif op == "drop":
            raw = raw[:i] + raw[i + 1:]
        elif op == "insert":
            raw = raw[:i] + draw(MUTATION_CHARS) + raw[i:]
        elif op == "truncate":
            raw = raw[:i]
        elif op == "duplicate":
            raw = raw[:i] + raw[i:] * 2
        else:
            raw = raw[:i] + raw[i:].swapcase()
    return raw


def assert_decodes_safely(raw: object) -> None:
    """`decode` either raises StaleAction or returns a value every field of which passes re-validation."""
    try:
        value = ActionValue.decode(raw, now=NOW)
    except StaleAction:
        return
    # Anything else propagates and fails the test: the listener only catches StaleAction.
    flt = value.filter
    assert flt.state in API_STATES
    assert isinstance(flt.period, Period)
    assert flt.resource_type in RESOURCE_TYPES + WILDCARDS
    if flt.account is not None and flt.account not in WILDCARDS:
        assert API_ACCOUNT_RE.fullmatch(flt.account), repr(flt.account)
    assert 1 <= len(flt.regions) <= MAX_REGIONS
    assert len(set(flt.regions)) == len(flt.regions)
    assert set(flt.regions) <= known_regions(), flt.regions
    assert flt.share is False
    if value.window is not None:
        start, end = value.window
        assert start.tzinfo is not None and end.tzinfo is not None
        assert start < end
        assert start >= NOW - MAX_WINDOW_AGE and end <= NOW + timedelta(days=1)
    # Re-encoding what was accepted gives the same value back (buttons made from it stay valid).
    assert ActionValue.decode(value.encode(), now=NOW) == value


@given(raw=st.one_of(st.text(), st.text(st.sampled_from('{}[]",:0123456789 vsptarw1dANY')), st.none(), st.integers(),
                     st.binary(), json_values))
@example(raw="")
@example(raw="null")
@example(raw="[]")
@example(raw='{"v":1}')
@example(raw='{"v":1,"s":"FAILED","p":"7d","r":"us-east-1","w":[1e400,1]}')
@example(raw='{"v":1,"s":"FAILED","p":"7d","r":"us-east-1","w":[99999999999999999999,1]}')
@example(raw="x" * 3000)
def test_decode_arbitrary_text(raw: object) -> None:
    assert_decodes_safely(raw)


@given(data=st.one_of(value_objects(), json_values), ensure_ascii=st.booleans())
def test_decode_arbitrary_json(data: Any, ensure_ascii: bool) -> None:
    assert_decodes_safely(json.dumps(data, ensure_ascii=ensure_ascii))


@given(raw=mutated_values())
def test_decode_mutated_valid_values(raw: str) -> None:
    assert_decodes_safely(raw)


@given(value=valid_values)
def test_valid_values_round_trip(value: ActionValue) -> None:
    decoded = ActionValue.decode(value.encode(), now=NOW)
    assert decoded.filter == value.filter
    assert decoded.window == value.window  # whole seconds: nothing is lost on the way


@pytest.mark.parametrize("account", ["123456789012\n", "١٢٣٤٥٦٧٨٩٠١٢", "12345678901２", " 123456789012"])
def test_button_value_account_is_ascii_digits_only(account: str) -> None:
    """Found by test_decode_arbitrary_json (shrunk to {'v': 1, 's': 'CREATED', 'p': '1d', 'r': 'af-south-1',
    't': 'Aurora', 'a': '123456789012\\n'}): `^\\d{12}$` let a trailing newline and any script's digits through."""
    raw = json.dumps({"v": 1, "s": "FAILED", "p": "7d", "r": "us-east-1", "a": account})
    with pytest.raises(StaleAction):
        ActionValue.decode(raw, now=NOW)


# --------------------------------------------------------------------------- over real HTTP


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=200), mixed_commands))
@example(text="")
@example(text="failed 7d account:ANY")
@example(text="\x00\u202e🔥`'\"")
@example(text="x" * 3000)
def test_http_any_command_is_acked_and_answered(bot: BotProcess, slack: FakeSlack, text: str) -> None:
    status, key = bot.post_command(text)
    assert status == 200, f"ack {status} for {text!r}"
    answers = slack.wait_for_responses(1, key=key, timeout=30)
    assert answers, f"no answer for {text!r}"
    assert not answers[0].rejected, (answers[0].error, answers[0].body)


@pytest.mark.parametrize("text", ["payload", "failed payload", "jobs failed type:payloadx"])
def test_word_payload_in_command_text_is_answered(bot: BotProcess, slack: FakeSlack, text: str) -> None:
    status, key = bot.post_command(text)
    assert status == 200
    assert slack.wait_for_responses(1, key=key, timeout=5)


# --------------------------------------------------------------------------- raw HTTP abuse of /slack/events

def _send(url: str, body: bytes, headers: dict[str, str], method: str = "POST") -> int:
    request = urllib.request.Request(url, data=body if method != "GET" else None, headers=headers, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=15) as response:
            response.read()
            return int(response.status)
    except HTTPError as error:
        error.read()
        return int(error.code)


def _signed(body: bytes, *, ts: str | None = None, content_type: str = "application/x-www-form-urlencoded",
            secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = ts if ts is not None else str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": slack_signature(secret, ts, body)}


def _command(slack: FakeSlack, key: str, text: str = "failed") -> bytes:
    return command_body(text, response_url=slack.response_url(key))


def _click_payload(slack: FakeSlack, key: str, value: str = '{"v":1,"s":"FAILED","p":"7d","r":"us-east-1"}') -> dict[str, Any]:
    return {
        "type": "block_actions", "user": {"id": "U0USER"}, "team": {"id": "T0TEST"}, "api_app_id": "A0TEST",
        "channel": {"id": "C0CHAN"}, "container": {"type": "message", "channel_id": "C0CHAN"},
        "response_url": slack.response_url(key),
        "actions": [{"action_id": ActionId.PERIOD.with_suffix("7d"), "type": "button", "value": value,
                     "block_id": "restores_controls", "action_ts": "1.2"}],
    }


# Each case builds (method, body, headers) for a response_url key; the body would be answered were it accepted.
Case = Callable[[FakeSlack, str], tuple[str, bytes, dict[str, str]]]


def _case_not_form_text(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = f"not a form but it mentions {slack.response_url(key)} and /restores failed".encode()
    return "POST", body, _signed(body, content_type="text/plain")


def _case_not_form_binary(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = b"\xff\xfe\x00\x81 binary " + _command(slack, key)
    return "POST", body, _signed(body, content_type="application/octet-stream")


def _case_binary_unsigned(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = b"\xff\xfe\x00\x81 binary " + _command(slack, key)
    return "POST", body, {"Content-Type": "application/x-www-form-urlencoded"}


def _case_json_unsigned(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps({"command": "/restores", "text": "failed", "response_url": slack.response_url(key),
                       "user_id": "U0USER", "channel_id": "C0CHAN", "team_id": "T0TEST"}).encode()
    return "POST", body, {"Content-Type": "application/json"}


def _case_json_signed_not_an_event(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps({"type": "nonsense", "response_url": slack.response_url(key)}).encode()
    return "POST", body, _signed(body, content_type="application/json")


def _case_json_malformed_signed(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = ('{"command": "/restores", "text": "failed", "response_url": "' + slack.response_url(key) + '", ').encode()
    return "POST", body, _signed(body, content_type="application/json")


def _case_json_malformed_unsigned(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = ('{"command": "/restores", "text": "failed", "response_url": "' + slack.response_url(key) + '", ').encode()
    return "POST", body, {"Content-Type": "application/json"}


def _case_empty_signed(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    return "POST", b"", _signed(b"")


def _case_empty_unsigned(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    return "POST", b"", {"Content-Type": "application/x-www-form-urlencoded"}


def _case_huge_signed(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = b"junk=" + b"x" * 1_000_000 + b"&response_url=" + slack.response_url(key).encode()
    return "POST", body, _signed(body)


def _case_huge_forged(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key) + b"&junk=" + b"x" * 1_000_000
    headers = _signed(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    return "POST", body, headers


def _case_get(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    return "GET", b"", _signed(b"")


def _case_put(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key)
    return "PUT", body, _signed(body)


def _case_signature_of_other_body(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    return "POST", _command(slack, key, "failed 14d"), _signed(_command(slack, key, "failed 7d"))


def _case_replay_stale(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key)
    return "POST", body, _signed(body, ts=str(int(time.time()) - 5 * 60 - 30))


def _case_future(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key)
    return "POST", body, _signed(body, ts=str(int(time.time()) + 5 * 60 + 30))


def _case_non_numeric_timestamp(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key)
    return "POST", body, _signed(body, ts="yesterday")


def _case_v1_signature(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = _command(slack, key)
    headers = _signed(body)
    headers["X-Slack-Signature"] = "v1=" + headers["X-Slack-Signature"].split("=", 1)[1]
    return "POST", body, headers


def _case_payload_not_json_signed(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = urlencode({"payload": "not json " + slack.response_url(key)}).encode()
    return "POST", body, _signed(body)


def _case_payload_not_json_unsigned(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = urlencode({"payload": "not json " + slack.response_url(key)}).encode()
    return "POST", body, {"Content-Type": "application/x-www-form-urlencoded"}


def _case_payload_json_array_signed(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = urlencode({"payload": json.dumps([_click_payload(slack, key)])}).encode()
    return "POST", body, _signed(body)


def _case_click_forged(slack: FakeSlack, key: str) -> tuple[str, bytes, dict[str, str]]:
    body = block_actions_body(_click_payload(slack, key))
    return "POST", body, _signed(body, secret="not-the-signing-secret")


ABUSE_CASES: list[Any] = [
    # (id, case, expected: exact status or "4xx", known bug or None)
    ("not-form-text-signed", _case_not_form_text, "4xx", None),
    ("not-form-binary-signed", _case_not_form_binary, "4xx", None),
    ("not-form-binary-unsigned", _case_binary_unsigned, 401, None),
    ("json-unsigned", _case_json_unsigned, 401, None),
    ("json-signed-not-an-event", _case_json_signed_not_an_event, "4xx", None),
    ("json-malformed-signed", _case_json_malformed_signed, "4xx", None),
    ("json-malformed-unsigned", _case_json_malformed_unsigned, 401, None),
    ("empty-signed", _case_empty_signed, "4xx", None),
    ("empty-unsigned", _case_empty_unsigned, 401, None),
    ("huge-1MB-signed", _case_huge_signed, "4xx", None),
    ("huge-1MB-forged", _case_huge_forged, 401, None),
    ("get", _case_get, 405, None),
    ("put", _case_put, 405, None),
    ("signature-of-another-body", _case_signature_of_other_body, 401, None),
    ("replay-older-than-5-minutes", _case_replay_stale, 401, None),
    ("timestamp-more-than-5-minutes-ahead", _case_future, 401, None),
    ("non-numeric-timestamp", _case_non_numeric_timestamp, 401, None),
    ("signature-v1-prefix", _case_v1_signature, 401, None),
    ("payload-not-json-signed", _case_payload_not_json_signed, "4xx", None),
    ("payload-not-json-unsigned", _case_payload_not_json_unsigned, 401,
     None),
    ("payload-json-array-signed", _case_payload_json_array_signed, "4xx",
     None),
    ("click-forged", _case_click_forged, 401, None),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [pytest.param(case, expected, id=name,
                  marks=[pytest.mark.xfail(strict=True, raises=AssertionError, reason=bug)] if bug else [])
     for name, case, expected, bug in ABUSE_CASES],
)
def test_http_abuse_of_slack_events(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack,
                                    request: pytest.FixtureRequest, case: Case, expected: int | str) -> None:
    key = f"abuse-{request.node.callspec.id}-{time.monotonic_ns()}"
    method, body, headers = case(slack, key)
    status = _send(bot.events_url, body, headers, method)
    print(f"{request.node.callspec.id}: HTTP {status}")
    time.sleep(0.3)  # a lazy listener would have reached AWS / the response_url by now
    assert emulator.calls() == [], "an abusive request reached AWS"
    assert slack.responses_for(key) == [], "an abusive request was answered"
    assert status != 500
    if expected == "4xx":
        assert 400 <= status < 500, status
    else:
        assert status == expected, status


# --------------------------------------------------------------------------- secrets in logs


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


def test_http_secrets_never_reach_the_debug_log(launch_bot: Callable[..., BotProcess], fakes: Any,
                                                bot_env: dict[str, str]) -> None:
    emulator, slack = fakes
    _drive_and_check_logs(launch_bot, emulator, slack, bot_env)


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
