"""Defect 3 of "Trust, round two": from a member account AWS answers an organisation-wide question with the bot's own
account only. Given such a view (bot.domain.coverage.OnlyAccount), the digest, the answers and the Home tab say
"AWS shows only account X to this bot" and never all clear; the same data without it is unchanged (the control)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.answers.render import render_summary
from bot.digest.data import DigestRows, build_digest
from bot.digest.render import digest_series, render_digest
from bot.domain.coverage import OnlyAccount
from bot.domain.query import ANY, Period, RestoreFilter, State
from bot.domain.results import SummaryResult, SummaryRow
from bot.home.render import render_home
from tests.unit.home.test_render import data as home_data
from tests.unit.home.test_render import row as home_row

pytestmark = pytest.mark.dates

ME, MANAGEMENT = "111122223333", "999988887777"
MEMBER_VIEW = OnlyAccount(ME, shown=True, management=MANAGEMENT)
NOTE = f"AWS shows only account {ME} to this bot"
def texts(blocks: list[dict[str, object]], fallback: str = "") -> str:
    return json.dumps(blocks, ensure_ascii=False) + fallback


def quiet_day(day: date) -> DigestRows:
    """A day with completed restores only, in the bot's own account: what a member account sees of a bad day."""
    start = datetime.combine(day, datetime.min.time(), UTC)
    totals = tuple(SummaryRow("us-east-1", "AGGREGATE_ALL", "COMPLETED", "AGGREGATE_ALL", 9, start - timedelta(days=i),
                              start - timedelta(days=i - 1)) for i in range(14))
    return DigestRows(regions=("us-east-1",), totals=totals, by_type=(), by_account=())


def test_the_digest_of_a_member_only_view_says_so_and_is_never_all_clear(day: date) -> None:
    whole = build_digest(quiet_day(day), day=day)
    assert whole.all_clear and "all clear" in render_digest(whole).text  # the control
    member = build_digest(replace(quiet_day(day), only_account=MEMBER_VIEW), day=day)
    assert not member.all_clear and member.incomplete and not member.retriable  # held back would change nothing
    message = render_digest(member)
    text = texts(message.block_dicts(), message.text)
    assert NOTE in text and MANAGEMENT in text
    assert "All clear" not in text and "all clear," not in text and ":white_check_mark:" not in text
    assert digest_series(member) is None  # no chart comparing partial numbers


def test_a_channel_that_may_see_only_the_bots_account_misses_nothing(day: date) -> None:
    rows = replace(quiet_day(day), only_account=MEMBER_VIEW, per_account=True)
    assert build_digest(rows, day=day, visible_accounts=frozenset({ME})).only_account is None
    assert build_digest(rows, day=day, visible_accounts=frozenset({ME, "444455556666"})).only_account == MEMBER_VIEW


def summary(only: OnlyAccount | None, rows: tuple[SummaryRow, ...] = ()) -> SummaryResult:
    flt = RestoreFilter(state=State.FAILED, period=Period.SEVEN_DAYS, account=ANY, regions=("us-east-1",))
    return SummaryResult(flt, Period.SEVEN_DAYS, rows, (), only_account=only)


def test_an_org_wide_answer_from_a_member_only_view_says_so() -> None:
    plain = render_summary(summary(None))
    assert NOTE not in texts(plain.block_dicts(), plain.text)
    message = render_summary(summary(MEMBER_VIEW))
    assert NOTE in json.dumps(message.block_dicts()) and NOTE in message.text
    maybe = render_summary(summary(OnlyAccount(ME, shown=False, management=MANAGEMENT)))
    assert f"AWS may show only account {ME} to this bot" in json.dumps(maybe.block_dicts())


def test_the_home_tab_of_a_member_only_view_says_so_and_gives_no_all_clear_rate_or_trend() -> None:
    completed = [home_row("us-east-1", ME, "COMPLETED", "EBS", d, 5) for d in range(1, 9)]
    whole = json.dumps(render_home(home_data(completed)).block_dicts(), ensure_ascii=False)
    assert ":white_check_mark: *No failed or aborted restores*" in whole  # the control
    home = home_data(completed)
    member = replace(home, summary=replace(home.summary, only_account=MEMBER_VIEW))
    text = json.dumps(render_home(member).block_dicts(), ensure_ascii=False)
    assert NOTE in text and "not an all clear" in text
    assert ":white_check_mark:" not in text and "% of finished restores" not in text and "`▁" not in text
