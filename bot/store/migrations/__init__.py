"""The schema's history as Alembic revisions (env.py, versions/), shipped inside the package: bot.store.migrate runs
them, configured in code (no alembic.ini)."""
