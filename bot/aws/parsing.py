"""Response parsing for large answers: botocore's generic parser, minus its cost where the bot reads 100,000s of rows.

An organisation-wide digest reads about a thousand 500-row ListRestoreJobSummaries pages. botocore's parser walks
the model for every member of every row and builds a dateutil-aware datetime for every timestamp: many times the
CPU of json.loads a page (`python -m bench.parsing` measures both), and the pages of every region are parsed under
one GIL. Two changes, both per session (never process-wide), everything else left to botocore (errors, retries,
other operations), through bot.aws.botocore_internals:

* timestamps are handed over as sent (epoch seconds in this protocol); the bot converts each distinct value once
  (bot.aws.rows.as_utc). The AWS CLI switches the parser the same way (its cli_timestamp_format=none).
* a ListRestoreJobSummaries page that succeeded is read with json.loads and cut to the modeled members; its rows
  are flat (strings, a count, two timestamps), so the model walk adds nothing but time.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.model import Shape

from bot.aws.botocore_internals import ShortcutParserFactory, botocore_session, use_parser_factory

SUMMARIES_OUTPUT = "ListRestoreJobSummariesOutput"
# Outputs whose rows are flat (strings, numbers, timestamps), read with json.loads: the summaries, and protected
# resources (`/restores coverage` reads 300 1,000-row pages for 50 accounts x 3 regions x 2,000 resources).
FLAT_OUTPUTS = frozenset({SUMMARIES_OUTPUT, "ListProtectedResourcesOutput"})


def _raw_timestamp(value: Any) -> Any:
    return value


def flat_summary_page(body: bytes, shape: Shape) -> dict[str, Any] | None:
    """A ListRestoreJobSummaries (or ListProtectedResources) page cut to its modeled members; None for any other
    output (botocore parses it)."""
    if shape.name not in FLAT_OUTPUTS:
        return None
    page = json.loads(body)
    if not isinstance(page, dict):
        return None
    return {name: value for name, value in page.items() if name in shape.members}


def fast_parser_factory() -> ShortcutParserFactory:
    """botocore's factory, with raw timestamps and flat summary pages."""
    return ShortcutParserFactory(flat_summary_page, _raw_timestamp)


def install(session: Any) -> None:
    """Use the fast parsers for every client the (boto3) session creates from now on."""
    core = botocore_session(session)
    if core is not None:
        use_parser_factory(core, fast_parser_factory())
