"""Issue 20, what must hold: names shown for every account on every surface when the directory is readable, ids alone
(no error) when it is not; names are AWS data, escaped and clipped; the By OU breakdown sums exactly to the per-account
rows. Each surface renders the same rows with names (AccountNames built the way bot.organization.names builds them)
and without (NO_NAMES)."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.alerts.render import render_reply
from bot.answers.controls import ActionValue
from bot.answers.render import render_summary
from bot.answers.render_jobs import render_jobs
from bot.answers.terminal import message_as_text
from bot.digest.data import DigestRows, build_digest
from bot.digest.render import render_digest
from bot.domain.accounts import AT_ROOT, MAX_NAME, NO_NAMES, NOT_IN_DIRECTORY, AccountNames, short_id
from bot.domain.organization import Organization
from bot.domain.query import BAD_STATES, Period, RestoreFilter, State
from bot.domain.results import JobsQuery, JobsResult, RestoreJobRow, SummaryResult, SummaryRow, TestingResult
from bot.home.render import HomeData, render_home
from bot.organization.names import top_units
from bot.restore_testing.grammar import TestsQuery
from bot.restore_testing.render import digest_section, render_tests
from bot.restore_testing.verdicts import judge
from bot.sample.api_organizations import spread_organization
from bot.slack.blocks import Message
from tests.support import all_texts, assert_within_slack_limits
from tests.unit.organization.sample_org import organization_of
from tests.unit.restore_testing.test_render import job as plan_job
from tests.unit.restore_testing.test_render import plan as make_plan

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = NOW.date() - timedelta(days=1)
REGIONS = ("us-east-1", "eu-west-1")
MANAGEMENT, PAYMENTS, DATA, SANDBOX = "111122223333", "444455556666", "777788889999", "222233334444"
ACCOUNTS = (MANAGEMENT, PAYMENTS, DATA, SANDBOX)


def names_of(organization: Organization) -> AccountNames:
    """What bot.organization.names hands the renderers for a readable directory."""
    return AccountNames(organization.names(), organization.unit_paths(), top_units(organization))


SAMPLE = names_of(organization_of())


def row(day: date, region: str, account: str, state: str, count: int, rtype: str = "EBS") -> SummaryRow:
    start = datetime.combine(day, time.min, UTC)
    return SummaryRow(region, account, state, rtype, count, start, start + timedelta(days=1))


def day_rows() -> tuple[SummaryRow, ...]:
    return (row(DAY, "us-east-1", MANAGEMENT, State.FAILED, 3), row(DAY, "us-east-1", PAYMENTS, State.FAILED, 2, "RDS"),
            row(DAY, "eu-west-1", PAYMENTS, State.ABORTED, 1), row(DAY, "eu-west-1", DATA, State.FAILED, 4),
            row(DAY, "us-east-1", SANDBOX, State.ABORTED, 5), row(DAY, "us-east-1", DATA, State.COMPLETED, 9))


def failed_job(account: str, n: int) -> RestoreJobRow:
    return RestoreJobRow(region="us-east-1", account_id=account, job_id=f"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f{n}",
                         status=State.FAILED, status_message="Access denied to KMS key", resource_type="EBS",
                         created=NOW - timedelta(hours=3), resource_arn=f"arn:aws:ec2:us-east-1:{account}:volume/vol-{n}")


def as_text(message: Message) -> str:
    return json.dumps([message.text, message.block_dicts()], ensure_ascii=False).replace("\\n", "\n")


def surfaces(names: AccountNames) -> dict[str, Message]:
    data = day_rows()
    flt = RestoreFilter(state=State.ANY, period=Period.ONE_DAY, account="ANY", regions=REGIONS)
    summary = SummaryResult(flt, Period.ONE_DAY, data, (), type_rows=data, account_rows=data)
    digest = build_digest(DigestRows(regions=REGIONS, totals=data, by_type=data, by_account=data, per_account=True),
                          day=DAY, account="ANY")
    jobs = tuple(failed_job(a, n) for n, a in enumerate(ACCOUNTS))
    listed = JobsResult(JobsQuery(regions=REGIONS, created_after=NOW - timedelta(days=1), created_before=NOW,
                                  status=State.FAILED, accounts=ACCOUNTS), jobs, ())
    plans = tuple(make_plan(f"plan-{a}", NOW, account=a) for a in ACCOUNTS)
    board = judge(TestingResult(REGIONS, ACCOUNTS, (NOW - timedelta(days=7), NOW), plans, (),
                                tuple(plan_job(p, 1, NOW, status=State.FAILED) for p in plans)), now=NOW, days=7)
    section = digest_section(board, now=NOW, names=names)
    assert section is not None
    return {
        "answer": render_summary(summary, last_day=DAY, names=names),
        "jobs": render_jobs(listed, RestoreFilter(state=State.FAILED, account="ANY", regions=REGIONS), names=names),
        "digest": render_digest(digest, names=names),
        "digest tests": render_digest(digest, extra=section, names=names),
        "alert": render_reply(list(jobs), names),
        "home": Message(text="home", blocks=render_home(HomeData(now=NOW, flt=flt, summary=summary, failed_jobs=listed,
                                                                 tests=board, names=names)).blocks),
        "tests": render_tests(board, TestsQuery(), now=NOW, names=names),
    }


@pytest.mark.parametrize("surface", ["answer", "jobs", "digest", "digest tests", "alert", "home", "tests"])
def test_every_account_is_named_where_the_directory_is_readable(surface: str) -> None:
    message = surfaces(SAMPLE)[surface]
    text = as_text(message)
    for account in ACCOUNTS:
        assert f"{SAMPLE.name(account)} · {short_id(account)}" in text, (surface, account)
    assert_within_slack_limits(message.block_dicts())


@pytest.mark.parametrize("surface", ["answer", "jobs", "digest", "digest tests", "alert", "home", "tests"])
def test_without_the_directory_ids_alone_and_no_by_ou(surface: str) -> None:
    text = as_text(surfaces(NO_NAMES)[surface])
    assert all(account in text for account in ACCOUNTS), surface
    assert "prod-payments" not in text, surface
    assert "By OU" not in text, surface
    assert not any(short_id(account) in text for account in ACCOUNTS), surface


def test_buttons_carry_ids_never_names() -> None:
    message = surfaces(SAMPLE)["answer"]
    values = [o["value"] for b in message.block_dicts() if b["type"] == "actions" for e in b["elements"]
              for g in e.get("option_groups", ()) for o in g["options"]]
    labels = [o["text"]["text"] for b in message.block_dicts() if b["type"] == "actions" for e in b["elements"]
              for g in e.get("option_groups", ()) for o in g["options"]]
    accounts = {ActionValue.decode(v, now=NOW).filter.account for v in values}
    assert {PAYMENTS, DATA, SANDBOX, MANAGEMENT} <= accounts
    assert not any("prod-payments" in v for v in values)
    assert any(label.startswith("prod-payments · 4444…6666 · ") for label in labels)  # what people read


def test_the_terminal_shows_names_as_text() -> None:
    shown = message_as_text(surfaces(SAMPLE)["answer"])
    assert "*prod-payments · 4444…6666 · eu-west-1* — 1" in shown
    assert "*Production* — 7  (4 failed, 3 aborted)" not in shown  # states are said only where there are several
    assert "*By OU*" in shown


def test_by_ou_in_the_answer_and_the_digest_sums_the_per_account_rows() -> None:
    said = {name: message_as_text(m) for name, m in surfaces(SAMPLE).items()}
    # Production holds Payments (2 failed, 1 aborted) and Data (4 failed, 9 completed); the root the management
    # account (3 failed); Sandbox 5 aborted.
    assert "*By OU*\n*Production* — 16" in said["answer"], said["answer"]
    assert f"*{AT_ROOT}* — 3" in said["answer"] and "*Sandbox* — 5" in said["answer"]
    assert "*By OU*\n*Production* — 6 failed, 1 aborted" in said["digest"], said["digest"]
    assert f"*{AT_ROOT}* — 3 failed" in said["digest"] and "*Sandbox* — 5 aborted" in said["digest"]


def ou_lines(text: str) -> dict[str, int]:
    part = text.split("*By OU*\n", 1)[1].split("\n\n", 1)[0]
    found: dict[str, int] = {}
    for line in part.splitlines():
        label, counts = line.rsplit("* — ", 1)  # "16", "16  (4 failed, …)" or the digest's "6 failed, 1 aborted"
        said = counts.split("  (")[0]
        found[label.lstrip("*")] = sum(int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", said))
    return found


def test_by_ou_is_exact_over_a_thousand_accounts_in_nested_ous() -> None:
    """An oracle from the raw rows and the organisation's own tree (not from AccountNames): every OU's sum, the root's,
    and the accounts the directory does not hold."""
    rng = random.Random(20)
    accounts = [f"{100000000000 + i * 7919:012d}" for i in range(1000)]
    organization = organization_of(spread_organization(accounts))
    strangers = ["999900000001", "999900000002"]  # rows of accounts the directory does not list
    rows = tuple(row(DAY, rng.choice(REGIONS), rng.choice(accounts + strangers), rng.choice(BAD_STATES),
                     rng.randint(1, 900)) for _ in range(3000))
    oracle: Counter[str] = Counter()
    for r in rows:
        path = organization.path(r.account_id) if r.account_id in organization.accounts else None
        oracle[NOT_IN_DIRECTORY if path is None else (path[0].name if path else AT_ROOT)] += r.count
    flt = RestoreFilter(state=State.ANY, period=Period.ONE_DAY, account="ANY", regions=REGIONS)
    message = render_summary(SummaryResult(flt, Period.ONE_DAY, rows, (), type_rows=rows, account_rows=rows),
                             last_day=DAY, names=names_of(organization))
    assert_within_slack_limits(message.block_dicts())
    assert ou_lines(message_as_text(message)) == dict(oracle)
    assert sum(oracle.values()) == sum(r.count for r in rows)
    digest = build_digest(DigestRows(regions=REGIONS, totals=rows, by_type=rows, by_account=rows, per_account=True),
                          day=DAY, account="ANY")
    digest_message = render_digest(digest, names=names_of(organization))
    assert_within_slack_limits(digest_message.block_dicts())
    assert ou_lines(message_as_text(digest_message)) == dict(oracle)


HOSTILE = {
    PAYMENTS: "<!here> & <@U0BOSS> payments",
    DATA: "@here data " + "x" * 200,
    SANDBOX: "<https://evil.example|click> sandbox",
    MANAGEMENT: "bidi\u202eeman\u200b & co",
}


@pytest.mark.parametrize("surface", ["answer", "jobs", "digest", "digest tests", "alert", "home", "tests"])
def test_hostile_names_are_escaped_and_clipped(surface: str) -> None:
    names = AccountNames(HOSTILE, {a: f"<OU> & {a}" for a in HOSTILE}, dict.fromkeys(HOSTILE, "<b>&top"))
    message = surfaces(names)[surface]
    blocks = message.block_dicts()
    assert_within_slack_limits(blocks)
    # Every text Slack parses as mrkdwn (plain_text, as the drill-down menu's labels, is shown as typed).
    text = "\n".join(all_texts(message))
    for bad in ("<!here>", "<@U0BOSS>", "<https://evil.example", "\u202e", "\u200b", "<b>"):
        assert bad not in text, (surface, bad)
    assert "&lt;!here&gt; &amp; &lt;@U0BOSS&gt; payments" in text, surface
    assert "x" * MAX_NAME not in text  # clipped to MAX_NAME characters, with an ellipsis
    assert f"@here data {'x' * (MAX_NAME - len('@here data ') - 1)}…" in text, surface


def test_a_single_accounts_scope_names_it_beside_its_whole_id() -> None:
    flt = RestoreFilter(state=State.FAILED, period=Period.SEVEN_DAYS, account=PAYMENTS, regions=REGIONS)
    rows = tuple(r for r in day_rows() if r.account_id == PAYMENTS)
    answer = message_as_text(render_summary(SummaryResult(flt, Period.SEVEN_DAYS, rows, ()), last_day=DAY, names=SAMPLE))
    assert f"account prod-payments ({PAYMENTS})" in answer
    hostile = AccountNames({PAYMENTS: "<!here> pay"})
    said = "\n".join(all_texts(render_summary(SummaryResult(flt, Period.SEVEN_DAYS, rows, ()), last_day=DAY,
                                              names=hostile)))
    assert f"account &lt;!here&gt; pay ({PAYMENTS})" in said and "<!here>" not in said
    unnamed = message_as_text(render_summary(SummaryResult(flt, Period.SEVEN_DAYS, rows, ()), last_day=DAY))
    assert f"account {PAYMENTS} ·" in unnamed
