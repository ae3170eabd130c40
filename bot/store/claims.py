"""The words of a claim, shared by every table that hands out the right to post once (the digest ledger, the alert
outbox and threads): who holds it, and when it is taken to belong to a process that died."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

# A claim older than this belongs to a process that died between claim and post (the database's clock decides).
STALE_AFTER = timedelta(minutes=10)


def new_owner() -> str:
    """A claim's owner: the host and process (for the operator reading the table) and a random part (a restarted
    process with the same pid is another owner)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
