"""ListRestoreTestingPlans, GetRestoreTestingPlan and ListRestoreTestingSelections: the caller's own restore testing
plans in a region (the operations take no account) and their resource selections."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from bot.sample.api_core import BackupApiCore
from bot.sample.api_model import TESTING_MAX_RESULTS, TESTING_PARAMETERS, ApiError, epoch, parse_int
from bot.sample.records import RestoreTestingPlan, RestoreTestingSelection

__all__ = ["RestoreTesting"]

# GetRestoreTestingPlan must send a RecoveryPointSelection; the emulator has no vaults, so every plan reports the
# console's defaults (the latest snapshot from any vault, at most a week old).
_RECOVERY_POINT_SELECTION: Final = {
    "Algorithm": "LATEST_WITHIN_WINDOW",
    "IncludeVaults": ["*"],
    "RecoveryPointTypes": ["SNAPSHOT"],
    "SelectionWindowDays": 7,
}


class RestoreTesting(BackupApiCore):
    """The restore testing reads, one of the operation families BackupApi is made of."""

    def list_restore_testing_plans(self, region: str, caller: str | None, params: Mapping[str, str]) -> dict[str, Any]:
        """GET /restore-testing/plans in ``region``: the caller's plans there, by name."""
        caller = caller if caller is not None else self.caller_account
        max_results = self._testing_max_results(params)
        digest = self._query_digest("ListRestoreTestingPlans", region, params, TESTING_PARAMETERS, caller)
        offset = self._start_offset(params, "NextToken", digest)
        data, _ = self._snapshot()
        plans = data.plans_by_account.get((region, caller), [])
        page, next_token = self._page(plans, offset, max_results, digest)
        body: dict[str, Any] = {"RestoreTestingPlans": [_plan_row(plan) for plan in page]}
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    def get_restore_testing_plan(self, region: str, caller: str | None, name: str) -> dict[str, Any]:
        """GET /restore-testing/plans/{name} in ``region``: one of the caller's plans, or 404."""
        plan = self._plan(region, caller if caller is not None else self.caller_account, name)
        selection = copy.deepcopy(_RECOVERY_POINT_SELECTION)  # each answer its own: a caller may change what it got
        return {"RestoreTestingPlan": {**_plan_row(plan), "RecoveryPointSelection": selection}}

    def list_restore_testing_selections(
        self, region: str, caller: str | None, plan_name: str, params: Mapping[str, str]
    ) -> dict[str, Any]:
        """GET /restore-testing/plans/{name}/selections in ``region``: a plan's selections by name, or 404."""
        caller = caller if caller is not None else self.caller_account
        max_results = self._testing_max_results(params)
        plan = self._plan(region, caller, plan_name)
        digest = self._query_digest(f"ListRestoreTestingSelections:{plan_name}", region, params, TESTING_PARAMETERS,
                                    caller)
        offset = self._start_offset(params, "NextToken", digest)
        data, _ = self._snapshot()
        selections = data.selections_by_plan.get((region, caller, plan.name), [])
        page, next_token = self._page(selections, offset, max_results, digest)
        body: dict[str, Any] = {"RestoreTestingSelections": [_selection_row(selection) for selection in page]}
        if next_token is not None:
            body["NextToken"] = next_token
        return body

    def _plan(self, region: str, caller: str, name: str) -> RestoreTestingPlan:
        data, _ = self._snapshot()
        for plan in data.plans_by_account.get((region, caller), []):
            if plan.name == name:
                return plan
        raise ApiError(404, "ResourceNotFoundException", f"Restore testing plan '{name}' was not found.")

    @staticmethod
    def _testing_max_results(params: Mapping[str, str]) -> int | None:
        if "MaxResults" not in params:
            return None
        return parse_int("MaxResults", params["MaxResults"], 1, TESTING_MAX_RESULTS)


def _plan_row(plan: RestoreTestingPlan) -> dict[str, Any]:
    # ListRestoreTestingPlans' members; GetRestoreTestingPlan adds RecoveryPointSelection.
    row: dict[str, Any] = {
        "CreationTime": epoch(plan.created),
        "RestoreTestingPlanArn": plan.arn,
        "RestoreTestingPlanName": plan.name,
        "ScheduleExpression": plan.schedule_expression,
    }
    optional: dict[str, Any] = {
        "LastExecutionTime": epoch(plan.last_execution) if plan.last_execution is not None else None,
        "LastUpdateTime": epoch(plan.last_update) if plan.last_update is not None else None,
        "ScheduleExpressionTimezone": plan.schedule_timezone,
        "StartWindowHours": plan.start_window_hours,
    }
    row.update({k: v for k, v in optional.items() if v is not None})
    return row


def _selection_row(selection: RestoreTestingSelection) -> dict[str, Any]:
    row: dict[str, Any] = {
        "CreationTime": epoch(selection.created),
        "IamRoleArn": selection.iam_role_arn,
        "ProtectedResourceType": selection.protected_resource_type,
        "RestoreTestingPlanName": selection.plan_name,
        "RestoreTestingSelectionName": selection.name,
    }
    if selection.validation_window_hours is not None:
        row["ValidationWindowHours"] = selection.validation_window_hours
    return row
