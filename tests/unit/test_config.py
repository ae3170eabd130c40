"""Configuration of the alerts: each variable validated with a message naming it, the defaults, and `poll` needs a
bot token."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import pytest

from bot.config import ConfigError, load_settings

BASE = {"RESTORES_REGIONS": "us-east-1"}


def test_alert_defaults() -> None:
    settings = load_settings(BASE)
    assert settings.alert_channels == () and settings.alert_accounts == () and settings.alert_mention is None
    assert settings.alert_interval_seconds == 300 and settings.alert_broadcast_over == 10


def test_alert_values_are_read() -> None:
    settings = load_settings(dict(BASE, RESTORES_ALERT_CHANNELS="C0B,C0A", RESTORES_ALERT_INTERVAL="2m",
                                  RESTORES_ALERT_ACCOUNTS="444455556666,111122223333", RESTORES_ALERT_MENTION="S0ONCALL",
                                  RESTORES_ALERT_BROADCAST_OVER="0"))
    assert settings.alert_channels == ("C0A", "C0B") and settings.alert_interval_seconds == 120
    assert settings.alert_accounts == ("111122223333", "444455556666") and settings.alert_mention == "S0ONCALL"
    assert settings.alert_broadcast_over == 0 and "(never)" in settings.describe()["RESTORES_ALERT_BROADCAST_OVER"]
    assert [load_settings(dict(BASE, RESTORES_ALERT_INTERVAL=v)).alert_interval_seconds for v in ("90", "90s", "1h")] == \
        [90, 90, 3600]


@pytest.mark.parametrize(("name", "value", "message"), [
    ("RESTORES_ALERT_INTERVAL", "5 minutes", "not a duration"),
    ("RESTORES_ALERT_INTERVAL", "0", "out of range"),
    ("RESTORES_ALERT_INTERVAL", "25h", "out of range"),
    ("RESTORES_ALERT_MENTION", "@oncall", "not a Slack user group ID"),
    ("RESTORES_ALERT_MENTION", "U0123ABCD", "not a Slack user group ID"),
    ("RESTORES_ALERT_ACCOUNTS", "ANY", "not an AWS account id"),
    ("RESTORES_ALERT_CHANNELS", "#alerts", "not a Slack ID"),
    ("RESTORES_ALERT_BROADCAST_OVER", "-1", "out of range"),
])
def test_bad_alert_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        load_settings(dict(BASE, **{name: value}))
    assert name in str(error.value)


def test_poll_needs_a_bot_token() -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        load_settings(BASE, "poll")
    assert load_settings(dict(BASE, SLACK_BOT_TOKEN="xoxb-1"), "poll").alert_channels == ()


def test_home_accounts_are_ids_or_any() -> None:
    assert load_settings(BASE).home_accounts == ()
    assert load_settings(dict(BASE, RESTORES_HOME_ACCOUNTS="444455556666, 111122223333")).home_accounts == \
        ("111122223333", "444455556666")
    settings = load_settings(dict(BASE, RESTORES_HOME_ACCOUNTS="Any"))
    assert settings.home_accounts == ("ANY",) and settings.describe()["RESTORES_HOME_ACCOUNTS"] == "ANY"
    for bad in ("12345", "ANY,111122223333", "AGGREGATE_ALL"):
        with pytest.raises(ConfigError, match="RESTORES_HOME_ACCOUNTS"):
            load_settings(dict(BASE, RESTORES_HOME_ACCOUNTS=bad))


@pytest.mark.parametrize("url", ["postgresql://bot:pw@db.example:notaport/restores", "not a url", "mysql://h/db"])
def test_a_bad_database_url_is_a_configuration_error_without_its_password(url: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL") as caught:
        load_settings({"RESTORES_REGIONS": "us-east-1", "DATABASE_URL": url})
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://restores@db.example:5432/restores?password=Hunter2Query&sslmode=require",
    "postgresql+psycopg://restores:Hunter2Userinfo@db.example/restores?sslpassword=Hunter2Query&sslmode=require",
    "postgresql+psycopg://restores@db.example/restores?sslmode=require&PGPASSWORD=Hunter2Query",
])
def test_describe_masks_every_secret_looking_part_of_the_database_url(url: str) -> None:
    described = load_settings({"RESTORES_REGIONS": "us-east-1", "DATABASE_URL": url}).describe()["DATABASE_URL"]
    assert "Hunter2" not in described
    assert "sslmode=require" in described and "db.example" in described  # what is not secret stays readable


def test_shared_channels_are_refused_unless_the_operator_allows_them() -> None:
    assert load_settings(BASE).allow_shared_channels is False
    allowing = load_settings(dict(BASE, RESTORES_ALLOW_SHARED_CHANNELS="true"))
    assert allowing.allow_shared_channels is True
    assert allowing.describe()["RESTORES_ALLOW_SHARED_CHANNELS"] == "true"


def test_the_region_says_where_it_came_from(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[profile ops]\nregion = ap-south-1\n[default]\nregion = eu-north-1\n")
    files = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    with patch.dict("os.environ", files, clear=True):  # boto3 reads the config file's path from os.environ
        cases = {
            "RESTORES_REGIONS": {"RESTORES_REGIONS": "us-east-1", "AWS_DEFAULT_REGION": "eu-west-1"},
            "AWS_REGION": {"AWS_REGION": "eu-west-2", "AWS_DEFAULT_REGION": "eu-west-1"},
            "AWS_DEFAULT_REGION": {"AWS_DEFAULT_REGION": "eu-west-1"},
            "the region of AWS profile 'ops'": {"AWS_PROFILE": "ops"},
            "the region of the default AWS profile": {},
        }
        for source, env in cases.items():
            assert load_settings({**files, **env}).region_source == source, env
        assert load_settings({**files, "AWS_PROFILE": "ops"}).regions == ("ap-south-1",)
        config.write_text("[profile ops]\nregion = mars\n")
        with pytest.raises(ConfigError, match="the region of AWS profile 'ops': 'mars' is not an AWS region code"):
            load_settings({**files, "AWS_PROFILE": "ops"})


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"RESTORES_REGIONS": "mars-1", "PORT": "http", "RESTORES_ALERT_MENTION": "@oncall",
                       "SLACK_BOT_TOKEN": "xoxp-1"}, "poll")
    assert [p.split(" ")[0] for p in error.value.problems] == [
        "RESTORES_REGIONS:", "PORT='http'", "RESTORES_ALERT_MENTION='@oncall'", "SLACK_BOT_TOKEN"]
    assert "user token (xoxp-...)" in error.value.problems[-1]
