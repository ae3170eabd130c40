"""RESTORES_REGIONS=all: the account's enabled regions that AWS Backup serves, discovered over the real APIs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.domain.regions import RegionCatalog
from bot.wiring import Wiring
from tests.fakes.regions import FakeRegions

ENABLED = {"us-east-1": "ENABLED_BY_DEFAULT", "eu-west-1": "ENABLED_BY_DEFAULT", "ap-east-1": "ENABLED",
           "me-south-1": "DISABLED", "ap-southeast-2": "ENABLED_BY_DEFAULT"}
DISCOVERED = ("ap-east-1", "ap-southeast-2", "eu-west-1", "us-east-1")


@pytest.fixture
def regions_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRegions]:
    with FakeRegions(ENABLED) as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ACCOUNT", fake.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", fake.url)
        yield fake


def session() -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t")


def catalog() -> RegionCatalog:
    settings = load_settings({"RESTORES_REGIONS": "all", "AWS_DEFAULT_REGION": "us-east-1"})
    assert settings.all_regions and settings.regions == ("us-east-1",)
    return RegionCatalog(settings.regions, discover=True, session_factory=session)


def test_enabled_regions_come_from_account_list_regions_over_every_page(regions_api: FakeRegions) -> None:
    found = catalog()
    assert found.current() == DISCOVERED and found.source == "account:ListRegions"
    assert regions_api.calls.count(("account", "ListRegions")) == 2  # 4 enabled regions, 2 a page: both pages read
    found.current()
    assert regions_api.calls.count(("account", "ListRegions")) == 2  # cached until tomorrow


def test_without_account_list_regions_ec2_describe_regions_answers(regions_api: FakeRegions) -> None:
    regions_api.deny.add("account")
    found = catalog()
    assert found.current() == DISCOVERED and found.source == "ec2:DescribeRegions"


def test_when_nothing_answers_the_home_region_is_used_and_the_problem_named(regions_api: FakeRegions) -> None:
    regions_api.deny.update({"account", "ec2"})
    found = catalog()
    assert found.current() == ("us-east-1",)
    assert found.problem is not None and "account:ListRegions failed" in found.problem and "ec2:DescribeRegions" in found.problem


def test_answers_cover_every_discovered_region(regions_api: FakeRegions, fakes) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = fakes
    settings = load_settings({"RESTORES_REGIONS": "all", "AWS_DEFAULT_REGION": "us-east-1"})
    backup = BackupService(session, endpoint_url=emulator.url)
    service = Wiring(settings, backup=backup, regions=RegionCatalog(settings.regions, discover=True, session_factory=session)).answers
    answer = service.answer("failed 7d account:ANY", user_id="U1", channel_id="C1")
    assert {c.region for c in emulator.calls("/audit/")} == set(DISCOVERED)
    assert ", ".join(DISCOVERED) in json.dumps(answer.block_dicts())
