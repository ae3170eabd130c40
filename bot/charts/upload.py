"""A trend chart to Slack: drawn by the renderer process (bot.charts.renderer), uploaded with files_upload_v2, or why
it could not be."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.charts.render import ChartFile, DailySeries
from bot.charts.renderer import render_png
from bot.slack.errors import hint, slack_error_code

log = logging.getLogger(__name__)

FILENAME = "restore-trend.png"
@dataclass(frozen=True)
class ChartUpload:
    """An uploaded chart (`file`), or Slack's error code (or the exception's name) when there is none."""

    file: ChartFile | None
    error: str = ""

    @property
    def hint(self) -> str:
        return hint(self.error, scope="files:write")


def upload_chart(
    client: WebClient,
    series: DailySeries,
    *,
    title: str | None = None,
    channel: str | None = None,
    initial_comment: str | None = None,
) -> ChartUpload:
    """Render `series` and upload it. Without `channel` the file stays private to the bot (not shared as a message of
    its own) and is shown by its id in the bot's own messages. Never raises: a chart is an extra, and whoever asked
    for it falls back to the text trend, so every failure is logged (the code, never the request) and returned."""
    title = title or series.title
    try:
        png = render_png(series)
    except Exception as error:  # a broken matplotlib install or a dead renderer must not cost the digest its post
        log.warning("rendering the trend chart failed: %s", error)
        return ChartUpload(None, "render_failed")
    try:
        response = client.files_upload_v2(
            file=png, filename=FILENAME, title=title, alt_txt=series.alt_text(), channel=channel,
            initial_comment=initial_comment,
        )
    except SlackApiError as error:
        code = slack_error_code(error)
        advice = hint(code, scope="files:write")
        log.warning("chart upload refused channel=%s error=%s%s", channel or "-", code, f" ({advice})" if advice else "")
        return ChartUpload(None, code)
    except Exception as error:  # the upload URL refused the bytes (SlackRequestError), or Slack is unreachable
        log.warning("chart upload failed channel=%s error=%s", channel or "-", type(error).__name__)
        return ChartUpload(None, type(error).__name__)
    file_id = str((response.get("file") or {}).get("id") or "")
    if not file_id:
        log.warning("chart upload answered without a file id channel=%s", channel or "-")
        return ChartUpload(None, "no_file_id")
    log.info("chart uploaded file=%s channel=%s bytes=%d", file_id, channel or "-", len(png))
    return ChartUpload(ChartFile(file_id, series.alt_text(), title))
