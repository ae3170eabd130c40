"""Account names as shown: name and short id, escaped and clipped; the bare id when the name is unknown."""

from __future__ import annotations

from bot.domain.accounts import MAX_NAME, MAX_UNIT, NO_NAMES, AccountNames, short_id
from bot.slack.blocks import escape


def test_a_known_account_is_its_name_and_short_id() -> None:
    names = AccountNames({"729340618253": "prod-payments"})
    assert names.label("729340618253") == "prod-payments · 7293…8253"
    assert names.text("729340618253") == "prod-payments · 7293…8253"
    assert names.full("729340618253") == "prod-payments (729340618253)"
    assert names.name("729340618253") == "prod-payments"


def test_an_unknown_account_is_its_bare_id() -> None:
    assert NO_NAMES.label("729340618253") == "729340618253"
    assert NO_NAMES.full("729340618253") == "729340618253"
    assert AccountNames({"729340618253": "x"}).label("111122223333") == "111122223333"
    assert AccountNames({"729340618253": ""}).label("729340618253") == "729340618253"
    assert not NO_NAMES and AccountNames({"1": "a"})
    assert short_id("ANY") == "ANY"


def test_names_are_data_escaped_like_every_aws_string() -> None:
    hostile = "<!here> & <https://evil.example|pay>"
    names = AccountNames({"729340618253": hostile})
    assert names.label("729340618253") == f"{escape(hostile)} · 7293…8253"
    assert "<" not in names.label("729340618253") and "<" not in names.full("729340618253")
    assert names.text("729340618253").startswith("<!here>")  # plain text for the terminal: not escaped


def test_names_are_one_line_of_visible_characters_and_clipped() -> None:
    names = AccountNames({"729340618253": "evil\n*Restores work*\u202e\u200b", "111122223333": "n" * 128,
                          "444455556666": "\u200b\n"})
    assert names.name("729340618253") == "evil *Restores work*"
    long = names.name("111122223333")
    assert long is not None and len(long) == MAX_NAME and long.endswith("…")
    assert names.label("444455556666") == "444455556666"  # nothing visible left: no name


def test_an_accounts_ou_path_is_kept_beside_its_name() -> None:
    names = AccountNames({"729340618253": "prod-payments"}, {"729340618253": "Production /\nPayments", "1": "x" * 200})
    assert names.unit("729340618253") == "Production / Payments"
    assert names.unit("111122223333") is None
    clipped = names.unit("1")
    assert clipped is not None and len(clipped) == MAX_UNIT and clipped.endswith("…")
