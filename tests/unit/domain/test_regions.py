"""The region table the pure layers validate with: botocore's endpoint data read as data, the same regions and
partitions boto3 reports. That using it loads no boto3 is checked in a fresh interpreter: tests/integration/domain."""

from __future__ import annotations

import boto3

from bot.domain.regions import backup_regions_in, partitions_of, region_partitions


def test_the_table_is_what_boto3_reports_for_every_partition() -> None:
    session = boto3.session.Session()
    expected = {region: partition for partition in session.get_available_partitions()
                for region in session.get_available_regions("backup", partition_name=partition)}
    assert region_partitions() == expected
    assert "us-east-1" in backup_regions_in("aws") and partitions_of(["us-east-1", "eu-west-1"]) == {"aws"}
