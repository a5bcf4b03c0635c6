"""arXiv look-ups in SQL: which listed papers lack arXiv's metadata (a paper first seen on Hugging
Face's list has no categories, dates or versions), and those the API did not give yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, exists, func, select

from dailypapers.store.retries import (
    Wanted,
    failing,
    forget_failures,
    newest_listed,
    note_failure,
)
from dailypapers.store.rows import chunks
from dailypapers.store.tables import arxiv_lookups, listings, papers

# A paper that arXiv has described has a primary category (every arXiv record names one).
LACKING = papers.c.primary_category.is_(None)


class Lookups:
    """Papers' arXiv look-ups, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def wanting(self, now: datetime, limit: int) -> list[Wanted]:
        """Listed arXiv papers lacking arXiv's metadata and not waiting after a look-up that
        gave nothing, the most recently listed first (in their list's order)."""
        return newest_listed(self.conn, arxiv_lookups, now, limit, LACKING)

    def lacking(self, pks: Sequence[int]) -> set[int]:
        """Those of ``pks`` that still lack arXiv's metadata."""
        found: set[int] = set()
        for chunk in chunks(pks):
            query = select(papers.c.pk).where(papers.c.pk.in_(chunk), LACKING)
            found.update(self.conn.execute(query).scalars())
        return found

    def found(self, pks: Sequence[int]) -> None:
        """arXiv gave the metadata of ``pks``: no failed look-up of theirs is remembered."""
        forget_failures(self.conn, arxiv_lookups, pks)

    def failed(self, paper_pk: int, reason: str, now: datetime) -> datetime:
        """Note that arXiv did not give the paper's metadata; when it is asked again."""
        return note_failure(self.conn, arxiv_lookups, paper_pk, reason, now)

    def counts(self) -> dict[str, int]:
        """Listed arXiv papers that lack arXiv's metadata, and papers whose last look-up gave
        nothing."""
        listed = exists().where(listings.c.paper_pk == papers.c.pk)
        lacking = self.conn.execute(
            select(func.count()).where(papers.c.arxiv_id.is_not(None), LACKING, listed)
        ).scalar_one()
        return {"lacking": int(lacking), "failed": failing(self.conn, arxiv_lookups)}
