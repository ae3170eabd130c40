"""The summary cache in process: a bot started with a TTL answers an identical query without AWS, never keeps a failed
region's answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from tests.fakes.aws import BackupEmulator, access_denied, expected_sum
from tests.fakes.slack import FakeSlack
from tests.support import E2E_REGIONS, SUMMARIES, AppBot, blocks_text, load_dataset, totals_field

pytestmark = pytest.mark.dates


def test_identical_queries_within_the_ttl_make_no_aws_call(launch_app_bot: Callable[..., AppBot],
                                                           fakes: tuple[BackupEmulator, FakeSlack], today: date) -> None:
    emulator, _ = fakes
    emulator.page_size = 1  # every planned chain several pages long
    counts = load_dataset(emulator, today)
    cached = launch_app_bot(RESTORES_CACHE_TTL="300")
    first = cached.ask("failed 7d account:ANY")
    calls = len(emulator.calls(SUMMARIES))
    assert calls >= 3 * len(E2E_REGIONS)
    second = cached.ask("FAILED 7D account:any")  # the same query, typed differently
    assert len(emulator.calls(SUMMARIES)) == calls
    assert totals_field(second) == totals_field(first)
    expected = expected_sum(counts, state="FAILED", start=today - timedelta(days=7), end=today)
    assert f"*{expected:,} failed restore jobs*" in totals_field(second)
    cached.ask("aborted 7d account:ANY")  # a different query goes to AWS
    assert len(emulator.calls(SUMMARIES)) > calls


def test_a_failed_region_is_not_cached(launch_app_bot: Callable[..., AppBot],
                                       fakes: tuple[BackupEmulator, FakeSlack], today: date) -> None:
    emulator, _ = fakes
    load_dataset(emulator, today)
    cached = launch_app_bot(RESTORES_CACHE_TTL="300")
    emulator.set_fault("eu-west-1", access_denied())
    assert "eu-west-1" in blocks_text(cached.ask("completed 14d"))
    emulator.clear_faults()
    before = {r: len(emulator.calls(SUMMARIES, region=r)) for r in E2E_REGIONS}
    answer = cached.ask("completed 14d")
    assert "access denied" not in blocks_text(answer)
    after = {r: len(emulator.calls(SUMMARIES, region=r)) for r in E2E_REGIONS}
    assert after["eu-west-1"] > before["eu-west-1"]  # asked again
    assert after["us-east-1"] == before["us-east-1"]  # answered from the cache
