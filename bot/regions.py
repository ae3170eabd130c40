"""Which AWS regions exist, per partition, as far as botocore's endpoint data knows them for AWS Backup."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def region_partitions() -> dict[str, str]:
    """Every region where botocore knows an AWS Backup endpoint, with its partition (aws, aws-cn, aws-us-gov, …)."""
    import boto3

    session = boto3.session.Session()
    return {
        region: partition
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("backup", partition_name=partition)
    }


def known_regions() -> frozenset[str]:
    return frozenset(region_partitions())


def partitions_of(regions: tuple[str, ...] | list[str]) -> frozenset[str]:
    """The partitions the bot's configured regions live in: credentials work in one partition, and the bot must not
    be made to sign requests for endpoints of another (China, GovCloud, ISO)."""
    known = region_partitions()
    return frozenset(known.get(region, "aws") for region in regions) or frozenset({"aws"})
