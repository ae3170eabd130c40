"""Who is calling, without HTTP: GetCallerIdentity's XML and DescribeOrganization's body, read back through botocore's own
parsers and checked against the STS and Organizations service models."""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET

import botocore.session
import pytest
from botocore.parsers import create_parser
from botocore.validate import ParamValidator

from bot.sample.api_identity import (
    DESCRIBE_ORGANIZATION_TARGET,
    MEMBER_MANAGEMENT,
    caller_identity_xml,
    describe_organization,
)
from bot.sample.estate import SAMPLE_ACCOUNTS, SAMPLE_CALLER_ACCOUNT, SAMPLE_ORGANIZATION_ID

SESSION = botocore.session.get_session()
STS = SESSION.get_service_model("sts")
ORGANIZATIONS = SESSION.get_service_model("organizations")
GET_CALLER_IDENTITY = STS.operation_model("GetCallerIdentity")
DESCRIBE_ORGANIZATION = ORGANIZATIONS.operation_model("DescribeOrganization")


def parse_identity(body: bytes) -> dict[str, object]:
    """What botocore's STS client returns for this body (the query protocol's XML)."""
    response = {"status_code": 200, "headers": {}, "body": body}
    parsed: dict[str, object] = create_parser("query").parse(response, GET_CALLER_IDENTITY.output_shape)
    return parsed


def test_the_target_is_the_one_botocore_sends() -> None:
    assert f"{ORGANIZATIONS.metadata['targetPrefix']}.DescribeOrganization" == DESCRIBE_ORGANIZATION_TARGET


@pytest.mark.parametrize("account", [SAMPLE_CALLER_ACCOUNT, "444455556666"])
def test_caller_identity_is_what_botocore_reads_for_the_account(account: str) -> None:
    body = caller_identity_xml(account)
    root = ET.fromstring(body)
    assert root.tag == f"{{{STS.metadata['xmlNamespace']}}}GetCallerIdentityResponse"

    parsed = parse_identity(body)
    metadata = parsed.pop("ResponseMetadata")
    assert parsed == {
        "Account": account,
        "Arn": f"arn:aws:iam::{account}:user/restores-bot",
        "UserId": f"AIDAEXAMPLE{account}",
    }
    assert set(parsed) == set(GET_CALLER_IDENTITY.output_shape.members)
    assert isinstance(metadata, dict)
    assert str(uuid.UUID(metadata["RequestId"])) == metadata["RequestId"]  # a well-formed request id


def test_every_answer_has_its_own_request_id() -> None:
    ids = {parse_identity(caller_identity_xml(SAMPLE_CALLER_ACCOUNT))["ResponseMetadata"]["RequestId"]  # type: ignore[index]
           for _ in range(3)}
    assert len(ids) == 3


def test_the_account_is_escaped_into_the_xml() -> None:
    awkward = "1<2&3>\"4'"
    parsed = parse_identity(caller_identity_xml(awkward))
    assert parsed["Account"] == awkward
    assert parsed["Arn"] == f"arn:aws:iam::{awkward}:user/restores-bot"
    assert parsed["UserId"] == f"AIDAEXAMPLE{awkward}"


@pytest.mark.parametrize("management", [SAMPLE_CALLER_ACCOUNT, MEMBER_MANAGEMENT])
def test_describe_organization_is_a_valid_answer_naming_the_management_account(management: str) -> None:
    body = describe_organization(management)
    report = ParamValidator().validate(body, DESCRIBE_ORGANIZATION.output_shape)
    assert not report.has_errors(), report.generate_report()

    # botocore's JSON 1.1 parser reads the body back unchanged.
    response = {"status_code": 200, "headers": {}, "body": json.dumps(body).encode()}
    parsed = create_parser("json").parse(response, DESCRIBE_ORGANIZATION.output_shape)
    parsed.pop("ResponseMetadata", None)
    assert parsed == body

    organization = body["Organization"]
    shape = DESCRIBE_ORGANIZATION.output_shape.members["Organization"]
    for member, value in organization.items():
        pattern = shape.members[member].metadata.get("pattern")
        if pattern is not None:
            assert re.search(pattern, value), (member, value, pattern)
    assert organization["FeatureSet"] in shape.members["FeatureSet"].enum
    assert organization["Id"] == SAMPLE_ORGANIZATION_ID
    assert organization["MasterAccountId"] == management
    assert organization["Arn"].split(":")[4] == management
    assert organization["MasterAccountArn"].endswith(f"/{SAMPLE_ORGANIZATION_ID}/{management}")


def test_a_member_is_told_of_a_management_account_other_than_its_own() -> None:
    assert re.fullmatch(r"\d{12}", MEMBER_MANAGEMENT)
    assert MEMBER_MANAGEMENT not in SAMPLE_ACCOUNTS
    assert describe_organization(MEMBER_MANAGEMENT)["Organization"]["MasterAccountId"] != SAMPLE_CALLER_ACCOUNT
