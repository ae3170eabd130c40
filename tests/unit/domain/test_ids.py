"""The identifier shapes: ASCII only, anchored at both ends (no trailing newline), and within the lengths the bot's
columns and Slack's ids allow."""

from __future__ import annotations

import re

import pytest

from bot.domain.ids import ACCOUNT_ID_RE, CHANNEL_RE, REGION_RE, TEAM_RE, USER_RE, USERGROUP_RE

ARABIC_INDIC = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")


@pytest.mark.parametrize(("pattern", "good", "bad"), [
    (REGION_RE, ["us-east-1", "eu-central-2", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "ap-southeast-5"],
     ["US-EAST-1", "us-east", "us-east-1a", "useast-1", "us-east-10", "x-east-1", "us-east-1\n", " us-east-1",
      "us-east-\u0661", "us-gov-iso-west-1"]),
    (ACCOUNT_ID_RE, ["111122223333", "000000000000"],
     ["11112222333", "1111222233334", "111122223333\n", "1111-2222-3333", "111122223333".translate(ARABIC_INDIC)]),
    (CHANNEL_RE, ["C0A", "G0123ABCD", "D0123ABCD", "C" + "A" * 31],
     ["C0", "C" + "A" * 32, "c0123abcd", "U0123ABCD", "C0123ABCD\n", "C0123-ABCD", "<#C0123ABCD>"]),
    (USER_RE, ["U0A", "W0123ABCD", "U" + "A" * 40], ["U0", "u0123abcd", "B0123ABCD", "U0123ABCD\n", "<@U0123ABCD>"]),
    (TEAM_RE, ["T0A", "E0123ABCD"], ["T0", "t0123abcd", "U0123ABCD", "T0123ABCD\n"]),
    (USERGROUP_RE, ["S0A", "S0123ONCALL", "S" + "A" * 31], ["S0", "S" + "A" * 32, "s0123", "S0123\n", "!subteam^S0123"]),
])
def test_each_id_shape_takes_what_it_should_and_nothing_else(pattern: re.Pattern[str], good: list[str],
                                                            bad: list[str]) -> None:
    assert [value for value in good if not pattern.match(value)] == []
    assert [value for value in bad if pattern.match(value)] == []


def test_the_longest_channel_id_fits_the_ledgers_column() -> None:
    # bot/store/ledger.py keeps channel ids in 32 characters.
    assert CHANNEL_RE.match("C" + "9" * 31) and not CHANNEL_RE.match("C" + "9" * 32)
