"""Child process for `ack_latency --loadgen-process`: fires pre-signed requests, prints the acks as JSON.

Reads {"url", "timeout", "requests": [[key, body, headers], ...]} on stdin. Imports only the standard
library and bench.common's sender (which pulls no fakes into play: they are not started here).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from bench.common import fire


def main() -> int:
    job = json.load(sys.stdin)
    prepared = [(key, body.encode(), headers) for key, body, headers in job["requests"]]
    acks = fire(job["url"], prepared, timeout=float(job["timeout"]))
    json.dump([asdict(a) for a in acks], sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
