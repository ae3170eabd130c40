"""What every table's repository shares: its engine, and its tables created when it is made."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from sqlalchemy import Engine, MetaData

from bot.store.db import create_store_engine, create_tables


class Repository:
    """A repository over the tables of `tables` (CREATE IF NOT EXISTS, safe when processes start together). The bot
    makes them on the one engine of DATABASE_URL (bot.wiring); `from_url` opens an engine of its own (tests, tools)."""

    tables: ClassVar[MetaData]

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine, self.tables)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Self:
        return cls(create_store_engine(url), **kwargs)
