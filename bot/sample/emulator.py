"""Loopback HTTP shell around bot.sample.backup_api: what `ask --sample` (and, subclassed, the tests) talk to.

Real boto3 clients reach it through ``endpoint_url=emulator.url`` (or the
``AWS_ENDPOINT_URL_BACKUP`` environment variable).  It speaks the service's
rest-json wire protocol for the read-only operations the bot uses:

* ``GET /audit/restore-job-summaries`` (ListRestoreJobSummaries)
* ``GET /restore-jobs/`` (ListRestoreJobs)
* ``GET /restore-testing/plans`` (ListRestoreTestingPlans)
* ``GET /restore-testing/plans/{name}`` (GetRestoreTestingPlan)
* ``GET /restore-testing/plans/{name}/selections`` (ListRestoreTestingSelections)
* ``GET /resources/``, ``/resources/{arn}``, ``/resources/{arn}/restore-jobs/`` (ListProtectedResources,
  DescribeProtectedResource, ListRestoreJobsByProtectedResource)
* ``POST /`` signed for ``sts`` (GetCallerIdentity) or ``organizations`` (DescribeOrganization): who the caller is
  (bot.sample.api_identity), reached through ``AWS_ENDPOINT_URL_STS`` / ``AWS_ENDPOINT_URL_ORGANIZATIONS``
* ``POST /`` signed for ``organizations``: ListRoots, ListAccounts, ListOrganizationalUnitsForParent, ListChildren
  and ListAccountsForParent over ``organization`` (bot.sample.api_organizations), for the management account

The region of a request is taken from its SigV4 credential scope, exactly as
a regional endpoint would imply it, so one emulator stands in for every
region at once.  The calling account is taken from the scope's access key:
``ASIA`` + 12 digits + anything (the temporary keys the tests' STS fake
issues for an assumed role) is that account, any other key is
``caller_account``.  Only the signature's shape is checked.  Every request passes
through :meth:`BackupEmulator.handle`, which a subclass may wrap (the tests'
fake adds faults, recording and signature verification there).
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import re
import socket
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.sample.api_identity import (
    DESCRIBE_ORGANIZATION_TARGET,
    MEMBER_MANAGEMENT,
    caller_identity_xml,
    describe_organization,
)
from bot.sample.api_model import RESTORE_JOBS_PATH, SUMMARIES_PATH, TESTING_PLANS_PATH, ApiError, Forward
from bot.sample.api_organizations import ORGANIZATIONS_TARGET_PREFIX, OrganizationsApi, SampleOrganization, denied
from bot.sample.api_resources import RESOURCES_PATH
from bot.sample.backup_api import BackupApi
from bot.sample.records import DailyCount, RestoreJob, RestoreTestingPlan, RestoreTestingSelection
from bot.sample.wire import Request, Response, account_of_access_key, error_response, parse_authorization

__all__ = ["BackupEmulator"]

_PLAN_PATH_RE: Final = re.compile(rf"^{re.escape(TESTING_PLANS_PATH)}/(?P<name>[^/]+)(?P<selections>/selections)?/?$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # ThreadingMixIn would otherwise join every handler thread on close, and a
    # keep-alive client (botocore's pool) can hold one open indefinitely.
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: BackupEmulator, backlog: int) -> None:
        self.emulator = emulator
        self.request_queue_size = backlog  # read by server_activate(), inside super().__init__
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
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        split = urlsplit(self.path)
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), value)
        request = Request(
            method=self.command,
            target=self.path,
            path=split.path,
            params=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=headers,
            body=body,
        )
        self._write(self.server.emulator.handle(request))

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _write(self, response: Response) -> None:
        payload = response.raw if response.raw is not None else json.dumps(response.body, separators=(",", ":")).encode()
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            if response.status >= 400:
                self.send_header("x-amzn-ErrorType", str(response.body.get("__type", "")))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            # The client gave up (read timeout during a slow answer) or stop()
            # cut the connection; either way there is nobody left to answer.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and `ask --sample` must stay quiet

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, from the emulated service's clock (which the tests move) rather than the host's."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        now = self.server.emulator.api.clock()
        return email.utils.format_datetime((now.replace(tzinfo=UTC) if now.tzinfo is None else now).astimezone(UTC),
                                           usegmt=True)


class BackupEmulator:
    """An in-process HTTP server that answers like the AWS Backup API for every region at once.

    ``backlog`` is the listen queue (http.server's default is 5; a burst of
    new connections beyond it gets SYNs dropped and retried a second later).
    """

    def __init__(
        self,
        counts: Iterable[DailyCount] = (),
        jobs: Iterable[RestoreJob] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        backlog: int = 5,
        **api: Any,
    ) -> None:
        """`counts`, `jobs` and `api` (plans, selections, caller_account, org_admin, page_size, now): BackupApi's."""
        self.api = BackupApi(counts, jobs, **api)
        self.host = host
        self.port = port
        self.backlog = backlog
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # The organisation's management account; None: the caller's own when it is the admin, else another one's.
        self.management_account: str | None = None
        self.organizations_denied = False  # DescribeOrganization refused (the bot's role lacks the permission)
        # The organisation its management account may list (bot.sample.api_organizations); None: listing is refused.
        self.organization: SampleOrganization | None = None

    # ----------------------------------------------------------------- what is served, and to whom

    counts: Forward[tuple[DailyCount, ...]] = Forward("api")
    jobs: Forward[tuple[RestoreJob, ...]] = Forward("api")
    plans: Forward[tuple[RestoreTestingPlan, ...]] = Forward("api")
    selections: Forward[tuple[RestoreTestingSelection, ...]] = Forward("api")
    caller_account: Forward[str] = Forward("api")
    org_admin: Forward[bool] = Forward("api")
    page_size: Forward[int] = Forward("api")

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> BackupEmulator:
        with self._lock:
            if self._server is not None:
                return self
            server = _Server((self.host, self.port), self, self.backlog)
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

    # ----------------------------------------------------------------- requests

    def handle(self, request: Request) -> Response:
        """Answer one request (called on the server's handler thread); override to wrap every request."""
        try:
            scope = parse_authorization(request.header("Authorization"))
            region, params = scope.region, request.params
            caller = account_of_access_key(scope.access_key, self.api.caller_account)
            if scope.service == "tagging":  # the Resource Groups Tagging API: protected resources' tags
                return Response(200, self.api.route_tagging(region, caller, request.header("X-Amz-Target"), request.body))
            if scope.service != "backup":
                return self._identity(scope.service, request, caller)
            if request.method == "GET":
                if request.path == SUMMARIES_PATH:
                    return Response(200, self.api.list_restore_job_summaries(region, params, caller))
                if request.path in (RESTORE_JOBS_PATH, RESTORE_JOBS_PATH.rstrip("/")):
                    return Response(200, self.api.list_restore_jobs(region, params, caller))
                if request.path in (TESTING_PLANS_PATH, TESTING_PLANS_PATH + "/"):
                    return Response(200, self.api.list_restore_testing_plans(region, caller, params))
                plan_path = _PLAN_PATH_RE.match(request.path)
                if plan_path is not None:
                    # botocore percent-encodes the name in the path; the service matches the decoded name.
                    name = unquote(plan_path["name"])
                    if plan_path["selections"]:
                        return Response(200, self.api.list_restore_testing_selections(region, caller, name, params))
                    return Response(200, self.api.get_restore_testing_plan(region, caller, name))
                if request.path.startswith(RESOURCES_PATH.rstrip("/")):
                    return Response(200, self.api.route_resources(region, caller, request.path, params))
            raise ApiError(404, "UnknownOperationException", f"No operation for {request.method} {request.path}")
        except ApiError as error:
            return error_response(error)

    def _identity(self, service: str, request: Request, caller: str) -> Response:
        if service == "sts" and request.method == "POST" and b"Action=GetCallerIdentity" in request.body:
            return Response(200, {}, raw=caller_identity_xml(caller), content_type="text/xml")
        if service == "organizations" and request.header("X-Amz-Target") == DESCRIBE_ORGANIZATION_TARGET:
            if self.organizations_denied:
                raise ApiError(400, "AccessDeniedException", "You don't have permissions to access this resource.")
            admin = self.api.org_admin and caller == self.api.caller_account
            return Response(200, describe_organization(
                self.management_account or (self.api.caller_account if admin else MEMBER_MANAGEMENT)))
        target = request.header("X-Amz-Target") or ""
        if service == "organizations" and target.startswith(ORGANIZATIONS_TARGET_PREFIX):
            return self._organizations(target.removeprefix(ORGANIZATIONS_TARGET_PREFIX), request, caller)
        raise ApiError(404, "UnknownOperationException", f"No {service} operation for {request.method} {request.path}")

    def _organizations(self, operation: str, request: Request, caller: str) -> Response:
        """Organizations' listing operations, for the management account only (a member is refused, like AWS)."""
        admin = self.api.org_admin and caller == self.api.caller_account
        if self.organizations_denied or not admin or self.organization is None:
            raise denied()
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise ApiError(400, "SerializationException", "The request body is not JSON") from None
        api = OrganizationsApi(self.organization, self.management_account or caller, self.api.page_size)
        return Response(200, api.answer(operation, body if isinstance(body, dict) else {}),
                        content_type="application/x-amz-json-1.1")
