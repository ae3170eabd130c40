"""How many examples a costly property runs: its own small count in a plain run (so the README's command stays quick),
the hardening profile's count (at least 10,000) in the long fuzz run. An explicit `max_examples` would otherwise win
over the profile and keep the fuzz run at the plain run's count."""

from __future__ import annotations

from hypothesis import settings


def examples(plain_run: int) -> int:
    if settings.get_current_profile_name() == "hardening":
        return max(plain_run, settings.default.max_examples)
    return plain_run
