"""`python -m bot ask --sample "failed 7d ou:Production"` with no AWS at all: the emulator's sample organisation read
over signed Organizations requests, one AccountId=ANY chain a region, and the answer exactly the sum of Production's
accounts (nested Payments and Data included), computed from estate.py's own tree and the sample's records."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta

import pytest

from bot.sample.data import sample_counts
from bot.sample.estate import SAMPLE_MEMBERS, SAMPLE_ROOT, SAMPLE_UNITS
from tests.support import REPO, clean_env

pytestmark = [pytest.mark.e2e]


def under(top_name: str) -> set[str]:
    """The accounts under a top-level OU, nested OUs included, from estate.py's tree alone."""
    units = {ou for ou, name, parent in SAMPLE_UNITS if name == top_name and parent == SAMPLE_ROOT}
    while True:
        grown = units | {ou for ou, _, parent in SAMPLE_UNITS if parent in units}
        if grown == units:
            break
        units = grown
    return {account for account, _, _, parent in SAMPLE_MEMBERS if parent in units}


def ask(text: str, status: int = 0) -> str:
    env = clean_env(HOME="/nonexistent", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                    AWS_EC2_METADATA_DISABLED="true")
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "--sample", text], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == status, result.stderr
    return result.stdout


@pytest.mark.parametrize("text", ["failed 7d ou:Production", "failed 7d ou:ou-ex12-prod0001", "failed 7d OU:production"])
def test_ask_sample_ou_production_is_exactly_its_accounts(today: date, text: str) -> None:
    out = ask(text)
    accounts = under("Production")
    assert accounts == {"444455556666", "777788889999"}
    expected = sum(c.count for c in sample_counts(today)
                   if c.state == "FAILED" and c.account_id in accounts and today - timedelta(days=7) <= c.day < today)
    total = re.search(r"\*([\d,]+) failed restore jobs?\* in 3 regions", out)
    assert total and int(total[1].replace(",", "")) == expected > 0, out
    assert "the 2 accounts of ou:" in out and "1111…3333" not in out  # the management account is not in it
    assert "3 AWS calls" in out  # one chain a region


def test_ask_sample_names_an_unknown_ou_with_the_close_one() -> None:
    """A name the organisation does not hold is bad input, like a grammar refusal: exit 2 (EXIT_STATUSES)."""
    out = ask("failed 7d ou:Prodution", status=2)
    assert "No organisational unit is named “Prodution”" in out and "`ou:Production`" in out


@pytest.mark.parametrize("text", ["failed 7d ou:prod", "tests ou:prod", "coverage ou:prod", "jobs failed 7d ou:prod"])
def test_a_part_of_an_ou_name_is_refused_with_exit_2_and_offers_the_whole_name(text: str) -> None:
    assert "Close: `ou:Production`" in ask(text, status=2)


def test_an_unknown_account_name_exits_2_and_a_known_one_0() -> None:
    assert "`account:prod-payments`" in ask("failed 7d account:payments", status=2)
    ask("failed 7d account:prod-payments", status=0)
