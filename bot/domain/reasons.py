"""Failure reasons: a StatusMessage with its resource ids taken out, so one cause on many resources is one group."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from bot.domain.results import RestoreJobRow

_REASON_IDS = (
    (re.compile(r"arn:aws[a-z-]*:[^\s'\"]+"), "<ARN>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b(?:vol|i|subnet|sg|snap|ami|vpc|eni|fs|fsvol|rtb|igw)-[0-9a-f]{8,17}\b"), "<id>"),
    (re.compile(r"\b[0-9]{12}\b"), "<account>"),
)


def reason_key(message: str) -> str:
    """A failure reason with its resource ids taken out, so the same cause on different resources groups."""
    key = message.strip() or "(no status message)"
    for pattern, placeholder in _REASON_IDS:
        key = pattern.sub(placeholder, key)
    return key


def group_reasons(jobs: Sequence[RestoreJobRow]) -> dict[str, list[RestoreJobRow]]:
    groups: dict[str, list[RestoreJobRow]] = defaultdict(list)
    for job in jobs:
        groups[reason_key(job.status_message)].append(job)
    return groups
