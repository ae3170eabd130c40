"""Failure reasons grouped by cause: resource ids (ARNs, UUIDs, EC2-style ids, account numbers) are taken out, so one
cause on many resources is one group, and different causes stay apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.reasons import group_reasons, reason_key
from bot.domain.results import RestoreJobRow


@pytest.mark.parametrize(("message", "key"), [
    ("Access denied for arn:aws:iam::111122223333:role/restore-role", "Access denied for <ARN>"),
    ("Access denied for arn:aws-us-gov:iam::111122223333:role/r", "Access denied for <ARN>"),
    ("Snapshot 'arn:aws:ec2:us-east-1::snapshot/snap-0123abcd' not found", "Snapshot '<ARN>' not found"),
    ("Job 1F2E3D4C-5B6A-4978-8695-A4B3C2D1E0F9 failed", "Job <id> failed"),
    ("Volume vol-0123456789abcdef0 in subnet-0a1b2c3d is busy", "Volume <id> in <id> is busy"),
    ("Instance i-0abc1234 stopped", "Instance <id> stopped"),
    ("Account 111122223333 is suspended", "Account <account> is suspended"),
    ("  Insufficient capacity  ", "Insufficient capacity"),
    ("", "(no status message)"),
    ("   ", "(no status message)"),
])
def test_resource_ids_are_taken_out(message: str, key: str) -> None:
    assert reason_key(message) == key


@pytest.mark.parametrize("message", [
    "Quota of 1000000000000 bytes exceeded",  # 13 digits: not an account
    "Error code 11112222333",  # 11 digits
    "volume-0123456789 is not an EC2 id",  # no such prefix
    "i-0abc is too short to be an instance id",
])
def test_other_numbers_and_words_are_left_alone(message: str) -> None:
    assert reason_key(message) == message


def job(message: str, job_id: str) -> RestoreJobRow:
    return RestoreJobRow("us-east-1", "111122223333", job_id, "FAILED", message, "EBS",
                         datetime(2026, 3, 14, tzinfo=UTC), f"arn:aws:ec2:us-east-1:111122223333:volume/{job_id}")


def test_one_cause_on_many_resources_is_one_group_in_first_seen_order() -> None:
    jobs = [
        job("Volume vol-0123456789abcdef0 is busy", "j1"),
        job("Role arn:aws:iam::111122223333:role/a lacks kms:Decrypt", "j2"),
        job("Volume vol-0fedcba987654321f is busy", "j3"),
        job("Role arn:aws:iam::444455556666:role/b lacks kms:Decrypt", "j4"),
        job("", "j5"),
    ]
    groups = group_reasons(jobs)
    assert list(groups) == ["Volume <id> is busy", "Role <ARN> lacks kms:Decrypt", "(no status message)"]
    assert [[j.job_id for j in members] for members in groups.values()] == [["j1", "j3"], ["j2", "j4"], ["j5"]]


def test_no_jobs_no_groups() -> None:
    assert group_reasons([]) == {}
