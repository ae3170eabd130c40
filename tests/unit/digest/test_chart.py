"""The digest's chart in a run: uploaded once however many channels show it, the text trend when Slack will not take or
show it, and a post retried only while Slack is still processing the chart's file."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.charts.render import ChartFile
from bot.charts.upload import ChartUpload
from bot.digest import chart
from bot.digest.chart import FILE_WAITS, DigestChart, post_with_chart
from bot.slack.blocks import Message

FILE = ChartFile("F0CHART1", "14 days of restores", "Restore jobs per UTC day")
CHARTED = Message(text="digest with chart", blocks=[])
META = {"event_type": "restores_digest", "event_payload": {"day": "2027-01-09"}}
NOT_SHOWN = ["invalid slack_file: the file is still being processed [json-pointer:/blocks/5/slack_file]"]


def refusal(code: str, errors: list[str] | None = None) -> SlackApiError:
    data: dict[str, Any] = {"ok": False, "error": code}
    if errors is not None:
        data["errors"] = errors
    response = SlackResponse(client=None, http_verb="POST", api_url="", req_args={}, data=data, headers={},
                             status_code=200)
    return SlackApiError("refused", response)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(chart, "sleep", slept.append)
    return slept


def test_the_chart_is_uploaded_once_and_shown_in_every_message() -> None:
    upload = Mock(return_value=ChartUpload(FILE))
    render = Mock(return_value=CHARTED)
    digest_chart = DigestChart(upload, render)
    assert digest_chart.message() is CHARTED and digest_chart.message() is CHARTED
    upload.assert_called_once_with()
    render.assert_called_once_with(FILE)
    assert digest_chart.error == ""


def test_a_refused_upload_means_the_text_trend_and_says_why() -> None:
    upload = Mock(return_value=ChartUpload(None, "missing_scope"))
    render = Mock()
    digest_chart = DigestChart(upload, render)
    assert digest_chart.message() is None and digest_chart.message() is None
    assert digest_chart.error == "missing_scope"
    upload.assert_called_once_with()
    render.assert_not_called()


def test_a_chart_that_raises_is_not_tried_again_in_the_run() -> None:
    upload = Mock(side_effect=RuntimeError("renderer died"))
    digest_chart = DigestChart(upload, Mock())
    assert digest_chart.message() is None and digest_chart.message() is None
    assert digest_chart.error == "chart_failed" and upload.call_count == 1


def test_a_file_slack_would_not_show_is_forgotten_for_the_rest_of_the_run() -> None:
    upload = Mock(return_value=ChartUpload(FILE))
    digest_chart = DigestChart(upload, Mock(return_value=CHARTED))
    assert digest_chart.message() is CHARTED
    digest_chart.refused()
    assert digest_chart.message() is None and digest_chart.error == "file_not_shown" and upload.call_count == 1


def test_a_post_slack_takes_at_once_waits_for_nothing(waits: list[float]) -> None:
    client = Mock(WebClient)
    client.chat_postMessage.return_value = {"ok": True, "ts": "1.5"}
    assert post_with_chart(client, "C1", CHARTED, META) == {"ok": True, "ts": "1.5"}
    assert waits == [0.0] and client.chat_postMessage.call_count == 1
    assert client.chat_postMessage.call_args.kwargs["metadata"] == META


def test_a_file_still_processing_is_waited_for(waits: list[float]) -> None:
    client = Mock(WebClient)
    client.chat_postMessage.side_effect = [refusal("invalid_blocks", NOT_SHOWN), refusal("invalid_blocks", NOT_SHOWN),
                                           {"ok": True, "ts": "2.5"}]
    assert post_with_chart(client, "C1", CHARTED, META) == {"ok": True, "ts": "2.5"}
    assert waits == [0.0, FILE_WAITS[0], FILE_WAITS[1]] and client.chat_postMessage.call_count == 3


def test_a_file_never_shown_gives_up_after_every_wait(waits: list[float]) -> None:
    client = Mock(WebClient)
    client.chat_postMessage.side_effect = refusal("invalid_blocks", NOT_SHOWN)
    assert post_with_chart(client, "C1", CHARTED, META) is None
    assert waits == [0.0, *FILE_WAITS] and client.chat_postMessage.call_count == 1 + len(FILE_WAITS)


@pytest.mark.parametrize(
    "error",
    [refusal("not_in_channel"), refusal("invalid_blocks", ["must be more than 0 characters [json-pointer:/blocks/0]"]),
     refusal("invalid_blocks"), SlackApiError("no answer", None), ConnectionResetError()],  # type: ignore[arg-type]
)
def test_any_other_refusal_or_trouble_is_raised_at_once(waits: list[float], error: Exception) -> None:
    client = Mock(WebClient)
    client.chat_postMessage.side_effect = error
    with pytest.raises(type(error)):
        post_with_chart(client, "C1", CHARTED, META)
    assert client.chat_postMessage.call_count == 1 and waits == [0.0]
