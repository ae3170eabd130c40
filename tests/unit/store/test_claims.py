"""A claim's owner: readable (host and pid) for the operator looking at the table, bounded in length, and different
for every process start and every call, even on the same host with the same pid."""

from __future__ import annotations

import os
import re
from unittest.mock import patch

from bot.store.claims import new_owner

OWNER_RE = re.compile(r"\A(?P<host>[^:]*):(?P<pid>[0-9]+):(?P<random>[0-9a-f]{8})\Z")


def test_the_owner_names_the_host_and_process() -> None:
    with patch("bot.store.claims.socket.gethostname", return_value="worker-7"):
        owner = new_owner()
    match = OWNER_RE.match(owner)
    assert match and match["host"] == "worker-7" and match["pid"] == str(os.getpid())


def test_a_long_host_name_is_cut_so_the_owner_stays_short() -> None:
    with patch("bot.store.claims.socket.gethostname", return_value="h" * 300):
        owner = new_owner()
    match = OWNER_RE.match(owner)
    assert match and match["host"] == "h" * 30
    assert len(owner) <= 30 + 1 + len(str(2**22)) + 1 + 8  # pid_max is at most 2**22 on Linux


def test_every_call_is_another_owner() -> None:
    # A restarted process may get the same pid: the random part tells its claims from the dead one's.
    owners = {new_owner() for _ in range(200)}
    assert len(owners) == 200
