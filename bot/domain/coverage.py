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
class OnlyAccount:
    """AWS showed an organisation-wide question (AccountId ANY or AGGREGATE_ALL, or another named account) only the
    bot's own account: the bot is not the organisation's management account, and AWS gave nothing that proves it sees
    more (a member account sees only its own restore jobs). `shown`: the answer's rows named no other account; False:
    its rows cannot tell (sums, or nothing for the account asked), so it "may". `management`: the organisation's
    management account; None: the bot could not ask Organizations (`grant`: the IAM action that would tell)."""

    account: str
    shown: bool = True
    management: str | None = None
    grant: str = ""

    @property
    def note(self) -> str:
        """The words every renderer says about it (the digest, the answers, the Home tab, drill-downs)."""
        said = "shows" if self.shown else "may show"
        if self.management is None:
            why = ("whether it sees the organisation could not be told"
                   + (f" (grant {self.grant})" if self.grant else ""))
        else:
            why = (f"it is not the organisation's management account ({self.management}), and a member account sees "
                   "only its own jobs: run it in the management account or a delegated administrator for AWS Backup "
                   "to see the organisation")
        return f"AWS {said} only account {self.account} to this bot; {why}"


@dataclass(frozen=True)
class Coverage:
    """What was not read of what was asked, each part in words for the user (a region that failed or was cut short, an
    account not read, a deadline hit), and `limits`: what else keeps it from complete, in words of their own (AWS showed
    the bot one account of the organisation). Empty: complete."""

    not_read: tuple[str, ...] = ()
    limits: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.not_read and not self.limits

    @classmethod
    def of(cls, *parts: Iterable[str], only_account: OnlyAccount | None = None) -> Coverage:
        limits = (only_account.note,) if only_account is not None else ()
        return cls(tuple(dict.fromkeys(word for part in parts for word in part)), limits)


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
        said = [f"{', '.join(coverage.not_read)} not read"] if coverage.not_read else []
        gaps = "; ".join(said + list(coverage.limits))
        if style == "fragment":
            return f"incomplete ({gaps})"
        return f":warning: *Incomplete:* {gaps}, so this is not an all clear."
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
