# Not moto (5.2.6): its AssumeRole grants any role, defaults to 3600 s, never expires or checks sessions, logs no calls.
"""Loopback fake of AWS STS (AssumeRole, GetCallerIdentity) on the query protocol, for real boto3 clients.

Usage::

    with FakeSts(roles={"arn:aws:iam::444455556666:role/restores-bot-reader": ""}) as sts:
        client = boto3.client("sts", region_name="us-east-1", endpoint_url=sts.url, ...)
        creds = client.assume_role(RoleArn=..., RoleSessionName="bot")["Credentials"]

The access key it issues is ``ASIA`` + the role's 12-digit account + random hex, the convention by which the
backup emulator (bot.sample.emulator) knows which account signed a request.  Requests must carry a well-formed
SigV4 ``Authorization`` header scoped to ``sts``; one signed with a key this fake issued is verified in full
(secret, session token, expiry), since the fake knows those secrets.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bot.sample.wire import account_of_access_key

__all__ = ["READER_ROLE", "FakeSts", "IssuedCredentials", "StsCall", "reader_role_arn"]

READER_ROLE: Final = "restores-bot-reader"
DEFAULT_ACCOUNT: Final = "111122223333"
_VERSION: Final = "2011-06-15"
_NAMESPACE: Final = f"https://sts.amazonaws.com/doc/{_VERSION}/"
_MIN_DURATION, _MAX_DURATION = 900, 43200  # roleDurationSecondsType in botocore's sts model
_SIGV4_RE: Final = re.compile(
    r"^AWS4-HMAC-SHA256\s+"
    r"Credential=(?P<akid>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<signed_headers>[a-z0-9;\-]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
_ROLE_ARN_RE: Final = re.compile(r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>[0-9]{12}):role/(?:[^/]+/)*(?P<name>[\w+=,.@-]+)$")
_SESSION_NAME_RE: Final = re.compile(r"^[\w+=,.@-]{2,64}$")


def reader_role_arn(account: str) -> str:
    """The role the tests' bot assumes in ``account`` to read its restore tests."""
    return f"arn:aws:iam::{account}:role/{READER_ROLE}"


@dataclass(frozen=True)
class StsCall:
    """One request the fake answered (rejected ones too)."""

    action: str  # "" when the request was rejected before its action was read
    role_arn: str | None
    session_name: str | None
    duration_seconds: int | None
    access_key: str  # the key that signed it; "" when unsigned
    time: datetime  # the fake's clock at arrival
    status: int


@dataclass(frozen=True)
class IssuedCredentials:
    """Temporary credentials handed out by AssumeRole, kept so requests signed with them can be checked."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime
    account: str
    assumed_role_arn: str
    assumed_role_id: str


class _Error(Exception):
    def __init__(self, status: int, code: str, message: str, fault: str = "Sender") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fault = status, code, message, fault


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # botocore's keep-alive pool may hold a connection open
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeSts) -> None:
        self.fake = fake
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # so botocore can reuse the connection (every answer has a Content-Length)
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), value)
        status, payload = self.server.fake.handle(self.command, self.path, headers, body)
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self.do_POST()  # answered with InvalidAction, as STS does

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Keep test output quiet."""


class FakeSts:
    """STS on a loopback port.

    ``roles`` maps each role ARN that may be assumed to its role id (the ``AROA...`` part of AssumedRoleId; ""
    derives one); a role ARN not in it, or in ``denied``, gets 403 AccessDenied.  ``duration_default`` is the
    session length when DurationSeconds is absent; ``clock`` is what Expiration and expiry checks count from
    (the wall clock by default).  GetCallerIdentity answers for the signing key: a key this fake issued is its
    assumed role, another ``ASIA`` + 12 digits key that account, any other key ``default_account``.
    """

    def __init__(
        self,
        *,
        roles: Mapping[str, str] | None = None,
        denied: Iterable[str] = (),
        duration_default: int = 3600,
        clock: Callable[[], datetime] | None = None,
        default_account: str = DEFAULT_ACCOUNT,
        default_user: str = "restores-bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.roles = dict(roles or {})
        self.denied = frozenset(denied)
        self.duration_default = duration_default
        self.clock: Callable[[], datetime] = clock if clock is not None else (lambda: datetime.now(UTC))
        self.default_account = default_account
        self.default_user = default_user
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._calls: list[StsCall] = []
        self._issued: dict[str, IssuedCredentials] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSts:
        with self._lock:
            if self._server is None:
                server = _Server((self._host, self._port), self)
                thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                                          name=f"fake-sts:{server.server_address[1]}", daemon=True)
                thread.start()
                self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSts:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        server = self._server
        if server is None:
            raise RuntimeError("FakeSts is not started; call start() or use it as a context manager")
        host, port = server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ------------------------------------------------------------------ the record

    def calls(self, action: str | None = None) -> list[StsCall]:
        with self._lock:
            return [call for call in self._calls if action is None or call.action == action]

    def issued(self) -> list[IssuedCredentials]:
        with self._lock:
            return list(self._issued.values())

    def reset(self) -> None:
        """Forget recorded calls (issued credentials stay valid until they expire)."""
        with self._lock:
            self._calls.clear()

    # ------------------------------------------------------------------ requests

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        """Answer one request: (HTTP status, XML body)."""
        now = self.clock()
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now  # a naive clock is taken as UTC
        params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        action = params.get("Action", "")
        access_key = ""
        duration: int | None = None
        try:
            access_key = self._authenticate(method, target, headers, body, now)
            if method != "POST":
                raise _Error(400, "InvalidAction", f"STS takes POST requests, not {method}")
            if params.get("Version") != _VERSION:
                raise _Error(400, "InvalidAction", f"Could not find operation {action} for version "
                                                  f"{params.get('Version', 'NO_VERSION_SPECIFIED')}")
            if action == "AssumeRole":
                duration = self._duration(params)
                status, payload = 200, self._assume_role(params, access_key, duration, now)
            elif action == "GetCallerIdentity":
                status, payload = 200, self._get_caller_identity(access_key)
            else:
                raise _Error(400, "InvalidAction", f"Could not find operation {action} for version {_VERSION}")
        except _Error as error:
            status, payload = error.status, _error_xml(error)
        with self._lock:
            self._calls.append(StsCall(action, params.get("RoleArn"), params.get("RoleSessionName"), duration,
                                       access_key, now, status))
        return status, payload

    def _authenticate(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> str:
        header = headers.get("authorization")
        if not header:
            raise _Error(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
        match = _SIGV4_RE.match(header.strip())
        if match is None:
            raise _Error(403, "IncompleteSignature", "Authorization header is not a well-formed AWS Signature Version "
                                                     "4 header (AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., "
                                                     "Signature=...).")
        if match["service"] != "sts":
            raise _Error(403, "SignatureDoesNotMatch",
                         f"Credential should be scoped to correct service: 'sts', not '{match['service']}'.")
        access_key = match["akid"]
        with self._lock:
            issued = self._issued.get(access_key)
        if issued is not None:
            if headers.get("x-amz-security-token") != issued.session_token:
                raise _Error(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
            if now >= issued.expiration:
                raise _Error(403, "ExpiredToken", "The security token included in the request is expired")
            if not _signature_matches(method, target, headers, body, match, issued.secret_access_key):
                raise _Error(403, "SignatureDoesNotMatch",
                             "The request signature we calculated does not match the signature you provided.")
        return access_key

    def _duration(self, params: Mapping[str, str]) -> int:
        raw = params.get("DurationSeconds")
        if raw is None:
            return self.duration_default
        try:
            duration = int(raw)
        except ValueError:
            duration = -1
        if not _MIN_DURATION <= duration <= _MAX_DURATION:
            raise _Error(400, "ValidationError", f"1 validation error detected: Value '{raw}' at 'durationSeconds' "
                                                 f"failed to satisfy constraint: Member must have value between "
                                                 f"{_MIN_DURATION} and {_MAX_DURATION}")
        return duration

    def _assume_role(self, params: Mapping[str, str], access_key: str, duration: int, now: datetime) -> bytes:
        role_arn, session = params.get("RoleArn"), params.get("RoleSessionName")
        if not role_arn or not session:
            missing = "roleArn" if not role_arn else "roleSessionName"
            raise _Error(400, "ValidationError", f"1 validation error detected: Value null at '{missing}' failed to "
                                                 "satisfy constraint: Member must not be null")
        if not _SESSION_NAME_RE.match(session):
            raise _Error(400, "ValidationError", f"1 validation error detected: Value '{session}' at "
                                                 "'roleSessionName' failed to satisfy constraint: Member must satisfy "
                                                 r"regular expression pattern: [\w+=,.@-]*")
        role = _ROLE_ARN_RE.match(role_arn)
        if role is None:
            raise _Error(400, "ValidationError", f"{role_arn} is invalid")
        if role_arn not in self.roles or role_arn in self.denied:
            caller = self._identity(access_key)[2]
            raise _Error(403, "AccessDenied",
                         f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        account = role["account"]
        role_id = self.roles[role_arn] or "AROA" + uuid.uuid5(uuid.NAMESPACE_URL, role_arn).hex[:17].upper()
        issued = IssuedCredentials(
            access_key_id=f"ASIA{account}{secrets.token_hex(4).upper()}",
            secret_access_key=secrets.token_urlsafe(30),
            session_token=secrets.token_urlsafe(180),
            # Whole seconds: what the service sends, and what botocore round-trips exactly.
            expiration=now.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=duration),
            account=account,
            assumed_role_arn=f"arn:{role['partition']}:sts::{account}:assumed-role/{role['name']}/{session}",
            assumed_role_id=f"{role_id}:{session}",
        )
        with self._lock:
            self._issued[issued.access_key_id] = issued
        return _response("AssumeRole", (
            "<AssumedRoleUser>"
            f"<AssumedRoleId>{escape(issued.assumed_role_id)}</AssumedRoleId>"
            f"<Arn>{escape(issued.assumed_role_arn)}</Arn>"
            "</AssumedRoleUser>"
            "<Credentials>"
            f"<AccessKeyId>{issued.access_key_id}</AccessKeyId>"
            f"<SecretAccessKey>{escape(issued.secret_access_key)}</SecretAccessKey>"
            f"<SessionToken>{escape(issued.session_token)}</SessionToken>"
            f"<Expiration>{issued.expiration:%Y-%m-%dT%H:%M:%SZ}</Expiration>"
            "</Credentials>"
        ))

    def _get_caller_identity(self, access_key: str) -> bytes:
        account, user_id, arn = self._identity(access_key)
        return _response("GetCallerIdentity", (
            f"<Arn>{escape(arn)}</Arn><UserId>{escape(user_id)}</UserId><Account>{account}</Account>"
        ))

    def _identity(self, access_key: str) -> tuple[str, str, str]:
        """(account, user id, ARN) of whoever signed with ``access_key``."""
        with self._lock:
            issued = self._issued.get(access_key)
        if issued is not None:
            return issued.account, issued.assumed_role_id, issued.assumed_role_arn
        account = account_of_access_key(access_key, "")
        if account:  # temporary credentials from elsewhere: some role in that account
            return account, f"AROAUNKNOWN:{access_key}", f"arn:aws:sts::{account}:assumed-role/unknown/{access_key}"
        account = self.default_account
        return account, f"AIDA{access_key.upper()}"[:21], f"arn:aws:iam::{account}:user/{self.default_user}"


def _signature_matches(
    method: str, target: str, headers: Mapping[str, str], body: bytes, scope: re.Match[str], secret: str
) -> bool:
    signed_names = scope["signed_headers"].split(";")
    signed_headers = {name: headers.get(name, "") for name in signed_names}
    request = AWSRequest(method=method, url=f"http://{signed_headers.get('host', '')}{target}", data=body,
                         headers=signed_headers)
    request.context["timestamp"] = headers.get("x-amz-date", "")
    signer = SigV4Auth(Credentials(scope["akid"], secret), scope["service"], scope["region"])
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    return hmac.compare_digest(expected, scope["signature"])


def _response(action: str, result: str) -> bytes:
    return (
        f'<{action}Response xmlns="{_NAMESPACE}">'
        f"<{action}Result>{result}</{action}Result>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    ).encode()


def _error_xml(error: _Error) -> bytes:
    return (
        f'<ErrorResponse xmlns="{_NAMESPACE}">'
        f"<Error><Type>{error.fault}</Type><Code>{error.code}</Code><Message>{escape(error.message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId>"
        "</ErrorResponse>"
    ).encode()
