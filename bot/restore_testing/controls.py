"""What a restore testing plan's buttons carry (TestJobsValue: the plan, which of its jobs, the window), versioned and
re-validated on every click like the answers' ActionValue."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.answers.controls import VALUE_VERSION, StaleAction, load_value, text_field, window_field
from bot.domain.regions import known_regions


class TestJobsKind(StrEnum):
    """Which of a restore testing plan's jobs a button lists."""

    FAILED = "failed"  # restores that FAILED or were ABORTED
    VALIDATION = "validation"  # validation FAILED or TIMED_OUT
    LEAKED = "leaked"  # DeletionStatus FAILED: the restored resource was not deleted


# arn:<partition>:backup:<region>:<account>:restore-testing-plan:<name>-<id>
PLAN_ARN_RE = re.compile(r"\Aarn:aws[a-z-]*:backup:([a-z0-9-]+):(\d{12}):restore-testing-plan:[A-Za-z0-9_-]{1,120}\Z")
MAX_TEST_WINDOW = timedelta(days=31)


@dataclass(frozen=True)
class TestJobsValue:
    """What a restore testing plan's button carries: the plan (its ARN names its region and account), which of its
    jobs, and the answer's window. Re-validated on every click, like ActionValue."""

    plan_arn: str
    kind: TestJobsKind
    window: tuple[datetime, datetime]

    @property
    def region(self) -> str:
        match = PLAN_ARN_RE.match(self.plan_arn)
        return match.group(1) if match else ""

    @property
    def account(self) -> str:
        match = PLAN_ARN_RE.match(self.plan_arn)
        return match.group(2) if match else ""

    def encode(self) -> str:
        data = {"v": VALUE_VERSION, "p": self.plan_arn, "k": self.kind.value,
                "w": [int(self.window[0].timestamp()), int(self.window[1].timestamp())]}
        return json.dumps(data, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def decode(cls, raw: object, *, now: datetime | None = None) -> TestJobsValue:
        data = load_value(raw)
        if set(data) != {"v", "p", "k", "w"}:
            raise StaleAction("unknown value version or fields")
        arn = text_field(data, "p")
        match = PLAN_ARN_RE.match(arn)
        if not match or match.group(1) not in known_regions():
            raise StaleAction("bad plan")
        try:
            kind = TestJobsKind(text_field(data, "k"))
        except ValueError:
            raise StaleAction("bad kind") from None
        window = window_field(data.get("w"), now or datetime.now(UTC))
        if window[1] - window[0] > MAX_TEST_WINDOW:
            raise StaleAction("window out of range")
        return cls(arn, kind, window)




# What a tests Share button may carry: `tests`, a window, account:, region: and their values, nothing else.
TESTS_TEXT_RE = re.compile(r"\Atests( [A-Za-z0-9:,_-]{1,400}){0,6}\Z")


@dataclass(frozen=True)
class TestsShareValue:
    """What the restore tests answer's Share button carries: the query as its command text (TestsQuery.to_text, without
    `share`). A click answers `<query> share` through the command's own grammar and access checks, exactly as if the
    user had typed it, so nothing in the value is trusted beyond its shape."""

    query: str

    def encode(self) -> str:
        return json.dumps({"v": VALUE_VERSION, "q": self.query}, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def decode(cls, raw: object) -> TestsShareValue:
        data = load_value(raw)
        if set(data) != {"v", "q"}:
            raise StaleAction("unknown value version or fields")
        query = text_field(data, "q")
        if not TESTS_TEXT_RE.match(query) or "share" in query.split():
            raise StaleAction("not a tests query")
        return cls(query)

    def shared(self) -> str:
        """The command text a click answers: the query, posted in the channel."""
        return f"{self.query} share"
