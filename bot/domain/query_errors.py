"""A `/restores` word the bot cannot accept: the error and its message for the Slack user (bot.domain.query re-exports
it; bot.domain.org_words raises it too)."""

from __future__ import annotations


class ParseError(ValueError):
    """The command text has a token we cannot accept. The message is written for the Slack user."""

    def __init__(self, token: str, problem: str, accepted: str, suggestion: str | None = None) -> None:
        self.token = token
        self.problem = problem
        self.accepted = accepted
        self.suggestion = suggestion
        super().__init__(self.user_message())

    def user_message(self) -> str:
        shown = shorten(self.token)
        text = f"`{shown}` {self.problem}."
        if self.suggestion:
            text += f" Did you mean `{self.suggestion}`?"
        text += f"\nAccepted: {self.accepted}"
        return text


def shorten(token: str, limit: int = 60) -> str:
    token = token.replace("`", "'")
    return token if len(token) <= limit else token[: limit - 1] + "…"
