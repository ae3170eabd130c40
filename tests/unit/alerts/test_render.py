"""Alert messages: AWS's words are inert and clipped, each job says where it failed and for how long it ran, only the
parent mentions the on-call group."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.alerts.render import ran_for, render_gap, render_parent, render_reply, span
from bot.domain.results import RestoreJobRow
from tests.support import LIVE, assert_inert, assert_within_slack_limits
from tests.unit.console_links import assert_inert_but_console_links, console_links

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
    assert_inert_but_console_links(message)
    # Each job links its resource and itself, a restore test its plan too: every value percent-encoded.
    assert len(console_links(message)) == 10 * 2 + 5
    assert "#/jobs/restore/details/%3C%21here%3E-3|job in the AWS console>" in str(message.block_dicts())
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
    assert "6 h 0 min" in message.text and "24 Nov 04:00 – 24 Nov 10:00 UTC" in str(message.block_dicts())
    # The job lists that hold the gap, failed and aborted alike (issue 23, item 2), as the poll (the catch-up after the
    # gap) sees it: 30 h back is past 1d's 24 h, within 7d; 10 days back within 14d.
    assert "`/restores jobs failed 7d` and `/restores jobs aborted 7d` list them." in str(message.block_dicts())
    older = render_gap(T0 - timedelta(days=10), T0 - timedelta(days=1), timedelta(hours=24))
    assert "`/restores jobs failed 14d` and `/restores jobs aborted 14d` list them." in str(older.block_dicts())


def test_the_parent_names_the_job_lists_of_failed_and_aborted() -> None:
    context = render_parent(date(2026, 11, 25), 2, None).block_dicts()[1]["elements"][0]["text"]
    assert context.endswith("· `/restores jobs failed 1d` and `/restores jobs aborted 1d` list the last 24 h, today's "
                            "included")


def test_a_reply_leads_with_the_resource_keeps_the_end_of_the_reason_and_links_the_console() -> None:
    """Issue 23, item 7: the resource first (the job id last), AWS's reason shortened in the middle so the missing
    IAM action at its end stays, and the job, plan and resource linked to the console of the job's partition."""
    reason = ("Access denied: IAM role arn:aws:iam::444455556666:role/service-role/AWSBackupDefaultServiceRole "
              + "with a long explanation " * 40 + "is not authorized to perform rds:RestoreDBInstanceFromDBSnapshot")
    job = RestoreJobRow(region="eu-west-1", account_id="444455556666", job_id="8f3e1c2a-5b6d-4e7f-9a0b-1c2d3e4f5a6b",
                        status="FAILED", status_message=reason, resource_type="RDS", created=T0,
                        resource_arn="arn:aws:rds:eu-west-1:444455556666:db:orders-db", completed=T0 + timedelta(minutes=12),
                        restore_testing_plan_arn="arn:aws:backup:eu-west-1:444455556666:restore-testing-plan:nightly_rds-1a2b")
    message = render_reply([job])
    head, body = (b["text"]["text"] for b in message.block_dicts())
    assert head.startswith(":x: *FAILED* — 1 restore job\n>`Access denied: IAM role")
    assert head.endswith("is not authorized to perform rds:RestoreDBInstanceFromDBSnapshot`") and "…" in head
    console = "https://console.aws.amazon.com/backup/home?region=eu-west-1#/"
    assert body.splitlines() == [
        f"• *RDS* `arn:aws:rds:eu-west-1:444455556666:db:orders-db` "
        f"(<{console}resources/arn%3Aaws%3Ards%3Aeu-west-1%3A444455556666%3Adb%3Aorders-db|resource in the AWS console>)",
        "   444455556666 · eu-west-1 · ran 12 min · ended 10:12 UTC",
        f"   :test_tube: restore testing plan `nightly_rds-1a2b` "
        f"(<{console}restoretesting/details/nightly_rds|plan in the AWS console>)",
        f"   job `8f3e1c2a-5b6d-4e7f-9a0b-1c2d3e4f5a6b` "
        f"(<{console}jobs/restore/details/8f3e1c2a-5b6d-4e7f-9a0b-1c2d3e4f5a6b|job in the AWS console>)",
    ]
    assert message.text.startswith("FAILED: 1 restore job — Access denied")
    assert message.text.endswith("rds:RestoreDBInstanceFromDBSnapshot")


def test_console_links_follow_the_partition() -> None:
    from bot.domain.console import job_url, plan_url, resource_url

    assert job_url("cn-north-1", "j-1") == "https://console.amazonaws.cn/backup/home?region=cn-north-1#/jobs/restore/details/j-1"
    assert job_url("us-gov-west-1", "j") == (
        "https://console.amazonaws-us-gov.com/backup/home?region=us-gov-west-1#/jobs/restore/details/j")
    assert plan_url("arn:aws-us-gov:backup:us-gov-east-1:111122223333:restore-testing-plan:weekly-9z") == (
        "https://console.amazonaws-us-gov.com/backup/home?region=us-gov-east-1#/restoretesting/details/weekly")
    assert resource_url("us-iso-east-1", "arn:aws-iso:ec2:us-iso-east-1:111122223333:volume/vol-1") is None
    assert job_url("eu-west-1", "") is None and resource_url("eu-west-1", "not-an-arn") is None
    cn = RestoreJobRow(region="cn-north-1", account_id="111122223333", job_id="j-1", status="ABORTED",
                       status_message="", resource_type="EBS", created=T0, resource_arn="")
    body = render_reply([cn]).block_dicts()[1]["text"]["text"]
    assert body.startswith("• *EBS* (AWS named no resource)\n") and "https://console.amazonaws.cn/" in body
