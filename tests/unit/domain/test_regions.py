"""The region table the pure layers validate with: botocore's endpoint data read as data, the same regions and
partitions boto3 reports, and using it (grammar, access policy, button encoding) loads no boto3."""

from __future__ import annotations

import subprocess
import sys

import boto3

from bot.domain.regions import backup_regions_in, partitions_of, region_partitions
from tests.support import REPO


def test_the_table_is_what_boto3_reports_for_every_partition() -> None:
    session = boto3.session.Session()
    expected = {region: partition for partition in session.get_available_partitions()
                for region in session.get_available_regions("backup", partition_name=partition)}
    assert region_partitions() == expected
    assert "us-east-1" in backup_regions_in("aws") and partitions_of(["us-east-1", "eu-west-1"]) == {"aws"}


def test_validating_regions_and_encoding_buttons_loads_no_boto3() -> None:
    code = (
        "import sys\n"
        "from bot.answers.grammar import parse_command\n"
        "from bot.answers.controls import ActionValue\n"
        "from bot.domain.query import RestoreFilter\n"
        "from bot.domain.regions import known_regions\n"
        "regions = tuple(sorted(r for r in known_regions() if r.startswith(('us-', 'eu-', 'ap-'))))\n"
        "parse_command('failed region:eu-west-1', regions)\n"
        "ActionValue(filter=RestoreFilter(regions=regions)).encode()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 's3transfer')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
