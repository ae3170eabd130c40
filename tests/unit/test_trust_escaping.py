"""Strings from AWS (StatusMessage, ValidationStatusMessage, plan names, ARNs, error texts, even resource types) and
from users are data: rendered inert in blocks, fields and fallback text, never a mention, a link or a broken message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.answers.notices import render_parse_error
from bot.answers.render import render_summary
from bot.answers.render_jobs import render_jobs
from bot.answers.terminal import message_as_text
from bot.digest.data import DigestData
from bot.digest.render import render_digest
from bot.domain.query import ParseError, Period, RestoreFilter, State
from bot.domain.results import FailureKind, JobsQuery, JobsResult, RegionFailure, RestoreJobRow, SummaryResult, SummaryRow
from tests.support import assert_inert
from tests.unit.console_links import assert_inert_but_console_links

pytestmark = pytest.mark.dates

HOSTILE = "<!here> <!channel> <@U0ADMIN> <https://evil.example|AWS console> & <#C0SECRET>"
NOW = datetime.now(UTC).replace(microsecond=0)
def job(message: str = HOSTILE, validation: str | None = HOSTILE, plan: str = f"arn:aws:backup:us-east-1:1:plan:{HOSTILE}",
        arn: str = f"arn:aws:s3:::{HOSTILE}", rtype: str = "EBS") -> RestoreJobRow:
    return RestoreJobRow(region="us-east-1", account_id="111122223333", job_id="J1", status="FAILED", status_message=message,
                         resource_type=rtype, created=NOW - timedelta(hours=1), resource_arn=arn,
                         restore_testing_plan_arn=plan, validation_status="FAILED", validation_status_message=validation)


def jobs_result(rows: tuple[RestoreJobRow, ...], failures: tuple[RegionFailure, ...] = ()) -> JobsResult:
    query = JobsQuery(regions=("us-east-1", "eu-west-1"), created_after=NOW - timedelta(days=7), created_before=NOW,
                      status=State.FAILED)
    return JobsResult(query=query, jobs=rows, failures=failures)


def test_hostile_status_and_validation_messages_are_inert_in_jobs() -> None:
    failure = RegionFailure("eu-west-1", FailureKind.INVALID_PARAMETER, f"AWS rejected a parameter: {HOSTILE}")
    message = render_jobs(jobs_result((job(), job(message=HOSTILE + " 2")), (failure,)),
                          RestoreFilter(state=State.FAILED, regions=("us-east-1", "eu-west-1")))
    assert_inert_but_console_links(message)  # the bot's own links to the job in the AWS console, nothing else live
    text = json.dumps(message.block_dicts())
    # Still readable: the text is there, as entities.
    assert "&lt;!here&gt;" in text and "&amp;" in text
    # A terminal shows the text itself again.
    assert "<!here>" in message_as_text(message)


def test_reason_placeholders_are_not_links() -> None:
    """`reason_key` writes <ARN> and <id> placeholders; unescaped, Slack would render them as links."""
    rows = tuple(job(message=f"Access denied to KMS key arn:aws:kms:us-east-1:111122223333:key/{i:08d}") for i in range(3))
    message = render_jobs(jobs_result(rows), RestoreFilter(state=State.FAILED, regions=("us-east-1",)))
    assert "&lt;ARN&gt;" in json.dumps(message.block_dicts(), ensure_ascii=False)
    assert "<ARN>" not in json.dumps(message.block_dicts(), ensure_ascii=False)


def test_hostile_rows_and_region_errors_are_inert_in_summaries_and_digests() -> None:
    start = datetime.combine(NOW.date() - timedelta(days=1), datetime.min.time(), UTC)
    rows = (SummaryRow("us-east-1", HOSTILE, "FAILED", HOSTILE, 3, start, start + timedelta(days=1)),
            SummaryRow("us-east-1", "111122223333", HOSTILE, "EBS", 2, start, start + timedelta(days=1)))
    failure = RegionFailure("eu-west-1", FailureKind.ERROR, f"AWS error Weird: {HOSTILE}")
    flt = RestoreFilter(state=State.ANY, period=Period.ONE_DAY, regions=("us-east-1", "eu-west-1"))
    summary = render_summary(SummaryResult(filter=flt, period=Period.ONE_DAY, rows=rows, failures=(failure,)))
    assert_inert(summary)
    digest = render_digest(DigestData(day=start.date(), regions=("us-east-1", "eu-west-1"), failures=(failure,),
                                      rows=rows[:1], completed=0, trend=((start.date(), 3),), account="ANY"))
    assert_inert(digest)


def test_a_users_token_is_echoed_inert() -> None:
    message = render_parse_error(ParseError("<!channel>", "is not something I understand", "states"))
    assert_inert(message)
    assert "&lt;!channel&gt;" in message.text


@given(message=st.text(max_size=600), validation=st.one_of(st.none(), st.text(max_size=600)),
       arn=st.text(max_size=300), plan=st.text(max_size=300))
def test_any_aws_text_renders_inert_and_within_limits(message: str, validation: str | None, arn: str, plan: str) -> None:
    rendered = render_jobs(jobs_result((job(message=message, validation=validation, arn=arn, plan=plan),)),
                           RestoreFilter(state=State.FAILED, regions=("us-east-1",)))
    assert_inert_but_console_links(rendered)
    assert len(rendered.text) <= 3000
