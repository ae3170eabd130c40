"""The access policy, pure: per-channel account scopes parsed and validated, and the scoping rules."""

from __future__ import annotations

import pytest

from bot.access import Access, AccessPolicy, OutOfScope
from bot.config import ConfigError, load_settings
from bot.query import ANY, RestoreFilter
from tests.support import CHANNEL_SCOPES, DATASET_ACCOUNTS

pytestmark = pytest.mark.dates

A, B, C = DATASET_ACCOUNTS


def settings(**env: str):  # type: ignore[no-untyped-def]
    return load_settings(dict({"RESTORES_REGIONS": "us-east-1", "RESTORES_CHANNEL_ACCOUNTS": CHANNEL_SCOPES}, **env), "local")


def test_channel_accounts_parse_and_validate() -> None:
    parsed = settings().channel_accounts
    assert parsed == {"C0TEAMA": frozenset({A}), "C0TEAMAB": frozenset({A, B}), "C0PLATFORM": None}
    for bad, message in [("C0X=12345", "12-digit"), ("general=111122223333", "CHANNEL=ACCOUNTS"),
                         ("C0X", "CHANNEL=ACCOUNTS"), (f"C0X={A};C0X={B}", "listed twice")]:
        with pytest.raises(ConfigError, match=message):
            settings(RESTORES_CHANNEL_ACCOUNTS=bad)


def test_scope_rules() -> None:
    policy = AccessPolicy(settings())
    one, two, free = (policy.check(user_id="U1", channel_id=c) for c in ("C0TEAMA", "C0TEAMAB", "C0OTHER"))
    base = RestoreFilter(regions=("us-east-1",))
    assert policy.scope(base, one).account == A  # one account: asked for directly
    scoped = policy.scope(base, two)
    assert scoped.account == ANY and scoped.visible_accounts == {A, B}
    assert policy.scope(RestoreFilter(account=B, regions=("us-east-1",)), two).account == B
    with pytest.raises(OutOfScope, match=f"account {C} is not one of them"):
        policy.scope(RestoreFilter(account=C, regions=("us-east-1",)), two)
    with pytest.raises(OutOfScope, match="sum over every account"):
        policy.scope(RestoreFilter(account="AGGREGATE_ALL", regions=("us-east-1",)), one)
    assert policy.scope(RestoreFilter(account="AGGREGATE_ALL", regions=("us-east-1",)), free).visible_accounts is None
    assert policy.check(user_id="U1", channel_id="C0PLATFORM") == Access(allowed=True, accounts=None)
