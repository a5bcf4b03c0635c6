"""What the fetches of listed papers share: newest listings first, and the papers a fetch could
not serve, tried again later and less often each time.

A tries table (``thumbnail_tries``, ``arxiv_lookups``) holds one row per paper that failed:
how many times, when, when it is tried next, and why. A paper with a row whose ``retry_at`` has
not come is left out of what a run wants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, delete, exists, func, select

from dailypapers.store.rows import chunks, upsert_row
from dailypapers.store.tables import listings, papers

# After a failure a paper waits a day, then twice as long after each further one, up to a month:
# what arXiv does not have yet may come, what it will never have costs a request a month.
FIRST_RETRY = timedelta(days=1)
LAST_RETRY = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Wanted:
    """A paper a fetch is to serve: its key, arXiv id and version."""

    pk: int
    arxiv_id: str
    version: int | None


def newest_listed(
    conn: Connection, tries: Table, now: datetime, limit: int, *conditions: Any
) -> list[Wanted]:
    """Listed arXiv papers meeting ``conditions`` that are not waiting after a failure noted in
    ``tries``, the most recently listed first (in their list's order)."""
    waiting = exists().where(tries.c.paper_pk == papers.c.pk, tries.c.retry_at > now)
    last_listed = func.max(listings.c.day)
    best_rank = func.coalesce(func.min(listings.c.rank), 1 << 30)
    query = (
        select(papers.c.pk, papers.c.arxiv_id, papers.c.version)
        .join(listings, listings.c.paper_pk == papers.c.pk)
        .where(papers.c.arxiv_id.is_not(None), papers.c.removed_at.is_(None), ~waiting, *conditions)
        .group_by(papers.c.pk, papers.c.arxiv_id, papers.c.version)
        .order_by(last_listed.desc(), best_rank, papers.c.pk.desc())
        .limit(limit)
    )
    return [Wanted(row.pk, row.arxiv_id, row.version) for row in conn.execute(query)]


def arxiv_papers(conn: Connection, pks: Sequence[int]) -> list[Wanted]:
    """The arXiv papers among ``pks``, in that order, whatever a fetch gave them before."""
    found: dict[int, Wanted] = {}
    for chunk in chunks(pks):
        query = select(papers.c.pk, papers.c.arxiv_id, papers.c.version).where(
            papers.c.pk.in_(chunk), papers.c.arxiv_id.is_not(None)
        )
        found.update(
            (row.pk, Wanted(row.pk, row.arxiv_id, row.version)) for row in conn.execute(query)
        )
    return [found[pk] for pk in pks if pk in found]


def note_failure(
    conn: Connection, tries: Table, paper_pk: int, reason: str, now: datetime
) -> datetime:
    """Note in ``tries`` that a fetch failed the paper; when it is tried again."""
    count = conn.execute(select(tries.c.tries).where(tries.c.paper_pk == paper_pk)).scalar()
    count = int(count or 0) + 1
    retry_at: datetime = now + min(FIRST_RETRY * 2 ** (count - 1), LAST_RETRY)
    row = {
        "paper_pk": paper_pk,
        "tries": count,
        "tried_at": now,
        "retry_at": retry_at,
        "failure": reason[:1000],
    }
    conn.execute(upsert_row(conn, tries, row, ["paper_pk"]))
    return retry_at


def forget_failures(conn: Connection, tries: Table, pks: Sequence[int]) -> None:
    """The papers ``pks`` were served: no failure of theirs is remembered."""
    for chunk in chunks(pks):
        conn.execute(delete(tries).where(tries.c.paper_pk.in_(chunk)))


def failing(conn: Connection, tries: Table) -> int:
    """How many papers' last try failed."""
    return int(conn.execute(select(func.count()).select_from(tries)).scalar_one())
