"""Notifications in SQL: who is told of a comment (the author of the comment it answers, the
members it names, the paper's verified authors and its submitters), each member's list and
unread count, and which are still to be mailed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from dailypapers.models import Notification, User
from dailypapers.store.accounts import unread_of, user_from_row
from dailypapers.store.claims import VERIFIED
from dailypapers.store.rows import chunks, insert_ignore, is_key
from dailypapers.store.tables import (
    author_claims,
    comments,
    listings,
    notifications,
    papers,
    users,
)

# The characters of a comment a notification shows.
EXCERPT = 200


# Who a comment tells, asked with every comment: built once.
_LIVE = users.c.deleted_at.is_(None)
_COMMENTED = select(comments.c.paper_pk, comments.c.user_id, comments.c.parent_id).where(
    comments.c.id == bindparam("comment_id")
)
_REPLIED_TO = (
    select(comments.c.user_id)
    .join(users, users.c.id == comments.c.user_id)
    .where(comments.c.id == bindparam("parent_id"), comments.c.deleted_at.is_(None), _LIVE)
)
_MENTIONED = select(users.c.id).where(
    func.lower(users.c.name).in_(bindparam("names", expanding=True)), _LIVE
)
_WROTE = select(author_claims.c.user_id).where(
    author_claims.c.paper_pk == bindparam("paper_pk"), author_claims.c.status == VERIFIED
)
_SUBMITTED = (
    select(users.c.id)
    .join(listings, listings.c.submitter == users.c.name)
    .where(listings.c.paper_pk == bindparam("paper_pk"), _LIVE)
)


class Notifications:
    """Members' notifications, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def recipients(self, comment_id: int, mentioned: Sequence[str]) -> dict[int, str]:
        """Who is told of comment ``comment_id`` (naming members ``mentioned``), and why
        (``models.NOTIFICATION_KINDS``, the strongest reason each): never its own author, nor
        a deleted account."""
        row = self.conn.execute(_COMMENTED, {"comment_id": comment_id}).one()
        found: dict[int, str] = {}

        def add(kind: str, query: Any, **values: Any) -> None:
            for user_id in self.conn.execute(query, values).scalars():
                if user_id != row.user_id:
                    found.setdefault(int(user_id), kind)

        if row.parent_id is not None:
            add("reply", _REPLIED_TO, parent_id=row.parent_id)
        if mentioned:
            add("mention", _MENTIONED, names=[name.lower() for name in mentioned])
        add("wrote", _WROTE, paper_pk=row.paper_pk)
        add("submitted", _SUBMITTED, paper_pk=row.paper_pk)
        return found

    def add(self, comment_id: int, told: dict[int, str], now: datetime) -> list[int]:
        """Tell the members ``told`` (id: kind) of the comment; the ids of those told now (a
        member told of it before is not told again)."""
        added: list[int] = []
        for user_id, kind in told.items():
            made = self.conn.execute(
                insert_ignore(self.conn, notifications)
                .values(user_id=user_id, comment_id=comment_id, kind=kind, created_at=now)
                .returning(notifications.c.id)
            ).scalar()
            if made is not None:
                added.append(int(made))
        return added

    def unread(self, user_id: int) -> int:
        return int(self.conn.execute(select(unread_of(user_id))).scalar_one())

    def of(
        self, user_id: int, limit: int = 50, ids: Sequence[int] | None = None
    ) -> list[Notification]:
        """The member's notifications, the newest first (or those of ``ids``); a comment
        hidden or held since shows as nothing to them."""
        actor = users.alias("actor")
        query = (
            select(
                notifications,
                comments.c.text,
                comments.c.deleted_at,
                actor.c.name.label("actor"),
                func.coalesce(papers.c.arxiv_id, papers.c.local_id).label("paper_id"),
                papers.c.title,
            )
            .join(comments, comments.c.id == notifications.c.comment_id)
            .join(actor, actor.c.id == comments.c.user_id)
            .join(papers, papers.c.pk == comments.c.paper_pk)
            .where(
                notifications.c.user_id == user_id,
                comments.c.hidden_at.is_(None),
                comments.c.held_at.is_(None),
            )
            .order_by(notifications.c.id.desc())
            .limit(limit)
        )
        if ids is not None:
            query = query.where(notifications.c.id.in_(list(ids)))
        return [
            Notification(
                id=row.id,
                kind=row.kind,
                created_at=row.created_at,
                read=row.read_at is not None,
                comment_id=row.comment_id,
                actor=row.actor,
                paper_id=row.paper_id,
                paper_title=row.title,
                excerpt="" if row.deleted_at else " ".join(row.text.split())[:EXCERPT],
            )
            for row in self.conn.execute(query)
        ]

    def mark_read(self, user_id: int, ids: Sequence[int] | None, now: datetime) -> int:
        """Mark the member's notifications ``ids`` (None: all of them) read; how many were
        unread."""
        statement = update(notifications).where(
            notifications.c.user_id == user_id, notifications.c.read_at.is_(None)
        )
        if ids is None:
            return int(self.conn.execute(statement.values(read_at=now)).rowcount)
        count = 0
        for chunk in chunks([i for i in ids if is_key(i)]):
            done = statement.where(notifications.c.id.in_(chunk)).values(read_at=now)
            count += int(self.conn.execute(done).rowcount)
        return count

    def to_mail(self, user_ids: Sequence[int], limit: int = 20) -> dict[int, list[Notification]]:
        """Of members ``user_ids``, their unread notifications no message told of yet, newest
        first, ``limit`` each at most."""
        found: dict[int, list[Notification]] = {}
        for chunk in chunks(list(user_ids)):
            query = select(notifications.c.user_id, notifications.c.id).where(
                notifications.c.user_id.in_(chunk),
                notifications.c.read_at.is_(None),
                notifications.c.mailed_at.is_(None),
            )
            pending: dict[int, list[int]] = {}
            for row in self.conn.execute(query):
                pending.setdefault(int(row.user_id), []).append(int(row.id))
            for user_id, ids in pending.items():
                shown = self.of(user_id, limit, sorted(ids, reverse=True)[:limit])
                if shown:
                    found[user_id] = shown
        return found

    def mark_mailed(self, ids: Sequence[int], now: datetime) -> None:
        for chunk in chunks(list(ids)):
            self.conn.execute(
                update(notifications)
                .where(notifications.c.id.in_(chunk), notifications.c.mailed_at.is_(None))
                .values(mailed_at=now)
            )

    def owner(self, notification_id: int) -> User | None:
        """The member a notification is for."""
        row = self.conn.execute(
            select(users)
            .join(notifications, notifications.c.user_id == users.c.id)
            .where(notifications.c.id == notification_id, users.c.deleted_at.is_(None))
        ).first()
        return user_from_row(row) if row is not None else None
