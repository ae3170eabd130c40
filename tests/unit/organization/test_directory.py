"""The directory's keeping: read once and kept, again daily, again for an unknown name at most once a minute, a good
read kept through failures for a while and then let go; failures become words and the actions to grant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from bot.aws.errors import DeadlineExceeded
from bot.domain.organization import OrgAccount, Organization, OrgUnit, Unavailable
from bot.organization.directory import (
    MAX_STALE_SECONDS,
    REFRESH_SECONDS,
    RETRY_SECONDS,
    UNKNOWN_SECONDS,
    OrganizationDirectory,
    describe_failure,
)
from bot.organization.probe import directory_probe
from bot.organization.read import ACTIONS, Calls

ROOT, PROD = "r-ab12", "ou-ab12-prod0001"


def session() -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id="k", aws_secret_access_key="s",
                                 region_name="us-east-1")


def org(*accounts: tuple[str, str]) -> Organization:
    members = {i: OrgAccount(i, name, "ACTIVE", PROD) for i, name in accounts}
    return Organization("o-ab12cd34", None, members, {ROOT: OrgUnit(ROOT, "Root", None),
                                                      PROD: OrgUnit(PROD, "Production", ROOT)})


def refused(code: str = "AccessDeniedException") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "no"}}, "ListAccounts")


class Reader:
    """Answers in turn: an Organization, or an exception to raise."""

    def __init__(self, *answers: Organization | BaseException) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, client: Callable[[], Any], tally: Calls) -> Organization:
        self.calls += 1
        tally.calls += 3
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            tally.action = "organizations:ListAccounts"
            raise answer
        return answer


def at_once(work: Callable[[], object]) -> None:
    work()


def directory(reader: Reader, now: list[float]) -> OrganizationDirectory:
    return OrganizationDirectory(session, clock=lambda: now[0], reader=reader, background=at_once)


def test_read_once_kept_and_read_again_a_day_later() -> None:
    now = [0.0]
    reader = Reader(org(("111111111111", "a")), org(("111111111111", "a"), ("222222222222", "b")))
    found = directory(reader, now)
    assert found.names().label("111111111111").startswith("a · ")
    assert found.active_accounts() == {"111111111111"}
    now[0] = REFRESH_SECONDS - 1
    assert found.active_accounts() == {"111111111111"} and reader.calls == 1
    now[0] = REFRESH_SECONDS
    assert found.active_accounts() == {"111111111111", "222222222222"} and reader.calls == 2
    assert found.last_calls == found.kept_calls == 3


def test_an_unknown_id_or_name_reads_again_at_most_once_a_minute() -> None:
    now = [0.0]
    reader = Reader(org(("111111111111", "a")), org(("111111111111", "a"), ("222222222222", "b")))
    found = directory(reader, now)
    assert found.names(["111111111111"]).name("222222222222") is None and reader.calls == 1  # all known: no read
    # An unknown id reads again in the background: this answer shows the id, the next one the name.
    assert found.names(["222222222222"]).name("222222222222") is None and reader.calls == 2
    assert found.names(["222222222222"]).name("222222222222") == "b" and reader.calls == 2
    for _ in range(5):  # a typo, again and again
        match = found.find_account("bb")
        assert not isinstance(match, Unavailable) and match.found == ()
    assert reader.calls == 2
    now[0] = UNKNOWN_SECONDS
    found.find_unit("Prod")
    assert reader.calls == 3


def test_a_lookup_short_of_time_reads_again_in_the_background() -> None:
    started: list[Callable[[], object]] = []
    reader = Reader(org(("111111111111", "a")), org(("111111111111", "a"), ("222222222222", "b")))
    found = OrganizationDirectory(session, clock=lambda: 0.0, reader=reader, background=started.append)
    match = found.find_account("b", wait=False)
    assert not isinstance(match, Unavailable) and match.found == () and reader.calls == 1 and len(started) == 1
    started[0]()
    match = found.find_account("b", wait=False)
    assert not isinstance(match, Unavailable) and match.unique is not None and match.unique.id == "222222222222"


def test_the_read_for_an_unknown_id_does_not_hold_up_the_answer() -> None:
    release = threading.Event()
    threads: list[threading.Thread] = []

    class Held(Reader):
        def __call__(self, client: Callable[[], Any], tally: Calls) -> Organization:
            if self.calls == 1:
                assert release.wait(10)
            return super().__call__(client, tally)

    def on_a_thread(work: Callable[[], object]) -> None:
        threads.append(threading.Thread(target=work))
        threads[-1].start()

    reader = Held(org(("111111111111", "a")), org(("111111111111", "a"), ("222222222222", "b")))
    found = OrganizationDirectory(session, clock=lambda: 0.0, reader=reader, background=on_a_thread)
    assert found.names(["222222222222"]).name("222222222222") is None  # answered while the read is held
    assert len(threads) == 1 and threads[0].is_alive()
    release.set()
    threads[0].join(10)
    assert found.names().name("222222222222") == "b"


def test_a_lookup_waiting_for_a_read_under_way_uses_it_rather_than_reading_again() -> None:
    release, entered = threading.Event(), threading.Event()

    class Held(Reader):
        def __call__(self, client: Callable[[], Any], tally: Calls) -> Organization:
            if self.calls == 1:
                entered.set()
                assert release.wait(10)
            return super().__call__(client, tally)

    reader = Held(org(("111111111111", "a")), org(("111111111111", "a"), ("222222222222", "b")))
    found = directory(reader, [0.0])
    assert found.current() is not None
    reading = threading.Thread(target=found.refresh)
    reading.start()
    assert entered.wait(10)
    looked_up: list[object] = []
    looking = threading.Thread(target=lambda: looked_up.append(found.find_account("b")))
    looking.start()
    release.set()
    reading.join(10)
    looking.join(10)
    [match] = looked_up
    assert not isinstance(match, Unavailable) and match.unique is not None and match.unique.id == "222222222222"
    assert reader.calls == 2


def test_without_permission_everything_is_ids_and_the_reason() -> None:
    now = [0.0]
    reader = Reader(refused())
    found = directory(reader, now)
    assert found.current() is None
    problem = found.unavailable()
    assert problem is not None and problem.grant == ACTIONS
    assert "organizations:ListAccounts" in problem.reason and "member account" in problem.reason
    assert found.names(["111111111111"]).label("111111111111") == "111111111111"
    assert found.find_account("a") == problem and found.find_unit(PROD) == problem
    assert found.accounts_under(PROD) == problem
    assert found.active_accounts() is None
    assert reader.calls == 1  # the lookups above did not read again before RETRY_SECONDS
    now[0] = RETRY_SECONDS
    found.current()
    assert reader.calls == 2
    [(fine, words)] = directory_probe(found)
    assert not fine and ", ".join(ACTIONS) in words


def test_a_good_read_is_kept_through_failures_then_let_go() -> None:
    now = [0.0]
    reader = Reader(org(("111111111111", "a")), refused("TooManyRequestsException"))
    found = directory(reader, now)
    assert found.current() is not None
    now[0] = REFRESH_SECONDS
    assert found.current() is not None  # the read failed: the good one is kept
    assert found.problem is not None and "throttled" in found.problem.reason
    lines = directory_probe(found)
    assert [fine for fine, _ in lines] == [False, True] and "earlier read" in lines[1][1]
    now[0] = MAX_STALE_SECONDS + 1
    assert found.current() is None
    assert found.accounts_under(PROD) == found.problem  # an OU scope is refused, never widened


def test_an_ou_scope_needs_an_ou_id_and_a_known_ou() -> None:
    now = [0.0]
    found = directory(Reader(org(("111111111111", "a"))), now)
    assert found.accounts_under(PROD) == {"111111111111"}
    assert isinstance(found.accounts_under("Production"), Unavailable)
    unknown = found.accounts_under("ou-ab12-gone0000")
    assert isinstance(unknown, Unavailable) and "ou-ab12-gone0000" in unknown.reason


def test_only_the_first_read_is_waited_for() -> None:
    now = [0.0]
    gate, entered = threading.Event(), threading.Event()
    first = org(("111111111111", "a"))

    class Slow(Reader):
        def __call__(self, client: Callable[[], Any], tally: Calls) -> Organization:
            if self.calls == 1:  # the second read waits until the test lets it go
                entered.set()
                gate.wait(10)
            return super().__call__(client, tally)

    found = directory(Slow(first, org(("222222222222", "b"))), now)
    assert found.current() is first
    now[0] = REFRESH_SECONDS
    reading = threading.Thread(target=found.current)
    reading.start()
    assert entered.wait(10)
    assert found.current() is first  # another caller uses what is kept while one reads
    gate.set()
    reading.join(10)
    assert set(found.current().accounts) == {"222222222222"}  # type: ignore[union-attr]


@pytest.mark.parametrize(("error", "words", "grant"), [
    (refused("AWSOrganizationsNotInUseException"), "belongs to no AWS organisation", ()),
    (refused("AccessDeniedException"), "refused organizations:ListAccounts (AccessDeniedException)", ACTIONS),
    (refused("TooManyRequestsException"), "throttled organizations:ListAccounts", ()),
    (refused("ServiceException"), "organizations:ListAccounts failed (ServiceException)", ()),
    (DeadlineExceeded("late"), "not read in time (organizations:ListAccounts, 3 calls)", ()),
    (EndpointConnectionError(endpoint_url="https://organizations.us-east-1.amazonaws.com"),
     "failed (EndpointConnectionError)", ()),
    (RuntimeError("secret-ish detail"), "failed (unexpected RuntimeError)", ()),
])
def test_failures_in_words(error: BaseException, words: str, grant: tuple[str, ...]) -> None:
    problem = describe_failure(error, Calls(3, "organizations:ListAccounts"))
    assert words in problem.reason and problem.grant == grant
    assert "secret-ish" not in problem.describe()
