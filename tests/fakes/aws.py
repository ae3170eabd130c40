"""Pytest helpers for talking to the loopback AWS Backup emulator with real boto3 clients.

Expose the fixture to a test module with ``pytest_plugins = ["tests.fakes.aws"]``
in the root ``tests/conftest.py`` (or ``from tests.fakes.aws import aws_backup``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.config import Config

from bot.sample.emulator import BackupEmulator, DailyCount

__all__ = ["aws_backup", "backup_client", "expected_sum", "multi_page_counts"]

# Variables that could make a test leak out to a real account or pick up a
# developer's settings; removed for the duration of every test using the fixture.
_LEAKY_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CA_BUNDLE",
)


@pytest.fixture
def aws_backup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[BackupEmulator]:
    """A started, empty emulator that any boto3 ``backup`` client created in the test will reach.

    Load data with ``aws_backup.load(counts=..., jobs=...)`` and pin the clock
    with ``aws_backup.set_now(...)``; both can be done after the client exists.
    """
    config_dir = tmp_path / "aws"
    config_dir.mkdir()
    (config_dir / "config").write_text("")
    (config_dir / "credentials").write_text("")
    for name in _LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    with BackupEmulator() as emulator:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BACKUP", emulator.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config_dir / "config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(config_dir / "credentials"))
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        # boto3's module-level session caches credentials/config from whatever
        # environment first created it; start each test from a fresh one.
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", _fresh_session())
        yield emulator


# Parsing botocore's JSON data files dominates client creation (~40 ms); the
# loader only caches that immutable data, so sharing it across tests is safe.
_SHARED_LOADER = botocore.loaders.create_loader()


def _fresh_session() -> boto3.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", _SHARED_LOADER)
    session = boto3.Session(botocore_session=core)
    # boto3 appends its own data directory to the loader on every Session.
    paths = _SHARED_LOADER.search_paths
    paths[:] = list(dict.fromkeys(paths))
    return session


def backup_client(emulator: BackupEmulator, region: str, *, attempts: int | None = None, **config: Any) -> Any:
    """A real boto3 ``backup`` client pointed at ``emulator`` and signed for ``region``.

    ``attempts`` is the total number of requests botocore may make (standard
    retry mode); ``attempts=1`` disables retries so injected faults surface
    as-is.  Beware: ``Config(retries={"max_attempts": n})`` counts *retries*,
    so ``max_attempts=1`` still makes two requests; ``total_max_attempts``
    (used here) counts the initial request too.
    """
    if attempts is not None:
        config.setdefault("retries", {"mode": "standard", "total_max_attempts": attempts})
    return boto3.client(
        "backup",
        region_name=region,
        endpoint_url=emulator.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(**config) if config else None,
    )


def multi_page_counts(
    regions: Sequence[str],
    accounts: Sequence[str],
    types: Sequence[str],
    days: int,
    today: date,
) -> list[DailyCount]:
    """A dense, deterministic data set (days 1..``days`` before ``today``) that needs many pages.

    Some combinations deliberately get a zero count, so tests also cover the
    service's habit of omitting empty groups.
    """
    counts: list[DailyCount] = []
    for r, region in enumerate(regions):
        for a, account in enumerate(accounts):
            for t, resource_type in enumerate(types):
                for d in range(1, days + 1):
                    for s, state in enumerate(("COMPLETED", "FAILED", "ABORTED")):
                        value = (r * 7 + a * 5 + t * 3 + d * 2 + s * 11) % (9 - s * 3)
                        day = today - timedelta(days=d)
                        counts.append(DailyCount(region, account, state, resource_type, day, value))
    return counts


def expected_sum(
    counts: Iterable[DailyCount],
    *,
    region: str | None = None,
    account_id: str | None = None,
    accounts: Iterable[str] | None = None,
    state: str | None = None,
    resource_type: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> int:
    """Sum counts matching every given filter; ``start`` is inclusive, ``end`` exclusive.

    Written as a plain loop on purpose: it must not share logic with the emulator it checks.
    """
    allowed_accounts = set(accounts) if accounts is not None else None
    total = 0
    for count in counts:
        if region is not None and count.region != region:
            continue
        if account_id is not None and count.account_id != account_id:
            continue
        if allowed_accounts is not None and count.account_id not in allowed_accounts:
            continue
        if state is not None and count.state != state:
            continue
        if resource_type is not None and count.resource_type != resource_type:
            continue
        if start is not None and count.day < start:
            continue
        if end is not None and count.day >= end:
            continue
        total += count.count
    return total
