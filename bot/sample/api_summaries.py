"""ListRestoreJobSummaries: restore job counts summed per window, account, state and resource type, as the
organisation's admin or a member account may see them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from bot.sample.api_core import BackupApiCore, ServedData, query_key
from bot.sample.api_model import (
    ACCOUNT_ID_RE,
    AGGREGATE_ALL,
    AGGREGATION_PERIODS,
    ANY,
    DEFAULT_AGGREGATION_PERIOD,
    RESOURCE_TYPE_RE,
    SUMMARIES_MAX_RESULTS,
    SUMMARY_STATES,
    epoch,
    invalid,
)

__all__ = ["RestoreJobSummaries"]

# Days before today an AggregationPeriod covers: ONE_DAY is 14 one-day windows, the others one window each.
_WINDOW_DAYS: Final = {"ONE_DAY": 14, "SEVEN_DAYS": 7, "FOURTEEN_DAYS": 14}
# (window start, account, state, resource type, count): a summary row before it becomes JSON.
_SummaryRow = tuple[date, str, str, str, int]


class RestoreJobSummaries(BackupApiCore):
    """ListRestoreJobSummaries, one of the operation families BackupApi is made of."""

    def list_restore_job_summaries(
        self, region: str, params: Mapping[str, str], caller: str | None = None
    ) -> dict[str, Any]:
        """GET /audit/restore-job-summaries in ``region``: counts grouped per window, account, state and type."""
        caller = caller if caller is not None else self.caller_account
        state = params.get("State", ANY)
        if state not in SUMMARY_STATES:
            raise invalid("State", state, f"must be one of {', '.join(SUMMARY_STATES)}")
        period = params.get("AggregationPeriod", DEFAULT_AGGREGATION_PERIOD)
        if period not in AGGREGATION_PERIODS:
            raise invalid("AggregationPeriod", period, f"must be one of {', '.join(AGGREGATION_PERIODS)}")
        resource_type = params.get("ResourceType", ANY)
        if not RESOURCE_TYPE_RE.match(resource_type):
            raise invalid(
                "ResourceType", resource_type, "must match ^[a-zA-Z0-9\\-\\_\\.]{1,50}$, or be ANY or AGGREGATE_ALL"
            )
        account_param = params.get("AccountId")
        special_account = account_param in (ANY, AGGREGATE_ALL)
        if account_param is not None and not special_account and not ACCOUNT_ID_RE.match(account_param):
            raise invalid("AccountId", account_param, "must be a 12-digit account ID, ANY or AGGREGATE_ALL")
        paging = ("MaxResults", "NextToken")
        max_results, offset, digest = self._paging("ListRestoreJobSummaries", region, params, paging,
                                                   SUMMARIES_MAX_RESULTS, caller)

        today = self.today()
        visible = self._visible_accounts(account_param, caller)
        data, generation = self._snapshot()
        key = ("summaries", generation, region, query_key(params, paging), today, visible)
        rows: Sequence[_SummaryRow] | None = self._cached(key)
        if rows is None:
            rows = _aggregate(data, region, state, resource_type, account_param, period, today, visible)
            self._keep(key, generation, rows)

        page, next_token = self._page(rows, offset, max_results, digest)
        days = 1 if period == "ONE_DAY" else _WINDOW_DAYS[period]
        body: dict[str, Any] = {
            "RestoreJobSummaries": [
                {
                    "Region": region,
                    "AccountId": account,
                    "State": row_state,
                    "ResourceType": row_type,
                    "Count": total,
                    "StartTime": epoch(_midnight(start)),
                    "EndTime": epoch(_midnight(start + timedelta(days=days))),
                }
                for start, account, row_state, row_type, total in page
            ],
            "AggregationPeriod": period,
        }
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    def _visible_accounts(self, account_param: str | None, caller: str) -> frozenset[str] | None:
        """Accounts whose jobs ``caller`` may count; None means every account."""
        # Only the default identity can be the organisation's admin: any other caller is a role assumed in a member.
        admin = self.org_admin and caller == self.caller_account
        if account_param is None:
            return frozenset({caller})
        if account_param in (ANY, AGGREGATE_ALL):
            # A member account asking for the organisation silently gets only its own jobs.
            return None if admin else frozenset({caller})
        if admin or account_param == caller:
            return frozenset({account_param})
        return frozenset()


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _aggregate(
    data: ServedData,
    region: str,
    state: str,
    resource_type: str,
    account_param: str | None,
    period: str,
    today: date,
    visible: frozenset[str] | None,
) -> list[_SummaryRow]:
    """ListRestoreJobSummaries' rows, sorted by (window start, account, state, type), empty groups left out."""
    first_day = today - timedelta(days=_WINDOW_DAYS[period])
    if visible is None:
        sources = [data.counts_by_region.get(region, {})]
    else:
        sources = [data.counts_by_account.get((region, account), {}) for account in sorted(visible)]
    one_day = period == "ONE_DAY"
    any_state = state in (ANY, AGGREGATE_ALL)
    any_type = resource_type in (ANY, AGGREGATE_ALL)
    totals: dict[tuple[date, str, str, str], int] = {}
    for offset in range(_WINDOW_DAYS[period]):
        day = first_day + timedelta(days=offset)
        window_start = day if one_day else first_day
        for by_day in sources:
            for count in by_day.get(day, ()):
                if not any_state and count.state != state:
                    continue
                if not any_type and count.resource_type != resource_type:
                    continue
                key = (
                    window_start,
                    AGGREGATE_ALL if account_param == AGGREGATE_ALL else count.account_id,
                    AGGREGATE_ALL if state == AGGREGATE_ALL else count.state,
                    AGGREGATE_ALL if resource_type == AGGREGATE_ALL else count.resource_type,
                )
                totals[key] = totals.get(key, 0) + count.count
    # The service omits empty groups.
    return [(*key, total) for key, total in sorted(totals.items()) if total != 0]

