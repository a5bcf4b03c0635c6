"""The daily lists in SQL: which days have one, the nearest days around a day, the papers of a
day or a stretch of days (a paper's place on a day's list is kept apart from its metadata)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, exists, func, select

from dailypapers.models import Paper
from dailypapers.store.papers import papers_by_pk
from dailypapers.store.tables import listings, papers


def _listed(query: Select[Any]) -> Select[Any]:
    """``query`` over listings, less the papers a moderator removed."""
    shown = and_(papers.c.pk == listings.c.paper_pk, papers.c.removed_at.is_(None))
    return query.where(exists().where(shown))


# What every daily page asks, built once (building a statement costs more than SQLite's answer).
_BEFORE = select(func.max(listings.c.day)).where(listings.c.day < bindparam("day"))
_AFTER = select(func.min(listings.c.day)).where(listings.c.day > bindparam("day"))
_BETWEEN = _listed(
    select(listings.c.paper_pk).where(
        listings.c.day >= bindparam("first"), listings.c.day <= bindparam("last")
    )
)


class Lists:
    """The daily lists, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def latest_day(self, on_or_before: date | None = None) -> date | None:
        """The newest day that has a listing (not after ``on_or_before`` when given)."""
        query = select(func.max(listings.c.day))
        if on_or_before is not None:
            query = query.where(listings.c.day <= on_or_before)
        day: date | None = self.conn.execute(query).scalar_one()
        return day

    def neighbours(self, day: date) -> tuple[date | None, date | None]:
        """The nearest days before and after ``day`` that have a listing."""
        before = self.conn.execute(_BEFORE, {"day": day}).scalar_one()
        after = self.conn.execute(_AFTER, {"day": day}).scalar_one()
        return before, after

    def between(self, first: date, last: date, submitter: str | None = None) -> list[Paper]:
        """Papers listed on any day from ``first`` to ``last`` (by ``submitter``, if given)."""
        query = _BETWEEN
        if submitter is not None:
            query = query.where(func.lower(listings.c.submitter) == submitter.lower())
        keys = self.conn.execute(query, {"first": first, "last": last}).scalars()
        return papers_by_pk(self.conn, list(dict.fromkeys(keys)))

    def keys_between(self, first: date, last: date) -> list[int]:
        """Keys of the papers listed on any day from ``first`` to ``last``."""
        keys = self.conn.execute(_BETWEEN, {"first": first, "last": last}).scalars()
        return list(dict.fromkeys(keys))

    def day(self, day: date) -> list[Paper]:
        """The papers listed on ``day``, in rank order."""
        pks = self.conn.execute(
            _listed(select(listings.c.paper_pk))
            .where(listings.c.day == day)
            .order_by(listings.c.rank.is_(None), listings.c.rank)
        ).scalars()
        order = {pk: i for i, pk in enumerate(pks)}
        found = papers_by_pk(self.conn, list(order))
        return sorted(found, key=lambda paper: order[paper.pk])

    def days(self, limit: int) -> list[date]:
        """The newest ``limit`` days that have a list, newest first."""
        query = select(listings.c.day).distinct().order_by(listings.c.day.desc()).limit(limit)
        return list(self.conn.execute(query).scalars())

    def listed_ids(self, limit: int) -> list[tuple[str, date]]:
        """(id, the last day it was listed) of the ``limit`` papers listed last, newest first,
        less the removed ones: what a sitemap names."""
        paper_id = func.coalesce(papers.c.arxiv_id, papers.c.local_id)
        last = func.max(listings.c.day).label("last")
        query = (
            select(paper_id, last)
            .join(papers, papers.c.pk == listings.c.paper_pk)
            .where(papers.c.removed_at.is_(None))
            .group_by(papers.c.pk, papers.c.arxiv_id, papers.c.local_id)
            .order_by(last.desc(), papers.c.pk.desc())
            .limit(limit)
        )
        return [(str(ident), day) for ident, day in self.conn.execute(query)]

    def counts(self) -> dict[str, Any]:
        """How many days have a list, the first and the last."""
        days, first, last = self.conn.execute(
            select(
                func.count(func.distinct(listings.c.day)),
                func.min(listings.c.day),
                func.max(listings.c.day),
            )
        ).one()
        return {
            "listing_days": int(days),
            "first_listing": first.isoformat() if first else None,
            "last_listing": last.isoformat() if last else None,
        }
