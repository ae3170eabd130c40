"""Alert messages: AWS's words are inert and clipped, each job says where it failed and for how long it ran, only the
parent mentions the on-call group."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.alerts.render import ran_for, render_gap, render_parent, render_reply, span
from bot.domain.results import RestoreJobRow
from tests.support import LIVE, assert_inert, assert_within_slack_limits

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
HOSTILE = "<!channel> <@U0ADMIN> see <https://evil.example|the fix> & `rm -rf` " + "x" * 5000


def _job(n: int, *, message: str = HOSTILE, minutes: float = 12.5, plan: str | None = None) -> RestoreJobRow:
    return RestoreJobRow(region="eu-west-1", account_id="444455556666", job_id=f"<!here>-{n}", status="FAILED",
                         status_message=message, resource_type="<!subteam^S1>", created=T0,
                         resource_arn=f"arn:aws:rds:eu-west-1:444455556666:db:<@U1>{n}", restore_testing_plan_arn=plan,
                         validation_status="<!everyone>" if plan else None, completed=T0 + timedelta(minutes=minutes))


def test_a_reply_is_inert_within_limits_and_lists_every_job() -> None:
    plan = "arn:aws:backup:eu-west-1:444455556666:restore-testing-plan:<!channel>nightly-1a2b"
    jobs = [_job(n, plan=plan if n % 2 else None) for n in range(10)]
    message = render_reply(jobs)
    assert_inert(message)
    assert_within_slack_limits(message.block_dicts())
    text = str(message.block_dicts())
    assert all(f"&lt;!here&gt;-{n}" in text for n in range(10))
    assert "10 restore jobs" in message.text and "eu-west-1" in text and "444455556666" in text
    assert "ran 12 min" in text and "restore testing plan" in text and "on-demand" in text
    assert len(message.text) < 300


def test_durations_read_naturally() -> None:
    assert [ran_for(_job(0, minutes=m)) for m in (0.5, 12, 61, 60 * 50)] == ["30 s", "12 min", "1 h 01 min", "2 d 2 h"]
    unfinished = RestoreJobRow(region="r", account_id="a", job_id="j", status="ABORTED", status_message="",
                               resource_type="EBS", created=T0, resource_arn="")
    assert ran_for(unfinished) == "unknown time"
    assert span(timedelta(hours=6)) == "6 h 0 min" and span(timedelta(days=2, minutes=3)) == "2 d 0 h 3 min"


def test_the_parent_mentions_the_group_and_nothing_else_is_live() -> None:
    message = render_parent(date(2026, 11, 25), 3, "S0ONCALL")
    assert message.text == "<!subteam^S0ONCALL> Restore failures today: 3"
    assert [m.group() for m in LIVE.finditer(str(message.block_dicts()))] == ["<!"]
    quiet = render_parent(date(2026, 11, 25), 1_234, None)
    assert_inert(quiet)
    assert quiet.text == "Restore failures today: 1,234"


def test_the_catch_up_notice_says_how_much_was_not_checked() -> None:
    message = render_gap(T0 - timedelta(hours=30), T0 - timedelta(hours=24), timedelta(hours=24))
    assert_inert(message)
    assert "6 h 0 min" in message.text and "2026-11-24 04:00 UTC" in str(message.block_dicts())
