"""Loopback fake of the two APIs that tell which regions an account has enabled: account:ListRegions (rest-json,
paginated) and ec2:DescribeRegions (the EC2 query protocol, XML). boto3 reaches it through AWS_ENDPOINT_URL_ACCOUNT
and AWS_ENDPOINT_URL_EC2; shapes and paths follow botocore's service models."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request")


class FakeRegions:
    """`enabled`: region -> opt-in status (ENABLED, ENABLED_BY_DEFAULT, DISABLED, ...). `deny` names the APIs
    that answer AccessDenied ("account", "ec2"). `page_size` splits ListRegions into pages."""

    def __init__(self, enabled: dict[str, str], *, deny: tuple[str, ...] = (), page_size: int = 2) -> None:
        self.enabled = dict(enabled)
        self.deny = set(deny)
        self.page_size = page_size
        self.calls: list[tuple[str, str]] = []  # (service, operation)
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakeRegions:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                scope = _SCOPE.search(self.headers.get("Authorization", ""))
                if scope is None:
                    return self._send(403, "application/json", json.dumps({"__type": "MissingAuthenticationTokenException"}))
                service = scope["service"]
                if service == "account" and self.path == "/listRegions":
                    fake.calls.append(("account", "ListRegions"))
                    if "account" in fake.deny:
                        return self._send(403, "application/json", json.dumps(
                            {"__type": "AccessDeniedException", "message": "not authorized: account:ListRegions"}),
                            {"x-amzn-ErrorType": "AccessDeniedException"})
                    return self._send(200, "application/json", json.dumps(fake._list_regions(json.loads(body or b"{}"))))
                if service == "ec2":
                    params = dict(parse_qsl(body.decode()))
                    fake.calls.append(("ec2", params.get("Action", "")))
                    if "ec2" in fake.deny:
                        return self._send(403, "text/xml", "<Response><Errors><Error><Code>UnauthorizedOperation</Code>"
                                          "<Message>denied</Message></Error></Errors><RequestID>x</RequestID></Response>")
                    return self._send(200, "text/xml", fake._describe_regions())
                return self._send(404, "application/json", json.dumps({"__type": "UnknownOperationException"}))

            def _send(self, status: int, content_type: str, text: str, headers: dict[str, str] | None = None) -> None:
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _list_regions(self, request: dict[str, Any]) -> dict[str, Any]:
        wanted = set(request.get("RegionOptStatusContains") or [])
        rows = [{"RegionName": r, "RegionOptStatus": s} for r, s in sorted(self.enabled.items()) if not wanted or s in wanted]
        start = int(request.get("NextToken") or 0)
        page: dict[str, Any] = {"Regions": rows[start:start + self.page_size]}
        if start + self.page_size < len(rows):
            page["NextToken"] = str(start + self.page_size)
        return page

    def _describe_regions(self) -> str:
        items = "".join(
            f"<item><regionName>{escape(r)}</regionName><regionEndpoint>ec2.{escape(r)}.amazonaws.com</regionEndpoint>"
            f"<optInStatus>{escape(s.lower().replace('_', '-'))}</optInStatus></item>"
            for r, s in sorted(self.enabled.items()) if s != "DISABLED"
        )
        return (f'<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>x</requestId>'
                f"<regionInfo>{items}</regionInfo></DescribeRegionsResponse>")
