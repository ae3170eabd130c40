"""Restore testing plans and selections without HTTP: the caller's own in a region, answers shaped as botocore's backup
model describes them, paging with NextToken bound to its query, the service's errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.sample.api_model import TESTING_MAX_RESULTS
from bot.sample.api_testing import RestoreTesting
from bot.sample.records import RestoreTestingPlan, RestoreTestingSelection
from tests.unit.sample.botocore_shapes import BACKUP, conforms, refused

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
ME, OTHER = "111122223333", "444455556666"
REGION = "eu-west-1"
CREATED = datetime(2026, 9, 1, 9, tzinfo=UTC)


def plan(name: str, *, account: str = ME, region: str = REGION, full: bool = False) -> RestoreTestingPlan:
    if not full:
        return RestoreTestingPlan(region, account, name, "cron(0 5 ? * * *)", CREATED)
    return RestoreTestingPlan(region, account, name, "cron(0 5 ? * * *)", CREATED, schedule_timezone="Etc/UTC",
                              start_window_hours=3, last_execution=NOW - timedelta(hours=5, minutes=30),
                              last_update=CREATED + timedelta(days=1, seconds=0.5))


def selection(plan_name: str, name: str, *, account: str = ME, region: str = REGION,
              window: int | None = None) -> RestoreTestingSelection:
    return RestoreTestingSelection(region, account, plan_name, name, "EBS", CREATED + timedelta(minutes=5),
                                   validation_window_hours=window)


def api(page_size: int = 100) -> RestoreTesting:
    return RestoreTesting(
        plans=[plan("zeta"), plan("alpha", full=True), plan("mid"), plan("alpha", account=OTHER),
               plan("beta", region="us-east-1")],
        selections=[selection("alpha", "volumes-b", window=48), selection("alpha", "volumes-a"),
                    selection("zeta", "volumes-z"), selection("alpha", "theirs", account=OTHER)],
        page_size=page_size, now=NOW,
    )



def every_page(service: RestoreTesting, operation: str, *, caller: str | None = None, region: str = REGION,
               plan_name: str = "", **params: str) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    while True:
        if operation == "ListRestoreTestingPlans":
            body, key = service.list_restore_testing_plans(region, caller, params), "RestoreTestingPlans"
        else:
            body = service.list_restore_testing_selections(region, caller, plan_name, params)
            key = "RestoreTestingSelections"
        conforms(body, operation)
        pages.append(body[key])
        if "NextToken" not in body:
            return pages
        params["NextToken"] = body["NextToken"]



def test_the_limit_is_botocores() -> None:
    for operation in ("ListRestoreTestingPlans", "ListRestoreTestingSelections"):
        assert BACKUP.operation_model(operation).input_shape.members["MaxResults"].metadata["max"] == TESTING_MAX_RESULTS


# --------------------------------------------------------------------------- ListRestoreTestingPlans


def test_plans_are_the_callers_in_the_region_by_name_in_pages() -> None:
    pages = every_page(api(page_size=2), "ListRestoreTestingPlans")
    assert [[p["RestoreTestingPlanName"] for p in page] for page in pages] == [["alpha", "mid"], ["zeta"]]
    assert [[p["RestoreTestingPlanName"] for p in page] for page in every_page(api(), "ListRestoreTestingPlans",
                                                                               MaxResults="1")] == [["alpha"], ["mid"], ["zeta"]]
    assert [p["RestoreTestingPlanArn"] for page in every_page(api(), "ListRestoreTestingPlans", caller=OTHER)
            for p in page] == [plan("alpha", account=OTHER).arn]
    assert every_page(api(), "ListRestoreTestingPlans", region="ap-southeast-2") == [[]]


def test_a_plan_row_carries_its_optional_members_only_when_known() -> None:
    [rows] = every_page(api(), "ListRestoreTestingPlans")
    full, bare = rows[0], rows[1]
    assert full == {
        "CreationTime": int(CREATED.timestamp()),
        "RestoreTestingPlanArn": plan("alpha").arn,
        "RestoreTestingPlanName": "alpha",
        "ScheduleExpression": "cron(0 5 ? * * *)",
        "LastExecutionTime": int((NOW - timedelta(hours=5, minutes=30)).timestamp()),
        "LastUpdateTime": (CREATED + timedelta(days=1)).timestamp() + 0.5,  # fractional seconds survive
        "ScheduleExpressionTimezone": "Etc/UTC",
        "StartWindowHours": 3,
    }
    required = BACKUP.shape_for("RestoreTestingPlanForList").required_members
    assert set(bare) == set(required)
    assert plan("alpha").arn.startswith(f"arn:aws:backup:{REGION}:{ME}:restore-testing-plan:alpha-")


# --------------------------------------------------------------------------- GetRestoreTestingPlan


def test_get_plan_adds_a_recovery_point_selection_the_model_allows() -> None:
    body = api().get_restore_testing_plan(REGION, None, "alpha")
    conforms(body, "GetRestoreTestingPlan")
    [listed] = [row for page in every_page(api(), "ListRestoreTestingPlans") for row in page
                if row["RestoreTestingPlanName"] == "alpha"]
    got = dict(body["RestoreTestingPlan"])
    selection_ = got.pop("RecoveryPointSelection")
    assert got == listed
    shape = BACKUP.shape_for("RestoreTestingRecoveryPointSelection")
    assert selection_["Algorithm"] in shape.members["Algorithm"].enum
    assert set(selection_["RecoveryPointTypes"]) <= set(shape.members["RecoveryPointTypes"].member.enum)
    assert selection_["IncludeVaults"] == ["*"] and selection_["SelectionWindowDays"] == 7
    other = api().get_restore_testing_plan(REGION, OTHER, "alpha")["RestoreTestingPlan"]
    assert other["RestoreTestingPlanArn"] == plan("alpha", account=OTHER).arn


@pytest.mark.parametrize(("name", "caller", "region"),
                         [("nope", None, REGION), ("mid", OTHER, REGION), ("beta", None, REGION), ("alpha", None, "us-east-1")])
def test_a_plan_the_caller_lacks_there_is_not_found(name: str, caller: str | None, region: str) -> None:
    for operation, call_it in [
        ("GetRestoreTestingPlan", lambda: api().get_restore_testing_plan(region, caller, name)),
        ("ListRestoreTestingSelections", lambda: api().list_restore_testing_selections(region, caller, name, {})),
    ]:
        error = refused(call_it)
        assert (error.status, error.error_type) == (404, "ResourceNotFoundException") and name in error.message
        assert error.error_type in [e.name for e in BACKUP.operation_model(operation).error_shapes]


# --------------------------------------------------------------------------- ListRestoreTestingSelections


def test_selections_are_the_plans_by_name_in_pages() -> None:
    pages = every_page(api(page_size=1), "ListRestoreTestingSelections", plan_name="alpha")
    rows = [row for page in pages for row in page]
    assert [len(p) for p in pages] == [1, 1]
    assert rows == [
        {"CreationTime": int((CREATED + timedelta(minutes=5)).timestamp()),
         "IamRoleArn": f"arn:aws:iam::{ME}:role/service-role/AWSBackupDefaultServiceRole",
         "ProtectedResourceType": "EBS", "RestoreTestingPlanName": "alpha", "RestoreTestingSelectionName": "volumes-a"},
        {"CreationTime": int((CREATED + timedelta(minutes=5)).timestamp()),
         "IamRoleArn": f"arn:aws:iam::{ME}:role/service-role/AWSBackupDefaultServiceRole",
         "ProtectedResourceType": "EBS", "RestoreTestingPlanName": "alpha", "RestoreTestingSelectionName": "volumes-b",
         "ValidationWindowHours": 48},
    ]
    assert [r["RestoreTestingSelectionName"] for page in every_page(api(), "ListRestoreTestingSelections",
                                                                    caller=OTHER, plan_name="alpha") for r in page] \
        == ["theirs"]
    assert every_page(api(), "ListRestoreTestingSelections", plan_name="mid") == [[]]


# --------------------------------------------------------------------------- paging and parameters


@pytest.mark.parametrize("operation", ["ListRestoreTestingPlans", "ListRestoreTestingSelections"])
@pytest.mark.parametrize(("params", "parameter"),
                         [({"MaxResults": "0"}, "MaxResults"), ({"MaxResults": "1001"}, "MaxResults"),
                          ({"MaxResults": "many"}, "MaxResults"), ({"NextToken": "forged"}, "NextToken")])
def test_bad_paging_is_refused_with_the_services_error(operation: str, params: dict[str, str], parameter: str) -> None:
    service = api()
    error = refused(lambda: service.list_restore_testing_plans(REGION, None, params) if operation.endswith("Plans")
                    else service.list_restore_testing_selections(REGION, None, "alpha", params))
    assert (error.status, error.error_type) == (400, "InvalidParameterValueException")
    assert error.error_type in [e.name for e in BACKUP.operation_model(operation).error_shapes]
    assert f"parameter {parameter}:" in error.message


def test_max_results_at_the_models_bounds_is_taken() -> None:
    service = api()
    assert len(service.list_restore_testing_plans(REGION, None, {"MaxResults": "1"})["RestoreTestingPlans"]) == 1
    assert len(service.list_restore_testing_plans(REGION, None, {"MaxResults": str(TESTING_MAX_RESULTS)})
               ["RestoreTestingPlans"]) == 3


def test_a_token_serves_only_the_query_that_issued_it() -> None:
    service = RestoreTesting(
        plans=[plan("alpha"), plan("zeta"), plan("other", region="us-east-1"), plan("more", region="us-east-1")],
        selections=[selection(p, f"s{n}") for p in ("alpha", "zeta") for n in range(2)], page_size=1, now=NOW,
    )
    token = service.list_restore_testing_plans(REGION, None, {})["NextToken"]
    for call_it in (lambda: service.list_restore_testing_plans("us-east-1", None, {"NextToken": token}),
                    lambda: service.list_restore_testing_plans(REGION, OTHER, {"NextToken": token})):
        assert "different query" in refused(call_it).message
    assert service.list_restore_testing_plans(REGION, None, {"NextToken": token})["RestoreTestingPlans"][0][
        "RestoreTestingPlanName"] == "zeta"

    selections = service.list_restore_testing_selections(REGION, None, "alpha", {})["NextToken"]
    assert "different query" in refused(
        lambda: service.list_restore_testing_selections(REGION, None, "zeta", {"NextToken": selections})).message
    assert "not a pagination token" in refused(
        lambda: RestoreTesting(plans=service.plans, selections=service.selections, now=NOW)
        .list_restore_testing_selections(REGION, None, "alpha", {"NextToken": selections})).message


def test_loading_new_plans_is_seen_at_once() -> None:
    service = api()
    service.load(plans=[plan("fresh")], selections=[])
    assert [p["RestoreTestingPlanName"] for p in service.list_restore_testing_plans(REGION, None, {})
            ["RestoreTestingPlans"]] == ["fresh"]
    assert refused(lambda: service.get_restore_testing_plan(REGION, None, "alpha")).status == 404
