"""The export's words: the trailer says the window and everything not read, never completeness it does not have; the
channel's comment and the user's answer lead with incompleteness and quote AWS's words as data."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from bot.domain.results import FailureKind, RegionFailure
from bot.export.grammar import ExportQuery
from bot.export.render import (
    render_export_failed,
    render_no_channel,
    render_posted,
    render_too_large,
    trailer,
    upload_comment,
)
from bot.export.result import Chain, ChainFailure, ExportResult, Uploaded
from tests.support import all_texts

END = datetime(2026, 12, 6, 10, 0, 0, tzinfo=UTC)
QUERY = ExportQuery(30, ("us-east-1", "eu-west-1"), "ANY")


def result(**fields: object) -> ExportResult:
    base = ExportResult(QUERY, (END - timedelta(days=30), END), True, "accounts 111122223333", rows=1234,
                        parts=[io.BytesIO()], sizes=[10])
    for name, value in fields.items():
        setattr(base, name, value)
    return base


def test_a_complete_export_says_so_with_its_window() -> None:
    text = trailer(result())
    assert text == ("restore jobs created 2026-11-06 10:00:00 to 2026-12-06 10:00:00 UTC (AWS's clock), every state, "
                    "accounts 111122223333, regions us-east-1, eu-west-1: 1,234 rows; every region and account asked "
                    "answered to its last page")
    assert "host's clock" in trailer(result(aws_clock=False))
    posted = render_posted(result(), "/restores")
    assert posted.text == "Posted the export (1,234 restore jobs) to this channel as a CSV file."


def test_what_was_not_read_is_named_first_and_never_called_complete() -> None:
    denied = RegionFailure("eu-west-1", FailureKind.ACCESS_DENIED, "access denied: grant `backup:ListRestoreJobs`")
    failed = result(failures=[ChainFailure(Chain("eu-west-1", "444455556666"), denied, 250)],
                    unasked=(RegionFailure("us-east-1", FailureKind.TIMEOUT, "no answer within 20 s"),),
                    notes=("accounts come from summaries",))
    text = trailer(failed)
    assert ("INCOMPLETE, not read: us-east-1: no answer within 20 s; eu-west-1 account 444455556666: access denied: "
            "grant `backup:ListRestoreJobs` (stopped after 250 jobs, which are in the file); also accounts come from "
            "summaries") in text
    assert "every region" not in text
    posted = render_posted(failed, "/restores")
    assert posted.text.startswith("Incomplete: ")
    assert all_texts(posted)[1].startswith(":warning: *Incomplete:* 1,234 restore jobs, not everything could be read")
    comment = upload_comment(failed, "/restores")
    assert "*Incomplete:*" in comment and "eu-west-1 account 444455556666" in comment
    only_notes = render_posted(result(notes=("accounts come from summaries",)), "/restores")
    assert only_notes.text.startswith("May be incomplete: ")


def test_aws_words_are_data_in_the_comment() -> None:
    forged = RegionFailure("eu-west-1", FailureKind.ERROR, "AWS error X: <!channel> *All fine* & <https://x|y>")
    comment = upload_comment(result(failures=[ChainFailure(Chain("eu-west-1", None), forged, 0)]), "/restores",
                             sample=True)
    assert "<!channel>" not in comment and "&lt;!channel&gt;" in comment and "&amp;" in comment
    assert comment.startswith(":test_tube:")


def test_refusals_say_what_to_do() -> None:
    too_large = render_too_large(result(too_large="more than 10 files of 100 MB"), "/restores")
    assert "more than 10 files of 100 MB" in too_large.text and "Nothing was posted" in too_large.text
    assert "python -m bot export 30d account:ANY region:us-east-1,eu-west-1 > restores.csv" in all_texts(too_large)[2]
    refused = render_export_failed(result(), Uploaded("missing_scope", "the app lacks the files:write scope"), "/r")
    assert "could not be posted: the app lacks the files:write scope" in refused.text
    assert "in a channel" in render_no_channel("/restores", QUERY).text


def test_the_slack_messages_state_the_window_in_the_rolling_form_of_every_answer() -> None:
    """The comment the files are shared with and the answer in the channel say "last 30 days, to 6 Dec 10:00 UTC",
    as every other answer does; the CSV's trailer keeps the exact moments (evidence)."""
    comment = upload_comment(result(), "/restores")
    posted = " ".join(all_texts(render_posted(result(), "/restores")))
    for said in (comment, posted):
        assert "last 30 days, to 6 Dec 10:00 UTC" in said and "2026-11-06" not in said
    assert "host's clock" in upload_comment(result(aws_clock=False), "/restores")
