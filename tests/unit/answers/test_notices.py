"""Short answers, pure: help and usage errors carry fallback text and blocks."""

from __future__ import annotations

import json

import pytest

from bot.answers.grammar import parse_command
from bot.answers.notices import render_help, render_parse_error
from bot.domain.query import ParseError


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_help_and_errors_have_fallback_text_and_blocks() -> None:
    help_message = render_help("/restores", ("us-east-1",))
    assert help_message.text and help_message.blocks
    assert "/restores failed 7d" in all_text(help_message.block_dicts())
    with pytest.raises(ParseError) as caught:
        parse_command("faild", ("us-east-1",))
    error = render_parse_error(caught.value)
    assert "Did you mean `failed`?" in error.text
