"""The tests' AWS Backup fake and the pytest helpers for talking to it with real boto3 clients.

``FakeBackup`` (also importable as ``BackupEmulator``, the name the tests use) is the product's loopback
emulator (bot.sample.emulator) plus what only tests need: injected faults, a record of every request, and
optional SigV4 signature verification.

Expose the fixture to a test module with ``pytest_plugins = ["tests.fakes.aws"]``
in the root ``tests/conftest.py`` (or ``from tests.fakes.aws import aws_backup``).
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from bot.sample import emulator as product
from bot.sample import wire
from bot.sample.api_model import ApiError
from bot.sample.records import DailyCount, RestoreJob, RestoreTestingPlan, RestoreTestingSelection

__all__ = [
    "BackupEmulator",
    "FakeBackup",
    "Fault",
    "RecordedRequest",
    "access_denied",
    "aws_backup",
    "backup_client",
    "expected_sum",
    "multi_page_counts",
    "slow",
    "throttling",
    "unavailable",
]


# --------------------------------------------------------------------------- faults


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


@dataclass
class _ActiveFault:
    fault: Fault
    remaining: int | None  # private copy, so the caller's Fault object is never mutated


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


# --------------------------------------------------------------------------- the fake


class FakeBackup(product.BackupEmulator):
    """The loopback emulator with fault injection, request recording and (with ``credentials=``, a map of
    access key to secret) SigV4 signature verification; every other knob is BackupEmulator's."""

    def __init__(
        self,
        counts: Iterable[DailyCount] = (),
        jobs: Iterable[RestoreJob] = (),
        *,
        credentials: Mapping[str, str] | None = None,
        **knobs: Any,
    ) -> None:
        super().__init__(counts, jobs, **knobs)
        self._credentials: dict[str, str] | None = dict(credentials) if credentials is not None else None
        self._faults: dict[str, _ActiveFault] = {}
        self._record_lock = threading.Lock()
        self._stopping = threading.Event()  # interrupts injected latency sleeps
        self.requests: list[RecordedRequest] = []

    def start(self) -> FakeBackup:
        self._stopping.clear()
        super().start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        super().stop()

    def __enter__(self) -> FakeBackup:
        return self.start()

    # ----------------------------------------------------------------- data and clock

    def load(
        self,
        counts: Iterable[DailyCount] | None = None,
        jobs: Iterable[RestoreJob] | None = None,
        plans: Iterable[RestoreTestingPlan] | None = None,
        selections: Iterable[RestoreTestingSelection] | None = None,
    ) -> None:
        """Replace the served data; an argument left as None keeps the current data."""
        self.api.load(counts, jobs, plans, selections)

    def set_now(self, now: Callable[[], datetime] | datetime | None) -> None:
        """Move the emulator's clock: a fixed datetime, a callable, or None for the wall clock."""
        self.api.set_now(now)

    def set_clock_offset(self, offset: timedelta) -> None:
        """AWS's clock runs `offset` from the host's (negative: the host is ahead): its Date header and the day its
        summaries end on (ONE_DAY buckets up to AWS's yesterday) both follow it."""
        self.api.set_now(lambda: datetime.now(UTC) + offset)

    # ----------------------------------------------------------------- faults and the record

    def set_fault(self, region: str, fault: Fault | None) -> None:
        """Inject ``fault`` for ``region`` (``"*"`` = every region without its own fault); None removes it."""
        with self._record_lock:
            if fault is None:
                self._faults.pop(region, None)
            else:
                self._faults[region] = _ActiveFault(fault, fault.times)

    def clear_faults(self) -> None:
        with self._record_lock:
            self._faults.clear()

    def reset(self) -> None:
        """Forget recorded requests and faults (data stays loaded)."""
        with self._record_lock:
            self._faults.clear()
            self.requests.clear()

    def calls(self, path_prefix: str | None = None, region: str | None = None) -> list[RecordedRequest]:
        with self._record_lock:
            return [
                r
                for r in self.requests
                if (path_prefix is None or r.path.startswith(path_prefix)) and (region is None or r.region == region)
            ]

    def _take_fault(self, region: str, path: str) -> Fault | None:
        with self._record_lock:
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

    # ----------------------------------------------------------------- the hook

    def handle(self, request: wire.Request) -> wire.Response:
        arrived = time.monotonic()
        try:
            scope: wire.CredentialScope | None = wire.parse_authorization(request.header("Authorization"))
        except ApiError:
            scope = None  # the product answers that one
        response = None
        if scope is not None:
            try:
                if self._credentials is not None:
                    self._verify_signature(request, scope)
                # Faults are AWS Backup's: who the caller is (sts, organizations) answers unless a test says otherwise.
                fault = self._take_fault(scope.region, request.path) if scope.service == "backup" else None
                if fault is not None:
                    if fault.latency > 0:
                        self._stopping.wait(fault.latency)
                    if fault.is_error:
                        raise ApiError(fault.status, fault.error_type, fault.message)
            except ApiError as error:
                response = wire.error_response(error)
        if response is None:
            response = super().handle(request)
        # Record before answering: the client may assert on calls() the moment it has the response.
        with self._record_lock:
            self.requests.append(
                RecordedRequest(
                    region=scope.region if scope is not None else "",
                    method=request.method,
                    path=request.path,
                    params=request.params,
                    signed=scope is not None,
                    time=arrived,
                    status=response.status,
                )
            )
        return response

    def _verify_signature(self, request: wire.Request, scope: wire.CredentialScope) -> None:
        assert self._credentials is not None
        secret = self._credentials.get(scope.access_key)
        if secret is None:
            raise ApiError(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
        amz_date = request.header("X-Amz-Date") or ""
        if not amz_date.startswith(scope.date):
            raise ApiError(403, "InvalidSignatureException", "Date in Credential scope does not match X-Amz-Date.")
        headers = {name: request.header(name) or "" for name in scope.signed_headers}
        url = f"http://{headers.get('host', '')}{request.target}"
        signed = AWSRequest(method=request.method, url=url, data=request.body, headers=headers)
        signed.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(scope.access_key, secret), scope.service, scope.region)
        canonical = signer.canonical_request(signed)
        expected = signer.signature(signer.string_to_sign(signed, canonical), signed)
        if not hmac.compare_digest(expected, scope.signature):
            raise ApiError(
                403,
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method.",
            )


BackupEmulator = FakeBackup  # the name the tests have always imported


# --------------------------------------------------------------------------- boto3 plumbing


# Variables that could make a test leak out to a real account or pick up a
# developer's settings; removed for the duration of every test using the fixture.
_LEAKY_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CA_BUNDLE",
)


@pytest.fixture
def aws_backup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeBackup]:
    """A started, empty emulator that any boto3 ``backup`` client created in the test will reach.

    Load data with ``aws_backup.load(counts=..., jobs=...)`` and pin the clock
    with ``aws_backup.set_now(...)``; both can be done after the client exists.
    """
    config_dir = tmp_path / "aws"
    config_dir.mkdir()
    (config_dir / "config").write_text("")
    (config_dir / "credentials").write_text("")
    for name in _LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    with FakeBackup() as emulator:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BACKUP", emulator.url)
        # Who the caller is (bot.aws.identity) is answered by the same emulator, never by AWS.
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emulator.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", emulator.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config_dir / "config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(config_dir / "credentials"))
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        # boto3's module-level session caches credentials/config from whatever
        # environment first created it; start each test from a fresh one.
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", _fresh_session())
        yield emulator


# Parsing botocore's JSON data files dominates client creation (~40 ms); the
# loader only caches that immutable data, so sharing it across tests is safe.
_SHARED_LOADER = botocore.loaders.create_loader()


def _fresh_session() -> boto3.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", _SHARED_LOADER)
    session = boto3.Session(botocore_session=core)
    # boto3 appends its own data directory to the loader on every Session.
    paths = _SHARED_LOADER.search_paths
    paths[:] = list(dict.fromkeys(paths))
    return session


def backup_client(emulator: FakeBackup, region: str, *, attempts: int | None = None, **config: Any) -> Any:
    """A real boto3 ``backup`` client pointed at ``emulator`` and signed for ``region``.

    ``attempts`` is the total number of requests botocore may make (standard
    retry mode); ``attempts=1`` disables retries so injected faults surface
    as-is.  Beware: ``Config(retries={"max_attempts": n})`` counts *retries*,
    so ``max_attempts=1`` still makes two requests; ``total_max_attempts``
    (used here) counts the initial request too.
    """
    if attempts is not None:
        config.setdefault("retries", {"mode": "standard", "total_max_attempts": attempts})
    return boto3.client(
        "backup",
        region_name=region,
        endpoint_url=emulator.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(**config) if config else None,
    )


def multi_page_counts(
    regions: Sequence[str],
    accounts: Sequence[str],
    types: Sequence[str],
    days: int,
    today: date,
) -> list[DailyCount]:
    """A dense, deterministic data set (days 1..``days`` before ``today``) that needs many pages.

    Some combinations deliberately get a zero count, so tests also cover the
    service's habit of omitting empty groups.
    """
    counts: list[DailyCount] = []
    for r, region in enumerate(regions):
        for a, account in enumerate(accounts):
            for t, resource_type in enumerate(types):
                for d in range(1, days + 1):
                    for s, state in enumerate(("COMPLETED", "FAILED", "ABORTED")):
                        value = (r * 7 + a * 5 + t * 3 + d * 2 + s * 11) % (9 - s * 3)
                        day = today - timedelta(days=d)
                        counts.append(DailyCount(region, account, state, resource_type, day, value))
    return counts


def expected_sum(
    counts: Iterable[DailyCount],
    *,
    region: str | None = None,
    account_id: str | None = None,
    accounts: Iterable[str] | None = None,
    state: str | None = None,
    resource_type: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> int:
    """Sum counts matching every given filter; ``start`` is inclusive, ``end`` exclusive.

    Written as a plain loop on purpose: it must not share logic with the emulator it checks.
    """
    allowed_accounts = set(accounts) if accounts is not None else None
    total = 0
    for count in counts:
        if region is not None and count.region != region:
            continue
        if account_id is not None and count.account_id != account_id:
            continue
        if allowed_accounts is not None and count.account_id not in allowed_accounts:
            continue
        if state is not None and count.state != state:
            continue
        if resource_type is not None and count.resource_type != resource_type:
            continue
        if start is not None and count.day < start:
            continue
        if end is not None and count.day >= end:
            continue
        total += count.count
    return total
