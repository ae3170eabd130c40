"""What every table's repository shares: its engine, and the database's schema at the newest revision when it is made."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from sqlalchemy import Engine, MetaData

from bot.store.db import create_store_engine
from bot.store.migrate import ensure_schema


class Repository:
    """A repository over the tables of `tables`. Making one brings the database to this release's newest revision
    (bot.store.migrate: a look at the version table once per engine, an upgrade under a lock when behind, a refusal
    when the database is newer than this release). The bot makes them on the one engine of DATABASE_URL (bot.wiring),
    which every process has upgraded at start; `from_url` opens an engine of its own (tests, tools)."""

    tables: ClassVar[MetaData]

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        ensure_schema(engine)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Self:
        return cls(create_store_engine(url), **kwargs)
