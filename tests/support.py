"""Helpers shared by the test modules: import them from here, never from conftest or another test module."""

from __future__ import annotations

import time
from pathlib import Path
from datetime import UTC, datetime, timedelta

# A test's expected figures and the bot's windows must come from the same UTC day. No test takes this long;
# starting one this close to midnight waits the boundary out instead of straddling it.
MIDNIGHT_MARGIN = timedelta(minutes=3)


def settled_now(margin: timedelta = MIDNIGHT_MARGIN) -> datetime:
    """The wall clock's now (the clock the bot, its subprocesses and the emulator read; CI also runs the suite with
    it shifted by libfaketime), never within `margin` of the next UTC midnight."""
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    if midnight - now < margin:
        time.sleep((midnight - now).total_seconds() + 1)
        now = datetime.now(UTC)
    return now


REPO = Path(__file__).resolve().parent.parent
