"""The export's files to a channel: the three calls of files_upload_v2 (files.getUploadURLExternal per file, the
bytes to its upload URL, one files.completeUploadExternal sharing them all with one message), the bytes streamed
from the spooled parts.

Why not files_upload_v2 itself: it reads a file object whole into memory first (slack_sdk 3.48,
web/internal_utils.py `_to_v2_file_upload_item`: `data = file.read()`), 100 MB a part; streamed, the upload holds
http.client's 8 KB block (`python -m bench.export` measures an export's peak memory). The Web API calls are
slack_sdk's, with the bot's client's retries; only the POST of the bytes is urllib's, as slack_sdk does it."""

from __future__ import annotations

import http.client
import logging
import urllib.request
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.export.result import ExportFile, Upload, Uploaded
from bot.slack.errors import hint, slack_error_code

log = logging.getLogger(__name__)

SCOPE = "files:write"


def slack_upload(client: WebClient, channel: str) -> Upload:
    """Share export files to `channel` with one message (the comment); never raises: Slack's refusal is returned."""

    def upload(files: list[ExportFile], comment: str) -> Uploaded:
        try:
            ids = [_send(client, part) for part in files]
            client.files_completeUploadExternal(
                files=[{"id": file_id, "title": part.title} for file_id, part in zip(ids, files, strict=True)],
                channel_id=channel,
                initial_comment=comment,
            )
        except SlackApiError as error:
            code = slack_error_code(error)
            advice = hint(code, scope=SCOPE)
            log.warning("export upload refused channel=%s error=%s%s", channel, code, f" ({advice})" if advice else "")
            return Uploaded(code, advice)
        # The upload URL refused the bytes, or Slack is unreachable; http.client's own errors (IncompleteRead,
        # BadStatusLine...) come from reading the answer, which urllib does not wrap in URLError.
        except (URLError, OSError, http.client.HTTPException) as error:
            log.warning("export upload failed channel=%s error=%s", channel, type(error).__name__)
            return Uploaded(type(error).__name__)
        log.info("export uploaded channel=%s files=%d bytes=%d", channel, len(files), sum(f.size for f in files))
        return Uploaded()

    return upload


def _send(client: WebClient, part: ExportFile) -> str:
    """One file's bytes to the upload URL Slack gives for it; its file id."""
    ticket = client.files_getUploadURLExternal(filename=part.name, length=part.size)
    # The URL is Slack's answer to the bot's own call (https://files.slack.com/...), not user input.
    request = urllib.request.Request(  # noqa: S310
        str(ticket["upload_url"]), data=part.data, method="POST",
        headers={"Content-Length": str(part.size), "Content-Type": "application/octet-stream"},
    )
    handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPSHandler(context=client.ssl)]
    if client.proxy:
        handlers.append(urllib.request.ProxyHandler({"http": client.proxy, "https": client.proxy}))
    with urllib.request.build_opener(*handlers).open(request, timeout=client.timeout) as response:
        response.read()
        if response.status != 200:
            raise URLError(f"the upload URL answered {response.status}")
    return str(ticket["file_id"])
