"""Tests of the Slack fake's file uploads (files.getUploadURLExternal → the upload URL → files.completeUploadExternal),
driven by slack_sdk's own files_upload_v2, and of the image blocks that reference an uploaded file."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack import FakeSlack, validate_blocks

TOKEN = "xoxb-test-token"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3  # bytes of every value: nothing may be re-encoded on the way
CHANNEL = "C0CHARTS01"  # files.completeUploadExternal takes only ids of Slack's shape ([CGDZ] and 8 or more)


@pytest.fixture(autouse=True)
def _no_env_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.api_url, timeout=5)


def image(file_id: str, alt: str = "a chart") -> dict[str, Any]:
    return {"type": "image", "slack_file": {"id": file_id}, "alt_text": alt}


def test_files_upload_v2_without_a_channel_stores_a_private_file(fake: FakeSlack, client: WebClient) -> None:
    response = client.files_upload_v2(content=PNG, filename="trend.png", title="Restore jobs per day",
                                      alt_txt="14 days of restores")
    file_id = response["file"]["id"]
    uploaded = fake.file(file_id)
    assert uploaded.data == PNG and uploaded.length == len(PNG)  # exactly the bytes, as the declared length
    assert (uploaded.filename, uploaded.title, uploaded.alt_txt) == ("trend.png", "Restore jobs per day",
                                                                    "14 days of restores")
    assert uploaded.completed and uploaded.channel is None and response["file"]["channels"] == []
    (url_call,) = fake.calls_to("files.getUploadURLExternal")
    assert url_call.params["length"] == str(len(PNG)) and url_call.response["upload_url"].startswith(fake.base_url)
    (complete,) = fake.calls_to("files.completeUploadExternal")
    assert json.loads(complete.params["files"]) == [{"id": file_id, "title": "Restore jobs per day"}]
    assert "channel_id" not in complete.params  # not shared: no message of its own anywhere

    # The bot's own private file can be shown in its messages by id.
    posted = client.chat_postMessage(channel="C1", text="digest", blocks=[image(file_id)])
    assert posted["message"]["blocks"][0]["slack_file"] == {"id": file_id}


def test_an_image_block_naming_no_uploaded_file_is_refused(fake: FakeSlack, client: WebClient) -> None:
    for blocks, problem in [([image("F0NOTAFILE1")], "invalid slack file [json-pointer:/blocks/0/slack_file]"),
                            ([image("not-an-id")], "input must match regex pattern")]:
        with pytest.raises(SlackApiError) as error:
            client.chat_postMessage(channel="C1", text="digest", blocks=blocks)
        assert error.value.response["error"] == "invalid_blocks"
        assert problem in error.value.response["errors"][0]
    assert fake.calls_to("chat.postMessage")[-1].ok is False


def test_a_file_is_shown_only_once_processed(fake: FakeSlack, client: WebClient) -> None:
    fake.delay_file_processing(0.6)
    file_id = client.files_upload_v2(content=PNG, filename="trend.png")["file"]["id"]
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="digest", blocks=[image(file_id)])
    assert error.value.response["errors"] == ["invalid slack file [json-pointer:/blocks/0/slack_file]"]
    time.sleep(0.7)
    assert client.chat_postMessage(channel="C1", text="digest", blocks=[image(file_id)])["ok"] is True
    fake.reset()
    assert fake.files == []


def test_sharing_to_a_channel_needs_the_bot_in_it(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:  # chat:write.public covers messages, not files
        client.files_upload_v2(content=PNG, filename="trend.png", channel=CHANNEL)
    assert error.value.response["error"] == "not_in_channel"
    assert [f.completed for f in fake.files] == [False]  # uploaded, never completed

    fake.set_conversation(CHANNEL, member=True)
    response = client.files_upload_v2(content=PNG, filename="trend.png", title="failed 1d", channel=CHANNEL,
                                      initial_comment="Restore jobs per day: `/restores failed 1d`")
    uploaded = fake.file(response["file"]["id"])
    assert (uploaded.channel, uploaded.title, uploaded.initial_comment) == (
        CHANNEL, "failed 1d", "Restore jobs per day: `/restores failed 1d`")
    (message,) = client.conversations_history(channel=CHANNEL)["messages"]
    assert message["text"] == uploaded.initial_comment and message["files"][0]["id"] == uploaded.id

    fake.set_conversation("G0SECRET01", private=True)
    with pytest.raises(SlackApiError) as error:
        client.files_upload_v2(content=PNG, filename="trend.png", channel="G0SECRET01")
    assert error.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as error:
        client.files_completeUploadExternal(files=[{"id": uploaded.id}], channel_id="C1")
    assert error.value.response["error"] == "invalid_arguments"


def test_without_files_write_every_file_method_is_missing_scope(fake: FakeSlack, client: WebClient) -> None:
    fake.scopes = ("commands", "chat:write")
    with pytest.raises(SlackApiError) as error:
        client.files_upload_v2(content=PNG, filename="trend.png")
    assert error.value.response["error"] == "missing_scope" and error.value.response["needed"] == "files:write"
    with pytest.raises(SlackApiError) as error:
        client.files_completeUploadExternal(files=[{"id": "F0123456789"}])
    assert error.value.response["error"] == "missing_scope"
    assert fake.files == []
    fake.reset()
    assert "files:write" in fake.scopes


def test_upload_url_and_completion_refuse_what_slack_refuses(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.files_getUploadURLExternal(filename="trend.png", length=0)
    assert error.value.response["error"] == "invalid_arguments"
    ticket = client.files_getUploadURLExternal(filename="trend.png", length=len(PNG))
    with pytest.raises(SlackApiError) as error:  # the bytes never reached the upload URL
        client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}])
    assert error.value.response["error"] == "file_not_found"
    stranger = ticket["upload_url"].rsplit("/", 1)[0] + "/not-a-ticket"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(stranger, data=PNG, method="POST"), timeout=5)
    assert refused.value.code == 404


@pytest.mark.parametrize(
    ("block", "ok"),
    [
        (image("F0123456789"), True),
        ({"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a"}, True),
        ({"type": "image", "slack_file": {"id": "F0123456789"}}, False),  # no alt text
        ({"type": "image", "slack_file": {"id": "F0123456789"}, "alt_text": "x" * 2001}, False),
        ({"type": "image", "alt_text": "a"}, False),  # neither source
        ({"type": "image", "image_url": "https://example.com/a.png", "slack_file": {"id": "F0123456789"},
          "alt_text": "a"}, False),
        ({**image("F0123456789"), "title": {"type": "mrkdwn", "text": "*t*"}}, False),
    ],
)
def test_image_block_shape(block: dict[str, Any], ok: bool) -> None:
    assert (validate_blocks([block]) == []) is ok
