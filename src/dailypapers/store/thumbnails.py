"""Thumbnails in SQL: which listed papers still want one, the rendered images by content, and
the papers whose thumbnail could not be made (tried again later, less often each time)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, exists, func, select, update

from dailypapers.models import Thumbnail
from dailypapers.store.rows import insert_ignore, upsert_row
from dailypapers.store.tables import listings, papers, thumbnail_images, thumbnail_tries
from dailypapers.store.upsert import touch_papers

# After a failure a paper waits a day, then twice as long after each further one, up to a month:
# a PDF arXiv does not have yet may come, a PDF that does not render stays as it is.
FIRST_RETRY = timedelta(days=1)
LAST_RETRY = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Wanted:
    """A paper whose first page is to be rendered: its key, arXiv id and version."""

    pk: int
    arxiv_id: str
    version: int | None


class Thumbnails:
    """Papers' thumbnails, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def wanting(self, now: datetime, limit: int) -> list[Wanted]:
        """Listed arXiv papers without a thumbnail and not waiting after a failure, the most
        recently listed first (in their list's order)."""
        waiting = exists().where(
            thumbnail_tries.c.paper_pk == papers.c.pk, thumbnail_tries.c.retry_at > now
        )
        last_listed = func.max(listings.c.day)
        best_rank = func.coalesce(func.min(listings.c.rank), 1 << 30)
        query = (
            select(papers.c.pk, papers.c.arxiv_id, papers.c.version)
            .join(listings, listings.c.paper_pk == papers.c.pk)
            .where(
                papers.c.thumbnail.is_(None),
                papers.c.arxiv_id.is_not(None),
                papers.c.removed_at.is_(None),
                ~waiting,
            )
            .group_by(papers.c.pk, papers.c.arxiv_id, papers.c.version)
            .order_by(last_listed.desc(), best_rank, papers.c.pk.desc())
            .limit(limit)
        )
        return [Wanted(row.pk, row.arxiv_id, row.version) for row in self.conn.execute(query)]

    def named(self, pks: Sequence[int]) -> list[Wanted]:
        """The arXiv papers among ``pks``, whatever they have (rendered again by hand)."""
        query = select(papers.c.pk, papers.c.arxiv_id, papers.c.version).where(
            papers.c.pk.in_(pks), papers.c.arxiv_id.is_not(None)
        )
        found = {
            row.pk: Wanted(row.pk, row.arxiv_id, row.version) for row in self.conn.execute(query)
        }
        return [found[pk] for pk in pks if pk in found]

    def save(self, paper_pk: int, thumbnail: Thumbnail, data: bytes, now: datetime) -> None:
        """Keep the image (once per content) and make it the paper's thumbnail."""
        image = {
            "digest": thumbnail.digest,
            "width": thumbnail.width,
            "height": thumbnail.height,
            "data": data,
            "created_at": now,
        }
        self.conn.execute(insert_ignore(self.conn, thumbnail_images).values(**image))
        self.conn.execute(
            update(papers)
            .where(papers.c.pk == paper_pk)
            .values(
                thumbnail=thumbnail.digest,
                thumbnail_width=thumbnail.width,
                thumbnail_height=thumbnail.height,
            )
        )
        self.conn.execute(delete(thumbnail_tries).where(thumbnail_tries.c.paper_pk == paper_pk))
        touch_papers(self.conn, [paper_pk])  # its pages show the image from now on

    def failed(self, paper_pk: int, reason: str, now: datetime) -> datetime:
        """Note that the paper's thumbnail could not be made; when it is tried again."""
        tries = self.conn.execute(
            select(thumbnail_tries.c.tries).where(thumbnail_tries.c.paper_pk == paper_pk)
        ).scalar()
        tries = int(tries or 0) + 1
        retry_at: datetime = now + min(FIRST_RETRY * 2 ** (tries - 1), LAST_RETRY)
        row = {
            "paper_pk": paper_pk,
            "tries": tries,
            "tried_at": now,
            "retry_at": retry_at,
            "failure": reason[:1000],
        }
        self.conn.execute(upsert_row(self.conn, thumbnail_tries, row, ["paper_pk"]))
        return retry_at

    def image(self, digest: str) -> bytes | None:
        """The image of content ``digest``, if the store has it."""
        query = select(thumbnail_images.c.data).where(thumbnail_images.c.digest == digest)
        data = self.conn.execute(query).scalar()
        return bytes(data) if data is not None else None

    def counts(self) -> dict[str, int]:
        """Papers with a thumbnail, and papers whose last try failed."""
        row = self.conn.execute(
            select(
                select(func.count())
                .where(papers.c.thumbnail.is_not(None))
                .scalar_subquery()
                .label("rendered"),
                select(func.count()).select_from(thumbnail_tries).scalar_subquery().label("failed"),
            )
        ).one()
        return {"rendered": int(row.rendered), "failed": int(row.failed)}
