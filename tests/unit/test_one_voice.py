"""Issue 23, what must hold: every surface renders from the same data in the same words (bot.domain.words).

One set of AWS summary rows (14 UTC days, some without any row, the last with 2 failed jobs in one region and account
and 1 aborted in another) and the restore jobs behind it, rendered by the digest, the Home tab, the Chart button's
text, the `/restores` answers (1d and daily), an alert reply and the restore tests board. Checked across them: the
window text of the last day, failed and aborted labelled apart (failed first) on every row, a 14-bar trend with the
same bars wherever failed + aborted is drawn, and no "1 … jobs" anywhere."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.alerts.render import render_reply
from bot.answers.render import render_summary
from bot.charts.render import series_from_rows
from bot.charts.trend import render_chart_text
from bot.digest.data import DigestRows, build_digest
from bot.digest.render import render_digest
from bot.domain.query import Period, RestoreFilter, State
from bot.domain.results import RestoreJobRow, SummaryResult, SummaryRow, TestingResult
from bot.domain.words import BARS, SERIES_DAYS, days_window, window_text
from bot.home.render import HomeData, render_home
from bot.restore_testing.grammar import TestsQuery
from bot.restore_testing.render import render_tests
from bot.restore_testing.verdicts import judge
from bot.slack.blocks import Message
from tests.unit.restore_testing.test_render import job as plan_job
from tests.unit.restore_testing.test_render import plan as make_plan

pytestmark = pytest.mark.dates

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = datetime.combine(NOW.date(), time.min, UTC)
DAY = NOW.date() - timedelta(days=1)  # the newest UTC day AWS has summarised
REGIONS = ("us-east-1", "eu-west-1")
A, B = "111122223333", "444455556666"
# Failed + aborted per day, oldest first; zeros are days AWS sent no bad row for (no row at all on 3 of them).
BAD = (1, 0, 2, 0, 0, 4, 1, 0, 3, 0, 2, 1, 0, 3)
EMPTY_DAYS = {1, 3, 7}  # indexes of days without a single row (not even COMPLETED)


def _row(day: date, region: str, account: str, state: str, count: int, rtype: str = "EBS") -> SummaryRow:
    start = datetime.combine(day, time.min, UTC)
    return SummaryRow(region, account, state, rtype, count, start, start + timedelta(days=1))


def rows() -> tuple[SummaryRow, ...]:
    days = [DAY - timedelta(days=SERIES_DAYS - 1 - i) for i in range(SERIES_DAYS)]
    out: list[SummaryRow] = []
    for i, (day, bad) in enumerate(zip(days, BAD, strict=True)):
        if i in EMPTY_DAYS:
            continue
        out.append(_row(day, "us-east-1", A, State.COMPLETED, 10))
        if day == DAY:  # the last day: 2 failed in us-east-1 (A), 1 aborted in eu-west-1 (B)
            out += [_row(day, "us-east-1", A, State.FAILED, 2, "RDS"), _row(day, "eu-west-1", B, State.ABORTED, 1)]
        elif bad:
            out.append(_row(day, "us-east-1", A, State.FAILED, bad))
    return tuple(out)


def texts(message: Message) -> str:
    return json.dumps([message.text, message.block_dicts()], ensure_ascii=False).replace("\\n", "\n")


def bars_in(text: str) -> list[str]:
    """Every run of trend bars shown in a code span."""
    return re.findall(rf"`([{BARS}]+)`", text)


def surfaces() -> dict[str, str]:
    data = rows()
    flt = RestoreFilter(state=State.ANY, period=Period.ONE_DAY, account="ANY", regions=REGIONS)
    digest = build_digest(DigestRows(regions=REGIONS, totals=data, by_type=data, by_account=data, per_account=True),
                          day=DAY, account="ANY")
    summary = SummaryResult(flt, Period.ONE_DAY, data, (), type_rows=data, account_rows=data)
    home = HomeData(now=NOW, flt=flt, summary=summary, failed_jobs=None, tests=None)
    last_day = [r for r in data if r.start.date() == DAY]
    one_day = SummaryResult(RestoreFilter(state=State.ANY, period=Period.ONE_DAY, last_day=True, account="ANY",
                                          regions=REGIONS), Period.ONE_DAY, tuple(last_day), ())
    aborted = RestoreJobRow(region="eu-west-1", account_id=B, job_id="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                            status=State.ABORTED, status_message="Restore aborted by the user", resource_type="EBS",
                            created=TODAY - timedelta(hours=20), resource_arn=f"arn:aws:ec2:eu-west-1:{B}:volume/vol-1")
    leaky = make_plan("leaky", NOW)
    board = judge(TestingResult(REGIONS, ("",), (NOW - timedelta(days=7), NOW), (leaky,), (),
                                (plan_job(leaky, 1, NOW, deletion="FAILED"),)), now=NOW, days=7)
    home_blocks = render_home(home).block_dicts()
    return {
        "digest": texts(render_digest(digest)),
        "home": json.dumps(home_blocks, ensure_ascii=False).replace("\\n", "\n"),
        "chart": texts(render_chart_text(series_from_rows(data, DAY), "/restores daily", "no channel")),
        "answer daily": texts(render_summary(summary, last_day=DAY)),
        "answer 1d": texts(render_summary(one_day, last_day=DAY)),
        "alert": texts(render_reply([aborted])),
        "tests": texts(render_tests(board, TestsQuery(), now=NOW)),
    }


def test_every_surface_says_the_last_days_window_in_the_same_words() -> None:
    said = surfaces()
    window = window_text(*days_window(DAY))  # "5 Dec 00:00 – 6 Dec 00:00 UTC"
    for name in ("digest", "answer 1d"):
        assert f"*Window:* {window} (the last full UTC day AWS has counted)" in said[name], name
    fourteen = window_text(*days_window(DAY, SERIES_DAYS))
    for name in ("home", "answer daily"):
        assert f"*Window:* {fourteen} (" in said[name], name
    for name, text in said.items():
        assert "Etc/UTC" not in text and "+00:00" not in text, name


def test_every_trend_has_one_bar_per_day_and_the_same_bars_for_the_same_numbers() -> None:
    said = surfaces()
    trends = {name: bars_in(said[name]) for name in ("digest", "home", "chart", "answer daily")}
    for name, found in trends.items():
        assert found and all(len(b) == SERIES_DAYS for b in found), (name, found)
    # Failed + aborted per day: one picture on the digest, the Home tab and the chart (its zero days at the bottom).
    digest_bars = trends["digest"][0]
    assert [digest_bars[i] for i, n in enumerate(BAD) if n == 0] == [BARS[0]] * BAD.count(0)
    assert trends["home"][0] == digest_bars and trends["chart"][0] == digest_bars


def test_the_last_day_is_compared_with_the_7_before_in_the_same_words() -> None:
    """Fewer than usual is better (green), more is worse (red); small numbers in counts, never "+200%"."""
    said = surfaces()
    before = sum(BAD[-8:-1]) / 7
    assert BAD[-1] > before
    compared = f"{BAD[-1]} failed or aborted — :red_circle: *worse:* {BAD[-1]} vs {before:.1f} a day on average in the 7 days before"
    assert compared in said["digest"] and compared in said["home"]
    assert "%" not in compared


def test_failed_and_aborted_are_labelled_apart_and_failed_comes_first() -> None:
    said = surfaces()
    assert "*us-east-1* — 2 failed" in said["digest"] and "*eu-west-1* — 1 aborted" in said["digest"]
    assert f"*{A}* — 2 failed" in said["digest"] and f"*{B}* — 1 aborted" in said["digest"]
    # The Home tab's 14 days: every failed job is account A's, the one aborted B's.
    assert f"*{A}* — {sum(BAD) - 1} failed" in said["home"] and f"*{B}* — 1 aborted" in said["home"]
    assert "2 failed, 1 aborted, 10 completed" in said["chart"]
    for name, text in said.items():
        for line in text.splitlines():
            failed, aborted = re.search(r"\d failed\b", line), re.search(r"\d aborted\b", line)
            if failed and aborted:
                assert failed.start() < aborted.start(), (name, line)


def test_counts_agree_in_number_everywhere() -> None:
    said = surfaces()
    assert "1 aborted job" in said["digest"] and "1 aborted job" in said["home"]
    assert "ABORTED* — 1 restore job" in said["alert"]
    assert "1 restored resource not deleted" in said["tests"]
    wrong = re.compile(r"(?<![\d,.])1 (?:\w+ ){0,2}(?:jobs|restores|resources|regions|plans|accounts|days)\b")
    for name, text in said.items():
        assert not wrong.search(text), (name, wrong.search(text))


def test_no_message_has_more_than_one_primary_button() -> None:
    """Slack keeps the primary (green) style for the one main action of a message; a current selection is not one."""
    for name, text in surfaces().items():
        assert text.count('"style": "primary"') <= 1, name
