"""The digest's weekly restore coverage line (pure): "Restore coverage (30 days): 36 of 40 protected resources restored
(validated where tested); 2 restore-critical not restored — `/restores coverage`". Its words are figures, never a
claim: it neither grants nor removes the digest's all clear (DigestSection.informational), and what was not read is
said before the figures, which then count only what was read."""

from __future__ import annotations

from slack_sdk.models.blocks import DividerBlock

from bot.digest.render import DigestSection
from bot.domain.query import COMMAND
from bot.domain.recoverability import CoverageRead
from bot.domain.words import plural
from bot.recoverability.verdicts import CoverageVerdict
from bot.slack.blocks import clip, escape, fmt, one_line, section

TITLE = "Restore coverage"
NOT_READ_CHARS = 600  # what was not read, in the line; `/restores coverage` names every part


def coverage_line(read: CoverageRead, verdict: CoverageVerdict, *, days: int, command: str = COMMAND) -> str | None:
    """The line, or None when there is nothing to say: every account and region read, and no protected resource."""
    total = verdict.total
    if not read.not_read and not total.resources:
        return None
    figure = (f"{fmt(total.proven)} of {plural(total.resources, 'protected resource')} restored (validated where "
              f"tested){_critical(read, verdict)} — `{command} coverage`")
    if not read.not_read:
        return f"*{TITLE} ({days} days):* {figure}"
    gaps = escape(clip(one_line("; ".join(read.not_read)), NOT_READ_CHARS))
    return f":warning: *{TITLE} ({days} days), incomplete:* not read: {gaps}. Of what was read, {figure}"


def _critical(read: CoverageRead, verdict: CoverageVerdict) -> str:
    """The restore-critical resources without a good restore, a lower bound (and said so) where anything is unread."""
    if read.critical is None:
        return "; restore-critical tags not read"
    count = sum(1 for r in verdict.unproven if r.arn in read.critical)
    where = f" (tags not read in {escape(clip(one_line(', '.join(read.tags_not_read)), 200))})" \
        if read.tags_not_read else ""
    if read.not_read or read.tags_not_read:
        return f"; at least {fmt(count)} restore-critical not restored{where}" if count else \
            f"; restore-critical not all known{where}"
    return f"; {fmt(count)} restore-critical not restored" if count else ""


def coverage_summary(read: CoverageRead, verdict: CoverageVerdict, *, days: int) -> str:
    """What the notification says of it."""
    if read.not_read:
        return f"restore coverage ({days} days) incomplete"
    return f"restore coverage ({days} days) {fmt(verdict.total.proven)} of {fmt(verdict.total.resources)}"


def coverage_section(line: str, summary: str) -> DigestSection:
    return DigestSection([DividerBlock(), section(line)], summary, informational=True)


def unread_section(days: int, why: str) -> DigestSection:
    """The coverage could not be read at all (an error the reads did not turn into words): said, never left out."""
    line = f":warning: *{TITLE} ({days} days):* could not be read ({escape(clip(one_line(why), 200))})."
    return coverage_section(line, f"restore coverage ({days} days) not read")


def joined(*parts: DigestSection | None) -> DigestSection | None:
    """The sections one after another (restore testing, then coverage), under one divider; informational only when
    each part is."""
    present = [p for p in parts if p is not None]
    if not present:
        return None
    blocks = list(present[0].blocks)
    for part in present[1:]:
        blocks += [b for n, b in enumerate(part.blocks) if n or not isinstance(b, DividerBlock)]
    return DigestSection(blocks, "; ".join(p.summary for p in present if p.summary),
                         informational=all(p.informational for p in present))
