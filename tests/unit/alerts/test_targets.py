"""Who gets which alerts: each channel within its account scope (fail closed), a target's own filters, and the
accounts the poller must list to serve them all."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts.targets import AlertTarget, ScopedTarget, accounts_to_poll, scoped, static_targets
from bot.config import load_settings
from bot.domain.access import AccessPolicy
from bot.domain.results import RestoreJobRow

A, B, C = "111122223333", "444455556666", "777788889999"
SCOPES = f"C0TEAMA={A};C0TEAMAB={A},{B};C0PLATFORM=ANY"


def settings(**env: str):  # type: ignore[no-untyped-def]
    return load_settings({"RESTORES_REGIONS": "us-east-1", **env})


def job(account: str = A, status: str = "FAILED", resource_type: str = "EBS") -> RestoreJobRow:
    return RestoreJobRow("us-east-1", account, "job-1", status, "", resource_type, datetime(2026, 11, 28, tzinfo=UTC), "")


def test_the_environments_channels_are_static_targets_for_every_alert_state() -> None:
    targets = static_targets(settings(RESTORES_ALERT_CHANNELS="C0B,C0A"))
    assert [t.channel for t in targets] == ["C0A", "C0B"]
    assert all(t.static and set(t.states) == {"FAILED", "ABORTED"} and t.resource_type is t.account is None
               for t in targets)


def test_a_target_wants_only_its_states_type_and_named_account() -> None:
    anything = ScopedTarget(AlertTarget("C0A"), None)
    assert anything.wants(job()) and anything.wants(job(status="ABORTED"))
    assert not anything.wants(job(status="COMPLETED"))
    narrow = ScopedTarget(AlertTarget("C0A", resource_type="ebs", account=B, states=("ABORTED",)), None)
    assert narrow.wants(job(B, "ABORTED", "EBS"))  # the type compares case-insensitively
    assert not narrow.wants(job(B, "FAILED", "EBS"))
    assert not narrow.wants(job(A, "ABORTED", "EBS"))
    assert not narrow.wants(job(B, "ABORTED", "RDS"))
    assert AlertTarget("C0A", account="ANY").named_account is None  # ANY means every account the channel sees


def test_a_scope_limits_what_a_channel_is_sent() -> None:
    team = ScopedTarget(AlertTarget("C0TEAMA"), frozenset({A}))
    assert team.wants(job(A)) and not team.wants(job(B))


def test_channels_are_scoped_and_fail_closed() -> None:
    policy = AccessPolicy(settings(RESTORES_CHANNEL_ACCOUNTS=SCOPES))
    targets = [AlertTarget("C0TEAMAB"), AlertTarget("C0PLATFORM"), AlertTarget("C0NEW"),
               AlertTarget("C0TEAMA", account=B, static=False)]
    kept, refused = scoped(targets, policy)
    assert [(k.target.channel, k.scope) for k in kept] == [("C0TEAMAB", frozenset({A, B})), ("C0PLATFORM", None)]
    assert refused == {"C0NEW": "no account scope: add it to RESTORES_CHANNEL_ACCOUNTS",
                       "C0TEAMA": f"account {B} is outside the channel's scope"}


def test_without_scoping_every_channel_sees_every_account() -> None:
    kept, refused = scoped([AlertTarget("C0ANY")], AccessPolicy(settings()))
    assert [(k.target.channel, k.scope) for k in kept] == [("C0ANY", None)] and refused == {}


def test_the_accounts_polled_are_the_bots_own_the_listed_the_scoped_and_the_named() -> None:
    targets = [ScopedTarget(AlertTarget("C0TEAMAB"), frozenset({A, B})), ScopedTarget(AlertTarget("C0ALL"), None),
               ScopedTarget(AlertTarget("C0NAMED", account=C), None)]
    assert accounts_to_poll(settings(RESTORES_ALERT_ACCOUNTS="999900001111"), targets) == ("", A, B, C, "999900001111")
    assert accounts_to_poll(settings(), []) == ("",)


def test_without_a_list_the_whole_organisations_active_accounts_are_polled_and_never_an_inactive_one() -> None:
    active = frozenset({A, B, "999900001111"})  # C is suspended: the directory does not list it as active
    scoped_c = [ScopedTarget(AlertTarget("C0TEAMC"), frozenset({C}))]
    # The bot's own account is one of the organisation's: asked by its id, not also as "" (no ByAccountId).
    assert accounts_to_poll(settings(), [], active) == (A, B, "999900001111")
    assert accounts_to_poll(settings(), scoped_c, active) == tuple(sorted(active))
    # A list still decides what is polled; the directory only takes out what is not active.
    assert accounts_to_poll(settings(RESTORES_ALERT_ACCOUNTS=f"{B},{C}"), [], active) == ("", B)
    # No directory (None) or an empty one: what the poll did before.
    assert accounts_to_poll(settings(), scoped_c, None) == ("", C)
    assert accounts_to_poll(settings(), [], frozenset()) == ("",)
