"""Response parsing for large answers: botocore's generic parser, minus its cost where the bot reads 100,000s of rows.

An organisation-wide digest reads about a thousand 500-row ListRestoreJobSummaries pages. botocore's parser walks
the model for every member of every row and builds a dateutil-aware datetime for every timestamp: about 13 ms of
CPU a page, against 0.6 ms for json.loads, and the pages of every region are parsed under one GIL. Two changes,
both per session (never process-wide), everything else left to botocore (errors, retries, other operations):

* timestamps are handed over as sent (epoch seconds in this protocol); the bot converts each distinct value once
  (bot.aws.client.as_utc). The AWS CLI switches the parser the same way (its cli_timestamp_format=none).
* a ListRestoreJobSummaries page that succeeded is read with json.loads and cut to the modeled members; its rows
  are flat (strings, a count, two timestamps), so the model walk adds nothing but time.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from botocore.model import Shape
from botocore.parsers import PROTOCOL_PARSERS, ResponseParserFactory

SUMMARIES_OUTPUT = "ListRestoreJobSummariesOutput"


def _raw_timestamp(value: Any) -> Any:
    return value


def _flat_page_parser(base: type) -> type:
    class FlatSummaryPages(base):  # type: ignore[misc]
        def _do_parse(self, response: dict[str, Any], shape: Shape | None) -> dict[str, Any]:
            if shape is None or shape.name != SUMMARIES_OUTPUT or not response.get("body"):
                return super()._do_parse(response, shape)  # type: ignore[no-any-return]
            body = json.loads(response["body"])
            if not isinstance(body, dict):
                return super()._do_parse(response, shape)  # type: ignore[no-any-return]
            members = shape.members
            parsed = {name: value for name, value in body.items() if name in members}
            parsed["ResponseMetadata"] = self._populate_response_metadata(response)
            return parsed

    return FlatSummaryPages


class FastParserFactory(ResponseParserFactory):  # type: ignore[misc]
    """botocore's factory, with raw timestamps and flat summary pages for the protocol AWS Backup speaks."""

    _flat: ClassVar[dict[str, type]] = {}  # one parser class per protocol, made once

    def __init__(self) -> None:
        super().__init__()
        self.set_parser_defaults(timestamp_parser=_raw_timestamp)

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name not in self._flat:
            self._flat[protocol_name] = _flat_page_parser(PROTOCOL_PARSERS[protocol_name])
        return self._flat[protocol_name](**self._defaults)


def install(session: Any) -> None:
    """Use the fast parsers for every client the (boto3) session creates from now on."""
    core = getattr(session, "_session", None)
    if core is not None:
        core.register_component("response_parser_factory", FastParserFactory())
