"""Response parsing: botocore hands timestamps over raw and summary pages flat; the bot reads the same values."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import parsers

from bot.aws import parsing
from bot.aws.rows import as_utc

MOMENT = datetime(2027, 1, 1, 6, 30, 15, tzinfo=UTC)
MODEL = botocore.session.get_session().get_service_model("backup")


@pytest.mark.parametrize(
    "raw",
    [MOMENT.timestamp(), int(MOMENT.timestamp()), str(MOMENT.timestamp()), "2027-01-01T06:30:15Z",
     "2027-01-01T07:30:15+01:00", MOMENT, MOMENT.replace(tzinfo=None), MOMENT.astimezone(timezone(timedelta(hours=-5)))],
)
def test_every_form_of_a_timestamp_is_the_same_utc_moment(raw: object) -> None:
    value = as_utc(raw)
    assert value == MOMENT
    assert value.utcoffset() == timedelta(0)


def parse(factory: Any, operation: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    model = MODEL.operation_model(operation)
    response = {"status_code": status, "headers": {"x-amzn-requestid": "r-1"}, "body": json.dumps(body).encode()}
    parsed: dict[str, Any] = factory.create_parser(MODEL.metadata["protocol"]).parse(response, model.output_shape)
    return parsed


def session_over(core: botocore.session.Session) -> boto3.session.Session:
    """A boto3 session over a botocore session the test holds (boto3's public way in), to read its components."""
    return boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="eu-west-1",
                                 botocore_session=core)


def installed_factory() -> Any:
    core = botocore.session.Session()
    parsing.install(session_over(core))
    return core.get_component("response_parser_factory")


ROW = {"Region": "eu-west-1", "AccountId": "111122223333", "State": "FAILED", "ResourceType": "EBS", "Count": 3,
       "StartTime": MOMENT.timestamp(), "EndTime": MOMENT.timestamp() + 86399}


def test_a_flat_summary_page_holds_what_botocore_would_give_with_raw_timestamps() -> None:
    body = {"RestoreJobSummaries": [ROW, dict(ROW, State="ABORTED", Count=1)], "AggregationPeriod": "ONE_DAY",
            "NextToken": "t-2", "NotInTheModel": 1}
    fast = parse(installed_factory(), "ListRestoreJobSummaries", body)
    usual = parse(parsers.ResponseParserFactory(), "ListRestoreJobSummaries", body)
    assert isinstance(usual["RestoreJobSummaries"][0]["StartTime"], datetime)  # botocore's own parser
    for page in (fast, usual):
        for row in page["RestoreJobSummaries"]:
            row["StartTime"], row["EndTime"] = as_utc(row["StartTime"]), as_utc(row["EndTime"])
    assert fast["ResponseMetadata"]["RequestId"] == usual["ResponseMetadata"]["RequestId"] == "r-1"
    assert {k: v for k, v in fast.items() if k != "ResponseMetadata"} == \
        {k: v for k, v in usual.items() if k != "ResponseMetadata"}
    assert "NotInTheModel" not in fast  # modeled members only, as botocore


def test_errors_and_other_operations_are_parsed_by_botocore() -> None:
    factory = installed_factory()
    error = parse(factory, "ListRestoreJobSummaries",
                  {"__type": "ThrottlingException", "message": "Rate exceeded"}, status=400)
    assert error["Error"]["Code"] == "ThrottlingException"
    jobs = parse(factory, "ListRestoreJobs", {"RestoreJobs": [{"RestoreJobId": "j-1", "CreationDate": MOMENT.timestamp(),
                                                              "Unmodeled": True}]})
    job = jobs["RestoreJobs"][0]
    assert job == {"RestoreJobId": "j-1", "CreationDate": MOMENT.timestamp()}  # model walk, timestamp left raw
    assert as_utc(job["CreationDate"]) == MOMENT


def test_the_switch_is_per_session_not_process_wide() -> None:
    installed_factory()
    core = botocore.session.Session()
    session_over(core)  # another session, made after the switch: botocore's own parser
    other = parse(core.get_component("response_parser_factory"), "ListRestoreJobSummaries", {"RestoreJobSummaries": [ROW]})
    assert isinstance(other["RestoreJobSummaries"][0]["StartTime"], datetime)
