"""The Slack fake's App Home side, driven by the real slack_sdk client: views.publish (its validation: a user id, a view
of type home, at most 100 valid blocks) and users.conversations (whose channels a user is in), and the Events API
helpers of tests/fakes/signing.py checked with slack_sdk's own signature verifier."""

from __future__ import annotations

import json
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from tests.fakes.aws import BackupEmulator
from tests.fakes.signing import app_home_opened, event_callback_body, signed_headers, url_verification_body
from tests.fakes.slack import FakeSlack
from tests.support import BOT_TOKEN

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def section(n: int) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"row {n}"}}


@pytest.fixture
def client(fakes: tuple[BackupEmulator, FakeSlack]) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fakes[1].api_url)


def refusal(client: WebClient, **kwargs: object) -> list[str]:
    with pytest.raises(SlackApiError) as caught:
        client.views_publish(**kwargs)  # type: ignore[arg-type]
    assert caught.value.response["error"] == "invalid_arguments"
    return list(caught.value.response["response_metadata"]["messages"])


def test_views_publish_takes_a_home_view_of_up_to_100_blocks(client: WebClient, slack: FakeSlack) -> None:
    view = {"type": "home", "blocks": [section(n) for n in range(100)]}
    published = client.views_publish(user_id="U0HOME", view=view)
    assert published["view"]["type"] == "home" and published["view"]["id"].startswith("V")
    assert slack.home_views("U0HOME") == [view] and slack.home_views("U0OTHER") == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"user_id": "U0HOME", "view": {"type": "home", "blocks": [section(n) for n in range(101)]}},
     "must be less than 101 items [json-pointer:/view/blocks]"),
    ({"user_id": "U0HOME", "view": {"type": "modal", "blocks": []}}, "must be home"),
    ({"user_id": "C0CHANNEL", "view": {"type": "home", "blocks": []}}, "invalid user_id"),
    ({"user_id": "U0HOME", "view": {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                                                              "text": "x" * 3001}}]}},
     "must be less than 3001 characters"),
    ({"user_id": "U0HOME", "view": {"type": "home", "blocks": [], "private_metadata": "x" * 3001}}, "private_metadata"),
], ids=["101-blocks", "not-home", "not-a-user", "long-section", "long-metadata"])
def test_views_publish_refuses_what_slack_refuses(client: WebClient, slack: FakeSlack, kwargs: dict[str, object],
                                                  message: str) -> None:
    assert any(message in m for m in refusal(client, **kwargs))
    assert slack.home_views() == []
    assert len(slack.calls_to("views.publish")) == 1  # recorded all the same


def test_a_view_sent_as_a_form_field_is_read_as_json(client: WebClient, slack: FakeSlack) -> None:
    view = {"type": "home", "blocks": [section(1)]}
    client.api_call("views.publish", data={"user_id": "U0FORM", "view": json.dumps(view)})
    assert slack.home_views("U0FORM") == [view]


def test_users_conversations_lists_the_users_channels_the_bot_may_see(client: WebClient, slack: FakeSlack) -> None:
    slack.set_members("C0PUBLIC", ["U0ME", "U0YOU"])
    slack.set_members("G0SHARED", ["U0ME"])
    slack.set_members("G0HIDDEN", ["U0ME"])
    slack.set_members("C0OLD", ["U0ME"])
    slack.set_members("C0YOURS", ["U0YOU"])
    slack.set_conversation("G0SHARED", private=True, member=True)
    slack.set_conversation("G0HIDDEN", private=True)  # the bot is not in it: Slack does not list it to the bot
    slack.set_conversation("C0OLD", archived=True)
    listed = client.users_conversations(user="U0ME", types="public_channel,private_channel", exclude_archived=True)
    assert [c["id"] for c in listed["channels"]] == ["C0PUBLIC", "G0SHARED"]
    public = client.users_conversations(user="U0ME")  # public channels by default, archived ones too
    assert [c["id"] for c in public["channels"]] == ["C0OLD", "C0PUBLIC"]
    first = client.users_conversations(user="U0ME", types="public_channel", limit=1)
    second = client.users_conversations(user="U0ME", types="public_channel", limit=1,
                                        cursor=first["response_metadata"]["next_cursor"])
    assert [c["id"] for c in first["channels"] + second["channels"]] == ["C0OLD", "C0PUBLIC"]
    assert second["response_metadata"]["next_cursor"] == ""


def test_event_helpers_sign_what_slack_would_send() -> None:
    body = event_callback_body(app_home_opened("U0ME"))
    headers = signed_headers(SECRET, body, content_type="application/json")
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    envelope = json.loads(body)
    assert envelope["type"] == "event_callback" and envelope["team_id"] == "T0TEST"
    assert envelope["event"]["type"] == "app_home_opened" and envelope["event"]["tab"] == "home"
    assert abs(envelope["event_time"] - time.time()) < 5
    assert json.loads(url_verification_body("c"))["type"] == "url_verification"
