"""Validate manifest.yml against Slack's app manifest JSON schema and check what the bot relies on.

The schema in tests/data/slack-manifest-schema/ is a copy of schemas/manifest.schema.2.0.0.json
from https://github.com/slackapi/manifest-schema (MIT, LICENSE alongside). Upstream's top-level
manifest.schema.json picks the 2.0.0 schema when ``_metadata.major_version`` is 2.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import yaml
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from bot.domain.query import COMMAND
from tests.support import REPO

MANIFEST_PATH = REPO / "manifest.yml"
SCHEMA_DIR = REPO / "tests" / "data" / "slack-manifest-schema"
SCHEMA_PATH = SCHEMA_DIR / "manifest.schema.2.0.0.json"
SCHEMA_MAJOR_VERSION = 2
BOT_ROUTE = "/slack/events"  # the single HTTP route the Bolt app serves


def load_manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def validator() -> Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture
def manifest() -> dict[str, Any]:
    return load_manifest()


def errors_of(validator: Validator, instance: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def test_schema_copy_keeps_its_license() -> None:
    license_text = (SCHEMA_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in license_text and "Slack Technologies" in license_text


def test_validator_is_the_draft_the_schema_declares(validator: Validator) -> None:
    assert validator.META_SCHEMA["$schema"].rstrip("#") == validator.schema["$schema"].rstrip("#")
    assert "draft-07" in validator.schema["$schema"]


def test_manifest_is_valid(validator: Validator, manifest: dict[str, Any]) -> None:
    assert errors_of(validator, manifest) == []


def test_manifest_targets_the_schema_version_we_validate_against(manifest: dict[str, Any]) -> None:
    assert manifest["_metadata"]["major_version"] == SCHEMA_MAJOR_VERSION
    assert f".{SCHEMA_MAJOR_VERSION}.0.0.json" in SCHEMA_PATH.name


def test_display_information(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert info["name"] == "restores bot"
    assert info["description"]
    # The schema spells this constraint "regex", which JSON Schema ignores, so check it here.
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", info["background_color"])
    assert len(info.get("long_description", "x" * 175)) >= 175


def test_bot_user(manifest: dict[str, Any]) -> None:
    assert manifest["features"]["bot_user"] == {"display_name": "restores", "always_online": True}


def test_restores_command(manifest: dict[str, Any]) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    command = commands[COMMAND]  # the manifest names the command the bot's texts name
    assert command["description"].startswith("Is our AWS Backup restore working?")
    assert "help" in command["usage_hint"] and "type:EBS" in command["usage_hint"]
    assert command["should_escape"] is False
    assert command["url"].startswith("https://")
    assert command["url"].endswith(BOT_ROUTE)


def test_bot_scopes(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "chat:write.public"} <= scopes


def test_the_manifest_grants_every_scope_check_asks_for(manifest: dict[str, Any]) -> None:
    from bot.check import CHART_SCOPES, DIGEST_SCOPES, REQUIRED_SCOPES, SUBSCRIPTION_SCOPES

    needed = {*REQUIRED_SCOPES, *DIGEST_SCOPES, *SUBSCRIPTION_SCOPES, *CHART_SCOPES}
    assert "files:write" in needed  # the chart's uploads
    assert needed <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_settings(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].startswith("https://")
    assert settings["interactivity"]["request_url"].endswith(BOT_ROUTE)
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_home_tab_and_its_event(manifest: dict[str, Any]) -> None:
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    # The dashboard's buttons answer in the user's DM with the app: the Messages tab, read-only (no DM is read).
    assert home["messages_tab_enabled"] is True and home["messages_tab_read_only_enabled"] is True
    events = manifest["settings"]["event_subscriptions"]
    assert events["bot_events"] == ["app_home_opened"]
    assert events["request_url"].startswith("https://") and events["request_url"].endswith(BOT_ROUTE)


def test_validator_rejects_an_unknown_app_home_key(validator: Validator, manifest: dict[str, Any]) -> None:
    broken = copy.deepcopy(manifest)
    broken["features"]["app_home"]["home_tab"] = True
    assert any("Additional properties are not allowed" in e for e in errors_of(validator, broken))


def test_manifest_documents_host_and_socket_mode() -> None:
    text = MANIFEST_PATH.read_text(encoding="utf-8")
    assert "replace restores.example.com" in text.lower()
    assert "connections:write" in text and "socket_mode_enabled" in text


def _drop(path: tuple[str, ...]) -> Any:
    def mutate(m: dict[str, Any]) -> None:
        target = m
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def mutate(m: dict[str, Any]) -> None:
        target = m
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_drop(("display_information",)), "'display_information' is a required property"),
        (_drop(("display_information", "name")), "'name' is a required property"),
        (_set(("display_information", "long_description"), "too short"), "is too short"),
        (_set(("display_information", "name"), "x" * 36), "is too long"),
        (_set(("features", "slash_commands", 0, "command"), "restores"), "does not match"),
        (_drop(("features", "slash_commands", 0, "description")), "'description' is a required property"),
        (_set(("features", "slash_commands", 0, "url"), "ftp://restores.example.com/slack/events"), "does not match"),
        (_set(("settings", "interactivity", "is_enabled"), "yes"), "is not of type 'boolean'"),
        (_set(("settings", "socket_mode"), True), "Additional properties are not allowed"),
        (_set(("oauth_config", "scopes", "bot"), "commands"), "is not of type 'array'"),
    ],
    ids=[
        "no-display_information",
        "no-name",
        "short-long_description",
        "long-name",
        "command-without-slash",
        "command-without-description",
        "non-http-url",
        "non-boolean",
        "unknown-settings-key",
        "scopes-not-a-list",
    ],
)
def test_validator_rejects_broken_manifests(
    validator: Validator, manifest: dict[str, Any], mutate: Any, expected: str
) -> None:
    broken = copy.deepcopy(manifest)
    mutate(broken)

    with pytest.raises(ValidationError):
        validator.validate(broken)
    assert any(expected in e for e in errors_of(validator, broken)), errors_of(validator, broken)
