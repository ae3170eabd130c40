"""Who is calling, as bot.aws.identity asks it: STS GetCallerIdentity (query protocol, XML) and Organizations
DescribeOrganization (JSON 1.1), for the emulator's caller and its organisation. A member account may describe its
organisation (AWS gives every member the management account's id); only the bot's own view of the jobs differs."""

from __future__ import annotations

import uuid
from typing import Any, Final
from xml.sax.saxutils import escape

from bot.sample.estate import SAMPLE_ORGANIZATION_ID

__all__ = ["DESCRIBE_ORGANIZATION_TARGET", "MEMBER_MANAGEMENT", "caller_identity_xml", "describe_organization"]

DESCRIBE_ORGANIZATION_TARGET: Final = "AWSOrganizationsV20161128.DescribeOrganization"  # botocore's targetPrefix
MEMBER_MANAGEMENT: Final = "999988887777"  # the management account of a member caller's organisation
_ORGANIZATION_ID: Final = SAMPLE_ORGANIZATION_ID
_STS_NAMESPACE: Final = "https://sts.amazonaws.com/doc/2011-06-15/"


def caller_identity_xml(account: str) -> bytes:
    """GetCallerIdentity's answer for a caller of ``account`` (a user of the bot's, as far as the emulator knows)."""
    arn = escape(f"arn:aws:iam::{account}:user/restores-bot")
    return (
        f'<GetCallerIdentityResponse xmlns="{_STS_NAMESPACE}"><GetCallerIdentityResult>'
        f"<Arn>{arn}</Arn><UserId>AIDAEXAMPLE{escape(account)}</UserId><Account>{escape(account)}</Account>"
        f"</GetCallerIdentityResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</GetCallerIdentityResponse>"
    ).encode()


def describe_organization(management: str) -> dict[str, Any]:
    """DescribeOrganization's answer in an organisation whose management account is ``management``."""
    return {
        "Organization": {
            "Id": _ORGANIZATION_ID,
            "Arn": f"arn:aws:organizations::{management}:organization/{_ORGANIZATION_ID}",
            "FeatureSet": "ALL",
            "MasterAccountArn": f"arn:aws:organizations::{management}:account/{_ORGANIZATION_ID}/{management}",
            "MasterAccountId": management,
            "MasterAccountEmail": "management@example.com",
        }
    }
