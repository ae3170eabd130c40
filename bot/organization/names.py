"""Account names for what the bot shows, best effort: an answer, digest or alert waits at most `wait` seconds for the
organisation directory and otherwise shows ids (the read goes on in the background; the next answer has the names).
Never raises: a directory that fails or is slow costs a rendering its names, never the rendering."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import replace
from typing import Final

from bot.domain.accounts import AT_ROOT, NO_NAMES, AccountNames
from bot.domain.organization import Organization
from bot.organization.directory import OrganizationDirectory

log = logging.getLogger(__name__)

SERVING_WAIT: Final = 2.0  # seconds an answer in Slack waits for the directory's first read (a read is ~1 call a page)
CLI_WAIT: Final = 15.0  # a person at a terminal: one read, waited for (a refusal comes back at once)


class NameSource:
    """`names(ids)` for the renderers: AccountNames from the directory, with each account's top-level OU (By OU)."""

    def __init__(self, directory: OrganizationDirectory, *, wait: float = SERVING_WAIT) -> None:
        self.directory = directory
        self.wait = wait
        self._lock = threading.Lock()
        self._reading: threading.Event | None = None  # set when the read in flight is over
        self._kept: tuple[AccountNames, AccountNames] = (NO_NAMES, NO_NAMES)  # the directory's names, with tops

    def __call__(self, accounts: Iterable[str] = ()) -> AccountNames:
        wanted = tuple(accounts)
        got: list[AccountNames] = []
        with self._lock:
            pending = self._reading if self._reading is not None and not self._reading.is_set() else None
            if pending is None:
                pending = self._reading = threading.Event()
                threading.Thread(target=self._read, args=(wanted, got, pending), name="account-names",
                                 daemon=True).start()
            else:
                got = []  # a read already in flight: wait for it, then use what it kept
        if not pending.wait(self.wait):
            log.info("account names not ready in %.1f s: ids shown", self.wait)
            return NO_NAMES
        return got[0] if got else self._kept[1]

    def _read(self, accounts: tuple[str, ...], got: list[AccountNames], done: threading.Event) -> None:
        try:
            names = self.directory.names(accounts)
            got.append(self._with_tops(names) if names else NO_NAMES)
        except Exception:  # names are helper data: never an answer's end
            log.warning("account names not read", exc_info=True)
        finally:
            done.set()

    def _with_tops(self, names: AccountNames) -> AccountNames:
        with self._lock:
            if self._kept[0] is names:
                return self._kept[1]
        organization = self.directory.current()
        full = replace(names, tops=top_units(organization)) if organization is not None else names
        with self._lock:
            self._kept = (names, full)
        return full


def top_units(organization: Organization) -> dict[str, str]:
    """Each placed account's top-level OU name (the first OU under its root), AT_ROOT for one at a root."""
    tops: dict[str, str] = {}
    for account in organization.accounts.values():
        if account.parent is None or account.parent not in organization.units:
            continue  # not placed by the read: unknown, not "(root)"
        path = organization.path(account.id)
        tops[account.id] = path[0].name if path else AT_ROOT
    return tops
