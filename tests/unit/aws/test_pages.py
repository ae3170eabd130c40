"""The one NextToken loop: every page followed, the deadline checked before each call, an optional page cap."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.aws.errors import DeadlineExceeded
from bot.aws.pages import Pages


@dataclass
class Tally:
    calls: int = 0


@dataclass
class Api:
    """A paged operation of `pages` pages whose token is the next page's index."""

    pages: int
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        index = int(request.get("NextToken", 0))
        page: dict[str, Any] = {"Items": [index]}
        if index + 1 < self.pages:
            page["NextToken"] = str(index + 1)
        return page


def later() -> float:
    return time.monotonic() + 60


def test_next_token_is_followed_over_many_pages() -> None:
    api, tally = Api(pages=250), Tally()
    pages = Pages(api, {"MaxResults": 500}, later(), tally)
    assert [item for page in pages for item in page["Items"]] == list(range(250))
    assert tally.calls == 250 and not pages.capped
    assert api.requests[0] == {"MaxResults": 500}  # the first call carries no token
    assert api.requests[1:] == [{"MaxResults": 500, "NextToken": str(i)} for i in range(1, 250)]


def test_the_caller_params_are_not_changed() -> None:
    params = {"State": "FAILED"}
    list(Pages(Api(pages=3), params, later(), Tally()))
    assert params == {"State": "FAILED"}


def test_an_empty_token_ends_the_chain() -> None:
    tally = Tally()
    assert len(list(Pages(lambda **_: {"NextToken": ""}, {}, later(), tally))) == 1
    assert tally.calls == 1


def test_max_pages_stops_the_chain_and_says_so() -> None:
    api, tally = Api(pages=10), Tally()
    pages = Pages(api, {}, later(), tally, max_pages=4)
    assert len(list(pages)) == 4
    assert pages.capped and tally.calls == 4 and len(api.requests) == 4


def test_a_chain_that_ends_exactly_at_max_pages_is_not_capped() -> None:
    pages = Pages(Api(pages=4), {}, later(), Tally(), max_pages=4)
    assert len(list(pages)) == 4 and not pages.capped


def test_max_pages_counts_this_chain_not_the_shared_tally() -> None:
    tally = Tally(calls=100)  # other chains of the same answer already made calls
    pages = Pages(Api(pages=3), {}, later(), tally, max_pages=5)
    assert len(list(pages)) == 3 and not pages.capped and tally.calls == 103


def test_a_repeated_token_is_sent_back_until_the_page_cap() -> None:
    # Pinned as it is: no repeated-token check (botocore's paginators raise on one); the cap or the deadline ends it.
    api, tally = (lambda **_: {"Items": [1], "NextToken": "same"}), Tally()
    pages = Pages(api, {}, later(), tally, max_pages=7)
    assert len(list(pages)) == 7 and pages.capped


def test_the_deadline_is_checked_before_each_call() -> None:
    api, tally = Api(pages=5), Tally()
    with pytest.raises(DeadlineExceeded, match=r"\(0 pages read\)"):
        list(Pages(api, {}, time.monotonic() - 1, tally))
    assert api.requests == []


def test_a_deadline_passing_mid_chain_raises_with_the_pages_read() -> None:
    api = Api(pages=5)
    pages = Pages(api, {}, later(), Tally())

    def call(**request: Any) -> dict[str, Any]:
        page = api(**request)
        if len(api.requests) == 2:
            pages.deadline = time.monotonic() - 1  # the time runs out while the second page is read
        return page

    pages.call = call
    with pytest.raises(DeadlineExceeded, match=r"\(2 pages read\)"):
        list(pages)
    assert len(api.requests) == 2
