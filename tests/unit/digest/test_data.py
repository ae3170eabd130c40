"""The digest's data: which day a digest is about."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.digest.data import digest_day

pytestmark = pytest.mark.dates


def test_digest_day_is_yesterday_in_utc(now: datetime, day: date) -> None:
    assert digest_day(now) == day
