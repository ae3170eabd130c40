"""The organisation snapshot: paths, nested OUs, states and the lookups the grammar and the scopes ask."""

from __future__ import annotations

from bot.domain.organization import OrgAccount, Organization, OrgUnit, Unavailable

ROOT = "r-ab12"
PROD, PAY, CARDS, DATA, SANDBOX = "ou-ab12-prod0001", "ou-ab12-paym0001", "ou-ab12-card0001", "ou-ab12-data0001", \
    "ou-ab12-sand0001"


def organization() -> Organization:
    units = [OrgUnit(ROOT, "Root", None), OrgUnit(PROD, "Production", ROOT), OrgUnit(PAY, "Payments", PROD),
             OrgUnit(CARDS, "Cards", PAY), OrgUnit(DATA, "Data", PROD), OrgUnit(SANDBOX, "Sandbox", ROOT),
             OrgUnit("ou-ab12-data0002", "data", SANDBOX)]
    accounts = [
        OrgAccount("111111111111", "management", "ACTIVE", ROOT),
        OrgAccount("222222222222", "prod-payments", "ACTIVE", PAY),
        OrgAccount("333333333333", "prod-cards", "ACTIVE", CARDS),
        OrgAccount("444444444444", "prod-data", "ACTIVE", DATA),
        OrgAccount("555555555555", "sandbox-old", "SUSPENDED", SANDBOX),
        OrgAccount("666666666666", "sandbox-closing", "PENDING_CLOSURE", SANDBOX),
        OrgAccount("777777777777", "Shared", "ACTIVE", "ou-ab12-data0002"),
        OrgAccount("888888888888", "shared", "CLOSED", SANDBOX),
        OrgAccount("999999999999", "new-one", "PENDING_ACTIVATION", None),
    ]
    return Organization("o-ab12cd34", "111111111111", {a.id: a for a in accounts}, {u.id: u for u in units})


def test_nested_ous_hold_their_descendants_accounts() -> None:
    org = organization()
    assert org.accounts_under(PROD) == {"222222222222", "333333333333", "444444444444"}
    assert org.accounts_under(PAY) == {"222222222222", "333333333333"}
    assert org.accounts_under(CARDS) == {"333333333333"}
    assert org.accounts_under(SANDBOX) == {"555555555555", "666666666666", "777777777777", "888888888888"}
    assert org.accounts_under(SANDBOX, active_only=True) == {"777777777777"}
    assert org.accounts_under(ROOT) == set(org.accounts) - {"999999999999"}  # the unplaced one is under no OU
    assert org.accounts_under("ou-ab12-none0000") == frozenset()


def test_paths_go_from_the_top_down_without_the_root() -> None:
    org = organization()
    assert [u.name for u in org.path("333333333333")] == ["Production", "Payments", "Cards"]
    assert org.path_name("333333333333") == "Production / Payments / Cards"
    assert org.path_name(PAY) == "Production / Payments"
    assert org.path("111111111111") == ()
    assert org.path_name("111111111111") == "Root"
    assert org.path_name("999999999999") == ""  # not placed by this read
    assert org.path_name("000000000000") == ""
    paths = org.unit_paths()
    assert paths["333333333333"] == "Production / Payments / Cards" and paths["111111111111"] == "Root"
    assert "999999999999" not in paths


def test_suspended_closing_and_closed_accounts_are_never_polled_other_states_are() -> None:
    org = organization()
    assert org.active_accounts() == {"111111111111", "222222222222", "333333333333", "444444444444", "777777777777",
                                     "999999999999"}
    assert not org.accounts["888888888888"].active
    assert OrgAccount("1", "x", "", None).active  # a state AWS did not give: polled, never silently left out


def test_account_by_name_is_case_insensitive_and_exact() -> None:
    org = organization()
    assert org.find_account("PROD-Payments").unique == org.accounts["222222222222"]
    assert org.find_account("  prod-data ").unique == org.accounts["444444444444"]
    assert org.find_account("prod").found == ()  # exact, not a prefix
    assert org.find_account("222222222222").unique == org.accounts["222222222222"]
    assert org.find_account("000000000000").found == ()
    spaced = Organization("o-ab12cd34", None, {"1": OrgAccount("1", " spaced ", "ACTIVE", ROOT)}, {})
    assert spaced.find_account("Spaced").unique is not None


def test_one_name_for_two_accounts_is_ambiguous_and_names_both() -> None:
    match = organization().find_account("SHARED")
    assert match.ambiguous and match.unique is None
    assert [a.id for a in match.found] == ["777777777777", "888888888888"]


def test_an_unknown_name_offers_close_matches_as_aws_spells_them() -> None:
    match = organization().find_account("prod-paymnets")
    assert match.found == () and not match.ambiguous
    assert match.close[0] == "prod-payments"
    assert organization().find_account("zzzzzzzz").close == ()


def test_units_by_name_or_id() -> None:
    org = organization()
    assert org.find_unit("production").unique == org.units[PROD]
    assert org.find_unit(CARDS).unique == org.units[CARDS]
    assert org.find_unit(ROOT).unique == org.units[ROOT]
    data = org.find_unit("DATA")
    assert data.ambiguous and [u.id for u in data.found] == [DATA, "ou-ab12-data0002"]  # by path: Production first
    assert org.find_unit("ou-ab12-zzzz0000").found == ()
    assert org.find_unit("Prodution").close == ("Production",)


def test_unavailable_names_what_to_grant() -> None:
    plain = Unavailable("the bot's account belongs to no AWS organisation", in_use=False)
    assert plain.describe() == plain.reason
    denied = Unavailable("refused", ("organizations:ListAccounts", "organizations:ListRoots"))
    assert denied.describe().endswith("grant organizations:ListAccounts, organizations:ListRoots")


def test_a_prefix_or_part_of_a_name_is_offered_as_a_close_match() -> None:
    """`ou:prod` is far from "Production" by spelling ratio, but it begins it: offered, case-insensitive, names that
    begin with it first, then names that contain it."""
    org = organization()
    assert org.find_unit("prod").close == ("Production",)
    assert org.find_unit("PAY").close == ("Payments",)
    assert org.find_account("payments").close == ("prod-payments",)
    assert org.find_account("prod").close == ("prod-cards", "prod-data", "prod-payments")
