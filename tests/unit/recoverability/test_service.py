"""Which accounts `resource` and `coverage` read for a channel: the bot's own and RESTORES_TESTING_ACCOUNTS, cut to the
channel's scope before anything is read; an account the bot cannot read is named, never silently left out."""

from __future__ import annotations

from unittest.mock import Mock

import pytest

from bot.aws.resources import ResourceReader
from bot.aws.testing import OWN
from bot.config import load_settings
from bot.domain.access import OutOfScope
from bot.recoverability.service import NO_DIRECTORY, Reach, Recoverability

ME, MEMBER, OTHER, UNKNOWN = "111122223333", "444455556666", "777788889999", "999900001111"


def service(own: str = ME) -> tuple[Recoverability, Mock]:
    reader = Mock(ResourceReader)
    reader.own_id.return_value = own
    settings = load_settings({"RESTORES_REGIONS": "us-east-1", "RESTORES_TESTING_ACCOUNTS": f"{MEMBER},{OTHER}",
                              "RESTORES_TESTING_ROLE": "reader"})
    return Recoverability(settings, reader), reader


def test_every_account_the_bot_reads_when_the_channel_sees_all() -> None:
    assert service()[0].accounts(None, None) == ((OWN, MEMBER, OTHER), ())


def test_a_scope_cuts_the_accounts_and_names_those_the_bot_cannot_read() -> None:
    accounts, unread = service()[0].accounts(None, frozenset({MEMBER, UNKNOWN}))
    assert accounts == (MEMBER,)
    assert len(unread) == 1 and UNKNOWN in unread[0] and "RESTORES_TESTING_ACCOUNTS" in unread[0]


def test_the_bots_own_account_is_read_when_its_id_is_unknown_and_cut_by_arn_later() -> None:
    assert service(own="")[0].accounts(None, frozenset({MEMBER}))[0] == (OWN, MEMBER)


@pytest.mark.parametrize(("wanted", "read"), [(MEMBER, (MEMBER,)), (ME, (OWN,))])
def test_a_named_account(wanted: str, read: tuple[str, ...]) -> None:
    assert service()[0].accounts(wanted, None) == (read, ())


def test_an_account_outside_the_scope_is_refused_before_any_read() -> None:
    recoverability, reader = service()
    with pytest.raises(OutOfScope):
        recoverability.accounts(ME, frozenset({MEMBER}))
    reader.find.assert_not_called()
    reader.coverage.assert_not_called()


def test_account_any_names_the_organisations_accounts_the_bot_cannot_read() -> None:
    """`account:ANY` in a channel that sees every account: the organisation's accounts outside the bot's reads are
    named as not read (never a quiet narrowing to what the bot reads)."""
    reader = Mock(ResourceReader)
    reader.own_id.return_value = ME
    settings = load_settings({"RESTORES_REGIONS": "us-east-1", "RESTORES_TESTING_ACCOUNTS": MEMBER,
                              "RESTORES_TESTING_ROLE": "reader"})
    org = Recoverability(settings, reader, organisation=lambda: frozenset({ME, MEMBER, OTHER, UNKNOWN}))
    assert org.reach(None, None, every=True) == Reach((OWN, MEMBER), (OTHER, UNKNOWN))
    read, words = org.accounts(None, None, every=True)
    assert read == (OWN, MEMBER) and len(words) == 1
    assert f"accounts {OTHER}, {UNKNOWN} (not in RESTORES_TESTING_ACCOUNTS" in words[0] and "not read" not in words[0]
    assert org.accounts(None, None) == ((OWN, MEMBER), ())  # no account named: the accounts the bot reads


def test_account_any_without_the_directory_says_the_other_accounts_are_not_read() -> None:
    recoverability = service()[0]  # no organisation: the directory cannot be read
    assert recoverability.accounts(None, None, every=True) == ((OWN, MEMBER, OTHER), (NO_DIRECTORY,))
