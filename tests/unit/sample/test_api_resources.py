"""Protected resources without HTTP: ListProtectedResources, DescribeProtectedResource,
ListRestoreJobsByProtectedResource and the Tagging API's GetResources, against botocore's service models (paths and
querystrings as botocore serialises them, answers as its models describe them, the services' errors)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.serialize import create_serializer

from bot.sample.api_model import ApiError
from bot.sample.api_resources import (
    GET_RESOURCES_TARGET,
    RESOURCES_MAX_RESULTS,
    RESOURCES_PATH,
    TAG_FILTERS_MAX,
    TAGGED_MAX_RESULTS,
    ProtectedResourceRecord,
    ProtectedResources,
    recovery_point_created,
)
from bot.sample.records import RestoreJob
from tests.unit.sample.botocore_shapes import BACKUP, SESSION, conforms, refused

TAGGING = SESSION.get_service_model("resourcegroupstaggingapi")
REST_JSON = create_serializer("rest-json")

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
ME, OTHER = "111122223333", "444455556666"
REGION = "eu-west-1"
DB = f"arn:aws:rds:{REGION}:{ME}:db:orders-db"
VOLUME = f"arn:aws:ec2:{REGION}:{ME}:volume/vol-0abc"
FILES = f"arn:aws:elasticfilesystem:{REGION}:{ME}:file-system/fs-0123"


def resource(arn: str, *, account: str = ME, region: str = REGION, kind: str = "RDS",
             tags: tuple[tuple[str, str], ...] = (), full: bool = True) -> ProtectedResourceRecord:
    if not full:
        return ProtectedResourceRecord(region, account, arn, kind, tags=tags)
    return ProtectedResourceRecord(
        region, account, arn, kind, name=arn.rsplit(":", 1)[-1], last_backup=NOW - timedelta(hours=8),
        last_recovery_point_arn=f"arn:aws:backup:{region}:{account}:recovery-point:rp-1",
        vault_arn=f"arn:aws:backup:{region}:{account}:backup-vault:Default", tags=tags,
    )


def job(job_id: str, hours_ago: float, status: str = "COMPLETED", *, source: str = DB, account: str = ME,
        region: str = REGION, minutes: int | None = 50) -> RestoreJob:
    created = NOW - timedelta(hours=hours_ago)
    completion = created + timedelta(minutes=minutes) if minutes is not None else None
    return RestoreJob(region, account, job_id, status, "RDS", created, source_resource_arn=source, completion=completion)



def request(operation: str, **params: Any) -> tuple[str, dict[str, str]]:
    """The path and querystring botocore sends for an operation (querystring values as the server receives them)."""
    serialized = REST_JSON.serialize_to_request(params, BACKUP.operation_model(operation))
    return serialized["url_path"], {k: str(v) for k, v in serialized["query_string"].items()}


def call(api: ProtectedResources, operation: str, caller: str | None = None, **params: Any) -> dict[str, Any]:
    path, query = request(operation, **params)
    return api.route_resources(REGION, caller, path, query)


def every_page(api: ProtectedResources, operation: str, key: str, **params: Any) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    while True:
        body = call(api, operation, **params)
        conforms(body, operation)
        pages.append(body[key])
        if "NextToken" not in body:
            return pages
        params["NextToken"] = body["NextToken"]



# --------------------------------------------------------------------------- names and limits


def test_paths_limits_and_targets_are_botocores() -> None:
    assert BACKUP.operation_model("ListProtectedResources").http["requestUri"] == RESOURCES_PATH
    for operation in ("ListProtectedResources", "ListRestoreJobsByProtectedResource"):
        assert BACKUP.operation_model(operation).input_shape.members["MaxResults"].metadata["max"] == RESOURCES_MAX_RESULTS
    get_resources = TAGGING.operation_model("GetResources")
    assert f"{TAGGING.metadata['targetPrefix']}.GetResources" == GET_RESOURCES_TARGET
    assert get_resources.input_shape.members["TagFilters"].metadata["max"] == TAG_FILTERS_MAX
    assert TAGGED_MAX_RESULTS == 100  # the service's documented ResourcesPerPage limit (the model states none)


@pytest.mark.parametrize(
    ("created", "backup"),
    [
        (datetime(2026, 11, 26, 10, 30, tzinfo=UTC), datetime(2026, 11, 26, 2, tzinfo=UTC)),
        (datetime(2026, 11, 26, 2, 0, 1, tzinfo=UTC), datetime(2026, 11, 26, 2, tzinfo=UTC)),
        (datetime(2026, 11, 26, 2, 0, tzinfo=UTC), datetime(2026, 11, 25, 2, tzinfo=UTC)),  # strictly before
        (datetime(2026, 11, 26, 1, 59, tzinfo=UTC), datetime(2026, 11, 25, 2, tzinfo=UTC)),
        (datetime(2026, 12, 1, 0, 5, tzinfo=UTC), datetime(2026, 11, 30, 2, tzinfo=UTC)),  # across a month
    ],
)
def test_a_jobs_recovery_point_is_the_last_nightly_backup_before_it(created: datetime, backup: datetime) -> None:
    assert recovery_point_created(RestoreJob(REGION, ME, "J", "COMPLETED", "RDS", created)) == backup


# --------------------------------------------------------------------------- ListProtectedResources


def test_list_is_the_callers_resources_in_the_region_by_arn_in_pages() -> None:
    mine = [resource(VOLUME, kind="EBS"), resource(DB), resource(FILES, kind="EFS")]
    api = ProtectedResources(
        resources=[*mine, resource(DB, account=OTHER), resource(DB, region="us-east-1")], page_size=2, now=NOW,
    )
    pages = every_page(api, "ListProtectedResources", "Results")
    assert [len(p) for p in pages] == [2, 1]
    listed = [row for page in pages for row in page]
    assert [r["ResourceArn"] for r in listed] == sorted(r.arn for r in mine)
    assert every_page(api, "ListProtectedResources", "Results", MaxResults=1) == [[row] for row in listed]
    [other] = [row for page in every_page(ProtectedResources(resources=api.resources, caller_account=OTHER, now=NOW),
                                          "ListProtectedResources", "Results") for row in page]
    assert other["ResourceArn"] == DB
    assert len(api.resources) == 5

    by_arn = {r["ResourceArn"]: r for r in listed}
    assert by_arn[DB] == {
        "ResourceArn": DB, "ResourceType": "RDS", "ResourceName": "orders-db",
        "LastBackupTime": int((NOW - timedelta(hours=8)).timestamp()),
        "LastRecoveryPointArn": f"arn:aws:backup:{REGION}:{ME}:recovery-point:rp-1",
        "LastBackupVaultArn": f"arn:aws:backup:{REGION}:{ME}:backup-vault:Default",
    }


def test_absent_members_are_left_out_and_a_caller_can_be_named() -> None:
    api = ProtectedResources(resources=[resource(VOLUME, kind="EBS", full=False, account=OTHER)], now=NOW)
    assert call(api, "ListProtectedResources") == {"Results": []}
    body = call(api, "ListProtectedResources", caller=OTHER)
    conforms(body, "ListProtectedResources")
    assert body == {"Results": [{"ResourceArn": VOLUME, "ResourceType": "EBS"}]}


def test_load_resources_replaces_what_is_served() -> None:
    api = ProtectedResources(resources=[resource(DB)], now=NOW)
    api.load_resources([resource(VOLUME, kind="EBS")])
    assert [r["ResourceArn"] for r in call(api, "ListProtectedResources")["Results"]] == [VOLUME]
    assert refused(lambda: call(api, "DescribeProtectedResource", ResourceArn=DB)).status == 404


@pytest.mark.parametrize(
    ("query", "parameter"),
    [({"maxResults": "0"}, "maxResults"), ({"maxResults": "1001"}, "maxResults"), ({"maxResults": "x"}, "maxResults"),
     ({"nextToken": "forged"}, "nextToken")],
)
def test_list_refuses_bad_paging_with_the_services_error(query: dict[str, str], parameter: str) -> None:
    api = ProtectedResources(resources=[resource(DB)], now=NOW)
    error = refused(lambda: api.list_protected_resources(REGION, None, query))
    errors = [e.name for e in BACKUP.operation_model("ListProtectedResources").error_shapes]
    assert (error.status, error.error_type) == (400, "InvalidParameterValueException") and error.error_type in errors
    assert f"parameter {parameter}:" in error.message


def test_a_list_token_serves_only_its_caller_and_region() -> None:
    api = ProtectedResources(resources=[resource(DB), resource(VOLUME), resource(DB, account=OTHER),
                                        resource(VOLUME, account=OTHER), resource(DB, region="us-east-1"),
                                        resource(VOLUME, region="us-east-1")], page_size=1, now=NOW)
    token = api.list_protected_resources(REGION, None, {})["NextToken"]
    assert "different query" in refused(lambda: api.list_protected_resources(REGION, OTHER, {"nextToken": token})).message
    assert "different query" in refused(lambda: api.list_protected_resources("us-east-1", None, {"nextToken": token})).message
    page = api.list_protected_resources(REGION, None, {"nextToken": token})
    assert [r["ResourceArn"] for r in page["Results"]] == [DB] and "NextToken" not in page  # ARN order: ec2 < rds


# --------------------------------------------------------------------------- DescribeProtectedResource


def test_describe_reports_the_latest_restore_of_the_resource() -> None:
    jobs = [
        job("OLD", 30, minutes=200),
        job("NEW", 6, minutes=89),  # created 04:30 the same day: its recovery point is today's 02:00
        job("ELSEWHERE", 1, region="us-east-1"),  # the same ARN in another region and account: not its jobs
        job("THEIRS", 1, account=OTHER),
        job("OTHER-RESOURCE", 1, source=VOLUME),
    ]
    api = ProtectedResources(jobs=jobs, resources=[resource(DB), resource(VOLUME, kind="EBS")], now=NOW)
    body = call(api, "DescribeProtectedResource", ResourceArn=DB)
    conforms(body, "DescribeProtectedResource")
    created = NOW - timedelta(hours=6)
    assert body["LatestRestoreJobCreationDate"] == int(created.timestamp())
    assert body["LatestRestoreRecoveryPointCreationDate"] == int(datetime(2026, 11, 26, 2, tzinfo=UTC).timestamp())
    assert body["LatestRestoreExecutionTimeMinutes"] == 89
    assert {k: body[k] for k in ("ResourceArn", "ResourceType", "ResourceName")} == {
        "ResourceArn": DB, "ResourceType": "RDS", "ResourceName": "orders-db"}


@pytest.mark.parametrize(("status", "minutes"), [("FAILED", 20), ("RUNNING", None), ("ABORTED", 3)])
def test_an_unfinished_or_failed_latest_restore_has_no_execution_time(status: str, minutes: int | None) -> None:
    api = ProtectedResources(jobs=[job("DONE", 30), job("LATEST", 2, status, minutes=minutes)],
                             resources=[resource(DB)], now=NOW)
    body = api.describe_protected_resource(REGION, None, DB)
    conforms(body, "DescribeProtectedResource")
    assert body["LatestRestoreJobCreationDate"] == int((NOW - timedelta(hours=2)).timestamp())
    assert "LatestRestoreExecutionTimeMinutes" not in body


def test_describe_rounds_the_execution_time_to_minutes() -> None:
    seconds = RestoreJob(REGION, ME, "J", "COMPLETED", "RDS", NOW - timedelta(hours=1), source_resource_arn=DB,
                         completion=NOW - timedelta(hours=1) + timedelta(minutes=12, seconds=31))
    api = ProtectedResources(jobs=[seconds], resources=[resource(DB)], now=NOW)
    assert api.describe_protected_resource(REGION, None, DB)["LatestRestoreExecutionTimeMinutes"] == 13


def test_a_resource_never_restored_has_no_latest_restore() -> None:
    api = ProtectedResources(jobs=[job("J", 1, source=VOLUME)], resources=[resource(DB)], now=NOW)
    body = api.describe_protected_resource(REGION, None, DB)
    conforms(body, "DescribeProtectedResource")
    assert not [k for k in body if k.startswith("Latest")]


@pytest.mark.parametrize(("arn", "caller", "region"),
                         [(VOLUME, None, REGION), (DB, OTHER, REGION), (DB, None, "us-east-1")])
def test_a_resource_the_caller_does_not_protect_there_is_not_found(arn: str, caller: str | None, region: str) -> None:
    api = ProtectedResources(resources=[resource(DB)], now=NOW)
    for operation in ("DescribeProtectedResource", "ListRestoreJobsByProtectedResource"):
        path, query = request(operation, ResourceArn=arn)
        error = refused(lambda path=path, query=query: api.route_resources(region, caller, path, query))
        assert (error.status, error.error_type) == (404, "ResourceNotFoundException")
        assert error.error_type in [e.name for e in BACKUP.operation_model(operation).error_shapes]


# --------------------------------------------------------------------------- ListRestoreJobsByProtectedResource


def jobs_api(page_size: int = 100) -> ProtectedResources:
    jobs = [
        job("A", 2, minutes=None, status="RUNNING"),  # 08:30 today: recovery point today 02:00
        job("B", 9, "FAILED"),  # 01:30 today: recovery point yesterday 02:00
        job("C", 20),  # 14:30 yesterday: recovery point yesterday 02:00
        job("D", 40),  # 18:30 two days ago
        job("NOT-MINE", 1, source=VOLUME),
        job("OTHER-ACCOUNT", 1, account=OTHER),
    ]
    return ProtectedResources(jobs=jobs, resources=[resource(DB), resource(VOLUME, kind="EBS")], page_size=page_size,
                              now=NOW)


def job_ids(api: ProtectedResources, **params: Any) -> list[str]:
    pages = every_page(api, "ListRestoreJobsByProtectedResource", "RestoreJobs", ResourceArn=DB, **params)
    return [row["RestoreJobId"] for page in pages for row in page]


def test_a_resources_restore_jobs_newest_first_with_their_recovery_points() -> None:
    api = jobs_api()
    body = call(api, "ListRestoreJobsByProtectedResource", ResourceArn=DB)
    conforms(body, "ListRestoreJobsByProtectedResource")
    rows = body["RestoreJobs"]
    assert [r["RestoreJobId"] for r in rows] == ["A", "B", "C", "D"]
    assert {r["SourceResourceArn"] for r in rows} == {DB}
    points = [datetime.fromtimestamp(r["RecoveryPointCreationDate"], UTC) for r in rows]
    assert points == [datetime(2026, 11, d, 2, tzinfo=UTC) for d in (26, 25, 25, 24)]
    assert [r["Status"] for r in rows] == ["RUNNING", "FAILED", "COMPLETED", "COMPLETED"]
    assert "CompletionDate" not in rows[0] and rows[2]["CompletionDate"] == rows[2]["CreationDate"] + 50 * 60


def test_restore_jobs_filter_by_status_and_half_open_recovery_point_dates() -> None:
    api = jobs_api()
    assert job_ids(api, ByStatus="COMPLETED") == ["C", "D"]
    assert job_ids(api, ByStatus="ABORTED") == []
    yesterday = datetime(2026, 11, 25, 2, tzinfo=UTC)
    assert job_ids(api, ByRecoveryPointCreationDateAfter=yesterday) == ["A", "B", "C"]  # After: inclusive
    assert job_ids(api, ByRecoveryPointCreationDateBefore=yesterday) == ["D"]  # Before: exclusive
    assert job_ids(api, ByRecoveryPointCreationDateAfter=yesterday,
                   ByRecoveryPointCreationDateBefore=yesterday + timedelta(seconds=1), ByStatus="FAILED") == ["B"]
    # Epoch seconds are accepted as well as botocore's ISO 8601.
    path, _ = request("ListRestoreJobsByProtectedResource", ResourceArn=DB)
    query = {"recoveryPointCreationDateAfter": str(int(yesterday.timestamp()))}
    assert [r["RestoreJobId"] for r in api.route_resources(REGION, None, path, query)["RestoreJobs"]] == ["A", "B", "C"]


def test_restore_jobs_come_in_pages_each_once() -> None:
    assert job_ids(jobs_api(page_size=3)) == ["A", "B", "C", "D"]
    assert job_ids(jobs_api(), MaxResults=1) == ["A", "B", "C", "D"]
    api = jobs_api()
    first = call(api, "ListRestoreJobsByProtectedResource", ResourceArn=DB, MaxResults=3, ByStatus="COMPLETED")
    assert [r["RestoreJobId"] for r in first["RestoreJobs"]] == ["C", "D"] and "NextToken" not in first


def test_a_restore_jobs_token_serves_only_its_resource_and_filters() -> None:
    api = jobs_api()
    token = call(api, "ListRestoreJobsByProtectedResource", ResourceArn=DB, MaxResults=1)["NextToken"]
    api.load(jobs=[*api.jobs, job("V", 1, source=VOLUME), job("W", 2, source=VOLUME)])
    for params in ({"ResourceArn": VOLUME}, {"ResourceArn": DB, "ByStatus": "COMPLETED"}):
        error = refused(lambda params=params: call(api, "ListRestoreJobsByProtectedResource", MaxResults=1,
                                                   NextToken=token, **params))
        assert error.error_type == "InvalidParameterValueException" and "different query" in error.message
    page = call(api, "ListRestoreJobsByProtectedResource", ResourceArn=DB, MaxResults=1, NextToken=token)
    assert [r["RestoreJobId"] for r in page["RestoreJobs"]] == ["B"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [({"status": "CREATED"}, "status"), ({"status": "completed"}, "status"),
     ({"recoveryPointCreationDateAfter": "last week"}, "recoveryPointCreationDateAfter"),
     ({"recoveryPointCreationDateBefore": "2026-13-01"}, "recoveryPointCreationDateBefore"),
     ({"maxResults": "0"}, "maxResults"), ({"maxResults": "1001"}, "maxResults"), ({"nextToken": "x.y"}, "nextToken")],
)
def test_restore_jobs_refuse_bad_parameters_with_the_services_error(query: dict[str, str], parameter: str) -> None:
    path, _ = request("ListRestoreJobsByProtectedResource", ResourceArn=DB)
    error = refused(lambda: jobs_api().route_resources(REGION, None, path, query))
    assert (error.status, error.error_type) == (400, "InvalidParameterValueException")
    assert f"parameter {parameter}:" in error.message


def test_the_status_filter_takes_exactly_botocores_enum() -> None:
    enum = BACKUP.operation_model("ListRestoreJobsByProtectedResource").input_shape.members["ByStatus"].enum
    api = jobs_api()
    assert set(enum) == {"PENDING", "RUNNING", "COMPLETED", "ABORTED", "FAILED"}
    seen = {status: job_ids(api, ByStatus=status) for status in enum}  # none refused
    assert seen == {"PENDING": [], "RUNNING": ["A"], "COMPLETED": ["C", "D"], "ABORTED": [], "FAILED": ["B"]}


# --------------------------------------------------------------------------- routing


def test_routes_follow_botocores_paths() -> None:
    arn = FILES  # a '/' inside the ARN: botocore percent-encodes it into one path segment
    api = ProtectedResources(jobs=[job("J", 3, source=arn)], resources=[resource(arn, kind="EFS")], now=NOW)
    assert call(api, "DescribeProtectedResource", ResourceArn=arn)["ResourceArn"] == arn
    assert [r["RestoreJobId"] for r in call(api, "ListRestoreJobsByProtectedResource", ResourceArn=arn)["RestoreJobs"]] \
        == ["J"]
    path, _ = request("ListRestoreJobsByProtectedResource", ResourceArn=arn)
    assert api.route_resources(REGION, None, path.rstrip("/"), {})["RestoreJobs"][0]["RestoreJobId"] == "J"
    assert api.route_resources(REGION, None, "/resources", {})["Results"][0]["ResourceArn"] == arn


@pytest.mark.parametrize("path", ["/resources/a/b", "/resources/a/restore-jobs/x", "/resources//restore-jobs/", "/other/"])
def test_a_path_no_operation_has_is_unknown(path: str) -> None:
    error = refused(lambda: ProtectedResources(now=NOW).route_resources(REGION, None, path, {}))
    assert (error.status, error.error_type) == (404, "UnknownOperationException")


# --------------------------------------------------------------------------- GetResources (Resource Groups Tagging API)


def tagged_api(page_size: int = 100) -> ProtectedResources:
    return ProtectedResources(
        resources=[
            resource(DB, tags=(("restore-critical", "true"), ("team", "payments"))),
            resource(VOLUME, kind="EBS", tags=(("restore-critical", "false"),)),
            resource(FILES, kind="EFS", tags=(("team", "payments"),)),
            resource(f"arn:aws:s3:::{REGION}-bucket", kind="S3"),
            resource(DB, account=OTHER, tags=(("restore-critical", "true"),)),
            resource(DB, region="us-east-1", tags=(("restore-critical", "true"),)),
        ],
        page_size=page_size, now=NOW,
    )


def get_resources(api: ProtectedResources, caller: str | None = None, **body: Any) -> list[list[str]]:
    """Every page's ARNs, following PaginationToken until the empty one that ends a listing."""
    pages: list[list[str]] = []
    while True:
        answer = api.route_tagging(REGION, caller, GET_RESOURCES_TARGET, json.dumps(body).encode())
        conforms(answer, "GetResources", TAGGING)
        pages.append([m["ResourceARN"] for m in answer["ResourceTagMappingList"]])
        if not answer["PaginationToken"]:
            return pages
        body["PaginationToken"] = answer["PaginationToken"]


def test_get_resources_matches_every_filter_by_key_and_values() -> None:
    api = tagged_api()
    everything = sorted([DB, VOLUME, FILES, f"arn:aws:s3:::{REGION}-bucket"])
    assert get_resources(api) == [everything]
    critical = [{"Key": "restore-critical", "Values": ["true"]}]
    assert get_resources(api, TagFilters=critical) == [[DB]]
    assert get_resources(api, TagFilters=[{"Key": "restore-critical"}]) == [sorted([DB, VOLUME])]  # any value
    assert get_resources(api, TagFilters=[{"Key": "restore-critical", "Values": []}]) == [sorted([DB, VOLUME])]
    assert get_resources(api, TagFilters=[{"Key": "restore-critical", "Values": ["true", "false"]}]) == [sorted([DB, VOLUME])]
    assert get_resources(api, TagFilters=[{"Key": "team"}, {"Key": "restore-critical"}]) == [[DB]]  # all of them
    assert get_resources(api, TagFilters=[{"Key": "owner"}]) == [[]]
    assert get_resources(api, caller=OTHER, TagFilters=critical) == [[DB]]

    answer = api.get_resources(REGION, None, {"TagFilters": critical})
    assert answer["ResourceTagMappingList"] == [
        {"ResourceARN": DB, "Tags": [{"Key": "restore-critical", "Value": "true"}, {"Key": "team", "Value": "payments"}]}
    ]


def test_get_resources_pages_end_with_an_empty_token() -> None:
    everything = sorted([DB, VOLUME, FILES, f"arn:aws:s3:::{REGION}-bucket"])
    assert get_resources(tagged_api(), ResourcesPerPage=3) == [everything[:3], everything[3:]]
    assert get_resources(tagged_api(page_size=1)) == [[arn] for arn in everything]
    api = tagged_api()
    token = api.get_resources(REGION, None, {"ResourcesPerPage": 1})["PaginationToken"]
    with pytest.raises(ApiError, match="different query"):
        api.get_resources(REGION, None, {"ResourcesPerPage": 1, "PaginationToken": token,
                                         "TagFilters": [{"Key": "team"}]})
    with pytest.raises(ApiError, match="different query"):
        api.get_resources(REGION, OTHER, {"ResourcesPerPage": 1, "PaginationToken": token})


@pytest.mark.parametrize(
    ("body", "parameter"),
    [({"ResourcesPerPage": 0}, "ResourcesPerPage"), ({"ResourcesPerPage": 101}, "ResourcesPerPage"),
     ({"ResourcesPerPage": "5"}, "ResourcesPerPage"), ({"TagFilters": {"Key": "team"}}, "TagFilters"),
     ({"TagFilters": [{"Key": f"k{n}"} for n in range(TAG_FILTERS_MAX + 1)]}, "TagFilters"),
     ({"PaginationToken": "forged"}, "PaginationToken")],
)
def test_get_resources_refuses_bad_parameters(body: dict[str, Any], parameter: str) -> None:
    error = refused(lambda: tagged_api().get_resources(REGION, None, body))
    assert error.status == 400 and f"parameter {parameter}:" in error.message


def test_get_resources_takes_the_most_filters_the_model_allows() -> None:
    filters = [{"Key": "team"}] * TAG_FILTERS_MAX
    assert get_resources(tagged_api(), TagFilters=filters) == [sorted([DB, FILES])]


@pytest.mark.parametrize("body", [
    {"ResourcesPerPage": 0}, {"TagFilters": ["team"]}, {"TagFilters": [{"Key": ["team"]}]},
    {"TagFilters": [{"Key": "team", "Values": "pay"}]}, {"TagFilters": [{"Values": ["x"]}]},
])
def test_get_resources_refuses_with_the_tagging_services_error_name(body: dict[str, object]) -> None:
    """A malformed request is the Tagging API's 400 (InvalidParameterException), never a crash, and a Values given
    as a string is refused, not matched as a substring."""
    error = refused(lambda: tagged_api().get_resources(REGION, None, body))
    assert (error.status, error.error_type) == (400, "InvalidParameterException")
    assert error.error_type in [e.name for e in TAGGING.operation_model("GetResources").error_shapes]


@pytest.mark.parametrize(
    ("target", "body", "code"),
    [("ResourceGroupsTaggingAPI_20170126.TagResources", b"{}", "UnknownOperationException"),
     (None, b"{}", "UnknownOperationException"),
     (GET_RESOURCES_TARGET, b"{not json", "SerializationException"),
     (GET_RESOURCES_TARGET, b"[]", "SerializationException")],
)
def test_the_tagging_route_serves_only_get_resources_as_json(target: str | None, body: bytes, code: str) -> None:
    error = refused(lambda: tagged_api().route_tagging(REGION, None, target, body))
    assert (error.status, error.error_type) == (400, code)


def test_an_empty_tagging_body_is_an_empty_request() -> None:
    answer = tagged_api().route_tagging(REGION, None, GET_RESOURCES_TARGET, b"")
    assert len(answer["ResourceTagMappingList"]) == 4 and answer["PaginationToken"] == ""
