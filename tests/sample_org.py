"""The sample organisation as an oracle, walked from bot/sample/estate.py's own records rather than through the code
under test: each account's name and the top-level OU it sits under (nested OUs included)."""

from __future__ import annotations

from bot.domain.accounts import AT_ROOT
from bot.sample.estate import SAMPLE_MEMBERS, SAMPLE_ROOT, SAMPLE_UNITS

NAME = {account: name for account, name, *_ in SAMPLE_MEMBERS}
PARENT = {account: parent for account, _, _, parent in SAMPLE_MEMBERS}
UNIT = {ou: (name, parent) for ou, name, parent in SAMPLE_UNITS}


def top_of(account: str) -> str:
    """The name of the top-level OU above `account`, or AT_ROOT for an account directly under the root."""
    node = PARENT[account]
    if node == SAMPLE_ROOT:
        return AT_ROOT
    while UNIT[node][1] != SAMPLE_ROOT:
        node = UNIT[node][1]
    return UNIT[node][0]
