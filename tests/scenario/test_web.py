"""The HTTP surface in process (bot.web.front): forged, unsigned and stale requests get 401 and nothing happens; /readyz
says whether Slack accepts the token."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from bot.answers.controls import ActionId, ActionValue
from bot.domain.query import RestoreFilter
from tests.fakes.aws import BackupEmulator
from tests.fakes.signing import command_body, post_signed
from tests.fakes.slack import FakeSlack
from tests.support import SIGNING_SECRET, AppBot, click


def _no_effect(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack, key: str) -> None:
    app_bot.settle()
    assert emulator.calls() == []
    assert slack.responses_for(key) == []


@pytest.mark.dates
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda body, ts: {"X-Slack-Signature": "v0=" + "0" * 64}, id="forged"),
        pytest.param(lambda body, ts: {"X-Slack-Signature": None}, id="missing-signature"),
        pytest.param(lambda body, ts: {"X-Slack-Request-Timestamp": None}, id="missing-timestamp"),
    ],
)
def test_bad_signatures_get_401_and_nothing_happens(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack,
                                                    tamper: Callable[[bytes, int], dict[str, str | None]]) -> None:
    body = command_body("failed", response_url=slack.response_url("forged"))
    status, _, _ = post_signed(app_bot.events_url, SIGNING_SECRET, body, headers_override=tamper(body, int(time.time())))
    assert status == 401
    _no_effect(app_bot, emulator, slack, "forged")


@pytest.mark.dates
def test_wrong_secret_and_stale_requests_get_401(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack) -> None:
    body = command_body("failed", response_url=slack.response_url("stale"))
    status, _, _ = post_signed(app_bot.events_url, SIGNING_SECRET, body, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    status, _, _ = post_signed(app_bot.events_url, "not-the-secret", body)
    assert status == 401
    _no_effect(app_bot, emulator, slack, "stale")


@pytest.mark.dates
def test_forged_click_is_401(app_bot: AppBot, emulator: BackupEmulator, slack: FakeSlack) -> None:
    value = ActionValue(RestoreFilter(state="FAILED", regions=("us-east-1",))).encode()
    status, _ = click(app_bot, slack, ActionId.PERIOD.with_suffix("7d"), value, secret="wrong", expect_answers=0)
    assert status == 401
    app_bot.settle()
    assert emulator.calls() == [] and slack.responses == []


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_readyz(app_bot: AppBot) -> None:
    assert get(app_bot.url + "/readyz") == (200, "slack auth ok (team T0TEST)\n")


def test_readyz_is_503_while_slack_is_unreachable(launch_app_bot: Callable[..., AppBot],
                                                   fakes: tuple[BackupEmulator, FakeSlack]) -> None:
    lonely = launch_app_bot(SLACK_API_URL="http://127.0.0.1:9/api/")
    assert get(lonely.url + "/healthz")[0] == 200  # alive...
    status, reason = get(lonely.url + "/readyz")  # ...but not ready
    assert status == 503 and "slack unreachable" in reason
