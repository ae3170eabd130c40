"""What an export read and wrote, as plain values: its chains, their failures, the files, and Slack's answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from bot.domain.results import RegionFailure
from bot.export.grammar import ExportQuery


@dataclass(frozen=True)
class Chain:
    """One ListRestoreJobs chain: a region and an account (None: the bot's own, no ByAccountId)."""

    region: str
    account: str | None


@dataclass(frozen=True)
class ChainFailure:
    """A chain that did not answer to its last page; the `rows` it gave before are in the export."""

    chain: Chain
    failure: RegionFailure
    rows: int


@dataclass(frozen=True)
class ExportFile:
    """One part to upload, rewound: `name` e.g. restores-export-30d-20261206-part2.csv."""

    name: str
    title: str
    data: IO[bytes]
    size: int


@dataclass(frozen=True)
class Uploaded:
    """What Slack said: `error` empty when every part was shared to the channel; `hint` what to do otherwise."""

    error: str = ""
    hint: str = ""


# The handler's way to Slack: share the files to the request's channel with one message (the comment).
Upload = Callable[[list[ExportFile], str], Uploaded]
AccountName = Callable[[str], str]  # an account id's name; "" when unknown


@dataclass
class ExportResult:
    """What an export read and wrote. Every failure and note is the trailer's and the message's to state."""

    query: ExportQuery
    window: tuple[datetime, datetime]
    aws_clock: bool  # the window ends at AWS's time (False: this host's, AWS not heard yet)
    scope: str  # which accounts, in words
    rows: int = 0
    parts: list[IO[bytes]] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    failures: list[ChainFailure] = field(default_factory=list)
    unasked: tuple[RegionFailure, ...] = ()  # regions where no account could be asked
    notes: tuple[str, ...] = ()  # what the chains cannot cover, in words
    too_large: str = ""  # why the export was refused: it needs more than MAX_PARTS parts
    calls: int = 0
    elapsed: float = 0.0

    @property
    def complete(self) -> bool:
        return not (self.failures or self.unasked or self.notes or self.too_large)

    def files(self) -> list[ExportFile]:
        stamp = f"{self.window[1]:%Y%m%d}"
        base = f"restores-export-{self.query.days}d-{stamp}"
        many = len(self.parts) > 1
        return [
            ExportFile(
                name=f"{base}-part{n}.csv" if many else f"{base}.csv",
                title=f"Restore jobs, last {self.query.days} days" + (f" (part {n} of {len(self.parts)})" if many else ""),
                data=data,
                size=size,
            )
            for n, (data, size) in enumerate(zip(self.parts, self.sizes, strict=True), start=1)
        ]

    def close(self) -> None:
        for part in self.parts:
            part.close()
