"""The one kind of live text a message may carry: a link to the AWS console the bot built (bot.domain.console), its
label the bot's own words. Everything else must stay inert (tests.support.assert_inert)."""

from __future__ import annotations

import re

from bot.slack.blocks import Message
from tests.support import LIVE, all_texts

CONSOLE_LINK = re.compile(
    r"<https://console\.(?:aws\.amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)/backup/home\?region=[a-z0-9-]+"
    r"#/(?:jobs/restore/details|restoretesting/details|resources)/[A-Za-z0-9%._~-]+"
    r"\|(?:job|plan|resource) in the AWS console>"
)


def console_links(message: Message) -> list[str]:
    return [m.group() for text in all_texts(message) for m in CONSOLE_LINK.finditer(text)]


def assert_inert_but_console_links(message: Message) -> None:
    """No mention, broadcast or link in any text once the bot's console links are taken out."""
    for text in all_texts(message):
        rest = CONSOLE_LINK.sub("", text)
        assert not LIVE.search(rest), rest
