"""The restore history button's value: what it encodes decodes to the same resource; anything tampered, of another
partition than its region's, or whose ARN disagrees with its account or region is stale (a value of another partition
altogether is the access policy's to refuse: tests/scenario/test_recoverability.py)."""

from __future__ import annotations

import json

import pytest

from bot.answers.controls import StaleAction
from bot.recoverability.controls import HistoryValue

ARN = "arn:aws:rds:eu-west-1:444455556666:db:orders-db"


def test_round_trip() -> None:
    value = HistoryValue(ARN, "444455556666", "eu-west-1")
    assert HistoryValue.decode(value.encode()) == value
    bucket = HistoryValue("arn:aws:s3:::media", "444455556666", "eu-west-1")
    assert HistoryValue.decode(bucket.encode()) == bucket


@pytest.mark.parametrize("raw", [
    None, "", "x" * 3000, "[]", json.dumps({"v": 1, "a": ARN, "c": "444455556666"}),
    json.dumps({"v": 2, "a": ARN, "c": "444455556666", "r": "eu-west-1"}),
    HistoryValue(ARN, "111122223333", "eu-west-1").encode(),  # the ARN's account is another
    HistoryValue(ARN, "444455556666", "us-east-1").encode(),  # the ARN's region is another
    HistoryValue(ARN.replace("aws:", "aws-cn:", 1), "444455556666", "eu-west-1").encode(),
    HistoryValue(ARN, "4444", "eu-west-1").encode(), HistoryValue("not-an-arn", "444455556666", "eu-west-1").encode(),
])
def test_tampered_values_are_stale(raw: object) -> None:
    with pytest.raises(StaleAction):
        HistoryValue.decode(raw)
