"""The planner's digest chains: what the digest asks ListRestoreJobSummaries, pure and exact."""

from __future__ import annotations

from bot.aws.plan import PAGE_SIZE, chain_key, digest_chains
from bot.domain.query import AGGREGATE_ALL, ANY, BAD_STATES

ACCOUNT = "111122223333"


def chain(state: str, resource_type: str, account: str | None) -> dict[str, object]:
    params: dict[str, object] = {"State": state, "ResourceType": resource_type, "AggregationPeriod": "ONE_DAY",
                                 "MaxResults": PAGE_SIZE}
    if account:
        params["AccountId"] = account
    return params


def test_bad_states_are_failed_and_aborted() -> None:
    assert sorted(s.value for s in BAD_STATES) == ["ABORTED", "FAILED"]  # the chain names below depend on them


def test_the_organisation_digest_sums_accounts_and_has_a_chain_per_account() -> None:
    assert digest_chains(ANY, per_account=False) == {
        "totals": chain("ANY", AGGREGATE_ALL, AGGREGATE_ALL),
        "type:FAILED": chain("FAILED", ANY, AGGREGATE_ALL),
        "account:FAILED": chain("FAILED", AGGREGATE_ALL, ANY),
        "type:ABORTED": chain("ABORTED", ANY, AGGREGATE_ALL),
        "account:ABORTED": chain("ABORTED", AGGREGATE_ALL, ANY),
    }


def test_the_bot_own_account_sends_no_account_id() -> None:
    assert digest_chains(None, per_account=False) == {
        "totals": chain("ANY", AGGREGATE_ALL, None),
        "type:FAILED": chain("FAILED", ANY, None),
        "type:ABORTED": chain("ABORTED", ANY, None),
    }


def test_one_named_account_stays_that_account() -> None:
    chains = digest_chains(ACCOUNT, per_account=False)
    assert set(chains) == {"totals", "type:FAILED", "type:ABORTED"}
    assert {params["AccountId"] for params in chains.values()} == {ACCOUNT}


def test_a_scoped_digest_keeps_account_ids_in_every_chain() -> None:
    expected = {
        "totals": chain("ANY", AGGREGATE_ALL, ANY),
        "type:FAILED": chain("FAILED", ANY, ANY),
        "type:ABORTED": chain("ABORTED", ANY, ANY),
    }
    assert digest_chains(ANY, per_account=True) == expected
    # The bot's own account or an organisation sum can only be cut to a channel's accounts from rows naming them.
    assert digest_chains(None, per_account=True) == expected
    assert digest_chains(AGGREGATE_ALL, per_account=True) == expected


def test_a_scoped_digest_of_one_named_account_stays_that_account() -> None:
    assert digest_chains(ACCOUNT, per_account=True) == digest_chains(ACCOUNT, per_account=False)


def test_every_chain_is_distinct_so_none_is_asked_twice() -> None:
    for account in (None, ANY, ACCOUNT):
        for per_account in (False, True):
            chains = digest_chains(account, per_account=per_account)
            assert len({chain_key(params) for params in chains.values()}) == len(chains)
