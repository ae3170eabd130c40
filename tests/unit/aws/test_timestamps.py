"""Response timestamps: botocore hands them over raw (epoch seconds), the bot makes them aware UTC datetimes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import boto3
import botocore.session
import pytest
from botocore import parsers

from bot.aws.client import _utc, keep_timestamps_raw

MOMENT = datetime(2027, 1, 1, 6, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [MOMENT.timestamp(), int(MOMENT.timestamp()), str(MOMENT.timestamp()), "2027-01-01T06:30:15Z",
     "2027-01-01T07:30:15+01:00", MOMENT, MOMENT.replace(tzinfo=None), MOMENT.astimezone(timezone(timedelta(hours=-5)))],
)
def test_every_form_of_a_timestamp_is_the_same_utc_moment(raw: object) -> None:
    value = _utc(raw)
    assert value == MOMENT
    assert value.utcoffset() == timedelta(0)


def test_the_session_parser_leaves_timestamps_raw_and_the_rows_still_read_them() -> None:
    session = boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="eu-west-1")
    keep_timestamps_raw(session)
    factory = session._session.get_component("response_parser_factory")
    model = botocore.session.get_session().get_service_model("backup").operation_model("ListRestoreJobSummaries")
    body = json.dumps({"RestoreJobSummaries": [{"StartTime": MOMENT.timestamp(), "Count": 3}]}).encode()
    parsed = factory.create_parser(model.metadata["protocol"]).parse(
        {"status_code": 200, "headers": {}, "body": body}, model.output_shape)
    start = parsed["RestoreJobSummaries"][0]["StartTime"]
    assert start == MOMENT.timestamp()  # not a datetime: botocore did not parse it
    assert _utc(start) == MOMENT
    # Another session is untouched: the switch is per session, not process-wide.
    other = parsers.ResponseParserFactory().create_parser(model.metadata["protocol"]).parse(
        {"status_code": 200, "headers": {}, "body": body}, model.output_shape)
    assert isinstance(other["RestoreJobSummaries"][0]["StartTime"], datetime)
