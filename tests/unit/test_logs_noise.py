"""Operations noise (issue 23, item 10), in process: APScheduler's per-run INFO lines are not written (its warnings
are), Bolt's "`token` ... will be ignored" warning is not written at an App's construction (its other warnings are),
and the bot's own lines still are."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from unittest.mock import Mock

import pytest
from apscheduler.executors.base import run_job
from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt.logger.messages import warning_token_skipped
from slack_sdk import WebClient

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.logs import BOLT_TOKEN_WARNING, configure_logging
from bot.wiring import Wiring


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    names = ("apscheduler", "slack_bolt.App", "botocore", "boto3", "urllib3", "s3transfer", "botocore.credentials")
    saved = root.handlers[:], root.level, {n: (logging.getLogger(n).level, logging.getLogger(n).filters[:]) for n in names}
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, (level, filters) in saved[2].items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).filters[:] = filters


def test_a_scheduler_run_writes_no_line_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "text")
    scheduler = BackgroundScheduler(timezone=UTC)  # never started: the run below is APScheduler's own run_job
    job = scheduler.add_job(lambda: logging.getLogger("bot.digest.run").info("digest: nothing due"), id="digest-tick",
                            name="digest tick", misfire_grace_time=60)
    run_job(job, "default", [datetime.now(UTC)], "apscheduler.executors.default")
    logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed by 0:01:00")
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" ", 3)[3] for line in lines] == [
        "bot.digest.run digest: nothing due", "apscheduler.scheduler Run time of job was missed by 0:01:00"]


def test_debug_still_shows_the_scheduler(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", "text")
    assert logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.WARNING)
    assert not logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.INFO)  # WARNING at least


def test_building_the_app_logs_no_token_warning(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.web.app import create_app

    assert BOLT_TOKEN_WARNING in warning_token_skipped()  # Bolt's words, kept in step
    configure_logging("INFO", "text")
    settings = load_settings({"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": "xoxb-3333-noise-token",
                              "SLACK_SIGNING_SECRET": "noise-signing-secret"}, "http")
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    create_app(Wiring(settings, backup=Mock(BackupService), web_client=client))
    logging.getLogger("slack_bolt.App").warning("another Bolt warning")
    err = capsys.readouterr().err
    assert "will be ignored" not in err and "another Bolt warning" in err
