"""botocore exceptions as typed RegionFailures: the kind a renderer groups by, and a message that says what to do and
never repeats an exception's own text (which may carry a request, a key or a URL)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from bot.aws.errors import JOBS_ACTION, SUMMARY_ACTION, DeadlineExceeded, describe_error, timed_out
from bot.domain.results import FailureKind, RegionFailure

REGION = "eu-west-1"


def client_error(code: str | None, message: str | None = None, retries: int | None = None) -> ClientError:
    response: dict[str, Any] = {}
    if code is not None or message is not None:
        response["Error"] = {k: v for k, v in (("Code", code), ("Message", message)) if v is not None}
    if retries is not None:
        response["ResponseMetadata"] = {"RetryAttempts": retries}
    return ClientError(response, "ListRestoreJobSummaries")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["ServiceUnavailableException", "ServiceUnavailable", "InternalFailure",
                                  "InternalServerError"])
def test_an_unavailable_service_names_the_code_and_every_attempt(code: str) -> None:
    assert describe_error(REGION, client_error(code, "busy", retries=2)) == RegionFailure(
        REGION, FailureKind.UNAVAILABLE, f"AWS Backup is unavailable ({code}, 3 attempts)")


@pytest.mark.parametrize("code", ["ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
                                  "Throttling"])
def test_throttling_counts_one_attempt_when_nothing_was_retried(code: str) -> None:
    failure = describe_error(REGION, client_error(code))
    assert failure.kind is FailureKind.THROTTLED
    assert failure.message == f"AWS throttled the requests ({code}, 1 attempts)"


@pytest.mark.parametrize("code", ["AccessDeniedException", "AccessDenied", "UnauthorizedOperation",
                                  "UnauthorizedException"])
def test_access_denied_says_which_action_to_grant(code: str) -> None:
    assert describe_error(REGION, client_error(code, "User: arn:aws:sts::1:assumed-role/x is not authorized")) == \
        RegionFailure(REGION, FailureKind.ACCESS_DENIED, f"access denied: grant `{SUMMARY_ACTION}` to the bot's IAM role")
    jobs = describe_error(REGION, client_error(code), JOBS_ACTION)
    assert jobs.message == "access denied: grant `backup:ListRestoreJobs` to the bot's IAM role"


@pytest.mark.parametrize("code", ["UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException",
                                  "ExpiredToken", "InvalidClientTokenId", "SignatureDoesNotMatch"])
def test_rejected_credentials_are_no_credentials(code: str) -> None:
    assert describe_error(REGION, client_error(code, "the token is expired")) == RegionFailure(
        REGION, FailureKind.NO_CREDENTIALS, f"AWS rejected the bot's credentials ({code})")


def test_an_invalid_parameter_shows_what_aws_said_or_the_code() -> None:
    said = describe_error(REGION, client_error("InvalidParameterValueException", "  ResourceType is not valid \n"))
    assert said == RegionFailure(REGION, FailureKind.INVALID_PARAMETER, "AWS rejected a parameter: ResourceType is not valid")
    silent = describe_error(REGION, client_error("InvalidParameterValueException", "   "))
    assert silent.message == "AWS rejected a parameter: InvalidParameterValueException"


def test_any_other_aws_error_is_an_error_with_its_code_and_message() -> None:
    assert describe_error(REGION, client_error("ResourceNotFoundException", "no such plan ")).message == \
        "AWS error ResourceNotFoundException: no such plan"
    assert describe_error(REGION, client_error("Weird")).message == "AWS error Weird"
    unknown = describe_error(REGION, client_error(None))
    assert unknown == RegionFailure(REGION, FailureKind.ERROR, "AWS error Unknown")


@pytest.mark.parametrize(
    "exc",
    [NoCredentialsError(), PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
     ProfileNotFound(profile="prod"), NoRegionError()],
)
def test_missing_local_credentials_name_their_kind_not_their_details(exc: Exception) -> None:
    failure = describe_error(REGION, exc)
    assert failure == RegionFailure(REGION, FailureKind.NO_CREDENTIALS,
                                    f"no usable AWS credentials ({type(exc).__name__})")
    assert "prod" not in failure.message and "AWS_SECRET" not in failure.message


@pytest.mark.parametrize("cls", [EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError])
def test_network_trouble_is_unreachable_without_the_url(cls: type[Exception]) -> None:
    failure = describe_error(REGION, cls(endpoint_url="https://backup.eu-west-1.amazonaws.com/secret-path"))
    assert failure == RegionFailure(REGION, FailureKind.UNREACHABLE, "the AWS Backup endpoint could not be reached")


def test_a_deadline_is_a_timeout_with_its_own_words() -> None:
    failure = describe_error(REGION, DeadlineExceeded("no complete answer in time (7 pages read)"))
    assert failure == RegionFailure(REGION, FailureKind.TIMEOUT, "no complete answer in time (7 pages read)")


def test_other_client_errors_and_anything_else_name_only_the_exception_type() -> None:
    botocore_side = describe_error(REGION, ParamValidationError(report="MaxResults: xoxb-secret"))
    assert botocore_side == RegionFailure(REGION, FailureKind.ERROR, "AWS client error (ParamValidationError)")
    ours = describe_error(REGION, RuntimeError("token=xoxb-secret"))
    assert ours == RegionFailure(REGION, FailureKind.ERROR, "unexpected error (RuntimeError)")


def test_timed_out_writes_the_seconds_without_trailing_zeros() -> None:
    assert timed_out("us-east-1", 20.0) == RegionFailure("us-east-1", FailureKind.TIMEOUT, "no answer within 20 s")
    assert timed_out("us-east-1", 2.5).message == "no answer within 2.5 s"
