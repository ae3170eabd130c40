"""The access policy, pure: per-channel account scopes parsed and validated, and the scoping rules."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.access import Access, AccessPolicy, OutOfScope
from bot.domain.query import ANY, RestoreFilter
from tests.support import CHANNEL_SCOPES, DATASET_ACCOUNTS

pytestmark = pytest.mark.dates

A, B, C = DATASET_ACCOUNTS


def settings(**env: str):  # type: ignore[no-untyped-def]
    return load_settings(dict({"RESTORES_REGIONS": "us-east-1", "RESTORES_CHANNEL_ACCOUNTS": CHANNEL_SCOPES}, **env), "local")


def test_channel_accounts_parse_and_validate() -> None:
    parsed = settings().channel_accounts
    assert parsed == {"C0TEAMA": frozenset({A}), "C0TEAMAB": frozenset({A, B}), "C0PLATFORM": None}
    for bad, message in [("C0X=12345", "12-digit"), ("general=111122223333", "CHANNEL=ACCOUNTS"),
                         ("C0X", "CHANNEL=ACCOUNTS"), (f"C0X={A};C0X={B}", "listed twice")]:
        with pytest.raises(ConfigError, match=message):
            settings(RESTORES_CHANNEL_ACCOUNTS=bad)


def test_scope_rules() -> None:
    policy = AccessPolicy(settings())
    one, two, free = (policy.check(user_id="U1", channel_id=c) for c in ("C0TEAMA", "C0TEAMAB", "C0OTHER"))
    base = RestoreFilter(regions=("us-east-1",))
    assert policy.scope(base, one).account == A  # one account: asked for directly
    scoped = policy.scope(base, two)
    assert scoped.account == ANY and scoped.visible_accounts == {A, B}
    assert policy.scope(RestoreFilter(account=B, regions=("us-east-1",)), two).account == B
    with pytest.raises(OutOfScope, match=f"account {C} is not one of them"):
        policy.scope(RestoreFilter(account=C, regions=("us-east-1",)), two)
    with pytest.raises(OutOfScope, match="sum over every account"):
        policy.scope(RestoreFilter(account="AGGREGATE_ALL", regions=("us-east-1",)), one)
    assert policy.scope(RestoreFilter(account="AGGREGATE_ALL", regions=("us-east-1",)), free).visible_accounts is None
    assert policy.check(user_id="U1", channel_id="C0PLATFORM") == Access(allowed=True, accounts=None)


TEAM = "T0TEST"


def home_policy(**env: str) -> AccessPolicy:
    return AccessPolicy(load_settings(dict({"RESTORES_REGIONS": "us-east-1", "SLACK_TEAM_ID": TEAM}, **env), "local"))


def test_the_home_tab_without_any_restriction_sees_every_account() -> None:
    access = home_policy().check_home(user_id="U0ONE", teams=(TEAM,))
    assert access.allowed and access.accounts is None


@pytest.mark.parametrize(("env", "expected"), [
    ({"RESTORES_CHANNEL_ACCOUNTS": CHANNEL_SCOPES}, None),  # scoping configured, Home not: no numbers
    ({"RESTORES_CHANNEL_ACCOUNTS": f"{CHANNEL_SCOPES};*=ANY"}, None),  # a conversation's default is not the Home's
    ({"RESTORES_ALLOWED_CHANNELS": "C0OPS"}, None),  # only channels allow-listed: nobody said who may see Home
    ({"RESTORES_ALLOWED_CHANNELS": "C0OPS", "RESTORES_ALLOWED_USERS": "U0ONE"}, "every"),
    ({"RESTORES_CHANNEL_ACCOUNTS": CHANNEL_SCOPES, "RESTORES_HOME_ACCOUNTS": f"{B},{A}"}, frozenset({A, B})),
    ({"RESTORES_CHANNEL_ACCOUNTS": CHANNEL_SCOPES, "RESTORES_HOME_ACCOUNTS": "any"}, "every"),
], ids=["scoped", "star-default", "channels-only", "users-listed", "home-accounts", "home-any"])
def test_the_home_tab_fails_closed_until_its_accounts_are_named(env: dict[str, str], expected: object) -> None:
    access = home_policy(**env).check_home(user_id="U0ONE", teams=(TEAM,))
    if expected is None:
        assert (access.allowed, access.reason) == (False, "no-scope")
    else:
        assert access.allowed and access.accounts == (None if expected == "every" else expected)


def test_the_home_tab_checks_the_user_and_the_workspace() -> None:
    policy = home_policy(RESTORES_ALLOWED_USERS="U0ONE", RESTORES_ALLOWED_CHANNELS="C0OPS")
    assert policy.check_home(user_id="U0TWO", teams=(TEAM,)).reason == "allow-list"
    assert policy.check_home(user_id="U0ONE", teams=(TEAM, "T0OTHER")).reason == "other-team"
    assert policy.check_home(user_id="U0ONE", teams=()).reason == "other-team"  # no workspace on the event: refused
    unknown = AccessPolicy(load_settings({"RESTORES_REGIONS": "us-east-1"}), installation_team=lambda: None)
    assert unknown.check_home(user_id="U0ONE", teams=(TEAM,)).reason == "other-team"  # workspace not known yet


def test_check_says_whether_the_home_tab_shows_numbers() -> None:
    from bot.check import CheckReport, check_scoping

    closed, opened = CheckReport(), CheckReport()
    check_scoping(AccessPolicy(settings()), closed)
    check_scoping(AccessPolicy(settings(RESTORES_HOME_ACCOUNTS=f"{A},{B}")), opened)
    assert "the Home tab shows no numbers" in closed.render() and "RESTORES_HOME_ACCOUNTS" in closed.render()
    assert f"the Home tab shows {A}, {B}" in opened.render()


def test_a_request_from_slack_must_name_this_workspace() -> None:
    policy = home_policy()
    assert policy.check(user_id="U0ONE", channel_id="C0OPS", teams=(TEAM,)).allowed
    assert policy.check(user_id="U0ONE", channel_id="C0OPS", teams=(TEAM, TEAM)).allowed  # team and user's team
    assert policy.check(user_id="U0ONE", channel_id="C0OPS", teams=(TEAM, "T0OTHER")).reason == "other-team"
    # A request that carries no workspace id at all is refused, not waved through (fail closed) ...
    assert policy.check(user_id="U0ONE", channel_id="C0OPS", teams=()).reason == "other-team"
    # ... and so is every request while the installation's workspace is not known.
    unknown = AccessPolicy(load_settings({"RESTORES_REGIONS": "us-east-1"}), installation_team=lambda: None)
    assert unknown.check(user_id="U0ONE", channel_id="C0OPS", teams=(TEAM,)).reason == "other-team"
    # The CLI is not a request from Slack: it passes no teams at all.
    assert policy.check(user_id="", channel_id="", teams=None).allowed
