"""Hardening: property-based fuzzing of the whole command path, in process and over HTTP to the bot's WSGI app.

Under the default hypothesis profile this module stays quick (100 examples per in-process property). The long
run is::

    python -m pytest tests/hardening -p no:cacheprovider --hypothesis-profile=hardening -k "not http"

which runs 10,000 examples of every in-process property (the `http` tests set their own, small, example counts:
each of their examples is a real HTTP round trip).

Bugs these tests found are kept as regression cases with the exact input hypothesis shrank them to (non-UTF-8,
malformed JSON and non-numeric timestamps answered 500 — see tests/scenario/test_http_abuse.py; the word "payload"
in a command dropped it; unbounded echoes of long keys; non-ASCII digits taken for account ids).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.answers.grammar import parse_command
from bot.answers.service import RestoresService
from bot.aws.client import BackupService
from bot.config import load_settings
from bot.domain.query import API_STATES, RESOURCE_TYPES, WILDCARDS, ParseError, Period
from bot.domain.regions import known_regions
from bot.slack.blocks import Message
from bot.wiring import Wiring
from tests.fakes.aws import BackupEmulator, multi_page_counts
from tests.fakes.slack import FakeSlack, validate_blocks
from tests.support import API_ACCOUNT_RE, E2E_REGIONS, AppBot

pytestmark = [pytest.mark.hardening, pytest.mark.dates]

# In-process cases pin the emulator here and pass `now=` explicitly; taken from the wall clock (which CI also runs
# shifted by faketime) so nothing depends on the day the test was written.
NOW = datetime.now(UTC).replace(microsecond=0)  # button windows carry whole seconds

ACCOUNTS = ("111122223333", "444455556666")

TYPES = ("EBS", "RDS", "Storage Gateway")

TRACEBACK_MARKERS = ("Traceback", 'File "')

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
    harness = InProcess(Wiring(config, backup=backup).answers, emulator, counts)
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=200), mixed_commands))
@example(text="")
@example(text="failed 7d account:ANY")
@example(text="\x00\u202e🔥`'\"")
@example(text="x" * 3000)
def test_http_any_command_is_acked_and_answered(app_bot: AppBot, slack: FakeSlack, text: str) -> None:
    status, key = app_bot.post_command(text)
    assert status == 200, f"ack {status} for {text!r}"
    answers = slack.wait_for_responses(1, key=key, timeout=30)
    assert answers, f"no answer for {text!r}"
    assert not answers[0].rejected, (answers[0].error, answers[0].body)


@pytest.mark.parametrize("text", ["payload", "failed payload", "jobs failed type:payloadx"])
def test_word_payload_in_command_text_is_answered(app_bot: AppBot, slack: FakeSlack, text: str) -> None:
    status, key = app_bot.post_command(text)
    assert status == 200
    assert slack.wait_for_responses(1, key=key, timeout=5)
