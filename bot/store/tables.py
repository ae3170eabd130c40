"""Every table the bot keeps, as the code defines them: what the migrations' autogenerate compares with the newest
revision (bot/store/migrations/env.py, tests/unit/store/test_migrations.py)."""

from __future__ import annotations

from sqlalchemy import MetaData

from bot.store import alerts, ledger, replay, subscriptions


def models() -> list[MetaData]:
    return [ledger.metadata, alerts.metadata, subscriptions.metadata, replay.metadata]
