"""The digest's chart in a run: uploaded once per scope, shown in each channel's post, and the wait while Slack
processes the file before a post may show it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import sleep
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.charts.render import ChartFile
from bot.charts.upload import ChartUpload
from bot.slack.blocks import Message
from bot.slack.post import send

log = logging.getLogger(__name__)


# While Slack is still processing an uploaded file, an image block showing it is refused ("invalid slack file"); the
# delays before trying again (slack-sdk issues report about a second), then the digest goes out with the text trend.
FILE_WAITS = (1.0, 2.0, 4.0)


class DigestChart:
    """One scope's chart in a run: uploaded when the first of its channels is posted to (never for a dry run, a
    skipped or an already posted channel), then shown in each of them; forgotten once Slack will not show it, so the
    rest of the run posts the text trend at once."""

    def __init__(self, upload: Callable[[], ChartUpload], render: Callable[[ChartFile], Message]) -> None:
        self._upload = upload
        self._render = render
        self._message: Message | None = None
        self._tried = False
        self.error = ""  # why the digest has no chart: the upload's error, or that Slack would not show the file

    def message(self) -> Message | None:
        """The digest with the chart, or None (the text trend) when the chart could not be uploaded."""
        if not self._tried:
            self._tried = True
            try:
                upload = self._upload()
                self.error = upload.error
                self._message = self._render(upload.file) if upload.file is not None else None
            except Exception:  # the chart is an extra: the digest goes out without it
                log.exception("digest chart failed; posting the text trend")
                self.error = "chart_failed"
        return self._message

    def refused(self) -> None:
        self._message = None
        self.error = "file_not_shown"


def post_with_chart(client: WebClient, channel: str, message: Message, metadata: dict[str, Any]) -> SlackResponse | None:
    """Post the digest that shows the chart, waiting while Slack processes its file; None if Slack still refused the
    file after FILE_WAITS (any other refusal is raised, as for the text digest)."""
    for wait in (0.0, *FILE_WAITS):
        sleep(wait)
        try:
            return send(client, channel, message, metadata)
        except SlackApiError as error:
            problems = (error.response.get("errors") if error.response is not None else None) or []
            if error.response is None or error.response.get("error") != "invalid_blocks" or not any(
                "slack_file" in str(problem) for problem in problems
            ):
                raise
    log.warning("digest channel=%s: Slack would not show the chart's file after %.0f s; posting the text trend",
                channel, sum(FILE_WAITS))
    return None
