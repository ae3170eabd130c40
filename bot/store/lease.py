"""The lease that lets one clock of several poll the alerts (bot.alerts.clock's PollerLease), judged by the database's
clock, never a host's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import delete, insert, select, update

from bot.store.alerts import leases, metadata
from bot.store.db import db_now, db_now_minus
from bot.store.repository import Repository


class LeaseStore(Repository):
    """Named leases in the alert_leases table (kept in bot.store.alerts' metadata, with the tables it was always
    migrated with): one owner at a time, free once not renewed for its ttl."""

    tables = metadata

    def hold_lease(self, name: str, owner: str, ttl: timedelta) -> bool:
        """Take or renew the lease `name`: True while `owner` holds it. A lease not renewed for `ttl` (by the
        database's clock) is free for another owner."""
        now = db_now(self.engine)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(leases).values(name=name, owner=owner, renewed_at=now))
            return True
        except IntegrityError:
            pass
        mine_or_expired = (leases.c.owner == owner) | (leases.c.renewed_at < db_now_minus(self.engine, ttl))
        with self.engine.begin() as conn:
            result = conn.execute(
                update(leases).where(leases.c.name == name, mine_or_expired).values(owner=owner, renewed_at=now)
            )
        return result.rowcount == 1

    def lease_owner(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            owner = conn.execute(select(leases.c.owner).where(leases.c.name == name)).scalar_one_or_none()
        return str(owner) if owner is not None else None

    def release_lease(self, name: str, owner: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(leases).where(leases.c.name == name, leases.c.owner == owner))
