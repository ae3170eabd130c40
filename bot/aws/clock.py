"""AWS's own clock, read from the `Date` header of its answers. Which UTC day AWS has finished (and so may have
summarised) is AWS's to say: a host a few minutes ahead would otherwise ask for a day AWS is still in."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

log = logging.getLogger(__name__)

# Beyond this the host's clock is called off (check says so): the Date header has a one-second resolution.
TOLERATED_SKEW = timedelta(minutes=1)


class AwsClock:
    """The offset of AWS's clock from this host's, learned from every answer (errors included). Thread-safe."""

    def __init__(self, host_now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._host_now = host_now
        self._offset: timedelta | None = None
        self._lock = threading.Lock()

    @property
    def offset(self) -> timedelta | None:
        """AWS's clock minus this host's; None until an answer was heard."""
        with self._lock:
            return self._offset

    def now(self) -> datetime | None:
        """AWS's time now, None until an answer was heard."""
        offset = self.offset
        return None if offset is None else self._host_now() + offset

    def heard(self, date_header: str | None) -> None:
        """An answer's `Date` header (RFC 7231, whole seconds: the offset's error is under one second)."""
        if not date_header:
            return
        try:
            aws = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            return
        if aws.tzinfo is None:
            aws = aws.replace(tzinfo=UTC)
        # The header truncates to the second: the middle of that second is the best guess.
        offset = aws + timedelta(milliseconds=500) - self._host_now()
        with self._lock:
            self._offset = offset

    def listen(self, session: Any, service: str = "backup") -> None:
        """Hear the Date header of every answer of `service` to clients of this boto3 session."""
        session.events.register(f"after-call.{service}", self._after_call)

    def _after_call(self, http_response: Any = None, **_: Any) -> None:
        headers = getattr(http_response, "headers", None) or {}
        self.heard(headers.get("Date") or headers.get("date"))


def skew_note(offset: timedelta | None) -> str | None:
    """What `check` says of this host's clock against AWS's, when it is off by more than TOLERATED_SKEW."""
    if not isinstance(offset, timedelta) or abs(offset) <= TOLERATED_SKEW:
        return None
    ahead = "ahead of" if offset < timedelta(0) else "behind"
    return (f"this host's clock is {abs(offset).total_seconds():.0f} s {ahead} AWS's: the digest and alerts use AWS's "
            "and the database's clocks, but fix the host's time (NTP)")
