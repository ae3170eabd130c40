"""End to end: the App Home tab through `python -m bot serve` (gunicorn) as a real process. A signed `app_home_opened`
event becomes one views.publish for that user with the numbers of the emulator's data (counted here); Slack's
url_verification is answered with its challenge; a forged event gets 401 and publishes nothing. The Home tab's other
cases run in process (tests/scenario/test_home.py)."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pytest

from tests.fakes.aws import BackupEmulator, expected_sum
from tests.fakes.signing import app_home_opened, event_callback_body, post_signed, url_verification_body
from tests.fakes.slack import FakeSlack
from tests.support import BotProcess, home_text, home_view, load_dataset, open_home

pytestmark = [pytest.mark.e2e, pytest.mark.dates]


def test_opening_home_publishes_the_dashboard_for_that_user(bot: BotProcess, emulator: BackupEmulator, slack: FakeSlack,
                                                            today: date) -> None:
    counts = load_dataset(emulator, today)  # three regions, several pages each
    assert open_home(bot, "U0E2EHOME") == 200
    view = home_view(slack, "U0E2EHOME")
    start, end = today - timedelta(days=14), today
    failed, aborted, completed = (expected_sum(counts, state=s, start=start, end=end)
                                  for s in ("FAILED", "ABORTED", "COMPLETED"))
    assert failed and aborted and completed
    headline = json.dumps(next(b for b in view["blocks"] if b.get("fields")), ensure_ascii=False)
    for label, n in (("Failed", failed), ("Aborted", aborted), ("Completed", completed)):
        assert f"*{label}*\\n{n:,}" in headline
    assert f"*{failed + aborted + completed:,} restore jobs* in the last 14 days in 3 regions" in headline
    worst_type = max(("EBS", "RDS", "DynamoDB", "EFS"), key=lambda t: (
        expected_sum(counts, state="FAILED", resource_type=t, start=start, end=end)
        + expected_sum(counts, state="ABORTED", resource_type=t, start=start, end=end)))
    assert "*Failing resource types* (4)" in home_text(view) and f"*{worst_type}* —" in home_text(view)
    time.sleep(0.5)  # a second publish (a retried or doubled event) would have arrived by now
    assert len(slack.calls_to("views.publish")) == 1
    assert slack.calls_to("views.publish")[0].params["user_id"] == "U0E2EHOME"


def test_url_verification_is_answered_with_the_challenge(bot: BotProcess) -> None:
    status, headers, body = post_signed(bot.events_url, bot.secret, url_verification_body("e2e-challenge-3eZbrw1aBm2rZ"))
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert json.loads(body) == {"challenge": "e2e-challenge-3eZbrw1aBm2rZ"}


def test_a_forged_event_gets_401_and_publishes_nothing(bot: BotProcess, emulator: BackupEmulator,
                                                       slack: FakeSlack) -> None:
    body = event_callback_body(app_home_opened("U0FORGED"))
    status, _, _ = post_signed(bot.events_url, "not-the-signing-secret", body)
    assert status == 401
    forged, _, answer = post_signed(bot.events_url, "not-the-signing-secret", url_verification_body("forged-challenge"))
    assert forged == 401 and b"forged-challenge" not in answer
    time.sleep(0.5)
    assert slack.calls_to("views.publish") == [] and emulator.calls() == []
