"""Loopback AWS Backup emulator: serves the bundled sample data for `ask --sample` and the tests' fake endpoint.

Real boto3 clients talk to it through ``endpoint_url=emulator.url`` (or the
``AWS_ENDPOINT_URL_BACKUP`` environment variable).  It speaks the same
rest-json wire protocol as the service for the two read-only operations the
bot uses:

* ``GET /audit/restore-job-summaries`` (ListRestoreJobSummaries)
* ``GET /restore-jobs/`` (ListRestoreJobs)

The region of a request is taken from its SigV4 credential scope, exactly as
a regional endpoint would imply it, so one emulator can stand in for every
region at once.  Faults (errors, throttling, latency) can be injected per
region to exercise the bot's degraded paths.

Only the standard library is needed; botocore is imported lazily and only
when signature verification is switched on via ``credentials=``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "AGGREGATION_PERIODS",
    "JOB_STATUSES",
    "SUMMARY_STATES",
    "BackupEmulator",
    "DailyCount",
    "Fault",
    "RecordedRequest",
    "RestoreJob",
    "access_denied",
    "slow",
    "throttling",
    "unavailable",
]

# Values straight from the botocore service model (`backup` 2018-11-15).
SUMMARY_STATES: Final = ("CREATED", "PENDING", "RUNNING", "ABORTED", "COMPLETED", "FAILED", "AGGREGATE_ALL", "ANY")
JOB_STATUSES: Final = ("PENDING", "RUNNING", "COMPLETED", "ABORTED", "FAILED")
AGGREGATION_PERIODS: Final = ("ONE_DAY", "SEVEN_DAYS", "FOURTEEN_DAYS")
ANY: Final = "ANY"
AGGREGATE_ALL: Final = "AGGREGATE_ALL"

# The service's real default AggregationPeriod is undocumented; SEVEN_DAYS is
# the conservative guess and is echoed back so callers can see what was used.
DEFAULT_AGGREGATION_PERIOD: Final = "SEVEN_DAYS"
SUMMARIES_PATH: Final = "/audit/restore-job-summaries"
RESTORE_JOBS_PATH: Final = "/restore-jobs/"

_RESOURCE_TYPE_RE: Final = re.compile(r"^[a-zA-Z0-9\-\_\.]{1,50}$")
_ACCOUNT_ID_RE: Final = re.compile(r"^[0-9]{12}$")
_SIGV4_RE: Final = re.compile(
    r"^AWS4-HMAC-SHA256\s+"
    r"Credential=(?P<akid>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<signed_headers>[a-z0-9;\-]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
_SUMMARIES_MAX_RESULTS: Final = 500  # the API docs say 1..500 (the model says 1000)
_JOBS_MAX_RESULTS: Final = 1000


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class DailyCount:
    """Number of restore jobs created on one UTC day for one (region, account, state, resource type)."""

    region: str
    account_id: str
    state: str
    resource_type: str
    day: date
    count: int


@dataclass(frozen=True)
class RestoreJob:
    """One restore job as returned by ListRestoreJobs (used for drill-down)."""

    region: str
    account_id: str
    job_id: str
    status: str  # PENDING | RUNNING | COMPLETED | ABORTED | FAILED
    resource_type: str
    created: datetime  # timezone-aware UTC
    status_message: str = ""
    recovery_point_arn: str = ""
    created_resource_arn: str = ""
    source_resource_arn: str = ""
    restore_testing_plan_arn: str | None = None
    validation_status: str | None = None
    validation_status_message: str | None = None
    completion: datetime | None = None


@dataclass
class Fault:
    """A misbehaviour injected for one region.

    ``status >= 400`` makes the emulator answer with an error of
    ``error_type``; otherwise only ``latency`` applies and the answer is healthy.
    ``times=None`` affects every request, ``times=N`` only the next N.
    """

    status: int = 503
    error_type: str = "ServiceUnavailableException"
    message: str = "Service is unavailable"
    latency: float = 0.0
    times: int | None = None
    # Only requests whose path starts with this (e.g. "/restore-jobs/") are affected; None: every operation.
    path_prefix: str | None = None

    @property
    def is_error(self) -> bool:
        return self.status >= 400


def throttling(**overrides: Any) -> Fault:
    """The error AWS returns when the per-account request rate is exceeded (retryable by botocore)."""
    return replace(Fault(status=400, error_type="ThrottlingException", message="Rate exceeded"), **overrides)


def access_denied(**overrides: Any) -> Fault:
    """The error an IAM role without backup:ListRestoreJobSummaries gets (not retryable)."""
    return replace(
        Fault(
            status=403,
            error_type="AccessDeniedException",
            message=(
                "User: arn:aws:sts::111122223333:assumed-role/bot/x is not authorized to perform: "
                "backup:ListRestoreJobSummaries"
            ),
        ),
        **overrides,
    )


def unavailable(**overrides: Any) -> Fault:
    """A regional outage: 503 ServiceUnavailableException (retryable by botocore)."""
    return replace(Fault(), **overrides)


def slow(seconds: float, **overrides: Any) -> Fault:
    """A healthy but slow region: answers correctly after ``seconds``."""
    return replace(Fault(status=200, error_type="", message="", latency=seconds), **overrides)


@dataclass(frozen=True)
class RecordedRequest:
    """What the emulator saw, so tests can assert on fan-out, retries and signing."""

    region: str  # "" when the request carried no usable SigV4 scope
    method: str
    path: str
    params: dict[str, str]
    signed: bool
    time: float  # time.monotonic() at arrival, so deltas measure retry back-off
    status: int = 0  # HTTP status the emulator answered with


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Response:
    status: int
    body: dict[str, Any]


class _ApiError(Exception):
    """Raised anywhere in request handling to short-circuit into an AWS-style error response."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message

    def to_response(self) -> _Response:
        return _Response(
            self.status,
            {
                # botocore reads the code from x-amzn-ErrorType first, then from
                # these keys; sending all of them matches what the service does.
                "__type": self.error_type,
                "Code": self.error_type,
                "Message": self.message,
                "Type": "Server" if self.status >= 500 else "User",
            },
        )


def _invalid(parameter: str, value: str, expectation: str) -> _ApiError:
    message = f"Invalid value '{value}' for parameter {parameter}: {expectation}"
    return _ApiError(400, "InvalidParameterValueException", message)


@dataclass(frozen=True)
class _SigV4:
    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


@dataclass
class _ActiveFault:
    fault: Fault
    remaining: int | None  # private copy, so the caller's Fault object is never mutated


def _epoch(value: datetime) -> float | int:
    # rest-json bodies carry timestamps as epoch seconds; whole seconds stay
    # integers so the JSON looks like what the service sends.
    seconds = value.timestamp()
    return int(seconds) if seconds.is_integer() else seconds


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _parse_timestamp(parameter: str, raw: str) -> datetime:
    # botocore serialises querystring timestamps as ISO 8601 ("...Z"); accept
    # epoch seconds too because hand-written clients sometimes send those.
    try:
        parsed = datetime.fromtimestamp(float(raw), UTC)
    except (ValueError, OverflowError, OSError):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise _invalid(parameter, raw, "expected an ISO 8601 timestamp") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parse_int(parameter: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(parameter, raw, f"must be an integer between {low} and {high}") from None
    if not low <= value <= high:
        raise _invalid(parameter, raw, f"must be an integer between {low} and {high}")
    return value


def _parse_sigv4(header: str | None) -> _SigV4:
    if not header:
        raise _ApiError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    match = _SIGV4_RE.match(header.strip())
    if match is None:
        raise _ApiError(
            403,
            "IncompleteSignatureException",
            "Authorization header is not a well-formed AWS Signature Version 4 header "
            "(expected 'AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/backup/aws4_request, "
            "SignedHeaders=..., Signature=...').",
        )
    if match["service"] != "backup":
        raise _ApiError(
            403,
            "IncompleteSignatureException",
            f"Credential should be scoped to correct service: 'backup', not '{match['service']}'.",
        )
    return _SigV4(
        access_key=match["akid"],
        date=match["date"],
        region=match["region"],
        service=match["service"],
        signed_headers=tuple(match["signed_headers"].split(";")),
        signature=match["signature"],
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # ThreadingMixIn would otherwise join every handler thread on close, and a
    # keep-alive client (botocore's pool) can hold one open indefinitely.
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: BackupEmulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints tracebacks to stderr by default; connection resets
        # during stop() or client timeouts are expected and must stay quiet.
        pass

    def drop_connections(self) -> None:
        # Wakes handler threads blocked reading the next keep-alive request so
        # stop() does not leave them lingering until the client hangs up.
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so botocore's connection pool can reuse sockets (we always send Content-Length).
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, the body waits
    # for the client's delayed ACK (~40 ms per request on Linux).
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self.server.emulator._serve(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and `ask --sample` must stay quiet


# --------------------------------------------------------------------------- emulator


class BackupEmulator:
    """An in-process HTTP server that answers like the AWS Backup API for every region at once."""

    def __init__(
        self,
        counts: Iterable[DailyCount] = (),
        jobs: Iterable[RestoreJob] = (),
        *,
        caller_account: str = "111122223333",
        org_admin: bool = True,
        page_size: int = 4,
        now: Callable[[], datetime] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        self.caller_account = caller_account
        self.org_admin = org_admin
        self.page_size = page_size
        self.host = host
        self.port = port
        self._now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.set_now(now)
        self._credentials: dict[str, str] | None = dict(credentials) if credentials is not None else None
        self._lock = threading.RLock()
        self._counts: tuple[DailyCount, ...] = tuple(counts)
        self._jobs: tuple[RestoreJob, ...] = tuple(jobs)
        self._faults: dict[str, _ActiveFault] = {}
        self.requests: list[RecordedRequest] = []
        # Per-instance key: a token from another emulator (or a forged one) is rejected.
        self._token_key = secrets.token_bytes(32)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> BackupEmulator:
        with self._lock:
            if self._server is not None:
                return self
            self._stopping.clear()
            server = _Server((self.host, self.port), self)
            thread = threading.Thread(
                # A short poll interval keeps stop() prompt; the cost is negligible idle wake-ups.
                target=server.serve_forever,
                kwargs={"poll_interval": 0.01},
                name=f"backup-emulator:{server.server_address[1]}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        self._stopping.set()  # interrupts injected latency sleeps
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> BackupEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        server = self._server
        if server is None:
            raise RuntimeError("BackupEmulator is not started; call start() or use it as a context manager")
        host, port = server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ----------------------------------------------------------------- data and faults

    @property
    def counts(self) -> tuple[DailyCount, ...]:
        return self._counts

    @property
    def jobs(self) -> tuple[RestoreJob, ...]:
        return self._jobs

    def load(self, counts: Iterable[DailyCount] | None = None, jobs: Iterable[RestoreJob] | None = None) -> None:
        """Replace the served data; an argument left as None keeps the current data."""
        with self._lock:
            if counts is not None:
                self._counts = tuple(counts)
            if jobs is not None:
                self._jobs = tuple(jobs)

    def set_now(self, now: Callable[[], datetime] | datetime | None) -> None:
        """Move the emulator's clock: a fixed datetime, a callable, or None for the wall clock."""
        if now is None:
            self._now = lambda: datetime.now(UTC)
        elif isinstance(now, datetime):
            fixed = now
            self._now = lambda: fixed
        else:
            self._now = now

    def set_fault(self, region: str, fault: Fault | None) -> None:
        """Inject ``fault`` for ``region`` (``"*"`` = every region without its own fault); None removes it."""
        with self._lock:
            if fault is None:
                self._faults.pop(region, None)
            else:
                self._faults[region] = _ActiveFault(fault, fault.times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """Forget recorded requests and faults (data stays loaded)."""
        with self._lock:
            self._faults.clear()
            self.requests.clear()

    def calls(self, path_prefix: str | None = None, region: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (path_prefix is None or r.path.startswith(path_prefix)) and (region is None or r.region == region)
            ]

    def _take_fault(self, region: str, path: str) -> Fault | None:
        with self._lock:
            key = region if region in self._faults else "*"
            active = self._faults.get(key)
            if active is None:
                return None
            if active.fault.path_prefix is not None and not path.startswith(active.fault.path_prefix):
                return None
            if active.remaining is not None:
                active.remaining -= 1
                if active.remaining <= 0:
                    del self._faults[key]
            return active.fault

    def _today(self) -> date:
        now = self._now()
        # A naive `now` is taken as UTC, matching how the service buckets days.
        return (now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)).date()

    # ----------------------------------------------------------------- HTTP plumbing

    def _serve(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        split = urlsplit(handler.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        arrived = time.monotonic()
        region = ""
        signed = False
        try:
            auth = _parse_sigv4(handler.headers.get("Authorization"))
            region, signed = auth.region, True
            if self._credentials is not None:
                self._verify_signature(handler, auth, body)
            fault = self._take_fault(region, split.path)
            if fault is not None:
                if fault.latency > 0:
                    self._stopping.wait(fault.latency)
                if fault.is_error:
                    raise _ApiError(fault.status, fault.error_type, fault.message)
            response = self._route(handler.command, split.path, region, params)
        except _ApiError as error:
            response = error.to_response()
        # Record before answering: the client may assert on calls() the moment it has the response.
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    region=region,
                    method=handler.command,
                    path=split.path,
                    params=params,
                    signed=signed,
                    time=arrived,
                    status=response.status,
                )
            )
        self._write(handler, response)

    @staticmethod
    def _write(handler: _Handler, response: _Response) -> None:
        payload = json.dumps(response.body, separators=(",", ":")).encode()
        try:
            handler.send_response(response.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            if response.status >= 400:
                handler.send_header("x-amzn-ErrorType", str(response.body.get("__type", "")))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            # The client gave up (read timeout during injected latency) or stop()
            # cut the connection; either way there is nobody left to answer.
            handler.close_connection = True

    def _route(self, method: str, path: str, region: str, params: dict[str, str]) -> _Response:
        if method == "GET" and path == SUMMARIES_PATH:
            return _Response(200, self._list_restore_job_summaries(region, params))
        if method == "GET" and path in (RESTORE_JOBS_PATH, RESTORE_JOBS_PATH.rstrip("/")):
            return _Response(200, self._list_restore_jobs(region, params))
        raise _ApiError(404, "UnknownOperationException", f"No operation for {method} {path}")

    def _verify_signature(self, handler: _Handler, auth: _SigV4, body: bytes) -> None:
        # botocore is imported lazily so the emulator stays stdlib-only unless
        # verification is explicitly requested.
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        assert self._credentials is not None
        secret = self._credentials.get(auth.access_key)
        if secret is None:
            raise _ApiError(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
        amz_date = handler.headers.get("X-Amz-Date", "")
        if not amz_date.startswith(auth.date):
            raise _ApiError(403, "InvalidSignatureException", "Date in Credential scope does not match X-Amz-Date.")
        headers = {name: handler.headers.get(name, "") for name in auth.signed_headers}
        url = f"http://{headers.get('host', '')}{handler.path}"
        request = AWSRequest(method=handler.command, url=url, data=body, headers=headers)
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(auth.access_key, secret), auth.service, auth.region)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected, auth.signature):
            raise _ApiError(
                403,
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method.",
            )

    # ----------------------------------------------------------------- pagination tokens

    def _query_digest(self, operation: str, region: str, params: Mapping[str, str], paging_keys: tuple[str, ...]) -> str:
        # A token is bound to the query that produced it, so replaying it with
        # other filters is rejected the way the service rejects it.
        query = {k: v for k, v in sorted(params.items()) if k not in paging_keys}
        material = json.dumps([operation, region, query], separators=(",", ":")).encode()
        return hashlib.sha256(material).hexdigest()[:16]

    def _issue_token(self, offset: int, digest: str) -> str:
        payload = json.dumps({"o": offset, "q": digest}, separators=(",", ":")).encode()
        mac = hmac.new(self._token_key, payload, hashlib.sha256).digest()[:16]
        return f"{base64.urlsafe_b64encode(payload).decode()}.{base64.urlsafe_b64encode(mac).decode()}"

    def _redeem_token(self, parameter: str, token: str, digest: str) -> int:
        try:
            encoded_payload, encoded_mac = token.split(".")
            payload = base64.urlsafe_b64decode(encoded_payload.encode())
            mac = base64.urlsafe_b64decode(encoded_mac.encode())
            valid = hmac.compare_digest(mac, hmac.new(self._token_key, payload, hashlib.sha256).digest()[:16])
            decoded = json.loads(payload) if valid else None
        except (ValueError, TypeError):
            decoded = None
        if not isinstance(decoded, dict) or not isinstance(decoded.get("o"), int) or decoded["o"] < 0:
            raise _invalid(parameter, token, "not a pagination token issued by this service")
        if decoded.get("q") != digest:
            raise _invalid(parameter, token, "the token was issued for a different query; repeat the original parameters")
        return int(decoded["o"])

    def _page(
        self,
        rows: list[dict[str, Any]],
        params: Mapping[str, str],
        token_param: str,
        requested: int | None,
        digest: str,
    ) -> tuple[list[dict[str, Any]], str | None]:
        token = params.get(token_param)
        offset = self._redeem_token(token_param, token, digest) if token is not None else 0
        size = min(requested if requested is not None else 1000, self.page_size)
        page = rows[offset : offset + size]
        after = offset + size
        return page, (self._issue_token(after, digest) if after < len(rows) else None)

    # ----------------------------------------------------------------- ListRestoreJobSummaries

    def _list_restore_job_summaries(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        state = params.get("State", ANY)
        if state not in SUMMARY_STATES:
            raise _invalid("State", state, f"must be one of {', '.join(SUMMARY_STATES)}")
        period = params.get("AggregationPeriod", DEFAULT_AGGREGATION_PERIOD)
        if period not in AGGREGATION_PERIODS:
            raise _invalid("AggregationPeriod", period, f"must be one of {', '.join(AGGREGATION_PERIODS)}")
        resource_type = params.get("ResourceType", ANY)
        if not _RESOURCE_TYPE_RE.match(resource_type):
            raise _invalid(
                "ResourceType", resource_type, "must match ^[a-zA-Z0-9\\-\\_\\.]{1,50}$, or be ANY or AGGREGATE_ALL"
            )
        account_param = params.get("AccountId")
        special_account = account_param in (ANY, AGGREGATE_ALL)
        if account_param is not None and not special_account and not _ACCOUNT_ID_RE.match(account_param):
            raise _invalid("AccountId", account_param, "must be a 12-digit account ID, ANY or AGGREGATE_ALL")
        max_results = None
        if "MaxResults" in params:
            max_results = _parse_int("MaxResults", params["MaxResults"], 1, _SUMMARIES_MAX_RESULTS)
        digest = self._query_digest("ListRestoreJobSummaries", region, params, ("MaxResults", "NextToken"))

        today = self._today()
        if period == "ONE_DAY":
            windows = [(today - timedelta(days=14 - i), today - timedelta(days=13 - i)) for i in range(14)]
        elif period == "SEVEN_DAYS":
            windows = [(today - timedelta(days=7), today)]
        else:
            windows = [(today - timedelta(days=14), today)]
        first_day, last_day = windows[0][0], windows[-1][1]

        visible_accounts = self._visible_accounts(account_param)

        totals: dict[tuple[date, str, str, str], int] = {}
        for count in self._counts:
            if count.region != region or not first_day <= count.day < last_day:
                continue
            if visible_accounts is not None and count.account_id not in visible_accounts:
                continue
            if state not in (ANY, AGGREGATE_ALL) and count.state != state:
                continue
            if resource_type not in (ANY, AGGREGATE_ALL) and count.resource_type != resource_type:
                continue
            window_start = next(start for start, end in windows if start <= count.day < end)
            key = (
                window_start,
                AGGREGATE_ALL if account_param == AGGREGATE_ALL else count.account_id,
                AGGREGATE_ALL if state == AGGREGATE_ALL else count.state,
                AGGREGATE_ALL if resource_type == AGGREGATE_ALL else count.resource_type,
            )
            totals[key] = totals.get(key, 0) + count.count

        window_end = dict(windows)
        rows = [
            {
                "Region": region,
                "AccountId": account,
                "State": row_state,
                "ResourceType": row_type,
                "Count": total,
                "StartTime": _epoch(_midnight(start)),
                "EndTime": _epoch(_midnight(window_end[start])),
            }
            for (start, account, row_state, row_type), total in sorted(totals.items())
            if total != 0  # the service omits empty groups
        ]
        page, next_token = self._page(rows, params, "NextToken", max_results, digest)
        body: dict[str, Any] = {"RestoreJobSummaries": page, "AggregationPeriod": period}
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    def _visible_accounts(self, account_param: str | None) -> set[str] | None:
        """Accounts whose jobs the caller may count; None means every account."""
        if account_param is None:
            return {self.caller_account}
        if account_param in (ANY, AGGREGATE_ALL):
            # A member account asking for the organisation silently gets only its own jobs.
            return None if self.org_admin else {self.caller_account}
        if self.org_admin or account_param == self.caller_account:
            return {account_param}
        return set()

    # ----------------------------------------------------------------- ListRestoreJobs

    def _list_restore_jobs(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        status = params.get("status")
        if status is not None and status not in JOB_STATUSES:
            raise _invalid("status", status, f"must be one of {', '.join(JOB_STATUSES)}")
        account = params.get("accountId", self.caller_account)
        if not _ACCOUNT_ID_RE.match(account):
            raise _invalid("accountId", account, "must be a 12-digit account ID")
        resource_type = params.get("resourceType")
        if resource_type is not None and not _RESOURCE_TYPE_RE.match(resource_type):
            raise _invalid("resourceType", resource_type, "must match ^[a-zA-Z0-9\\-\\_\\.]{1,50}$")
        bounds = {
            name: _parse_timestamp(name, params[name])
            for name in ("createdBefore", "createdAfter", "completeBefore", "completeAfter")
            if name in params
        }
        max_results = None
        if "maxResults" in params:
            max_results = _parse_int("maxResults", params["maxResults"], 1, _JOBS_MAX_RESULTS)
        plan_arn = params.get("restoreTestingPlanArn")
        parent_job = params.get("parentJobId")
        digest = self._query_digest("ListRestoreJobs", region, params, ("maxResults", "nextToken"))

        def wanted(job: RestoreJob) -> bool:
            # "After" bounds are inclusive and "Before" bounds exclusive so that
            # consecutive day windows [00:00, next 00:00) never double count.
            if job.region != region or job.account_id != account:
                return False
            if status is not None and job.status != status:
                return False
            if resource_type is not None and job.resource_type != resource_type:
                return False
            if plan_arn is not None and job.restore_testing_plan_arn != plan_arn:
                return False
            if parent_job is not None:
                return False  # restore jobs here never have parents
            if "createdAfter" in bounds and job.created < bounds["createdAfter"]:
                return False
            if "createdBefore" in bounds and job.created >= bounds["createdBefore"]:
                return False
            if "completeAfter" not in bounds and "completeBefore" not in bounds:
                return True
            # Completion bounds exclude jobs that have not completed yet.
            if job.completion is None:
                return False
            if "completeAfter" in bounds and job.completion < bounds["completeAfter"]:
                return False
            return not ("completeBefore" in bounds and job.completion >= bounds["completeBefore"])

        # Newest first, like the console and the service.
        matching = sorted((j for j in self._jobs if wanted(j)), key=lambda j: (-j.created.timestamp(), j.job_id))
        rows = [self._job_row(job) for job in matching]
        page, next_token = self._page(rows, params, "nextToken", max_results, digest)
        body: dict[str, Any] = {"RestoreJobs": page}
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    @staticmethod
    def _job_row(job: RestoreJob) -> dict[str, Any]:
        # The service omits absent members rather than sending nulls or "".
        row: dict[str, Any] = {
            "AccountId": job.account_id,
            "RestoreJobId": job.job_id,
            "CreationDate": _epoch(job.created),
            "Status": job.status,
            "ResourceType": job.resource_type,
        }
        optional: dict[str, Any] = {
            "RecoveryPointArn": job.recovery_point_arn,
            "SourceResourceArn": job.source_resource_arn,
            "CreatedResourceArn": job.created_resource_arn,
            "StatusMessage": job.status_message,
            "CompletionDate": _epoch(job.completion) if job.completion is not None else None,
            "CreatedBy": ({"RestoreTestingPlanArn": job.restore_testing_plan_arn} if job.restore_testing_plan_arn else None),
            "ValidationStatus": job.validation_status,
            "ValidationStatusMessage": job.validation_status_message,
        }
        row.update({k: v for k, v in optional.items() if v not in (None, "")})
        return row
