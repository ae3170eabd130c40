"""Every use of botocore's (and boto3's) private parts, in one place. tests/unit/aws/test_botocore_internals.py fails
when a release moves one of them; each is here because no public API does the job (the line above it says why)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from botocore.model import Shape
from botocore.parsers import PROTOCOL_PARSERS, ResponseParserFactory

# A parser's shortcut: the parsed page from a response body and its output shape, or None for botocore's own walk.
Shortcut = Callable[[bytes, Shape], "dict[str, Any] | None"]


def botocore_session(session: Any) -> Any:
    """The botocore session behind a boto3 one (None for a stand-in without one)."""
    # boto3 has no public accessor for the botocore session it wraps.
    return getattr(session, "_session", None)


def attach_credentials(core: Any, credentials: Any) -> None:
    """Make `credentials` (e.g. botocore's DeferredRefreshableCredentials) the ones a botocore session signs with."""
    # botocore has no public setter for refreshable credentials (set_credentials makes static ones); its
    # get_credentials() returns this attribute once set, as for boto3's own assume-role providers.
    core._credentials = credentials


def use_parser_factory(core: Any, factory: ResponseParserFactory) -> None:
    """Parse the responses of every client `core` creates from now on with `factory`'s parsers."""
    # No Config option chooses the parser; the AWS CLI swaps its parser factory through the same component.
    core.register_component("response_parser_factory", factory)


def _with_shortcut(base: type) -> type:
    class ShortcutParser(base):  # type: ignore[misc]
        shortcut: Shortcut | None = None

        def _do_parse(self, response: dict[str, Any], shape: Shape | None) -> dict[str, Any]:
            # botocore calls _do_parse for a response that succeeded only; errors keep botocore's own parsing.
            body = response.get("body")
            parsed = self.shortcut(body, shape) if self.shortcut and shape is not None and body else None
            if parsed is None:
                return super()._do_parse(response, shape)  # type: ignore[no-any-return]
            parsed["ResponseMetadata"] = self._populate_response_metadata(response)
            return parsed

    return ShortcutParser


class ShortcutParserFactory(ResponseParserFactory):  # type: ignore[misc]
    """botocore's parser factory with a timestamp parser of its own, whose parsers try `shortcut` first."""

    _classes: ClassVar[dict[str, type]] = {}  # one parser class per protocol, made once

    def __init__(self, shortcut: Shortcut, timestamp_parser: Callable[[Any], Any]) -> None:
        super().__init__()
        self.set_parser_defaults(timestamp_parser=timestamp_parser)
        self._shortcut = shortcut

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name not in self._classes:
            self._classes[protocol_name] = _with_shortcut(PROTOCOL_PARSERS[protocol_name])
        parser = self._classes[protocol_name](**self._defaults)
        parser.shortcut = self._shortcut
        return parser
