"""botocore exceptions -> typed RegionFailure values with a message a Slack user can act on."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from bot.domain.results import FailureKind, RegionFailure

SUMMARY_ACTION = "backup:ListRestoreJobSummaries"
JOBS_ACTION = "backup:ListRestoreJobs"


class DeadlineExceeded(Exception):
    """An answer's time ran out part-way through a region's page chain."""


def timed_out(region: str, seconds: float) -> RegionFailure:
    """A region (or one of its chains) that had not answered when the answer's time ran out."""
    return RegionFailure(region, FailureKind.TIMEOUT, f"no answer within {seconds:g} s")


def describe_error(region: str, exc: BaseException, action: str = SUMMARY_ACTION) -> RegionFailure:
    """Map a boto3/botocore exception to a typed failure with a message a Slack user can act on."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        aws_message = str(error.get("Message", "")).strip()
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        if code in ("ServiceUnavailableException", "ServiceUnavailable", "InternalFailure", "InternalServerError"):
            return RegionFailure(region, FailureKind.UNAVAILABLE, f"AWS Backup is unavailable ({code}, {attempts} attempts)")
        if code in ("ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "Throttling"):
            return RegionFailure(region, FailureKind.THROTTLED, f"AWS throttled the requests ({code}, {attempts} attempts)")
        if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnauthorizedException"):
            return RegionFailure(region, FailureKind.ACCESS_DENIED, f"access denied: grant `{action}` to the bot's IAM role")
        if code in (
            "UnrecognizedClientException",
            "InvalidSignatureException",
            "ExpiredTokenException",
            "ExpiredToken",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
        ):
            return RegionFailure(region, FailureKind.NO_CREDENTIALS, f"AWS rejected the bot's credentials ({code})")
        if code == "InvalidParameterValueException":
            return RegionFailure(region, FailureKind.INVALID_PARAMETER, f"AWS rejected a parameter: {aws_message or code}")
        return RegionFailure(region, FailureKind.ERROR, f"AWS error {code}" + (f": {aws_message}" if aws_message else ""))
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError, ProfileNotFound, NoRegionError)):
        return RegionFailure(region, FailureKind.NO_CREDENTIALS, f"no usable AWS credentials ({type(exc).__name__})")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
        return RegionFailure(region, FailureKind.UNREACHABLE, "the AWS Backup endpoint could not be reached")
    if isinstance(exc, DeadlineExceeded):
        return RegionFailure(region, FailureKind.TIMEOUT, str(exc))
    if isinstance(exc, BotoCoreError):
        return RegionFailure(region, FailureKind.ERROR, f"AWS client error ({type(exc).__name__})")
    return RegionFailure(region, FailureKind.ERROR, f"unexpected error ({type(exc).__name__})")
