"""Thumbnails in SQL: which listed papers still want one, the rendered images by content, and
the papers whose thumbnail could not be made (tried again later, less often each time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select, update

from dailypapers.models import Thumbnail
from dailypapers.store.retries import (
    Wanted,
    failing,
    forget_failures,
    newest_listed,
    note_failure,
)
from dailypapers.store.rows import insert_ignore
from dailypapers.store.tables import papers, thumbnail_images, thumbnail_tries
from dailypapers.store.upsert import touch_papers


class Thumbnails:
    """Papers' thumbnails, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def wanting(self, now: datetime, limit: int) -> list[Wanted]:
        """Listed arXiv papers without a thumbnail and not waiting after a failure, the most
        recently listed first (in their list's order)."""
        return newest_listed(self.conn, thumbnail_tries, now, limit, papers.c.thumbnail.is_(None))

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
        forget_failures(self.conn, thumbnail_tries, [paper_pk])
        touch_papers(self.conn, [paper_pk])  # its pages show the image from now on

    def failed(self, paper_pk: int, reason: str, now: datetime) -> datetime:
        """Note that the paper's thumbnail could not be made; when it is tried again."""
        return note_failure(self.conn, thumbnail_tries, paper_pk, reason, now)

    def image(self, digest: str) -> bytes | None:
        """The image of content ``digest``, if the store has it."""
        query = select(thumbnail_images.c.data).where(thumbnail_images.c.digest == digest)
        data = self.conn.execute(query).scalar()
        return bytes(data) if data is not None else None

    def counts(self) -> dict[str, int]:
        """Papers with a thumbnail, and papers whose last try failed."""
        rendered = self.conn.execute(
            select(func.count()).where(papers.c.thumbnail.is_not(None))
        ).scalar_one()
        return {"rendered": int(rendered), "failed": failing(self.conn, thumbnail_tries)}
