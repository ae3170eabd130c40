"""The botocore (and boto3) private parts bot.aws.botocore_internals relies on, checked against the installed release:
a failure here means botocore moved one of them, and the module (not its callers) needs a change."""

from __future__ import annotations

import inspect
import json
from typing import Any

import boto3
import botocore.session
from botocore import parsers
from botocore.awsrequest import AWSResponse
from botocore.credentials import DeferredRefreshableCredentials

from bot.aws import botocore_internals, parsing

MOMENT = 1_798_786_215.0  # 2027-01-01 06:50:15 UTC, as AWS sends it


class Raw:
    """The body of a canned HTTP response, as urllib3's would be read."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self) -> Any:
        yield self.body


def answer_with(client: Any, body: dict[str, Any], status: int = 200, seen: list[Any] | None = None) -> None:
    """Answer every request of `client` in process (botocore's before-send hook; no socket is opened)."""

    def send(request: Any, **_: Any) -> AWSResponse:
        if seen is not None:
            seen.append(request)
        return AWSResponse(request.url, status, {"x-amzn-requestid": "r-1"}, Raw(json.dumps(body).encode()))

    client.meta.events.register("before-send", send)


def session(core: botocore.session.Session, **credentials: str) -> boto3.session.Session:
    return boto3.session.Session(region_name="eu-west-1", botocore_session=core, **credentials)


def test_boto3_keeps_its_botocore_session_where_we_read_it() -> None:
    core = botocore.session.Session()
    assert botocore_internals.botocore_session(session(core)) is core
    assert botocore_internals.botocore_session(object()) is None  # a stand-in without one is left alone


def test_attached_credentials_are_the_ones_a_client_signs_with() -> None:
    refreshes: list[int] = []

    def refresh() -> dict[str, str]:
        refreshes.append(1)
        return {"access_key": "AKIAASSUMED", "secret_key": "s", "token": "t",
                "expiry_time": "2999-01-01T00:00:00Z"}

    core = botocore.session.Session()
    credentials = DeferredRefreshableCredentials(method="assume-role", refresh_using=refresh)
    botocore_internals.attach_credentials(core, credentials)
    assert core.get_credentials() is credentials  # botocore reads the attribute we set
    client = session(core).client("backup")
    seen: list[Any] = []
    answer_with(client, {"RestoreTestingPlans": []}, seen=seen)
    client.list_restore_testing_plans()
    assert b"Credential=AKIAASSUMED/" in seen[0].headers["Authorization"]
    assert refreshes == [1]  # assumed on first use, not before


def test_the_parser_factory_component_is_what_new_clients_parse_with() -> None:
    core = botocore.session.Session()
    factory = parsing.fast_parser_factory()
    botocore_internals.use_parser_factory(core, factory)
    assert core.get_component("response_parser_factory") is factory
    client = session(core, aws_access_key_id="t", aws_secret_access_key="t").client("backup")
    row = {"Region": "eu-west-1", "State": "FAILED", "Count": 2, "StartTime": MOMENT, "EndTime": MOMENT}
    answer_with(client, {"RestoreJobSummaries": [row], "Unmodeled": 1})
    page = client.list_restore_job_summaries()
    assert page["RestoreJobSummaries"] == [row]  # the shortcut: raw timestamps, modeled members only
    assert "Unmodeled" not in page and page["ResponseMetadata"]["RequestId"] == "r-1"


def test_the_parser_hooks_keep_their_names_and_signatures() -> None:
    protocol = botocore.session.get_session().get_service_model("backup").metadata["protocol"]
    base = parsers.PROTOCOL_PARSERS[protocol]
    assert list(inspect.signature(base._do_parse).parameters) == ["self", "response", "shape"]
    assert list(inspect.signature(base._populate_response_metadata).parameters) == ["self", "response"]
    assert "timestamp_parser" in inspect.signature(base.__init__).parameters
    factory = parsers.ResponseParserFactory()
    factory.set_parser_defaults(timestamp_parser=str)
    assert factory._defaults == {"timestamp_parser": str}
    assert list(inspect.signature(factory.create_parser).parameters) == ["protocol_name"]


def test_botocore_session_credentials_and_components_are_where_we_set_them() -> None:
    core = botocore.session.Session()
    assert hasattr(core, "_credentials")
    assert list(inspect.signature(core.register_component).parameters) == ["name", "component"]
    assert isinstance(core.get_component("response_parser_factory"), parsers.ResponseParserFactory)
