"""Turns a `/restores` request into a Message: allow-lists, parsing, the AWS query and rendering."""

from __future__ import annotations

import logging
import uuid

from bot.backup import BackupService
from bot.blocks import (
    Message,
    render_help,
    render_internal_error,
    render_parse_error,
    render_refusal,
    render_summary,
)
from bot.config import Settings
from bot.query import ParseError, parse_command

log = logging.getLogger(__name__)


class RestoresService:
    """What the Slack handlers and the CLI call; knows nothing about Slack transports."""

    def __init__(self, settings: Settings, backup: BackupService, *, sample: bool = False) -> None:
        self.settings = settings
        self.backup = backup
        self.sample = sample

    def answer(self, text: str, *, user_id: str = "", channel_id: str = "", command: str = "/restores") -> Message:
        """Always returns a Message: refusals, usage errors and faults become answers, never exceptions."""
        request_id = uuid.uuid4().hex[:12]
        try:
            if not self.settings.is_allowed(user_id=user_id, channel_id=channel_id):
                log.info("refused request_id=%s user=%s channel=%s", request_id, user_id, channel_id)
                return render_refusal(command)
            try:
                parsed = parse_command(text, self.settings.regions)
            except ParseError as error:
                log.info("bad command request_id=%s token=%r", request_id, error.token[:60])
                return render_parse_error(error, command)
            if parsed.kind == "help":
                return render_help(command, self.settings.regions)
            result = self.backup.restore_job_summaries(parsed.filter)
            log.info(
                "answered request_id=%s filter=%r rows=%d failures=%d aws_calls=%d duration=%.3f",
                request_id, parsed.filter.to_text(), len(result.rows), len(result.failures),
                result.aws_calls, result.elapsed,
            )
            return render_summary(result, sample=self.sample, command=command)
        except Exception:
            log.exception("failed to answer request_id=%s", request_id)
            return render_internal_error(request_id)
