"""Query planning: ask ListRestoreJobSummaries only for what an answer shows, using the API's own aggregation.

AWS sums a dimension itself when it is sent as AGGREGATE_ALL and returns a row per value for ANY. Asking for
the full cross product account × type × state × day and summing it here makes pages grow with A × T × S × D;
a chain per view keeps each one proportional to what that view shows (its rows: A, or T, or S × D)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.domain.query import AGGREGATE_ALL, ANY, BAD_STATES, Period, RestoreFilter, State

PAGE_SIZE = 500  # the documented maximum of MaxResults


class View(StrEnum):
    """What an answer shows, each from a chain of its own."""

    TOTALS = "totals"  # per state (and per day for ONE_DAY); every other dimension summed by AWS
    BY_TYPE = "by_type"  # per resource type and state; accounts summed
    BY_ACCOUNT = "by_account"  # per account and state (per region, like every chain); types summed


ALL_VIEWS = (View.TOTALS, View.BY_TYPE, View.BY_ACCOUNT)


def summary_params(flt: RestoreFilter, view: View) -> dict[str, Any]:
    """The ListRestoreJobSummaries parameters for one view of a filter.

    A dimension may only be summed by AWS when nothing has to be filtered on it here: a channel scoped to some
    accounts needs each row's account (rows of other accounts are dropped), a resource type whose name the API
    refuses (names with spaces) needs each row's type. And only a wildcard may be summed: the bot's own account
    (AccountId not sent) or one named account must stay exactly that, or the sum would cover the organisation."""
    keep_accounts = flt.visible_accounts is not None
    keep_types = flt.local_resource_type is not None
    account_sum = AGGREGATE_ALL if flt.account == ANY and not keep_accounts else flt.account
    type_sum = AGGREGATE_ALL if flt.resource_type == ANY and not keep_types else flt.api_resource_type
    if view is View.TOTALS:
        account, resource_type = account_sum, type_sum
    elif view is View.BY_TYPE:
        account, resource_type = account_sum, flt.api_resource_type
    else:
        account, resource_type = flt.account, type_sum
    period = flt.period
    if view is View.BY_ACCOUNT and period is Period.ONE_DAY and not flt.last_day:
        # The per-account view shows each account's total over the 14 days, never per day: the FOURTEEN_DAYS
        # aggregate is the same sum in a 14th of the rows (at 1,000 accounts, 106 pages a region against 8).
        # The last day alone (`1d`) is one of the ONE_DAY buckets: no coarser aggregate holds it.
        period = Period.FOURTEEN_DAYS
    params: dict[str, Any] = {
        "State": flt.state.value,
        "ResourceType": resource_type,
        "AggregationPeriod": period.value,
        "MaxResults": PAGE_SIZE,
    }
    if account:
        params["AccountId"] = account
    return params


def plan_summary(flt: RestoreFilter, views: tuple[View, ...] = ALL_VIEWS) -> dict[View, dict[str, Any]]:
    """The chains that serve the wanted views. A view whose rows are a local sum of another chain's rows, at no
    more pages, is served by that chain (the caller sums): totals come from the per-type chain (at most a few
    dozen types), and for one account (the bot's own, or a named one) the per-type chain already is the
    per-account view. Only a view over many accounts gets a chain of its own, with types summed by AWS."""
    single_account = flt.visible_accounts is None and flt.account not in (ANY, AGGREGATE_ALL)
    base = summary_params(flt, View.BY_TYPE)
    plan: dict[View, dict[str, Any]] = {}
    for view in views:
        if view is View.BY_ACCOUNT and not single_account:
            plan[view] = summary_params(flt, View.BY_ACCOUNT)
        else:
            plan[view] = base
    return plan


def chain_key(params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Identical parameters are one chain, asked once (e.g. the totals and the by-account view of one account)."""
    return tuple(sorted(params.items()))


def digest_chains(account: str | None, *, per_account: bool) -> dict[str, dict[str, Any]]:
    """ONE_DAY chains that together hold everything a digest shows, each as small as AWS's aggregation allows:
    the totals (every state per day, accounts and types summed), and for FAILED and ABORTED only, a chain per
    type and, over many accounts, a chain per account. A scoped channel's digest (`per_account`) keeps account ids
    in every chain (its accounts are cut out of the rows), so it reads account × type only for the two bad states."""
    if per_account and account in (None, AGGREGATE_ALL):
        account = ANY  # a channel's accounts can only be cut out of rows that name them
    many = account == ANY
    summed = AGGREGATE_ALL if many and not per_account else account

    def params(state: str, resource_type: str, account_id: str | None) -> dict[str, Any]:
        chain: dict[str, Any] = {"State": state, "ResourceType": resource_type,
                                 "AggregationPeriod": Period.ONE_DAY.value, "MaxResults": PAGE_SIZE}
        if account_id:
            chain["AccountId"] = account_id
        return chain

    chains = {"totals": params(State.ANY, AGGREGATE_ALL, summed)}
    for state in BAD_STATES:
        chains[f"type:{state}"] = params(state, ANY, summed)
        if many and not per_account:
            chains[f"account:{state}"] = params(state, AGGREGATE_ALL, ANY)
    return chains
