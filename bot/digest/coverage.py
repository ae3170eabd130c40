"""The weekly restore coverage line of the digest (issue 21): read through `/restores coverage`'s own service for each
channel scope, once per run, over the 30 days that end with the digest's day.

Once a week, in the digest of each Sunday (a UTC day, as every digest is about one): channels get it with Monday's
digest. The digest's own day decides, not a channel's wall clock: one rendering per scope is shared by every channel
of a run whatever their time zones, and a retry or catch-up run posts that same digest, line included. A constant, not
a setting: one weekly rhythm serves every channel, and `/restores coverage` answers any day."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from bot.digest.render import DigestSection
from bot.digest.render_coverage import coverage_line, coverage_section, coverage_summary, unread_section
from bot.domain.query import COMMAND
from bot.recoverability.grammar import CoverageQuery
from bot.recoverability.service import Recoverability
from bot.recoverability.verdicts import cover

log = logging.getLogger(__name__)

COVERAGE_WEEKDAY = calendar.SUNDAY  # the digest day that carries the line: Monday's digest
COVERAGE_DAYS = 30

SectionFor = Callable[[frozenset[str] | None], DigestSection | None]


def coverage_due(day: date) -> bool:
    """Whether the digest of `day` (a UTC day) carries the coverage line."""
    return day.weekday() == COVERAGE_WEEKDAY


def coverage_end(day: date) -> datetime:
    """The window's end: the end of the digest's day (a retry later that week reads the same 30 days)."""
    return datetime.combine(day + timedelta(days=1), time.min, UTC)


def coverage_sections(recoverability: Recoverability | None, regions: tuple[str, ...], day: date,
                      command: str = COMMAND) -> SectionFor:
    """The coverage line per channel scope (None: every account), for a digest of `day`; nothing on other days, or
    when the bot has no coverage reader. Each scope is read once per run, its accounts only, on first need."""
    if recoverability is None or not coverage_due(day):
        return lambda visible: None
    query = CoverageQuery(days=COVERAGE_DAYS, regions=regions)
    read: dict[frozenset[str] | None, DigestSection | None] = {}

    def section(visible: frozenset[str] | None) -> DigestSection | None:
        if visible not in read:
            read[visible] = _section(recoverability, query, visible, coverage_end(day), command)
        return read[visible]

    return section


def _section(recoverability: Recoverability, query: CoverageQuery, visible: frozenset[str] | None, end: datetime,
             command: str) -> DigestSection | None:
    try:
        coverage = recoverability.coverage(query, visible, now=end)
    except Exception as error:  # an extra line never stops the digest: said in it, logged here
        log.exception("digest coverage could not be read")
        return unread_section(query.days, type(error).__name__)
    verdict = cover(coverage)
    log.info("digest coverage resources=%d proven=%d calls=%d not_read=%d", verdict.total.resources,
             verdict.total.proven, coverage.calls, len(coverage.not_read))
    line = coverage_line(coverage, verdict, days=query.days, command=command)
    return coverage_section(line, coverage_summary(coverage, verdict, days=query.days)) if line else None
