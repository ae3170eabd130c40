"""What a process checks before it starts, worded once: every process refuses with these words, and `check` runs the
same checks for every process at once and lists what each would refuse."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.config import Mode, Settings, read_settings

if TYPE_CHECKING:
    from slack_sdk import WebClient

log = logging.getLogger(__name__)

# The command that runs a process of each mode (`python -m bot <command>`).
COMMANDS: dict[Mode, str] = {"http": "serve", "socket": "socket", "clock": "clock", "digest": "digest", "poll": "poll"}
# Slack's answers to auth.test that mean the token itself is wrong: a process refuses to start on them. Anything else
# (Slack down, rate limited) only warns: the process should be up when Slack comes back.
REJECTED_TOKEN_CODES = ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired")


@dataclass(frozen=True)
class Refusal:
    """A problem, and the processes that refuse to start with it."""

    problem: str
    commands: tuple[str, ...]


def deployed_modes(env: Mapping[str, str]) -> tuple[Mode, ...]:
    """The processes a deployment runs: `serve` (or `socket`, when only SLACK_APP_TOKEN is there to receive Slack's
    events), and the clock, digest and poll that go with either."""
    socket = bool(env.get("SLACK_APP_TOKEN", "").strip()) and not env.get("SLACK_SIGNING_SECRET", "").strip()
    return ("socket" if socket else "http", "clock", "digest", "poll")


def refusals(env: Mapping[str, str], modes: Sequence[Mode]) -> list[Refusal]:
    """Every configuration problem a process of `modes` refuses, each once with the commands refusing it, in the order
    the variables are read (the same validation as every process: bot.config.read_settings)."""
    refused: dict[str, list[str]] = {}
    for mode in modes:
        for problem in read_settings(env, mode)[1]:
            refused.setdefault(problem, []).append(COMMANDS.get(mode, mode))
    return [Refusal(problem, tuple(commands)) for problem, commands in refused.items()]


@dataclass(frozen=True)
class SlackAuth:
    """What auth.test said of SLACK_BOT_TOKEN. `refusal`: the token is wrong, a process refuses to start;
    `trouble`: Slack could not tell (down, unreachable), a process starts anyway."""

    response: Any = None
    refusal: str | None = None
    trouble: str | None = None


def slack_auth(settings: Settings, client_factory: Callable[[], WebClient]) -> SlackAuth:
    from slack_sdk.errors import SlackApiError

    from bot.slack.errors import slack_error_code

    try:
        return SlackAuth(response=client_factory().auth_test())
    except SlackApiError as error:
        code = slack_error_code(error)
        if code in REJECTED_TOKEN_CODES:
            return SlackAuth(refusal=f"SLACK_BOT_TOKEN was rejected by Slack ({code})")
        return SlackAuth(trouble=f"Slack's auth.test failed ({code})")
    except Exception as error:  # network trouble: Slack may come back
        return SlackAuth(trouble=f"Slack API at {settings.slack_api_url} is unreachable ({type(error).__name__})")
