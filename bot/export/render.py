"""The export's words: the CSV's trailer, the comment the files are shared with, and what the asking user is told.
Incompleteness comes first, in words, wherever the export is described."""

from __future__ import annotations

from bot.domain.words import rolling_text
from bot.export.grammar import ExportQuery
from bot.export.result import ExportResult, Uploaded
from bot.export.table import TIME_FORMAT
from bot.slack.blocks import SAMPLE_NOTE, Message, clip, code, context, escape, fmt, one_line, section

MAX_NAMED = 10  # failures named in a message (the trailer names every one)


def window_text(result: ExportResult) -> str:
    start, end = result.window
    clock = "AWS's clock" if result.aws_clock else "this host's clock: AWS's was not heard yet"
    return f"created {start:{TIME_FORMAT}} to {end:{TIME_FORMAT}} UTC ({clock})"


def rolling_window(result: ExportResult) -> str:
    """The window in the rolling form every answer in Slack states (words.rolling_text): "last 7 days, to 6 Dec
    11:19 UTC"; the CSV's trailer keeps the exact moments (window_text), as evidence."""
    start, end = result.window
    clock = "" if result.aws_clock else " (this host's clock: AWS's was not heard yet)"
    return f"{rolling_text(end - start, end)}{clock}"


def missing(result: ExportResult) -> list[str]:
    """Everything the export does not hold, each in a line of its own."""
    lines = [f"{f.region}: {f.message}" for f in result.unasked]
    for failed in result.failures:
        account = f" account {failed.chain.account}" if failed.chain.account else ""
        lines.append(f"{failed.chain.region}{account}: {failed.failure.message} (stopped after {fmt(failed.rows)} "
                     "jobs, which are in the file)")
    if result.too_large:
        lines.append(f"the export stopped at {result.too_large}")
    return lines


def trailer(result: ExportResult) -> str:
    """The CSV's last line: the window, the accounts and regions, the rows, and anything not read."""
    head = (f"restore jobs {window_text(result)}, every state, {result.scope}, regions "
            f"{', '.join(result.query.regions)}: {result.rows:,} rows")
    gaps = missing(result)
    if gaps:
        head += "; INCOMPLETE, not read: " + "; ".join(gaps)
    if result.notes:
        head += ("; also " if gaps else "; MAY BE INCOMPLETE: ") + "; ".join(result.notes)
    return head if gaps or result.notes else head + "; every region and account asked answered to its last page"


def _incomplete(result: ExportResult) -> str:
    """The headline's first word when the file may not hold every job: read failures, or what the reads cannot cover."""
    if missing(result):
        return "Incomplete"
    return "May be incomplete" if result.notes else ""


def _headline(result: ExportResult) -> str:
    word = _incomplete(result)
    if not word:
        return f"{fmt(result.rows)} restore jobs"
    why = "not everything could be read" if word == "Incomplete" else "see below"
    return f":warning: *{word}:* {fmt(result.rows)} restore jobs, {why}"


def _gap_lines(result: ExportResult) -> str:
    lines = [f"• {escape(one_line(line))}" for line in missing(result) + list(result.notes)]
    if len(lines) > MAX_NAMED:
        lines = lines[:MAX_NAMED] + [f"• and {len(lines) - MAX_NAMED} more: the file's last line names every one"]
    return clip("\n".join(lines), 2500)


def upload_comment(result: ExportResult, command: str, *, sample: bool = False) -> str:
    """The message the files are shared with, in the channel: rows, window, scope and what is missing."""
    parts = f" in {len(result.parts)} files (each with its header row)" if len(result.parts) > 1 else ""
    text = (f":page_facing_up: {_headline(result)}{parts} from {code(f'{command} {result.query.to_text()}')}: "
            f"{escape(rolling_window(result))}; {escape(result.scope)}; regions {escape(', '.join(result.query.regions))}.")
    if not result.complete:
        text += "\n" + _gap_lines(result)
    if sample:
        text = SAMPLE_NOTE + "\n" + text
    return clip(text, 3900)


def render_posted(result: ExportResult, command: str) -> Message:
    files = "files" if len(result.parts) > 1 else "file"
    text = f"Posted the export ({fmt(result.rows)} restore jobs) to this channel as a CSV {files}."
    blocks = [section(f"{_headline(result)}: posted to this channel as a CSV {files}."),
              context(escape(rolling_window(result)), code(f"{command} {result.query.to_text()}"))]
    if not result.complete:
        blocks.insert(1, section(_gap_lines(result)))
        text = f"{_incomplete(result)}: {text}"
    return Message(text=text, blocks=blocks)


def render_too_large(result: ExportResult, command: str) -> Message:
    """Refused rather than cut: a part of an audit's evidence is worse than none that says why."""
    text = (f"The export is too large for Slack here: {result.too_large} (Slack takes files up to 1 GB; the bot splits "
            "exports into smaller parts). Nothing was posted.")
    advice = (f"Narrow it (`{command} export 7d`, one `account:`, a `region:`) or write it to a file with "
              f"`python -m bot export {result.query.to_text().removeprefix('export ')} > restores.csv`.")
    return Message(text=text, blocks=[section(f":no_entry: {escape(text)}"), section(advice)])


def render_export_failed(result: ExportResult, uploaded: Uploaded, command: str) -> Message:
    why = uploaded.hint or f"Slack refused the upload ({uploaded.error})"
    text = f"The export ({fmt(result.rows)} restore jobs) could not be posted: {why}."
    return Message(text=text, blocks=[section(f":warning: {escape(text)}"),
                                      context(code(f"{command} {result.query.to_text()}"))])


def render_no_channel(command: str, query: ExportQuery) -> Message:
    text = (f"An export is posted as a file to the channel it was asked in, and this request came without one. "
            f"Run `{command} {query.to_text()}` in a channel, or `python -m bot export` for a file here.")
    return Message(text=text, blocks=[section(escape(text))])


def render_started(query: ExportQuery, command: str) -> Message:
    """The first answer while the jobs are read: an export of many accounts takes minutes."""
    text = (f"Exporting every restore job of the last {query.days} days; the CSV will be posted to this channel "
            "when it is read in full.")
    return Message(text=text, blocks=[section(f":hourglass_flowing_sand: {text}"),
                                      context(code(f"{command} {query.to_text()}"))])
