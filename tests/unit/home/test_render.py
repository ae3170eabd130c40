"""The App Home dashboard rendered, pure: the numbers of the data (counted here, independently of the renderer), the
jobs buttons and what they carry, AWS's strings kept inert, and Slack's 100 blocks of a Home view held whatever the
organisation's size. The property over arbitrary organisations is tests/hardening/test_home.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
from slack_sdk.models.blocks import Block

from bot.answers.controls import ActionId, ActionValue
from bot.domain.query import ANY, Period, RestoreFilter, State
from bot.domain.results import (
    AccountFailure,
    FailureKind,
    JobsQuery,
    JobsResult,
    RegionFailure,
    RestoreJobRow,
    SummaryResult,
    SummaryRow,
    TestingPlan,
    TestingResult,
)
from bot.home.render import (
    MAX_HOME_BLOCKS,
    HomeData,
    TrendImage,
    fit_view,
    render_home,
    render_home_error,
    render_home_not_enabled,
    render_home_refusal,
)
from bot.restore_testing.verdicts import judge
from bot.slack.blocks import Message, section
from tests.fakes.slack import validate_blocks
from tests.support import assert_inert
from tests.unit.console_links import console_links

pytestmark = pytest.mark.dates

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
TODAY = datetime.combine(NOW.date(), time.min, UTC)
REGIONS = ("us-east-1", "eu-west-1")
HOSTILE = ("<!channel>", "<@U0ADMIN>", "<https://evil.example|x>", "&lt;!here&gt;", "*b* `t` ```f```", "x" * 400, "")


def row(region: str, account: str, state: str, rtype: str, days_ago: int, count: int) -> SummaryRow:
    start = TODAY - timedelta(days=days_ago)
    return SummaryRow(region, account, state, rtype, count, start, start + timedelta(days=1))


def job(n: int, message: str, *, account: str = "111122223333", rtype: str = "EBS") -> RestoreJobRow:
    return RestoreJobRow(region="us-east-1", account_id=account, job_id=f"j{n}", status="FAILED", status_message=message,
                         resource_type=rtype, created=TODAY - timedelta(days=2), resource_arn="")


def data(rows: list[SummaryRow], *, account: str | None = ANY, jobs: tuple[RestoreJobRow, ...] = (),
         plans: tuple[TestingPlan, ...] = (), failures: tuple[RegionFailure, ...] = (), **extra: object) -> HomeData:
    flt = RestoreFilter(state=State.ANY, period=Period.ONE_DAY, account=account, regions=REGIONS)
    summary = SummaryResult(flt, Period.ONE_DAY, tuple(rows), failures, type_rows=tuple(rows), account_rows=tuple(rows))
    window = (TODAY - timedelta(days=14), TODAY)
    failed = JobsResult(JobsQuery(regions=REGIONS, created_after=window[0], created_before=window[1]), jobs, ())
    testing = TestingResult(REGIONS, ("",), (NOW - timedelta(days=14), NOW), plans, (), ())
    return HomeData(now=NOW, flt=flt, summary=summary, failed_jobs=failed,
                    tests=judge(testing, now=NOW, days=14), **extra)  # type: ignore[arg-type]


def view_text(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def buttons(blocks: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    found = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return found + [b["accessory"] for b in blocks if "accessory" in b]


ROWS = [
    row("us-east-1", "111122223333", "FAILED", "EBS", 1, 7),
    row("eu-west-1", "111122223333", "FAILED", "EBS", 3, 2),
    row("us-east-1", "444455556666", "ABORTED", "RDS", 2, 3),
    row("us-east-1", "444455556666", "COMPLETED", "RDS", 2, 88),
    row("eu-west-1", "444455556666", "RUNNING", "RDS", 1, 1),
]


def test_the_headline_states_the_datas_numbers() -> None:
    blocks = render_home(data(ROWS)).block_dicts()
    assert validate_blocks(blocks, max_blocks=MAX_HOME_BLOCKS) == []
    text = view_text(blocks)
    assert "*101 restore jobs* in the last 14 days in 2 regions" in text
    for label, n in (("Completed", 88), ("Failed", 9), ("Aborted", 3), ("Created, pending or running", 1)):
        assert f"*{label}*\\n{n}" in text
    assert "88.0% of finished restores" in text  # 88 of 100 completed, failed or aborted
    assert "*Window:* 12 Nov 00:00 – 26 Nov 00:00 UTC (the last 14 full UTC days AWS has counted)" in text  # 14 UTC days
    assert "*EBS* — 9 failed" in text and "*RDS* — 3 aborted" in text
    assert "*111122223333* — 9 failed · eu-west-1, us-east-1" in text


def test_every_jobs_button_carries_its_rows_filter_and_the_dashboards_days() -> None:
    blocks = render_home(data(ROWS)).block_dicts()
    by_block = {b.get("block_id"): b for b in blocks}

    def value(block_id: str) -> RestoreFilter:
        decoded = ActionValue.decode(by_block[f"restores_home:{block_id}"]["accessory"]["value"], now=NOW)
        assert decoded.window == (TODAY - timedelta(days=14), TODAY)
        return decoded.filter

    ebs, rds = value("type:0"), value("type:1")
    assert (ebs.state, ebs.resource_type, ebs.account, ebs.regions) == (State.FAILED, "EBS", ANY, REGIONS)
    assert (rds.state, rds.resource_type) == (State.ABORTED, "RDS")
    first, second = value("account:0"), value("account:1")
    assert (first.account, first.regions) == ("111122223333", ("eu-west-1", "us-east-1"))
    assert (second.state, second.account, second.regions) == (State.ABORTED, "444455556666", ("us-east-1",))
    drill = [e["action_id"] for e in by_block["restores_home:drill"]["elements"]]
    assert drill == [ActionId.JOBS.with_suffix("failed"), ActionId.JOBS.with_suffix("aborted"), ActionId.HOME_REFRESH]


def test_a_row_whose_names_the_bot_cannot_take_back_gets_no_button() -> None:
    blocks = render_home(data([row("us-east-1", "<!channel>", "FAILED", "Quantum Tape", 1, 4)])).block_dicts()
    rows = [b for b in blocks if str(b.get("block_id", "")).startswith(("restores_home:type", "restores_home:account"))]
    assert len(rows) == 2 and all("accessory" not in b for b in rows)
    assert "*Quantum Tape* — 4 failed" in view_text(blocks)


def test_one_account_shows_no_accounts_section() -> None:
    text = view_text(render_home(data([r for r in ROWS if r.account_id == "111122223333"],
                                      account="111122223333")).block_dicts())
    assert "Failing resource types" in text and "Failing accounts" not in text


def test_reasons_are_grouped_without_resource_ids_and_escaped() -> None:
    jobs = tuple(job(n, f"Access denied to KMS key arn:aws:kms:us-east-1:111122223333:key/{n}") for n in range(4))
    jobs += (job(9, "<!channel> volume <@U0ADMIN> gone"),)
    text = view_text(render_home(data(ROWS, jobs=jobs)).block_dicts())
    assert "*4* × `Access denied to KMS key &lt;ARN&gt;` — EBS · 1 account" in text
    assert "&lt;!channel&gt; volume &lt;@U0ADMIN&gt; gone" in text


def test_a_region_that_did_not_answer_is_named_and_the_numbers_are_a_lower_bound() -> None:
    failure = RegionFailure("eu-west-1", FailureKind.THROTTLED, "<!here> rate exceeded")
    message_like = render_home(data(ROWS, failures=(failure,)))
    text = view_text(message_like.block_dicts())
    assert "(at least: part of it could not be read, below)" in text and "*eu-west-1*: &lt;!here&gt; rate exceeded" in text
    assert_inert(Message(text="home", blocks=message_like.blocks))


def test_the_trend_image_seam_replaces_the_sparkline() -> None:
    text_version = view_text(render_home(data(ROWS)).block_dicts())
    assert "failed + aborted per day" in text_version
    with_chart = render_home(data(ROWS, trend_image=TrendImage(slack_file_id="F0123ABCDEF"))).block_dicts()
    (image,) = [b for b in with_chart if b["type"] == "image"]
    assert image["slack_file"] == {"id": "F0123ABCDEF"}
    assert "Failed or aborted per day" in image["alt_text"] and "per day (most" not in view_text(with_chart)


def test_broken_restore_testing_plans_get_their_buttons() -> None:
    plan = TestingPlan("us-east-1", "111122223333", "<!here>nightly", "arn:aws:backup:us-east-1:111122223333:"
                       "restore-testing-plan:nightly-1a2b", "cron(0 5 ? * * *)", None, None, NOW - timedelta(days=60),
                       NOW - timedelta(days=4))
    blocks = render_home(data(ROWS, plans=(plan,))).block_dicts()
    text = view_text(blocks)
    assert "&lt;!here&gt;nightly" in text and "Restores are not proven" in text
    assert not [b for b in buttons(blocks) if b["action_id"].startswith(ActionId.TEST_JOBS.value)]  # late, no jobs


def test_fit_view_keeps_the_header_the_headline_and_the_footer() -> None:
    blocks: list[Block] = [section(f"block {n}") for n in range(150)]
    view = fit_view(blocks).block_dicts()
    assert len(view) == MAX_HOME_BLOCKS
    assert view[0]["text"]["text"] == "block 0" and view[-1]["text"]["text"] == "block 149"
    assert "51 more blocks left out" in view_text(view)
    assert len(fit_view(blocks[:100]).blocks) == 100  # at the limit: untouched


def test_the_views_shown_instead_of_numbers() -> None:
    assert "RESTORES_HOME_ACCOUNTS" in view_text(render_home_not_enabled().block_dicts())
    assert "RESTORES_ALLOWED_USERS" in view_text(render_home_refusal().block_dicts())
    assert "workspace" in view_text(render_home_refusal(other_team=True).block_dicts())
    error = render_home_error("abc123").block_dicts()
    assert "abc123" in view_text(error) and buttons(error)[0]["action_id"] == ActionId.HOME_REFRESH
    for view in (render_home_not_enabled(), render_home_refusal(), render_home_error("x")):
        assert view.to_dict()["type"] == "home" and "restore jobs*" not in view_text(view.block_dicts())


def test_a_failure_to_read_restore_tests_is_said() -> None:
    failure = AccountFailure("444455556666", None, FailureKind.ACCESS_DENIED, "role <!here> not assumable")
    home = data(ROWS)
    assert home.tests is not None
    tests = judge(TestingResult(REGIONS, ("",), home.tests.result.window, (), (), (), failures=(failure,)), now=NOW,
                  days=14)
    text = view_text(render_home(HomeData(**{**home.__dict__, "tests": tests})).block_dicts())
    assert "*Incomplete:*" in text and "role &lt;!here&gt; not assumable" in text


def test_a_denied_region_gets_no_all_clear_no_trend_no_rate_and_no_none_listed() -> None:
    # Only completed jobs in what was read, and eu-west-1 denied: nothing here may say "no failures".
    denied = RegionFailure("eu-west-1", FailureKind.ACCESS_DENIED, "not authorized")
    completed = [row("us-east-1", "111122223333", "COMPLETED", "EBS", d, 5) for d in range(1, 9)]
    text = view_text(render_home(data(completed, failures=(denied,))).block_dicts())
    assert ":white_check_mark:" not in text and "No failed or aborted restores" not in text
    assert "eu-west-1 not read, so this is not an all clear" in text
    assert "% of finished restores" not in text  # no percentage from partial numbers
    assert "a day in the 7 days before" not in text and "`▁" not in text  # no trend from partial numbers
    assert "none listed" not in text
    # The control: the same numbers, every region read.
    whole = view_text(render_home(data(completed)).block_dicts())
    assert ":white_check_mark: *No failed or aborted restores*" in whole and "100.0% of finished restores" in whole


def test_reasons_of_an_incomplete_jobs_read_are_not_none_listed() -> None:
    home = data(ROWS)
    partial = JobsResult(home.failed_jobs.query, (), (), incomplete=("2 accounts in us-east-1 not listed",))
    text = view_text(render_home(HomeData(**{**home.__dict__, "failed_jobs": partial})).block_dicts())
    assert "none listed" not in text and "2 accounts in us-east-1 not listed" in text


def test_a_flagged_plan_links_its_console_page() -> None:
    late = TestingPlan("eu-west-1", "111122223333", "nightly_rds", "arn:aws:backup:eu-west-1:111122223333:"
                       "restore-testing-plan:nightly_rds-abc", "cron(0 5 ? * * *)", None, None,
                       NOW - timedelta(days=60), NOW - timedelta(days=5))
    view = render_home(data(ROWS, plans=(late,)))
    assert console_links(Message(text="home", blocks=view.blocks)) == [
        "<https://console.aws.amazon.com/backup/home?region=eu-west-1#/restoretesting/details/nightly_rds"
        "|plan in the AWS console>"]
