"""Links to the AWS Backup console for a restore job, a restore testing plan and a protected resource (pure).

Each partition has its own console (aws: console.aws.amazon.com, aws-cn: console.amazonaws.cn, aws-us-gov:
console.amazonaws-us-gov.com); the ISO partitions have none reachable from Slack, so they get no link. Every id in a
URL is percent-encoded, so a value from AWS cannot end the link early or add a label of its own."""

from __future__ import annotations

from urllib.parse import quote

from bot.domain.regions import region_partitions

CONSOLES = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


def partition_of(region: str, arn: str | None = None) -> str:
    """The partition of a region (botocore's endpoint data; an ARN's own partition field wins when there is one)."""
    parts = (arn or "").split(":")
    if len(parts) > 2 and parts[0] == "arn" and parts[1]:
        return parts[1]
    known = region_partitions().get(region)
    if known:
        return known
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws" if region.count("-") >= 2 and "iso" not in region else ""


def _backup_page(region: str, fragment: str, arn: str | None = None) -> str | None:
    host = CONSOLES.get(partition_of(region, arn))
    if host is None or not region:
        return None
    place = quote(region, safe="")
    return f"https://{host}/backup/home?region={place}#/{fragment}"


def job_url(region: str, job_id: str) -> str | None:
    """The restore job's page in the AWS Backup console (its status message, resource and timings)."""
    return _backup_page(region, f"jobs/restore/details/{quote(job_id, safe='')}") if job_id else None


def plan_url(plan_arn: str, name: str | None = None) -> str | None:
    """A restore testing plan's page, by its name: given, or read from its ARN
    (arn:<partition>:backup:<region>:<account>:restore-testing-plan:<name>-<id>; a name has no hyphen)."""
    parts = plan_arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or not parts[6]:
        return None
    name = name or parts[6].split("-", 1)[0]
    return _backup_page(parts[3], f"restoretesting/details/{quote(name, safe='')}", plan_arn)


def resource_url(region: str, resource_arn: str) -> str | None:
    """A protected resource's page in the AWS Backup console (its recovery points and jobs), by its ARN."""
    if not resource_arn.startswith("arn:"):
        return None
    return _backup_page(region, f"resources/{quote(resource_arn, safe='')}", resource_arn)
