"""Alembic's entry point, run by bot.store.migrate on the connection it holds (inside its lock and transaction);
there is no offline (SQL script) mode and no alembic.ini."""

from __future__ import annotations

from alembic import context

from bot.store.tables import models

if context.is_offline_mode():
    raise RuntimeError("the bot's migrations run on a connection (python -m bot migrate), not as a SQL script")

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=models(),
    # SQLite alters a table by copying it (ALTER TABLE is limited there); autogenerate writes batch operations.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
