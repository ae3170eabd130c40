"""The organisation's words in the `/restores` grammar: `account:<name>` and `ou:<name or ou-id>`. Parsing only checks
the shape AWS Organizations allows; which accounts a name or OU means is decided per request, with the directory
(bot.domain.access.AccessPolicy.scope), before any AWS Backup call."""

from __future__ import annotations

import re
from typing import Final

from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.organization import OU_ID_RE
from bot.domain.query_errors import ParseError

# botocore's model (organizations 2016-11-28): AccountName and OrganizationalUnitName are 1-128 characters of any kind
# ([\s\S]*: non-ASCII names included). Control characters, which no name in a typed command holds, are refused.
NAME_RE: Final = re.compile(r"\A[^\x00-\x1f\x7f]{1,128}\Z")
ACCOUNT_NAME_RE: Final = NAME_RE
UNIT_NAME_RE: Final = NAME_RE
ACCOUNT_WORDS: Final = "`account:` with 12 digits, an account's name (`account:prod-payments`), `ANY` or `AGGREGATE_ALL`"
UNIT_WORDS: Final = ("`ou:` with an organisational unit's name (`ou:Production`, nested OUs included) or id "
                     "(`ou:ou-ab12-cd34ef56`)")


def is_account_name(value: str) -> bool:
    """Whether `account:value` names an account by name: not an id, not a wildcard, not a mistyped id (digits with
    separators, in any script: `1234-5678-9012` is refused with the id suggested)."""
    if ACCOUNT_ID_RE.match(value) or value.upper() in ("ANY", "AGGREGATE_ALL"):
        return False
    return not re.fullmatch(r"[\d\s\-_.]+", value)  # \d: digits of any script (１２３…) are a mistyped id too


def parse_account_name(value: str, token: str) -> str:
    name = value.strip()
    if not ACCOUNT_NAME_RE.match(name):
        raise ParseError(token, "is not an AWS account id or account name (names are 1-128 characters)",
                         ACCOUNT_WORDS)
    return name


def parse_unit(value: str, token: str) -> str:
    """An OU id as AWS spells it (lower case), or a name as typed (matched case-insensitively later)."""
    unit = value.strip()
    if unit.lower().startswith("ou-"):
        if not OU_ID_RE.match(unit.lower()):
            raise ParseError(token, "is not an organisational unit id (ou- then 4-32 and 8-32 letters or digits)",
                             UNIT_WORDS)
        return unit.lower()
    if not UNIT_NAME_RE.match(unit):
        raise ParseError(token, "is not an organisational unit name (1-128 characters)", UNIT_WORDS)
    return unit


def org_pairs(account: str | None, unit: str | None) -> list[str]:
    """`account:…` and `ou:…` as a command's text says them (quoted when they hold a space), to parse back the same."""
    return [f'{key}:"{value}"' if " " in value else f"{key}:{value}"
            for key, value in (("account", account), ("ou", unit)) if value]
