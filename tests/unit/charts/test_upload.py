"""Uploading a chart with a Mock(WebClient); render_png is patched to bytes, so no renderer process starts. Every
outcome is a ChartUpload, never an exception: the file, or Slack's code with the files:write hint."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta
from unittest.mock import Mock, patch

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse

from bot.charts.render import ChartFile, DailySeries
from bot.charts.upload import FILENAME, ChartUpload, upload_chart

PNG = b"\x89PNG\r\n\x1a\nnot really"
LAST = date(2026, 3, 14)
SERIES = DailySeries(days=tuple(LAST - timedelta(days=i) for i in reversed(range(14))), failed=(1,) * 14,
                     aborted=(0,) * 14, completed=(5,) * 14, highlight=LAST, title="Restore jobs — us-east-1")


@pytest.fixture(autouse=True)
def rendered() -> Iterator[Mock]:
    with patch("bot.charts.upload.render_png", return_value=PNG) as render:
        yield render


def refusal(code: str) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="", req_args={}, data={"ok": False, "error": code},
                             headers={}, status_code=200)
    return SlackApiError("refused", response)


def test_an_uploaded_chart_is_its_file_id_alt_text_and_title() -> None:
    client = Mock(WebClient)
    client.files_upload_v2.return_value = {"ok": True, "file": {"id": "F0CHART"}}
    upload = upload_chart(client, SERIES, channel="C0OPS", initial_comment="14 days")
    assert upload == ChartUpload(ChartFile("F0CHART", SERIES.alt_text(), SERIES.title))
    assert upload.error == "" and upload.hint == ""
    client.files_upload_v2.assert_called_once_with(file=PNG, filename=FILENAME, title=SERIES.title,
                                                   alt_txt=SERIES.alt_text(), channel="C0OPS",
                                                   initial_comment="14 days")


def test_a_title_given_replaces_the_series_title() -> None:
    client = Mock(WebClient)
    client.files_upload_v2.return_value = {"file": {"id": "F1"}}
    upload = upload_chart(client, SERIES, title="/restores state:FAILED 1d")
    assert upload.file is not None and upload.file.title == "/restores state:FAILED 1d"
    assert client.files_upload_v2.call_args.kwargs["title"] == "/restores state:FAILED 1d"
    assert client.files_upload_v2.call_args.kwargs["channel"] is None  # private to the bot


def test_a_refused_upload_carries_slacks_code_and_the_files_write_hint(caplog: pytest.LogCaptureFixture) -> None:
    client = Mock(WebClient)
    client.files_upload_v2.side_effect = refusal("missing_scope")
    caplog.set_level(logging.INFO)
    upload = upload_chart(client, SERIES, channel="C0OPS")
    assert upload.file is None and upload.error == "missing_scope"
    assert "files:write" in upload.hint and "reinstall" in upload.hint
    assert "missing_scope" in caplog.text and "files:write" in caplog.text


def test_a_refusal_without_advice_has_no_hint() -> None:
    client = Mock(WebClient)
    client.files_upload_v2.side_effect = refusal("invalid_arguments")
    upload = upload_chart(client, SERIES)
    assert (upload.file, upload.error, upload.hint) == (None, "invalid_arguments", "")


def test_a_transport_failure_is_named_by_its_type_not_its_text(caplog: pytest.LogCaptureFixture) -> None:
    client = Mock(WebClient)
    client.files_upload_v2.side_effect = SlackRequestError("https://files.slack.com/upload/v1/xoxb-secret-url")
    caplog.set_level(logging.INFO)
    upload = upload_chart(client, SERIES, channel="C0OPS")
    assert (upload.file, upload.error) == (None, "SlackRequestError")
    assert "xoxb-secret-url" not in caplog.text


def test_an_answer_without_a_file_id_is_an_error() -> None:
    for answer in ({"ok": True}, {"ok": True, "file": None}, {"ok": True, "file": {"id": ""}}):
        client = Mock(WebClient)
        client.files_upload_v2.return_value = answer
        assert upload_chart(client, SERIES) == ChartUpload(None, "no_file_id")


def test_a_chart_that_cannot_be_drawn_is_not_uploaded(rendered: Mock) -> None:
    rendered.side_effect = RuntimeError("matplotlib is broken")
    client = Mock(WebClient)
    assert upload_chart(client, SERIES, channel="C0OPS") == ChartUpload(None, "render_failed")
    client.files_upload_v2.assert_not_called()
