"""The one NextToken loop: a chain of pages, each asked only while the deadline holds, optionally capped."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from bot.aws.errors import DeadlineExceeded


class Tally(Protocol):
    """Where a chain counts its calls (an answer's whole count, shared by the chains that fill it)."""

    calls: int


@dataclass
class Pages:
    """Iterate to get every page of `call(**params)`, following NextToken. Raises DeadlineExceeded when the deadline
    passes before a page is asked; stops after `max_pages` pages of this chain with `capped` set."""

    call: Callable[..., dict[str, Any]]
    params: dict[str, Any]
    deadline: float  # time.monotonic()
    tally: Tally
    max_pages: int | None = None
    capped: bool = False  # stopped at max_pages with a NextToken still to follow: what was read is a lower bound
    next_key: str = "NextToken"  # the parameter and member that carry the next page (the Tagging API: PaginationToken)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        # Hand-written: ListRestoreJobSummaries has no botocore paginator, and a paginator checks no deadline.
        token: str | None = None
        read = 0
        while True:
            if time.monotonic() > self.deadline:
                raise DeadlineExceeded(f"no complete answer in time ({self.tally.calls} pages read)")
            page = self.call(**(dict(self.params, **{self.next_key: token}) if token else self.params))
            self.tally.calls += 1
            read += 1
            yield page
            token = page.get(self.next_key)
            if not token:
                return
            if self.max_pages is not None and read >= self.max_pages:
                self.capped = True
                return
