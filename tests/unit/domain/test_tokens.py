"""bot.domain.tokens: a command's text as tokens, and the "did you mean" for a word the grammar does not know."""

from __future__ import annotations

from bot.answers.grammar import parse_command
from bot.domain.tokens import suggest, tokenize

DEFAULT = ("us-east-1",)


def test_tokenize_keeps_quoted_values_and_survives_unbalanced_quotes() -> None:
    assert tokenize('type:"Storage Gateway" 7d') == ["type:Storage Gateway", "7d"]
    assert tokenize('type:"Storage') == ["type:Storage"]
    # Only the quotes around a value go: an apostrophe inside a name stays (an account named O'Brien).
    assert tokenize("account:O'Brien 'failed' ou:'Team A'") == ["account:O'Brien", "failed", "ou:Team A"]
    assert tokenize('account:"O\'Brien Ops" 7d') == ["account:O'Brien Ops", "7d"]
    flt = parse_command("account:“O’Brien Ops” failed", DEFAULT).filter  # as Slack's clients curl the quotes
    assert flt.account_name == "O'Brien Ops" and parse_command(flt.to_text(), DEFAULT).filter == flt


def test_white_space_of_any_kind_splits_and_nothing_raises() -> None:
    assert tokenize("  failed\t7d\n eu-west-1  ") == ["failed", "7d", "eu-west-1"]
    assert tokenize("") == [] and tokenize("   ") == []
    assert tokenize('"') == [] and tokenize("'") == []  # a lone quote is no token


def test_suggest_names_the_closest_word_as_the_vocabulary_spells_it() -> None:
    assert suggest("fialed", ["FAILED", "ABORTED"]) == "FAILED"
    assert suggest("EU-WEST-1", ["eu-west-1", "us-east-1"]) == "eu-west-1"
    assert suggest("zzz", ["FAILED", "ABORTED"]) is None
    assert suggest("failed", []) is None
