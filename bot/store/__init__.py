"""The bot's database: one engine per DATABASE_URL and each table's small repository (digest ledger, alert outbox,
subscriptions, replay guard)."""
