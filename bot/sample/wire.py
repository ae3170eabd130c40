"""The emulator's side of the wire: a request as it arrived, the response to write, the SigV4 credential scope that
says which region, service and account a request is for (only the signature's shape is checked here), and an API
error as the service's JSON error response."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.sample.api_model import ApiError

__all__ = ["CredentialScope", "Request", "Response", "account_of_access_key", "error_response", "parse_authorization"]

_SIGV4_RE: Final = re.compile(
    r"^AWS4-HMAC-SHA256\s+"
    r"Credential=(?P<akid>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<signed_headers>[a-z0-9;\-]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
# Temporary keys carrying their account, as the tests' STS fake issues them; real ASIA keys carry none, but
# loopback fakes have no shared key store, so the key itself says who signed.
_ACCOUNT_KEY_RE: Final = re.compile(r"^ASIA(?P<account>[0-9]{12})")
_SERVICES: Final = ("backup", "sts", "organizations", "tagging")

@dataclass(frozen=True)
class Request:
    """One HTTP request as it arrived."""

    method: str
    target: str  # as sent: path and query string (what a SigV4 signature covers)
    path: str
    params: dict[str, str]  # query string, last value wins
    headers: Mapping[str, str]  # names lower-cased; the first of repeated headers
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]
    raw: bytes | None = None  # sent instead of `body` as JSON (STS answers in XML)
    content_type: str = "application/json"


@dataclass(frozen=True)
class CredentialScope:
    """The parts of a SigV4 ``Authorization`` header."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(header: str | None) -> CredentialScope:
    """The credential scope of a well-formed SigV4 header for `backup` (or `sts`, `organizations`); ApiError (403)
    otherwise."""
    if not header:
        raise ApiError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    match = _SIGV4_RE.match(header.strip())
    if match is None:
        raise ApiError(
            403,
            "IncompleteSignatureException",
            "Authorization header is not a well-formed AWS Signature Version 4 header "
            "(expected 'AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/backup/aws4_request, "
            "SignedHeaders=..., Signature=...').",
        )
    if match["service"] not in _SERVICES:
        raise ApiError(
            403,
            "IncompleteSignatureException",
            f"Credential should be scoped to correct service: 'backup', not '{match['service']}'.",
        )
    return CredentialScope(
        access_key=match["akid"],
        date=match["date"],
        region=match["region"],
        service=match["service"],
        signed_headers=tuple(match["signed_headers"].split(";")),
        signature=match["signature"],
    )


def account_of_access_key(access_key: str, default: str) -> str:
    """The account that signed with ``access_key``: the 12 digits after ``ASIA``, else ``default``."""
    match = _ACCOUNT_KEY_RE.match(access_key)
    return match["account"] if match is not None else default


def error_response(error: ApiError) -> Response:
    """The body the service sends with an error."""
    return Response(
        error.status,
        {
            # botocore reads the code from x-amzn-ErrorType first, then from
            # these keys; sending all of them matches what the service does.
            "__type": error.error_type,
            "Code": error.error_type,
            "Message": error.message,
            "Type": "Server" if error.status >= 500 else "User",
        },
    )
