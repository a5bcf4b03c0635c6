"""Scheduled jobs' leases in SQL: which fire time of a job was handled, and which worker holds it.

A worker takes a job for one fire time with a lease; the lease lets one worker of many run it,
and runs out by itself when its holder dies, so another takes the job over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select, update

from dailypapers.store.rows import insert_ignore
from dailypapers.store.tables import job_runs


class Jobs:
    """The scheduled jobs' leases, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def last_fire(self, name: str) -> datetime | None:
        """The last fire time of job ``name`` that was handled."""
        value: datetime | None = self.conn.execute(
            select(job_runs.c.last_fire).where(job_runs.c.name == name)
        ).scalar()
        return value

    def take(
        self, name: str, fire: datetime, holder: str, lease_until: datetime, now: datetime
    ) -> bool:
        """Become the one runner of job ``name`` for its fire time ``fire``: True when it is due
        (not yet run for ``fire``) and no other worker holds a live lease on it."""
        self.conn.execute(insert_ignore(self.conn, job_runs).values(name=name))
        taken = self.conn.execute(
            update(job_runs)
            .where(
                job_runs.c.name == name,
                or_(job_runs.c.last_fire.is_(None), job_runs.c.last_fire < fire),
                or_(job_runs.c.lease_until.is_(None), job_runs.c.lease_until < now),
            )
            .values(holder=holder, lease_until=lease_until, started_at=now)
        ).rowcount
        return bool(taken)

    def renew(self, name: str, holder: str, lease_until: datetime) -> bool:
        """Extend ``holder``'s lease on job ``name``; False when it is no longer theirs."""
        renewed = self.conn.execute(
            update(job_runs)
            .where(job_runs.c.name == name, job_runs.c.holder == holder)
            .values(lease_until=lease_until)
        ).rowcount
        return bool(renewed)

    def finish(
        self,
        name: str,
        holder: str,
        fire: datetime | None,
        outcome: str,
        now: datetime,
        hold_until: datetime | None = None,
    ) -> None:
        """Let go of job ``name``; a ``fire`` marks that fire time handled (None: it runs again,
        not before ``hold_until``)."""
        values: dict[str, Any] = {
            "holder": None,
            "lease_until": hold_until,
            "finished_at": now,
            "outcome": outcome,
        }
        if fire is not None:
            values["last_fire"] = fire
        self.conn.execute(
            update(job_runs)
            .where(job_runs.c.name == name, job_runs.c.holder == holder)
            .values(values)
        )

    def states(self) -> list[dict[str, Any]]:
        """Every job's row: its last fire, holder, lease and outcome."""
        query = select(job_runs).order_by(job_runs.c.name)
        return [dict(row._mapping) for row in self.conn.execute(query)]
