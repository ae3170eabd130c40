"""render_jobs, pure: the jobs behind a count with exact totals (read and only counted), grouped by failure reason most
frequent first, restore tests told apart, AWS's free text kept inert, and incomplete reads saying so."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.answers.render_jobs import render_jobs
from bot.domain.query import RestoreFilter, State
from bot.domain.results import FailureKind, JobsQuery, JobsResult, RegionFailure, RestoreJobRow
from bot.slack.blocks import JOB_EXAMPLES, JOB_GROUPS
from tests.support import assert_within_slack_limits
from tests.unit.console_links import CONSOLE_LINK, assert_inert_but_console_links, console_links

T1 = datetime(2026, 11, 20, tzinfo=UTC)
T0 = T1 - timedelta(days=7)
REGIONS = ("us-east-1", "eu-west-1")
ACCOUNT = "111122223333"
PLAN = "arn:aws:backup:us-east-1:111122223333:restore-testing-plan:nightly_rds_check"
FLT = RestoreFilter(state=State.FAILED, regions=REGIONS)


def job(n: int, message: str = "Access denied", *, rtype: str = "EBS", account: str = ACCOUNT,
        region: str = "us-east-1", plan: str | None = None, validation: str | None = None,
        validation_message: str | None = None) -> RestoreJobRow:
    return RestoreJobRow(region=region, account_id=account, job_id=f"j{n}", status="FAILED", status_message=message,
                         resource_type=rtype, created=T1 - timedelta(hours=n + 1),
                         resource_arn=f"arn:aws:ec2:{region}:{account}:volume/vol-{n:08x}",
                         restore_testing_plan_arn=plan, validation_status=validation,
                         validation_status_message=validation_message)


def result(jobs: list[RestoreJobRow], *, failures: tuple[RegionFailure, ...] = (), status: State | None = State.FAILED,
           **extra: object) -> JobsResult:
    query = JobsQuery(regions=REGIONS, created_after=T0, created_before=T1, status=status)
    return JobsResult(query, tuple(jobs), failures, aws_calls=3, elapsed=0.5, **extra)  # type: ignore[arg-type]


def sections(message: object) -> list[str]:
    return [b["text"]["text"] for b in message.block_dicts() if b["type"] == "section"]  # type: ignore[attr-defined]


def everything(message: object) -> str:
    return json.dumps(message.block_dicts(), ensure_ascii=False)  # type: ignore[attr-defined]


def test_the_total_and_the_groups_are_exact_and_most_frequent_reason_first() -> None:
    jobs = [job(i, f"Access denied to key arn:aws:kms:us-east-1:{ACCOUNT}:key/{i}") for i in range(4)]
    jobs += [job(10, "Volume size too small", rtype="RDS", account="444455556666", region="eu-west-1"),
             job(11, "Volume size too small", rtype="RDS", account="444455556666", region="eu-west-1")]
    message = render_jobs(result(jobs), FLT)
    texts = sections(message)
    assert texts[0] == "*6 failed restore jobs*"
    first, second = texts[1], texts[2]
    # Four messages differing only by the key's ARN are one reason, shown by its key with the variants counted.
    assert first.startswith("*4 ×* `Access denied to key &lt;ARN&gt;`  _(4 variants)_\n")
    assert "EBS ×4 · accounts 111122223333 ×4 · us-east-1 ×4" in first
    assert first.count("\n• ") == JOB_EXAMPLES and "_…and 1 more with this reason_" in first
    # One message: shown as AWS wrote it, no variant count.
    assert second.startswith("*2 ×* `Volume size too small`\nRDS ×2 · accounts 444455556666 ×2 · eu-west-1 ×2")
    assert "variants" not in second and "more with this reason" not in second
    assert message.text.startswith("6 failed restore jobs created 13 Nov 00:00 – 20 Nov 00:00 UTC")
    assert "most common reason (4): Access denied to key &lt;ARN&gt;" in message.text


def test_a_job_line_names_when_what_where_and_its_origin() -> None:
    line = sections(render_jobs(result([job(0, "x")]), FLT))[1].splitlines()[2]
    assert line == ("• `2026-11-19 23:00` EBS · 111122223333 · us-east-1 · "
                    "`arn:aws:ec2:us-east-1:111122223333:volume/vol-00000000` · on-demand")


def test_each_job_links_its_resource_plan_and_job_in_the_aws_console() -> None:
    jobs = [job(0, "boom"), job(1, "boom", plan=PLAN, validation="FAILED"), job(2, "boom", region="cn-north-1")]
    group = sections(render_jobs(result(jobs), FLT))[1].splitlines()
    on_demand, test, china = group[3], group[5], group[7]
    assert on_demand == (
        "   <https://console.aws.amazon.com/backup/home?region=us-east-1#/resources/arn%3Aaws%3Aec2%3Aus-east-1%3A"
        "111122223333%3Avolume%2Fvol-00000000|resource in the AWS console> · "
        "<https://console.aws.amazon.com/backup/home?region=us-east-1#/jobs/restore/details/j0|job in the AWS console>")
    assert [link.rsplit("|", 1)[1] for link in CONSOLE_LINK.findall(test)] == [
        "resource in the AWS console>", "plan in the AWS console>", "job in the AWS console>"]
    assert "restoretesting/details/nightly_rds_check|" in test
    assert "https://console.amazonaws.cn/backup/home?region=cn-north-1#/jobs/restore/details/j2|" in china


def test_no_link_where_the_partition_has_no_console_and_none_is_ever_cut() -> None:
    iso = [job(n, "boom", region="us-iso-east-1") for n in range(2)]
    iso = [replace(j, resource_arn=j.resource_arn.replace("arn:aws:", "arn:aws-iso:")) for j in iso]
    assert console_links(render_jobs(result(iso), FLT)) == []
    # Long reasons, types and ARNs: a group too long for its links shows none, and no link is cut in two.
    long = [job(n, f"cause {n % 2} " + "y" * 400, rtype="R" * 60, account=f"{100000000000 + n}") for n in range(12)]
    long = [replace(j, resource_arn=j.resource_arn + "/" + "z" * 300, job_id="J" * 200) for j in long]
    message = render_jobs(result(long), FLT)
    assert_within_slack_limits(message.block_dicts())
    for text in sections(message):
        assert text.count("<https://") == len(CONSOLE_LINK.findall(text))
    assert console_links(message) == []  # each group, with its links, would pass Slack's 3,000 characters


def test_links_never_push_a_reason_out_of_the_message() -> None:
    """Eight groups of long reasons fit Slack's 12,000 characters only without their links: every group and the
    "…and N more reasons" line are kept, the links go; four shorter groups keep theirs (two links a job)."""
    crowded = render_jobs(result([job(n, f"Reason number {n % 40}: " + "details " * 60) for n in range(600)]), FLT)
    assert len(sections(crowded)) == 1 + JOB_GROUPS + 1 and "more reasons" in sections(crowded)[-1]
    assert console_links(crowded) == [] and "left out to fit" not in everything(crowded)
    roomy = render_jobs(result([job(n, f"Reason number {n % 4}: " + "details " * 10) for n in range(60)]), FLT)
    assert len(console_links(roomy)) == 4 * JOB_EXAMPLES * 2


def test_restore_tests_are_told_apart_with_their_validation_counted() -> None:
    jobs = [job(0, "boom"), job(1, "boom", plan=PLAN, validation="FAILED", validation_message="port 5432 refused"),
            job(2, "boom", plan=PLAN, validation="FAILED"), job(3, "boom", plan=PLAN)]
    texts = sections(render_jobs(result(jobs), FLT))
    assert texts[0] == ("*4 failed restore jobs* · :test_tube: 3 from restore testing (FAILED ×2, no validation ×1) "
                        "· 1 on-demand")
    assert "· :test_tube: 3 from restore testing" in texts[1].splitlines()[1]
    assert ":test_tube: restore test `nightly_rds_check`, validation *FAILED* (`port 5432 refused`)" in texts[1]


def test_a_groups_examples_show_a_restore_test_even_when_it_is_not_among_the_first() -> None:
    jobs = [job(i, "boom") for i in range(JOB_EXAMPLES + 2)] + [job(99, "boom", plan=PLAN)]
    group = sections(render_jobs(result(jobs), FLT))[1]
    examples = [line for line in group.splitlines() if line.startswith("• ")]
    assert len(examples) == JOB_EXAMPLES
    assert "restore test `nightly_rds_check`" in examples[-1]
    assert all("on-demand" in line for line in examples[:-1])
    assert f"_…and {len(jobs) - JOB_EXAMPLES} more with this reason_" in group


def test_reasons_past_the_group_limit_are_counted_not_dropped() -> None:
    jobs = [job(n, f"reason number {n}") for n in range(JOB_GROUPS + 3)] + [job(50, "reason number 0")]
    message = render_jobs(result(jobs), FLT)
    texts = sections(message)
    assert texts[1].startswith("*2 ×* `reason number 0`")
    assert sum(t.startswith("*1 ×*") for t in texts) == JOB_GROUPS - 1
    assert texts[-1] == "_…and 3 more reasons (3 jobs)_"


def test_jobs_counted_past_the_cap_are_in_the_total() -> None:
    message = render_jobs(result([job(0), job(1)], not_read=40), FLT)
    assert sections(message)[0] == "*42 failed restore jobs* · 2 grouped below; 40 more counted, not read"


def test_counting_that_had_to_stop_says_at_least() -> None:
    message = render_jobs(result([job(0), job(1)], not_read=40, not_read_exact=False), FLT)
    assert sections(message)[0] == "*at least 42 failed restore jobs* · 2 grouped below; at least 40 more counted, not read"


def test_the_notification_text_counts_the_jobs_past_the_cap_too() -> None:
    message = render_jobs(result([job(0), job(1)], not_read=40), FLT)
    assert message.text.startswith("42 failed restore jobs")


def test_an_incomplete_list_says_at_least_and_names_what_was_not_read() -> None:
    note = "3 accounts in us-east-1 not listed <!here>"
    message = render_jobs(result([job(0), job(1)], incomplete=(note,)), FLT)
    texts = sections(message)
    assert texts[0] == "*at least 2 failed restore jobs*"
    assert ":warning: *Incomplete:*\n• 3 accounts in us-east-1 not listed &lt;!here&gt;" in texts
    assert message.text.startswith("incomplete: at least 2 failed restore jobs")
    assert_inert_but_console_links(message)


def test_an_empty_window_names_only_the_regions_that_answered() -> None:
    failure = RegionFailure("eu-west-1", FailureKind.ACCESS_DENIED, "access denied: grant `backup:ListRestoreJobs`")
    message = render_jobs(result([], failures=(failure,)), FLT)
    text = everything(message)
    # A region did not answer: no "none were created", even for the regions that did (the invariant of completeness).
    assert "were created in" not in text
    assert ":warning: *No failed restore jobs found in what was read*; the read was incomplete" in text
    assert ":warning: *eu-west-1*: access denied: grant `backup:ListRestoreJobs`" in text
    assert message.text.endswith("; regions not answering: eu-west-1")


def test_an_empty_but_incomplete_list_is_marked_incomplete() -> None:
    message = render_jobs(result([], incomplete=("2 accounts not listed",)), FLT)
    assert ":warning: *Incomplete:*\n• 2 accounts not listed" in sections(message)
    assert message.text.startswith("incomplete: ")


def test_an_empty_but_incomplete_list_does_not_headline_an_all_clear() -> None:
    message = render_jobs(result([], incomplete=("2 accounts not listed",)), FLT)
    assert "*No failed restore jobs* were created" not in everything(message)


def test_no_region_answering_is_not_an_empty_success() -> None:
    failures = tuple(RegionFailure(r, FailureKind.UNAVAILABLE, "unavailable") for r in REGIONS)
    message = render_jobs(result([], failures=failures), FLT)
    text = everything(message)
    assert ":rotating_light: *Couldn't read restore jobs* in us-east-1, eu-west-1: no region answered" in text
    assert "No failed restore jobs" not in text
    assert "regions not answering: us-east-1, eu-west-1" in message.text


def test_capped_regions_are_named_as_a_lower_bound() -> None:
    text = everything(render_jobs(result([job(0)], truncated=("us-east-1",)), FLT))
    assert ":scissors: *us-east-1*: more jobs than the bot reads at once; counts are a lower bound." in text


def test_every_status_reads_as_all_and_the_header_names_the_window() -> None:
    message = render_jobs(result([job(0)], status=None), FLT)
    blocks = message.block_dicts()
    assert blocks[0]["text"]["text"] == "Restore jobs — all, created 13 Nov 00:00 – 20 Nov 00:00 UTC"
    assert sections(message)[0] == "*1 restore job*"
    assert "every state" in blocks[1]["elements"][1]["text"]


def test_the_footer_repeats_the_command_and_the_cost_and_title_and_footer_can_be_replaced() -> None:
    blocks = render_jobs(result([job(0)]), FLT, command="/r").block_dicts()
    assert blocks[-1]["elements"][0]["text"] == "`/r jobs state:FAILED 7d region:us-east-1,eu-west-1` · 3 AWS calls · 0.5 s"
    custom = render_jobs(result([job(0)]), FLT, title="Plan nightly", footer="/restores tests").block_dicts()
    assert custom[0]["text"]["text"] == "Plan nightly"
    assert custom[-1]["elements"][0]["text"].startswith("`/restores tests` · 3 AWS calls")


def test_sample_answers_say_they_are_sample_data() -> None:
    assert "*Sample data*" in everything(render_jobs(result([job(0)]), FLT, sample=True))
    assert "*Sample data*" not in everything(render_jobs(result([job(0)]), FLT))


HOSTILE = ("<!channel>", "<@U0ADMIN>", "<https://evil.example|click>", "&lt;!here&gt;", "a & b", "`tick`")


def test_aws_free_text_stays_inert_everywhere() -> None:
    jobs = [job(n, message=text, rtype=text, plan=f"arn:aws:backup:x:{ACCOUNT}:restore-testing-plan:{text}",
                validation=text, validation_message=text) for n, text in enumerate(HOSTILE)]
    message = render_jobs(result(jobs, incomplete=HOSTILE), FLT)
    assert_inert_but_console_links(message)
    assert "&lt;!channel&gt;" in everything(message)


def test_thousands_of_jobs_and_long_messages_stay_within_slack_limits() -> None:
    jobs = [job(n, f"cause {n % 40} " + "x" * 500, rtype=f"T{n % 7}", account=f"{100000000000 + n % 30}")
            for n in range(2000)]
    message = render_jobs(result(jobs, not_read=500), FLT)
    assert_within_slack_limits(message.block_dicts())
    assert sections(message)[0].startswith("*2,500 failed restore jobs* · 2,000 grouped below; 500 more counted")
    assert len(message.text) <= 3000


def test_aws_free_text_cannot_forge_a_line_of_the_bots_own() -> None:
    """Issue 19, defect 8: a StatusMessage or a customer's validation message (PutRestoreValidationResult) with line
    breaks, formatting, emoji codes and bidi controls stays inside one quotation; no line of the answer starts with it."""
    forged = "ok\n:white_check_mark: *Restores work*\u2029~all good~ \u202eevil"
    jobs = [job(1, forged, plan="arn:aws:backup:us-east-1:111122223333:restore-testing-plan:nightly-1a",
                validation="FAILED", validation_message=forged)]
    message = render_jobs(result(jobs), FLT)
    lines = [line for text in sections(message) for line in text.split("\n")]
    assert not [line for line in lines if line.lstrip("•> ").startswith((":white_check_mark:", "*Restores work*"))]
    assert all("\u202e" not in line and "\u2029" not in line for line in lines)
    assert "`ok :white_check_mark: *Restores work* ~all good~ evil`" in "\n".join(lines)
    assert "\n" not in message.text
