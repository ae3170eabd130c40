"""The subscription words that carry decisions: which Slack errors mean a channel is gone (each with advice for the
operator), that one failed delivery never drops a subscription, and that alerts are about bad states only."""

from __future__ import annotations

from bot.domain.query import State
from bot.domain.subscriptions import ALERT_STATES, GONE_AFTER, GONE_ERRORS
from bot.slack.errors import HINTS


def test_every_gone_error_comes_with_advice() -> None:
    assert not GONE_ERRORS - set(HINTS)
    assert "ratelimited" not in GONE_ERRORS and "missing_scope" not in GONE_ERRORS  # not the channel's fault


def test_one_failed_delivery_never_drops_a_subscription() -> None:
    assert GONE_AFTER >= 2


def test_alerts_are_about_failed_and_aborted_restores_only() -> None:
    assert set(ALERT_STATES) == {State.FAILED, State.ABORTED}

