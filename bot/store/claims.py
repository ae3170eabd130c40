"""The words of a claim, shared by every table that hands out the right to post once (the digest ledger, the alert
outbox and threads): who holds it, and when it is taken to belong to a process that died."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Column, Date, DateTime, String

# A claim older than this belongs to a process that died between claim and post (the database's clock decides).
STALE_AFTER = timedelta(minutes=10)


def claim_columns() -> list[Column[Any]]:
    """The columns of a claim on one channel's day (the digest's post, the alerts' thread): which, its status, who
    holds it and since when (the database's clock). New columns for each table that has them."""
    return [
        Column("channel", String(32), nullable=False),
        Column("day", Date, nullable=False),
        Column("status", String(16), nullable=False),
        Column("owner", String(64), nullable=False),
        Column("claimed_at", DateTime(timezone=True), nullable=False),
    ]


def new_owner() -> str:
    """A claim's owner: the host and process (for the operator reading the table) and a random part (a restarted
    process with the same pid is another owner)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
