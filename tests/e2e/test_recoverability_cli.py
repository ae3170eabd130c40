"""`ask --sample` for `resource` and `coverage`, as a new user runs it (no AWS or Slack settings): the story of the
sample's protected resources, and coverage figures equal to an oracle over the sample's own records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.sample.data import sample_emulator
from bot.sample.estate import SAMPLE_CALLER_ACCOUNT, SAMPLE_MEMBERS
from tests.e2e.test_cli import run
from tests.fakes.resources import coverage_oracle

pytestmark = [pytest.mark.e2e, pytest.mark.dates]


def test_resource_answers_tell_the_samples_story() -> None:
    orders = run("ask", "--sample", "resource orders-db")
    assert orders.returncode == 0, orders.stderr
    assert "Can we restore orders-db?" in orders.stdout and "Restored and validated" in orders.stdout
    assert "by restore testing plan" in orders.stdout and "*Last restores*" in orders.stdout
    ledger = run("ask", "--sample", "resource ledger-db").stdout
    assert "Last restore failed" in ledger and "Access denied to KMS key" in ledger
    assert "Never restored: no evidence it can be" in run("ask", "--sample", "resource payments-db").stdout
    refused = run("ask", "--sample", "resource arn:aws-cn:rds:cn-north-1:111122223333:db:x")
    assert refused.returncode == 2 and "partition, which this bot does not answer for" in refused.stdout


def test_coverage_equals_the_oracle_over_the_samples_records() -> None:
    result = run("ask", "--sample", "coverage 180d")  # the sample's 14 days of history: no job near the window's edge
    assert result.returncode == 0, result.stderr
    emulator = sample_emulator(datetime.now(UTC))
    resources = [r for r in emulator.api.resources if r.account_id == SAMPLE_CALLER_ACCOUNT]
    jobs = [j for j in emulator.jobs if j.account_id == SAMPLE_CALLER_ACCOUNT]
    by_type, _, proven, _, unproven = coverage_oracle(resources, jobs, datetime.now(UTC), 180)
    assert f"*{sum(proven.values())} of {sum(by_type.values())} protected resources*" in result.stdout
    for resource_type, total in by_type.items():
        assert f"*{resource_type}* — {proven[resource_type]} of {total} (" in result.stdout
    assert f"*No successful restore in 180 days* ({len(unproven)})" in result.stdout


def test_coverage_of_every_account_names_the_organisations_accounts_not_read() -> None:
    """`account:ANY` asks for every account: the bot reads its own (RESTORES_TESTING_ACCOUNTS unset) and names the sample
    organisation's others as not read in the headline, never a quiet narrowing to its own account."""
    answered = run("ask", "--sample", "coverage type:RDS account:ANY 180d")
    assert answered.returncode == 1, answered.stderr  # incomplete: exit 1 (EXIT_STATUSES), as the headline says
    out = answered.stdout
    assert "`/restores coverage 180d type:RDS account:ANY`" in out
    assert f"{SAMPLE_CALLER_ACCOUNT[:4]}…{SAMPLE_CALLER_ACCOUNT[-4:]} (the bot's own)" in out
    headline = next(line for line in out.splitlines() if "*Incomplete:*" in line)
    others = [a for a, _, state, _ in SAMPLE_MEMBERS if a != SAMPLE_CALLER_ACCOUNT and state == "ACTIVE"]
    assert others and all(f"{a[:4]}…{a[-4:]}" in headline for a in others)
    suspended = [a for a, _, state, _ in SAMPLE_MEMBERS if state != "ACTIVE"]
    assert suspended and not any(f"{a[:4]}…{a[-4:]}" in out for a in suspended)  # never polled, never asked for
    assert headline.count("not read") == 1 and "not an all clear" in headline


def test_coverage_of_an_ou_the_bot_cannot_read_names_its_accounts_and_gives_no_figure() -> None:
    answered = run("ask", "--sample", "coverage ou:Production 90d")
    assert answered.returncode == 1, answered.stderr
    out = answered.stdout
    assert "no account" not in out and "0 of 0" not in out and "(0%)" not in out
    assert "*Accounts:* accounts prod-payments · 4444…6666, prod-data · 7777…9999" in out
    headline = next(line for line in out.splitlines() if "*Incomplete:*" in line)
    assert "prod-payments · 4444…6666" in headline and headline.count("not read") == 1
    assert "No protected resource was read" in out


def test_a_resource_searched_in_every_account_names_the_accounts_not_searched() -> None:
    """`resource … account:ANY` that finds nothing: the organisation's accounts the bot cannot read are named, so "No
    protected resource matches" is never taken for "it is not protected anywhere"."""
    out = run("ask", "--sample", "resource no-such-db account:ANY").stdout
    assert "No protected resource matches `no-such-db`" in out and "`/restores resource no-such-db account:ANY`" in out
    headline = next(line for line in out.splitlines() if "*Incomplete:*" in line)
    assert "prod-payments · 4444…6666" in headline and "not an all clear" in headline
