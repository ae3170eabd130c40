"""A command's text as tokens (white space splits, quotes keep a value together) and the "did you mean" for a word
that is not one of the grammar's: the first step of every surface's grammar, before any word is read."""

from __future__ import annotations

import difflib
import re

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
# A token with quoted parts ("Storage Gateway", 'Team A'), else any run of non-space. An apostrophe inside a word
# (O'Brien) is part of the word, and opens no quote.
_PLAIN = r"""(?:[^\s"']|(?<=\w)'(?=\w))"""
_QUOTED = r"""(?:"[^"]*"|(?<!\w)'[^']*')"""
_TOKEN_RE = re.compile(rf"{_PLAIN}*(?:{_QUOTED}{_PLAIN}*)+|\S+")
_QUOTED_RE = re.compile(r""""([^"]*)"|(?<!\w)'([^']*)'""")
# A quote left over once the pairs are gone is dropped, except an apostrophe inside a word (an account named O'Brien).
_STRAY_QUOTE_RE = re.compile(r""""|(?<!\w)'|'(?!\w)""")


def tokenize(text: str) -> list[str]:
    """Split on white space, keeping quoted values ("Storage Gateway", 'Team A') together; never raises."""
    tokens = (_STRAY_QUOTE_RE.sub("", _QUOTED_RE.sub(lambda m: m[1] if m[1] is not None else m[2], token))
              for token in _TOKEN_RE.findall(text.translate(_QUOTES)))
    return [token for token in tokens if token]  # a lone quote is no word


def suggest(word: str, vocabulary: list[str] | tuple[str, ...]) -> str | None:
    """The vocabulary's word closest to `word` (case aside), as the vocabulary spells it; None when none is close."""
    matches = difflib.get_close_matches(word.lower(), [v.lower() for v in vocabulary], n=1, cutoff=0.6)
    if not matches:
        return None
    lowered = {v.lower(): v for v in vocabulary}
    return lowered[matches[0]]
