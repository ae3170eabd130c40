"""bot.sample.wire: the SigV4 credential scope of a request (region, service, account), and errors as the service's
JSON body, checked against what botocore signs and reads."""

from __future__ import annotations

import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import create_parser

from bot.sample.api_model import ApiError
from bot.sample.wire import Request, account_of_access_key, error_response, parse_authorization
from tests.unit.sample.botocore_shapes import BACKUP, refused


def signed(service: str, region: str, access_key: str = "AKIDEXAMPLE") -> str:
    """The Authorization header botocore's own signer writes."""
    request = AWSRequest(method="GET", url=f"https://{service}.{region}.amazonaws.com/audit/restore-job-summaries")
    SigV4Auth(Credentials(access_key, "secret"), service, region).add_auth(request)
    return str(request.headers["Authorization"])


@pytest.mark.parametrize(("service", "region"), [("backup", "eu-west-1"), ("sts", "us-east-1"),
                                                 ("organizations", "us-east-1"), ("tagging", "ap-southeast-2")])
def test_the_scope_is_read_from_a_header_botocore_signed(service: str, region: str) -> None:
    scope = parse_authorization(signed(service, region, "ASIA444455556666XYZ"))
    assert (scope.service, scope.region, scope.access_key) == (service, region, "ASIA444455556666XYZ")
    assert "host" in scope.signed_headers and len(scope.signature) == 64 and len(scope.date) == 8


@pytest.mark.parametrize(("header", "code"), [
    (None, "MissingAuthenticationTokenException"), ("", "MissingAuthenticationTokenException"),
    ("Bearer abc", "IncompleteSignatureException"),
    ("AWS4-HMAC-SHA256 Credential=AKID/20261206/eu-west-1/backup/aws4_request, SignedHeaders=host, Signature=xyz",
     "IncompleteSignatureException"),
])
def test_a_missing_or_malformed_header_is_the_services_403(header: str | None, code: str) -> None:
    error = refused(lambda: parse_authorization(header))
    assert (error.status, error.error_type) == (403, code)


def test_a_scope_for_another_service_is_refused_naming_it() -> None:
    error = refused(lambda: parse_authorization(signed("s3", "eu-west-1")))
    assert error.status == 403 and "not 's3'" in error.message


def test_temporary_keys_carry_their_account_and_other_keys_are_the_default_caller() -> None:
    assert account_of_access_key("ASIA444455556666abcdef", "111122223333") == "444455556666"
    assert account_of_access_key("AKIAIOSFODNN7EXAMPLE", "111122223333") == "111122223333"
    assert account_of_access_key("ASIA4444", "111122223333") == "111122223333"  # too few digits: no account


@pytest.mark.parametrize(("status", "kind"), [(400, "User"), (403, "User"), (500, "Server")])
def test_an_error_is_the_body_botocore_reads_back_as_that_error(status: int, kind: str) -> None:
    response = error_response(ApiError(status, "InvalidParameterValueException", "bad <value> & more"))
    assert response.status == status and response.body["Type"] == kind
    raw = {"status_code": status, "headers": {}, "body": json.dumps(response.body).encode()}
    parsed = create_parser("rest-json").parse(raw, BACKUP.operation_model("ListRestoreJobSummaries").output_shape)
    assert parsed["Error"] == {"Code": "InvalidParameterValueException", "Message": "bad <value> & more"}


def test_a_header_is_found_whatever_the_case_it_is_asked_in() -> None:
    request = Request("GET", "/x?a=1", "/x", {"a": "1"}, {"x-amz-target": "T"})
    assert request.header("X-Amz-Target") == "T" and request.header("Authorization") is None
