"""Which AWS regions exist, per partition, as far as botocore's endpoint data knows them for AWS Backup."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def region_partitions() -> dict[str, str]:
    """Every region where botocore knows an AWS Backup endpoint, with its partition (aws, aws-cn, aws-us-gov, …).

    Read as data from botocore's bundled endpoints.json, the file boto3's get_available_regions("backup") reads, with
    the same rule (a service endpoint named like one of its partition's regions): the grammar, the access policy and
    the button encoding validate regions with it and stay free of boto3 sessions and clients (importing the botocore
    package itself is a few ms). tests/unit/test_controls_regions.py checks it agrees with boto3 for every partition."""
    data = json.loads(resources.files("botocore").joinpath("data/endpoints.json").read_text(encoding="utf-8"))
    return {
        region: partition["partition"]
        for partition in data["partitions"]
        for region in (partition["services"].get("backup") or {}).get("endpoints", {})
        if region in partition["regions"]
    }


def known_regions() -> frozenset[str]:
    return frozenset(region_partitions())


def partitions_of(regions: tuple[str, ...] | list[str]) -> frozenset[str]:
    """The partitions the bot's configured regions live in: credentials work in one partition, and the bot must not
    be made to sign requests for endpoints of another (China, GovCloud, ISO)."""
    known = region_partitions()
    return frozenset(known.get(region, "aws") for region in regions) or frozenset({"aws"})


def backup_regions_in(partition: str) -> frozenset[str]:
    return frozenset(region for region, part in region_partitions().items() if part == partition)


class RegionsUnavailable(RuntimeError):
    """Neither account:ListRegions nor ec2:DescribeRegions could say which regions are enabled."""


def discover_regions(session: Any, home_region: str) -> tuple[tuple[str, ...], str]:
    """The regions enabled for the account that AWS Backup serves in its partition, and how they were found:
    account:ListRegions (ENABLED and ENABLED_BY_DEFAULT), or ec2:DescribeRegions when that is not allowed."""
    served = backup_regions_in(region_partitions().get(home_region, "aws"))
    errors: list[str] = []
    try:
        client = session.client("account", region_name=home_region)
        names: list[str] = []
        pages = client.get_paginator("list_regions").paginate(RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"])
        for page in pages:
            names += [str(r["RegionName"]) for r in page.get("Regions", [])]
        return tuple(sorted(set(names) & served)), "account:ListRegions"
    except Exception as error:  # not allowed, or not reachable: the EC2 way next, and say why in the log
        errors.append(f"account:ListRegions {_reason(error)}")
    try:
        client = session.client("ec2", region_name=home_region)
        found = client.describe_regions(AllRegions=False).get("Regions", [])
        return tuple(sorted({str(r["RegionName"]) for r in found} & served)), "ec2:DescribeRegions"
    except Exception as error:
        errors.append(f"ec2:DescribeRegions {_reason(error)}")
    raise RegionsUnavailable("; ".join(errors))


def _reason(error: Exception) -> str:
    code = getattr(error, "response", {}).get("Error", {}).get("Code") if hasattr(error, "response") else None
    return f"failed ({code or type(error).__name__})"


class RegionCatalog:
    """The regions every answer and digest covers. A fixed RESTORES_REGIONS list as it is; with `all`, the
    account's enabled regions that AWS Backup serves, found at first use and again once a day (a region enabled
    later joins by itself). If a refresh fails the last good list stays; if discovery never worked, the home
    region alone is used and the log and `python -m bot check` say why."""

    REFRESH_SECONDS = 24 * 3600
    RETRY_SECONDS = 300

    def __init__(
        self,
        regions: tuple[str, ...],
        *,
        discover: bool,
        session_factory: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fixed = regions
        self._discover = discover
        self._session_factory = session_factory
        self._clock = clock
        self._found: tuple[str, ...] | None = None
        self._next_refresh = 0.0
        self.source = "RESTORES_REGIONS" if not discover else "not discovered yet"
        self.problem: str | None = None
        self._lock = threading.Lock()

    def current(self) -> tuple[str, ...]:
        if not self._discover:
            return self._fixed
        with self._lock:
            if self._clock() >= self._next_refresh:
                self._refresh()
            return self._found or self._fixed

    def _refresh(self) -> None:
        import boto3

        try:
            session = (self._session_factory or boto3.session.Session)()
            found, self.source = discover_regions(session, self._fixed[0])
            if not found:
                raise RegionsUnavailable("no enabled region is served by AWS Backup")
            self._found, self.problem = found, None
            self._next_refresh = self._clock() + self.REFRESH_SECONDS
            log.info("regions discovered via %s: %s", self.source, ",".join(found))
        except RegionsUnavailable as error:
            self.problem = str(error)
            self._next_refresh = self._clock() + self.RETRY_SECONDS
            kept = "the last list found" if self._found else f"only {self._fixed[0]}"
            log.error("RESTORES_REGIONS=all: cannot list the enabled regions (%s); using %s", error, kept)
