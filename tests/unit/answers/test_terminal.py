"""message_as_text, pure: each block kind as readable lines, Slack emoji codes as terminal symbols, and the entities
that keep untrusted text inert in Slack shown as the text itself."""

from __future__ import annotations

import re

import pytest
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, DividerBlock, SectionBlock

from bot.answers.notices import render_internal_error, render_parse_error, render_refusal, render_stale_action
from bot.answers.terminal import TERMINAL_EMOJI, message_as_text
from bot.domain.query import ParseError, State
from bot.slack.blocks import Message, context, escape, field_text, header, mrkdwn, section
from bot.subscriptions.render import render_channel_problem, render_direct_message, render_no_channel

EMOJI_CODE = re.compile(r":[a-z][a-z0-9_+-]*:")


def test_each_block_kind_becomes_lines_separated_by_a_blank_line() -> None:
    message = Message(text="fallback", blocks=[
        header("Restores"),
        section("first *line*"),
        SectionBlock(text=mrkdwn("totals"), fields=[field_text("*FAILED*\n7"), field_text("*COMPLETED*\n120")]),
        context("left", "right"),
        DividerBlock(),
        section("last"),
    ])
    assert message_as_text(message) == (
        "Restores\n========\n\n"
        "first *line*\n\n"
        "totals\n*FAILED*: 7   *COMPLETED*: 120\n\n"
        "left  right\n\n"
        + "-" * 40 + "\n\n"
        "last\n"
    )


def test_blocks_without_text_add_nothing_and_the_output_ends_in_one_newline() -> None:
    button = ButtonElement(text="Share", action_id="a", value="v")
    out = message_as_text(Message(text="x", blocks=[section("only"), ActionsBlock(elements=[button])]))
    assert out == "only\n"
    assert "Share" not in out  # buttons are for Slack; the terminal has nothing to click


def test_the_fallback_text_is_not_printed_only_the_blocks() -> None:
    assert message_as_text(Message(text="secret fallback", blocks=[section("shown")])) == "shown\n"


def test_state_icons_and_the_bots_other_emoji_print_as_symbols() -> None:
    icons = [s for s in State if s.icon]
    line = " ".join(s.icon for s in icons) + " :warning: :rotating_light: :scissors: :test_tube: :lock: :boom:"
    out = message_as_text(Message(text="x", blocks=[section(line)]))
    assert out == " ".join(s.symbol for s in icons) + " ⚠ ‼ ✂ ⚗ 🔒 !\n"
    assert TERMINAL_EMOJI[":x:"] == State.FAILED.symbol == "✖"


def test_escaped_untrusted_text_reads_as_typed() -> None:
    typed = "<!channel> & <@U0ADMIN> &lt;x&gt;"
    out = message_as_text(Message(text="x", blocks=[section(f"reason: {escape(typed)}"), context(escape(typed))]))
    assert out == f"reason: {typed}\n\n{typed}\n"


@pytest.mark.parametrize(
    "message",
    [
        render_refusal(),
        render_refusal(no_scope=True),
        render_internal_error("abc123"),
        render_parse_error(ParseError("fialed", "is not something I understand", "states", "failed")),
    ],
    ids=["refusal", "no-scope", "internal-error", "parse-error"],
)
def test_the_answers_of_the_cli_print_no_raw_emoji_codes(message: Message) -> None:
    out = message_as_text(message)
    assert not EMOJI_CODE.search(out), out


@pytest.mark.parametrize(
    "message",
    [render_no_channel(), render_direct_message(), render_channel_problem("archived"), render_stale_action()],  # type: ignore[arg-type]
    ids=["no-channel", "direct-message", "archived", "stale-action"],
)
def test_subscription_and_stale_answers_print_no_raw_emoji_codes(message: Message) -> None:
    out = message_as_text(message)
    assert not EMOJI_CODE.search(out), out


def test_the_trend_icons_and_buttons_emoji_print_as_symbols() -> None:
    from bot.domain import words

    codes = [words.BETTER_ICON, words.WORSE_ICON, words.SAME_ICON, ":bar_chart:", ":loudspeaker:", ":money_with_wings:"]
    out = message_as_text(Message(text="x", blocks=[section(" ".join(codes))]))
    assert not EMOJI_CODE.search(out), out
    assert out == "🟢 🔴 ⚪ 📊 📢 💸\n"


def test_buttons_leave_no_blank_lines_where_they_were() -> None:
    """A terminal has no buttons: the lines around an actions block are separated by one blank line, not three."""
    message = Message(text="fallback", blocks=[
        section("before"),
        ActionsBlock(elements=[ButtonElement(text="Restore history", action_id="x", value="v")]),
        context("after"),
    ])
    assert message_as_text(message) == "before\n\nafter\n"
