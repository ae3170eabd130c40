"""Response items as the bot's rows: which items a drill-down keeps and asks for, timestamps read once per distinct
value, repeated strings interned."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from sys import intern
from typing import Any

from botocore.utils import parse_timestamp

from bot.domain.results import JobsQuery, RestoreJobRow, SummaryRow


@functools.lru_cache(maxsize=4096)
def _from_raw(value: float | int | str) -> datetime:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            parsed: datetime = parse_timestamp(value)  # ISO 8601, should a response carry one
            return parsed.astimezone(UTC)
    return datetime.fromtimestamp(float(value), UTC)


def as_utc(value: Any) -> datetime:
    """A response timestamp as an aware UTC datetime, whether botocore parsed it or left it raw."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return _from_raw(value)


def job_row(region: str, item: dict[str, Any]) -> RestoreJobRow:
    """One ListRestoreJobs item as the bot keeps it."""
    created_by = item.get("CreatedBy") or {}
    expected = item.get("ExpectedCompletionTimeMinutes")
    return RestoreJobRow(
        region=region,
        account_id=str(item.get("AccountId", "")),
        job_id=str(item.get("RestoreJobId", "")),
        status=str(item.get("Status", "")),
        status_message=str(item.get("StatusMessage", "")).strip(),
        resource_type=str(item.get("ResourceType", "")),
        created=as_utc(item["CreationDate"]),
        resource_arn=str(
            item.get("CreatedResourceArn") or item.get("SourceResourceArn") or item.get("RecoveryPointArn") or ""
        ),
        restore_testing_plan_arn=created_by.get("RestoreTestingPlanArn"),
        validation_status=item.get("ValidationStatus"),
        validation_status_message=item.get("ValidationStatusMessage"),
        completed=as_utc(item["CompletionDate"]) if item.get("CompletionDate") is not None else None,
        deletion_status=item.get("DeletionStatus"),
        deletion_status_message=item.get("DeletionStatusMessage"),
        expected_minutes=int(expected) if isinstance(expected, (int, float)) and expected > 0 else None,
        source_arn=item.get("SourceResourceArn") or None,
    )


def summary_row(region: str, item: dict[str, Any]) -> SummaryRow:
    """One ListRestoreJobSummaries item. Interned: the same few regions, states and types (and the organisation's
    accounts) repeat in every row, and each row's JSON brought its own copies."""
    return SummaryRow(
        region=intern(str(item.get("Region") or region)),
        account_id=intern(str(item.get("AccountId", ""))),
        state=intern(str(item.get("State", ""))),
        resource_type=intern(str(item.get("ResourceType", ""))),
        count=int(item.get("Count", 0)),
        start=as_utc(item["StartTime"]),
        end=as_utc(item["EndTime"]),
    )


def accounts_in(query: JobsQuery, region: str) -> tuple[str, ...] | None:
    """The accounts to list in a region; None: that region has none to ask."""
    if query.accounts_by_region is None:
        return query.accounts
    return query.accounts_by_region.get(region) or None


def job_filter(query: JobsQuery) -> Callable[[dict[str, Any]], bool]:
    """What the API could not filter on (a type name with spaces, a channel's accounts), applied to each item as it
    arrives, so the jobs past the cap are counted with the same filter as the ones kept."""

    def keep(item: dict[str, Any]) -> bool:
        if query.local_resource_type and item.get("ResourceType") != query.local_resource_type:
            return False
        return query.visible_accounts is None or str(item.get("AccountId", "")) in query.visible_accounts

    return keep
