"""What an answer covered, and the one function that may turn complete data into reassuring words (pure).

Every reassuring word the bot says ("All clear", "Restores work", "No failed …", the check mark) is written here and
nowhere else (tests/unit/test_architecture.py scans bot/ for them): `reassure` gives the words only for complete
coverage, and the incomplete wording otherwise, so no renderer can reassure about what was not read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

MARK = ":white_check_mark:"  # the check mark: only ever from reassure()
LEAK_ICON = ":money_with_wings:"


@dataclass(frozen=True)
class Coverage:
    """What was not read of what was asked, each part in words for the user (a region that failed or was cut short, an
    account not read, a deadline hit). Empty: complete."""

    not_read: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.not_read

    @classmethod
    def of(cls, *parts: Iterable[str]) -> Coverage:
        return cls(tuple(dict.fromkeys(word for part in parts for word in part)))


class Claim(StrEnum):
    ALL_CLEAR = "All clear"
    NO_FAILED = "No failed or aborted restores"
    NO_JOBS = "No {what} restore jobs"
    RESTORES_WORK = "Restores work:"
    RESTORES_WORK_BUT_LEAK = "Restores work, but restored resources leak:"
    PASSED = ""  # the check mark alone, for a line whose own words say what passed


Style = Literal["mark", "bold", "sentence", "fragment"]


def reassure(coverage: Coverage, claim: Claim, detail: str = "", *, style: Style = "mark", what: str = "") -> str:
    """The claim with `detail` after it, when coverage is complete: "mark" with the check mark and the claim in bold
    (mrkdwn), "bold" without the mark, "sentence" as plain words, "fragment" lower-cased for the middle of a
    notification. Incomplete: never the claim, but what was not read and that this is not an all clear."""
    if not coverage.complete and claim is Claim.PASSED:
        return ":warning:" if style == "mark" else ""
    if not coverage.complete:
        gaps = ", ".join(coverage.not_read)
        if style == "fragment":
            return f"incomplete ({gaps} not read)"
        return f":warning: *Incomplete:* {gaps} not read, so this is not an all clear."
    words = claim.value.format(what=what)
    if claim is Claim.PASSED:
        return MARK if style == "mark" else ""
    if style == "fragment":
        return words[:1].lower() + words[1:] + detail
    if style == "sentence":
        return words + detail
    if style == "bold":
        return f"*{words}*{detail}"
    icon = LEAK_ICON if claim is Claim.RESTORES_WORK_BUT_LEAK else MARK
    return f"{icon} *{words}*{detail}"
