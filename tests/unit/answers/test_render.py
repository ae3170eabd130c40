"""render_summary, pure: exact numbers, named region failures, Slack's limits, share and sample answers, and the same
answer as terminal text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.answers.render import render_summary
from bot.answers.terminal import message_as_text
from bot.domain.query import Period, RestoreFilter, State
from bot.domain.results import FailureKind, RegionFailure, SummaryResult, SummaryRow
from bot.slack.blocks import sparkline
from tests.support import assert_within_slack_limits

T0 = datetime(2026, 11, 19, tzinfo=UTC)

T1 = datetime(2026, 11, 26, tzinfo=UTC)


def row(state: str = "FAILED", count: int = 1, *, region: str = "us-east-1", account: str = "111122223333",
        rtype: str = "EBS", start: datetime = T0, end: datetime = T1) -> SummaryRow:
    return SummaryRow(region, account, state, rtype, count, start, end)


def result(rows: list[SummaryRow], flt: RestoreFilter | None = None, failures: tuple[RegionFailure, ...] = (),
           period: Period = Period.SEVEN_DAYS) -> SummaryResult:
    flt = flt or RestoreFilter(regions=("us-east-1", "eu-west-1"), period=period)
    return SummaryResult(filter=flt, period=period, rows=tuple(rows), failures=failures, aws_calls=3, elapsed=0.25)


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_totals_per_state_are_exact_sums() -> None:
    rows = [row("FAILED", 3), row("FAILED", 4, region="eu-west-1"), row("COMPLETED", 120, rtype="RDS"),
            row("ABORTED", 2, account="444455556666")]
    message = render_summary(result(rows))
    blocks = message.block_dicts()
    totals = next(b for b in blocks if b["type"] == "section" and b.get("fields"))
    assert "*129 restore jobs* in 2 regions" in totals["text"]["text"]
    field_texts = [f["text"] for f in totals["fields"]]
    assert any("Failed*\n7" in t for t in field_texts)
    assert any("Completed*\n120" in t for t in field_texts)
    assert any("Aborted*\n2" in t for t in field_texts)
    text = all_text(blocks)
    assert "*EBS* — 9" in text and "*RDS* — 120" in text
    assert "*111122223333 · us-east-1* — 123" in text and "*111122223333 · eu-west-1* — 4" in text
    assert "129 restore jobs; 7 failed, 2 aborted, 120 completed" in message.text


def test_region_failures_are_named_and_numbers_say_they_exclude_them() -> None:
    failure = RegionFailure("eu-west-1", FailureKind.UNAVAILABLE, "AWS Backup is unavailable (ServiceUnavailableException, 3 attempts)")
    message = render_summary(result([row("FAILED", 5)], failures=(failure,)))
    text = all_text(message.block_dicts())
    assert "eu-west-1" in text and "ServiceUnavailableException" in text
    assert "exclude the regions" in text
    assert "regions not answering: eu-west-1" in message.text


def test_empty_answer_says_so_and_names_the_account_and_how_to_ask_the_organization() -> None:
    text = all_text(render_summary(result([]), own_account="111122223333").block_dicts())
    assert "*AWS counted 0 restore jobs* in us-east-1, eu-west-1 (last 7 days) for account 111122223333 (the bot's own)" in text
    assert "ask with `account:ANY`" in text
    assert "the bot's own account" not in text


def test_all_regions_failing_is_not_an_empty_success() -> None:
    failures = tuple(RegionFailure(r, FailureKind.ACCESS_DENIED, "access denied: grant `backup:ListRestoreJobSummaries`")
                     for r in ("us-east-1", "eu-west-1"))
    message = render_summary(result([], failures=failures))
    text = all_text(message.block_dicts())
    assert "*Couldn't read restore jobs* in us-east-1, eu-west-1: no region answered" in text
    assert "backup:ListRestoreJobSummaries" in text
    assert "0 restore jobs" not in text and "no jobs in the window" not in text
    assert "couldn't read any region" in message.text


def test_one_day_shows_a_per_day_series() -> None:
    rows = [row("FAILED", d + 1, start=T0 + timedelta(days=d), end=T0 + timedelta(days=d + 1)) for d in range(7)]
    message = render_summary(result(rows, period=Period.ONE_DAY))
    text = all_text(message.block_dicts())
    assert "Per day" in text
    assert "`Thu 19 Nov` 1" in text and "`Wed 25 Nov` 7" in text
    # One bar per day of the 14, the days before the rows' first included at zero.
    assert sparkline([0] * 7 + [1, 2, 3, 4, 5, 6, 7]) in text and "`Thu 12 Nov` 0" in text


def test_hundreds_of_rows_stay_within_slack_limits_and_say_and_more() -> None:
    rows = [
        row(state, n + 1, region=region, account=f"{100000000000 + a}", rtype=rtype,
            start=T0 + timedelta(days=d), end=T0 + timedelta(days=d + 1))
        for n, (state, region, a, rtype, d) in enumerate(
            (s, r, a, t, d)
            for s in ("FAILED", "COMPLETED", "ABORTED")
            for r in ("us-east-1", "eu-west-1", "ap-southeast-2")
            for a in range(12)
            for t in ("EBS", "RDS")
            for d in range(3)
        )
    ]
    assert len(rows) >= 600
    flt = RestoreFilter(regions=("us-east-1", "eu-west-1", "ap-southeast-2"), period=Period.ONE_DAY)
    message = render_summary(result(rows, flt=flt, period=Period.ONE_DAY))
    blocks = message.block_dicts()
    assert_within_slack_limits(blocks)
    assert "more_" in all_text(blocks)
    total = sum(r.count for r in rows)
    assert f"*{total:,} restore jobs*" in all_text(blocks)


def test_share_answers_in_channel_and_default_is_ephemeral() -> None:
    assert render_summary(result([row()])).response_type == "ephemeral"
    shared = RestoreFilter(regions=("us-east-1",), share=True)
    assert render_summary(result([row()], flt=shared)).response_type == "in_channel"


def test_sample_answers_say_they_are_sample_data() -> None:
    message = render_summary(result([row()]), sample=True)
    assert "Sample data" in all_text(message.block_dicts())
    assert message.text.startswith("[sample data]")


def test_text_rendering_for_the_terminal() -> None:
    out = message_as_text(render_summary(result([row("FAILED", 7)])))
    assert "AWS Backup restores" in out and "7" in out and "{" not in out


def test_every_state_prints_as_its_own_symbol_in_the_terminal() -> None:
    """A state's terminal symbol comes with the state (bot.domain.query), so a new state never prints as a raw `:emoji:`."""
    states = [s for s in State if s.icon]
    assert states and all(s.symbol for s in states)
    out = message_as_text(render_summary(result([row(s.value, 1 + i) for i, s in enumerate(states)])))
    assert all(s.symbol in out for s in states)
    assert not any(s.icon in out for s in states)
