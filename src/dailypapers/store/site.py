"""The site's own state, in SQL: the settings admins change on the admin page, and what the
admin's morning check counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from dailypapers.store.claims import PENDING
from dailypapers.store.rows import upsert_row
from dailypapers.store.tables import (
    author_claims,
    comments,
    papers,
    reports,
    site_settings,
    users,
)


class Site:
    """Site settings and the admin's counts, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def settings(self) -> dict[str, str]:
        """What admins set, by setting name (as they typed it, checked when it was set)."""
        try:
            rows = self.conn.execute(select(site_settings.c.name, site_settings.c.value)).all()
        except (OperationalError, ProgrammingError):  # a store not migrated yet: nothing set
            return {}
        return {name: value for name, value in rows}

    def set_settings(self, values: Mapping[str, str | None], user_id: int, now: datetime) -> None:
        """Set (or, for None, drop back to the settings file's) what ``values`` names."""
        for name, value in values.items():
            if value is None:
                self.conn.execute(delete(site_settings).where(site_settings.c.name == name))
            else:
                row = {"name": name, "value": value, "updated_at": now, "updated_by": user_id}
                self.conn.execute(upsert_row(self.conn, site_settings, row, ["name"]))

    def counts(self) -> dict[str, int]:
        """Members, removed papers, open reports, held comments and pending author claims."""
        held = and_(
            comments.c.held_at.is_not(None),
            comments.c.hidden_at.is_(None),
            comments.c.deleted_at.is_(None),
        )
        row = self.conn.execute(
            select(
                select(func.count()).select_from(users).scalar_subquery().label("members"),
                select(func.count())
                .where(papers.c.removed_at.is_not(None))
                .scalar_subquery()
                .label("removed_papers"),
                select(func.count())
                .where(reports.c.resolved_at.is_(None))
                .scalar_subquery()
                .label("open_reports"),
                select(func.count()).where(held).scalar_subquery().label("held_comments"),
                select(func.count())
                .where(author_claims.c.status == PENDING)
                .scalar_subquery()
                .label("pending_claims"),
            )
        ).one()
        return dict(row._mapping)
