"""The organisation's words in the grammar and the scopes: `account:<name>` and `ou:<name|id>` parsed as typed and
resolved by the access policy with the directory (the real OrganizationDirectory, its reads given here), before any AWS
call; OU ids in the configured scopes follow the organisation from one read to the next; an unreadable directory
refuses, never widens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bot.alerts.targets import AlertTarget, accounts_to_poll, listed_accounts, scoped
from bot.answers.controls import ActionValue
from bot.answers.grammar import parse_command
from bot.answers.notices import render_refusal
from bot.config import load_settings
from bot.domain.access import Access, AccessPolicy, OutOfScope, ScopeUnavailable, Unresolved
from bot.domain.organization import OrgAccount, Organization, OrgUnit
from bot.domain.query import AGGREGATE_ALL, ANY, ParseError, RestoreFilter
from bot.organization.directory import OrganizationDirectory
from bot.organization.read import Calls

REGIONS = ("us-east-1",)
ROOT, PROD, PAY, DATA, SAND = "r-ab12", "ou-ab12-prod0001", "ou-ab12-paym0001", "ou-ab12-data0001", "ou-ab12-sand0001"
MGMT, PAYMENTS, LEDGER, WAREHOUSE, DEV, LEGACY = ("111122223333", "444455556666", "444455557777", "777788889999",
                                                  "222233334444", "555566667777")


def organisation(moved: bool = False, twin: bool = False) -> Organization:
    """Root > Production > Payments (2 accounts), Data (1); Sandbox (1 active, 1 suspended); management at the root.
    `moved`: the warehouse account has moved to Sandbox. `twin`: a second account named prod-payments, and a second
    OU named Data (under Sandbox)."""
    units = {ROOT: OrgUnit(ROOT, "Root", None), PROD: OrgUnit(PROD, "Production", ROOT),
             PAY: OrgUnit(PAY, "Payments", PROD), DATA: OrgUnit(DATA, "Data", PROD), SAND: OrgUnit(SAND, "Sandbox", ROOT)}
    accounts = [OrgAccount(MGMT, "management", "ACTIVE", ROOT), OrgAccount(PAYMENTS, "prod-payments", "ACTIVE", PAY),
                OrgAccount(LEDGER, "prod-ledger", "ACTIVE", PAY),
                OrgAccount(WAREHOUSE, "prod-data", "ACTIVE", SAND if moved else DATA),
                OrgAccount(DEV, "sandbox-dev", "ACTIVE", SAND), OrgAccount(LEGACY, "sandbox-legacy", "SUSPENDED", SAND)]
    if twin:
        units["ou-ab12-data0002"] = OrgUnit("ou-ab12-data0002", "data", SAND)
        accounts.append(OrgAccount("999900001111", "Prod-Payments", "ACTIVE", SAND))
    return Organization("o-ab12cd34", MGMT, {a.id: a for a in accounts}, units)


class Reads:
    """The directory's reads in turn: an Organization, or an exception (what AWS Organizations refused)."""

    def __init__(self, *answers: Organization | BaseException) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, client: Callable[[], Any], tally: Calls) -> Organization:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def directory(*answers: Organization | BaseException) -> OrganizationDirectory:
    return OrganizationDirectory(reader=Reads(*answers), background=lambda work: work(), clock=lambda: 0.0)


def denied() -> ClientError:
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListAccounts")


def policy(found: OrganizationDirectory | None, **env: str) -> AccessPolicy:
    return AccessPolicy(load_settings({"RESTORES_REGIONS": "us-east-1", **env}), directory=found)


def scoped_filter(text: str, found: OrganizationDirectory | None, access: Access | None = None) -> RestoreFilter:
    return policy(found).scope(parse_command(text, REGIONS).filter, access or Access(allowed=True))


# ------------------------------------------------------------------ the grammar: kept as typed, no lookup


def test_names_and_units_are_kept_as_typed_and_round_trip() -> None:
    flt = parse_command('failed 7d account:Prod-Payments ou:"Shared Services"', REGIONS).filter
    assert (flt.account, flt.account_name, flt.unit) == (None, "Prod-Payments", "Shared Services")
    assert parse_command(flt.to_text(), REGIONS).filter == flt
    assert parse_command("ou:OU-AB12-PROD0001", REGIONS).filter.unit == PROD  # ids as AWS spells them
    assert parse_command("jobs failed ou:Production", REGIONS).kind == "jobs"
    # A mistyped id is still an id, with the digits suggested; a name too long for AWS is refused.
    with pytest.raises(ParseError, match="Did you mean `123456789012`"):
        parse_command("account:1234-5678-9012", REGIONS)
    for text, problem in (("account:" + "x" * 129, "account name"), ("ou:ou-bad", "organisational unit id"),
                          ("ou:Production account:AGGREGATE_ALL", "sums every account"),
                          ("ou:Production ou:Data", "conflicts with `ou:Production`")):
        with pytest.raises(ParseError, match=problem):
            parse_command(text, REGIONS)


def test_buttons_carry_the_name_and_the_unit_and_are_resolved_again() -> None:
    value = ActionValue(RestoreFilter(account=ANY, unit="Production", regions=REGIONS,
                                      visible_accounts=frozenset({PAYMENTS}))).encode()
    decoded = ActionValue.decode(value).filter
    assert (decoded.account, decoded.unit, decoded.visible_accounts) == (ANY, "Production", None)  # never trusted
    named = ActionValue.decode(ActionValue(RestoreFilter(account=PAYMENTS, account_name="prod-payments",
                                                         regions=REGIONS)).encode()).filter
    assert (named.account, named.account_name) == (None, "prod-payments")


# ------------------------------------------------------------------ resolving, before any AWS call


def test_an_account_name_is_its_id_whatever_the_case() -> None:
    found = directory(organisation())
    assert scoped_filter("failed account:PROD-Payments", found).account == PAYMENTS
    assert scoped_filter("failed account:prod-data", found).account == WAREHOUSE


def test_an_ou_is_every_account_under_it_asked_as_one_any_chain() -> None:
    found = directory(organisation())
    production = scoped_filter("failed 7d ou:production", found)
    assert (production.account, production.resource_type) == (ANY, AGGREGATE_ALL)
    assert production.visible_accounts == {PAYMENTS, LEDGER, WAREHOUSE}  # nested Payments and Data
    assert scoped_filter(f"ou:{PAY}", found).visible_accounts == {PAYMENTS, LEDGER}
    assert scoped_filter("ou:Sandbox", found).visible_accounts == {DEV, LEGACY}  # a suspended account's history too
    assert scoped_filter("ou:Production type:EBS", found).resource_type == "EBS"
    # One of its accounts, by id or name: that account alone; one outside it: refused.
    assert scoped_filter(f"ou:Production account:{LEDGER}", found).account == LEDGER
    assert scoped_filter("ou:Payments account:prod-payments", found).account == PAYMENTS
    with pytest.raises(Unresolved, match=f"Account {DEV} is not in OU Sandbox|Account {DEV} is not in OU Production"):
        scoped_filter(f"ou:Production account:{DEV}", found)


@pytest.mark.parametrize(("text", "words"), [
    ("account:prod-paymnts", ["No account is named “prod-paymnts”", "`account:prod-payments`"]),
    ("ou:Prodution", ["No organisational unit is named “Prodution”", "`ou:Production`"]),
    ("account:nobody-like-this", ["No account is named “nobody-like-this”"]),
])
def test_an_unknown_name_is_named_with_the_close_ones(text: str, words: list[str]) -> None:
    reads = Reads(organisation())
    found = OrganizationDirectory(reader=reads, background=lambda work: work(), clock=lambda: 0.0)
    with pytest.raises(Unresolved) as refused:
        scoped_filter(text, found)
    assert all(w in str(refused.value) for w in words)
    assert reads.calls == 2  # read once more for a name it did not know, before saying so


def test_an_ambiguous_name_lists_each_and_asks_for_the_id() -> None:
    found = directory(organisation(twin=True))
    with pytest.raises(Unresolved) as refused:
        scoped_filter("account:prod-payments", found)
    assert "2 accounts are named" in str(refused.value) and PAYMENTS in str(refused.value)
    assert "999900001111 (Sandbox)" in str(refused.value) and "12-digit id" in str(refused.value)
    with pytest.raises(Unresolved) as twice:
        scoped_filter("ou:Data", found)
    assert f"OU Production / Data ({DATA})" in str(twice.value) and "`ou:ou-…`" in str(twice.value)
    assert scoped_filter(f"ou:{DATA}", found).visible_accounts == {WAREHOUSE}


def test_an_unreadable_or_missing_directory_refuses_and_never_widens() -> None:
    for found in (directory(denied()), None):
        for text in ("failed ou:Production", "failed account:prod-payments"):
            with pytest.raises(Unresolved) as refused:
                scoped_filter(text, found)
            message = str(refused.value)
            assert "cannot be read" in message or "does not read" in message
    with pytest.raises(Unresolved, match="organizations:ListAccounts"):
        scoped_filter("ou:Production", directory(denied()))  # what to grant
    # A filter naming neither needs no directory.
    assert scoped_filter("failed account:ANY", None).account == ANY


# ------------------------------------------------------------------ scopes by OU


def test_an_ou_scoped_channel_sees_exactly_its_ous_accounts() -> None:
    found = directory(organisation())
    team = policy(found, RESTORES_CHANNEL_ACCOUNTS=f"C0PAY={PAY};C0PROD={PROD},{DEV}")
    access = team.check(user_id="U1", channel_id="C0PAY")
    assert access.allowed and access.accounts == {PAYMENTS, LEDGER}
    everything = team.scope(parse_command("failed account:ANY", REGIONS).filter, access)
    assert everything.visible_accounts == {PAYMENTS, LEDGER}
    assert team.scope(parse_command("ou:Payments", REGIONS).filter, access).visible_accounts == {PAYMENTS, LEDGER}
    with pytest.raises(OutOfScope, match="the accounts of OU Production / Payments"):
        team.scope(parse_command(f"account:{WAREHOUSE}", REGIONS).filter, access)
    with pytest.raises(OutOfScope, match="also holds 1 account"):
        team.scope(parse_command("ou:Production", REGIONS).filter, access)  # wider than the channel
    assert team.check(user_id="U1", channel_id="C0PROD").accounts == {PAYMENTS, LEDGER, WAREHOUSE, DEV}


def test_a_moved_account_joins_and_leaves_the_scope_at_the_next_read() -> None:
    found = directory(organisation(), organisation(moved=True))
    team = policy(found, RESTORES_CHANNEL_ACCOUNTS=f"C0PROD={PROD};C0SAND={SAND}", RESTORES_HOME_ACCOUNTS=SAND)
    assert WAREHOUSE in team.accounts_for("C0PROD") and WAREHOUSE not in team.accounts_for("C0SAND")
    found.refresh()  # the daily read (or one for an unknown name)
    assert WAREHOUSE not in team.accounts_for("C0PROD") and WAREHOUSE in team.accounts_for("C0SAND")
    assert team.home_accounts() == {DEV, LEGACY, WAREHOUSE}
    assert WAREHOUSE in scoped_filter("ou:Sandbox", found).visible_accounts  # type: ignore[operator]


def test_an_ou_scope_is_refused_when_the_directory_cannot_be_read() -> None:
    team = policy(directory(denied()), RESTORES_CHANNEL_ACCOUNTS=f"C0PROD={PROD};C0MGMT={MGMT}",
                  RESTORES_HOME_ACCOUNTS=PROD, SLACK_TEAM_ID="T0TEAM")
    access = team.check(user_id="U1", channel_id="C0PROD")
    assert (access.allowed, access.reason) == (False, "directory")
    assert "RESTORES_CHANNEL_ACCOUNTS names ou-ab12-prod0001" in access.detail
    assert "organizations:ListAccounts" in access.detail
    refusal = render_refusal(directory=access.detail).text
    assert "organisational units" in refusal and "organizations:ListAccounts" in refusal
    assert team.check(user_id="U1", channel_id="C0MGMT").accounts == {MGMT}  # an id-only scope needs no directory
    home = team.check_home(user_id="U1", teams=("T0TEAM",))
    assert (home.allowed, home.reason) == (False, "directory") and "RESTORES_HOME_ACCOUNTS" in home.detail
    with pytest.raises(ScopeUnavailable):
        team.home_accounts()
    assert not policy(None, RESTORES_CHANNEL_ACCOUNTS=f"*={PROD}").check(user_id="U1", channel_id="C0ANY").allowed


def test_alert_and_testing_lists_take_ous_active_accounts() -> None:
    found = directory(organisation(), organisation(moved=True))
    env = {"RESTORES_ALERT_ACCOUNTS": f"{SAND},{MGMT}", "RESTORES_CHANNEL_ACCOUNTS": f"C0PAY={PAY}"}
    team = policy(found, **env)
    assert listed_accounts(team.settings, team) == {DEV, MGMT}  # the suspended account is never polled
    targets, refused = scoped([AlertTarget("C0PAY")], team)
    assert not refused and targets[0].scope == {PAYMENTS, LEDGER}
    polled = accounts_to_poll(team.settings, targets, None, listed_accounts(team.settings, team))
    assert set(polled) == {"", MGMT, DEV, PAYMENTS, LEDGER} and len(polled) == 5
    found.refresh()
    assert listed_accounts(team.settings, team) == {DEV, WAREHOUSE, MGMT}
    assert set(team.resolve_each((PROD,), "RESTORES_TESTING_ACCOUNTS")[0]) == {PAYMENTS, LEDGER}
    # An OU the directory does not know leaves out its own accounts only: the other OU and the ids are still polled.
    unknown = "ou-ab12-gone0001"
    partly = policy(found, **{**env, "RESTORES_ALERT_ACCOUNTS": f"{SAND},{unknown},{MGMT}"})
    assert listed_accounts(partly.settings, partly) == {DEV, WAREHOUSE, MGMT}
    assert [unit for unit, _why in partly.resolve_each((SAND, unknown), "RESTORES_ALERT_ACCOUNTS")[1]] == [unknown]
    # Unreadable: the OU's accounts are not polled and its channel gets nothing; listed ids still are.
    blind = policy(directory(denied()), **env)
    assert listed_accounts(blind.settings, blind) == {MGMT}
    targets, refused = scoped([AlertTarget("C0PAY")], blind)
    assert targets == [] and "RESTORES_CHANNEL_ACCOUNTS names ou-ab12-paym0001" in refused["C0PAY"]


def test_configuration_accepts_ou_ids_wherever_accounts_are_configured() -> None:
    settings = load_settings({
        "RESTORES_REGIONS": "us-east-1", "RESTORES_CHANNEL_ACCOUNTS": f"C0PROD=OU-AB12-PROD0001,{MGMT}",
        "RESTORES_HOME_ACCOUNTS": PROD, "RESTORES_TESTING_ACCOUNTS": f"{PAY},{MGMT}", "RESTORES_TESTING_ROLE": "r",
        "RESTORES_ALERT_ACCOUNTS": SAND})
    assert settings.channel_accounts["C0PROD"] == {PROD, MGMT}
    assert (settings.home_accounts, settings.testing_accounts, settings.alert_accounts) == (
        (PROD,), (MGMT, PAY), (SAND,))
    for name in ("RESTORES_CHANNEL_ACCOUNTS", "RESTORES_HOME_ACCOUNTS", "RESTORES_ALERT_ACCOUNTS"):
        value = "C0X=ou-bad" if name == "RESTORES_CHANNEL_ACCOUNTS" else "ou-bad"
        with pytest.raises(ValueError, match="OU id"):
            load_settings({"RESTORES_REGIONS": "us-east-1", name: value})


def test_restore_testing_reads_an_ous_active_accounts_and_names_an_unreadable_ou_as_not_read() -> None:
    env = {"RESTORES_TESTING_ACCOUNTS": f"{SAND},{MGMT}", "RESTORES_TESTING_ROLE": "restores-bot-read"}
    found = directory(organisation(), organisation(moved=True))
    team = policy(found, **env)
    assert team.testing_accounts() == ((MGMT, DEV), ())  # the suspended account is never read
    found.refresh()
    assert team.testing_accounts() == ((MGMT, DEV, WAREHOUSE), ())
    accounts, unread = policy(directory(denied()), **env).testing_accounts()
    assert accounts == (MGMT,) and [unit for unit, _ in unread] == [SAND]
    assert "organizations:ListAccounts" in unread[0][1]
