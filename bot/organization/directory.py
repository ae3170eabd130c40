"""The organisation directory: who each account is (name, state, OU path) and which accounts each OU holds, read
from AWS Organizations (bot.organization.read), kept in the process and read again daily, and sooner when a name or id
it does not know is met (at most once per UNKNOWN_SECONDS, so a typo cannot hammer Organizations).

Failing soft: from a member account, or without the `organizations:` actions, every lookup says the directory is
Unavailable (with the reason and the actions to grant) and the bot goes on with ids; nothing here raises. A read that
fails after a good one keeps the good one up to MAX_STALE_SECONDS (two days), then lets go of it (an OU scope is then
refused, never widened, by whoever asked)."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bot.aws.clock import AwsClock
from bot.aws.errors import DeadlineExceeded
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.organization import OU_ID_RE, ROOT_ID_RE, AccountMatch, Organization, Unavailable, UnitMatch
from bot.organization.read import ACTIONS, PAGE_SIZE, Calls, read_organization

if TYPE_CHECKING:
    from bot.aws.client import BackupService

log = logging.getLogger(__name__)
M = TypeVar("M", AccountMatch, UnitMatch)

REFRESH_SECONDS: Final = 24 * 3600.0  # accounts and OUs change rarely; a move is seen within a day (or at once by name)
RETRY_SECONDS: Final = 300.0  # a read that failed is tried again after this
UNKNOWN_SECONDS: Final = 60.0  # the least time between two reads started by an unknown name or id
# A good read kept through failed ones for this long, no longer: an OU scope is never older than two daily reads.
MAX_STALE_SECONDS: Final = 2 * REFRESH_SECONDS


@dataclass(frozen=True)
class Timing:
    """When the directory reads again (seconds of its monotonic clock)."""

    refresh: float = REFRESH_SECONDS
    retry: float = RETRY_SECONDS
    unknown: float = UNKNOWN_SECONDS
    max_stale: float = MAX_STALE_SECONDS
ORGANIZATIONS_CONFIG: Final = Config(retries={"mode": "adaptive", "max_attempts": 5}, connect_timeout=3, read_timeout=10,
                                     user_agent_extra="restores-bot")
_DENIED: Final = ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation")
_THROTTLED: Final = ("TooManyRequestsException", "ThrottlingException", "Throttling")


class OrganizationDirectory:
    """The organisation as last read, thread-safe. `clock`: monotonic seconds, for the ages kept in this process only
    (what is compared across machines, `Organization.read_at`, is AWS's clock from the answers' Date headers)."""

    def __init__(
        self,
        session_factory: Callable[[], boto3.session.Session] = boto3.session.Session,
        *,
        endpoint_url: str | None = None,
        config: Config = ORGANIZATIONS_CONFIG,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], float] = time.monotonic,
        timing: Timing = Timing(),
        reader: Callable[[Callable[[], Any], Calls], Organization] | None = None,
        background: Callable[[Callable[[], object]], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._endpoint_url = endpoint_url
        self._config = config
        self._clock = clock
        self._timing = timing
        # A reader is given the way to make the Organizations client (tests give their own reader and make none).
        self._reader = reader or (lambda client, tally: read_organization(client(), page_size=page_size, tally=tally))
        # Where a read for an unknown id runs: a thread of its own (tests run it at once).
        self._background = background or _thread
        self.aws_clock = AwsClock()
        self._heard: weakref.WeakSet[boto3.session.Session] = weakref.WeakSet()
        self._state = threading.Lock()  # guards the fields below; held only briefly
        self._reading = threading.Lock()  # one read at a time
        self._organization: Organization | None = None
        self._problem: Unavailable | None = None
        self._read_at: float | None = None  # monotonic time of the good read kept
        self._next_read: float | None = None  # None: never tried
        self._last_unknown: float | None = None
        self._names: tuple[Organization | None, AccountNames] = (None, NO_NAMES)  # of the organisation kept
        self.reads = 0  # reads attempted in this process
        self.last_calls = 0  # AWS calls of the latest read
        self.kept_calls = 0  # AWS calls of the read kept

    # ------------------------------------------------------------------ what it knows

    def current(self) -> Organization | None:
        """The organisation (read now when due); None when it could not be read."""
        self._ensure()
        with self._state:
            return self._organization

    @property
    def problem(self) -> Unavailable | None:
        """Why the latest read failed (even when an older good read is still kept); None after a good read."""
        with self._state:
            return self._problem

    def unavailable(self) -> Unavailable | None:
        """Why there is no organisation to answer from (None: there is one). Reads when due."""
        return None if self.current() is not None else self._why()

    def _why(self) -> Unavailable:
        return self.problem or Unavailable("the organisation has not been read yet", ACTIONS)

    def names(self, accounts: Iterable[str] = ()) -> AccountNames:
        """Account names, for showing ids as people know them; empty when the directory is unavailable (the ids alone
        are shown). An id among `accounts` the directory does not know reads the organisation again in the background
        (rate-limited): the answer showing it is not held up, the next one has its name."""
        organization = self.current()
        if organization is None:
            return NO_NAMES
        if any(a not in organization.accounts for a in accounts) and self._unknown_allowed():
            self._background(lambda: self._reread(organization))
        with self._state:
            if self._names[0] is not organization:  # made once a read: 1,000 names are cleaned once, not per answer
                self._names = (organization, AccountNames(organization.names(), organization.unit_paths()))
            return self._names[1]

    def active_accounts(self) -> frozenset[str] | None:
        """Every account that may be polled (suspended and closed ones left out); None when unavailable."""
        organization = self.current()
        return None if organization is None else organization.active_accounts()

    def find_account(self, text: str, *, wait: bool = True) -> AccountMatch | Unavailable:
        """An account by name (case-insensitive, exact) or id. An unknown one reads the organisation again
        (rate-limited) before it is called unknown, with the close names; `wait=False`: that read runs in the
        background and this answer says unknown (an answer short of time)."""
        return self._lookup(lambda o: o.find_account(text), wait)

    def find_unit(self, text: str, *, wait: bool = True) -> UnitMatch | Unavailable:
        """An OU by name (case-insensitive, exact; several of one name: all) or by id (`ou-…`, or a root's `r-…`);
        unknown: as find_account."""
        return self._lookup(lambda o: o.find_unit(text), wait)

    def accounts_under(self, unit: str, *, active_only: bool = False) -> frozenset[str] | Unavailable:
        """The accounts in OU `unit` (its id, `ou-…`, or a root's `r-…`) and the OUs nested under it; Unavailable when
        the directory is (an OU scope is then refused, never widened) or when the OU is unknown even after reading
        again."""
        if not (OU_ID_RE.match(unit) or ROOT_ID_RE.match(unit)):
            return Unavailable(f"{unit!r} is not an organisational unit id (ou-…)")
        found = self.find_unit(unit)
        if isinstance(found, Unavailable):
            return found
        if found.unique is None:
            return Unavailable(f"no organisational unit {unit} in the organisation")
        organization = self.current()
        assert organization is not None  # find_unit found it there
        return organization.accounts_under(found.unique.id, active_only=active_only)

    def refresh(self) -> Organization | None:
        """Read the organisation now, whatever its age (`check`, tests); the organisation kept afterwards."""
        with self._reading:
            self._read()
        with self._state:
            return self._organization

    # ------------------------------------------------------------------ reading

    def _lookup(self, find: Callable[[Organization], M], wait: bool) -> M | Unavailable:
        organization = self.current()
        if organization is None:
            return self._why()
        match = find(organization)
        if match.found or not self._unknown_allowed():
            return match
        if not wait:
            self._background(lambda: self._reread(organization))
            return match
        again = self._reread(organization)
        return find(again) if again is not None else match

    def _reread(self, seen: Organization) -> Organization | None:
        """A read for something `seen` did not know: none if another read replaced `seen` meanwhile."""
        with self._reading:
            with self._state:
                replaced = self._organization is not seen
            if not replaced:
                self._read()
        with self._state:
            return self._organization

    def _unknown_allowed(self) -> bool:
        """Whether a read for something unknown may start now (and if so, it counts as started)."""
        now = self._clock()
        with self._state:
            if self._last_unknown is not None and now - self._last_unknown < self._timing.unknown:
                return False
            self._last_unknown = now
            return True

    def _due(self, now: float) -> bool:
        return self._next_read is None or now >= self._next_read

    def _ensure(self) -> None:
        with self._state:
            if not self._due(self._clock()):
                return
            first = self._organization is None
        # Only the first read is waited for; later ones run in one caller while the others use what is kept.
        if not self._reading.acquire(blocking=first):
            return
        try:
            with self._state:
                due = self._due(self._clock())
            if due:
                self._read()
        finally:
            self._reading.release()

    def _read(self) -> None:
        """One read, with `_reading` held: the organisation kept, or the problem noted."""
        tally = Calls()
        try:
            organization = self._reader(self._client, tally)
        except Exception as error:  # failing soft: every lookup says why, check names what to grant
            self._failed(describe_failure(error, tally), tally)
            return
        read_at = self.aws_clock.now()
        if read_at is not None:
            organization = replace(organization, read_at=read_at)
        now = self._clock()
        with self._state:
            self._organization, self._problem, self._read_at = organization, None, now
            self._next_read = now + self._timing.refresh
            self.reads += 1
            self.last_calls = self.kept_calls = tally.calls
        log.info("organisation read: %d accounts, %d OUs, %d calls", len(organization.accounts),
                 len(organization.units), tally.calls)

    def _client(self) -> Any:
        """A client for each read (a day apart: credentials as they are now), its answers heard by aws_clock."""
        session = self._session_factory()
        if session not in self._heard:  # the bot's own session is handed out again: listen to it once
            self._heard.add(session)
            self.aws_clock.listen(session, "organizations")
        # Organizations is global: its endpoint is the partition's whatever the region (us-east-1 for aws).
        kwargs: dict[str, Any] = {"region_name": session.region_name or "us-east-1", "config": self._config}
        if self._endpoint_url:
            kwargs["endpoint_url"] = self._endpoint_url
        return session.client("organizations", **kwargs)

    def _failed(self, problem: Unavailable, tally: Calls) -> None:
        now = self._clock()
        with self._state:
            self._problem = problem
            self._next_read = now + self._timing.retry
            if self._read_at is not None and now - self._read_at > self._timing.max_stale:
                self._organization, self._read_at = None, None
            self.reads += 1
            self.last_calls = tally.calls
        log.warning("organisation not read (%s after %d calls): %s", tally.action or "session", tally.calls,
                    problem.reason)


def _thread(work: Callable[[], object]) -> None:
    threading.Thread(target=work, name="organization-read", daemon=True).start()


def directory_for(backup: BackupService) -> OrganizationDirectory:
    """The directory on the bot's own AWS session and endpoint (the sample's emulator with `--sample`; otherwise AWS, or
    AWS_ENDPOINT_URL_ORGANIZATIONS), as bot.aws.testing assumes roles from it."""
    return OrganizationDirectory(backup.session, endpoint_url=backup.endpoint_url)


def describe_failure(error: BaseException, tally: Calls) -> Unavailable:
    """A failed read as words an operator can act on; the IAM actions to grant when AWS refused one."""
    action = tally.action or "organizations:DescribeOrganization"
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code") or "Unknown")
        if code == "AWSOrganizationsNotInUseException":
            return Unavailable("the bot's account belongs to no AWS organisation: accounts are shown by id", in_use=False)
        if code in _DENIED:
            return Unavailable(f"AWS Organizations refused {action} ({code}): the bot runs in a member account, or its "
                               "role lacks the permission", ACTIONS)
        if code in _THROTTLED:
            return Unavailable(f"AWS Organizations throttled {action} ({code}); the read is tried again in "
                               f"{RETRY_SECONDS / 60:.0f} minutes")
        return Unavailable(f"{action} failed ({code})")
    if isinstance(error, DeadlineExceeded):
        return Unavailable(f"the organisation was not read in time ({action}, {tally.calls} calls)")
    if isinstance(error, BotoCoreError):
        return Unavailable(f"{action} failed ({type(error).__name__})")
    return Unavailable(f"{action} failed (unexpected {type(error).__name__})")
