"""Author claims in SQL: members who say they wrote a paper under one of its authors' names, the
moderators' queue of them, what was decided, and the verified ones papers show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, exists, func, select, update

from dailypapers.models import AuthorClaim, Claimed
from dailypapers.store.rows import chunks, insert_ignore, is_key
from dailypapers.store.tables import author_claims, comments, papers, users
from dailypapers.store.upsert import touch_papers

# A claim's states (``models.CLAIM_STATES``).
PENDING, VERIFIED, REJECTED = "pending", "verified", "rejected"


def _claims_query() -> Any:
    return (
        select(
            author_claims,
            func.coalesce(papers.c.arxiv_id, papers.c.local_id).label("paper_id"),
            papers.c.title.label("paper_title"),
            users.c.name.label("user"),
            users.c.display_name,
            users.c.email,
        )
        .join(papers, papers.c.pk == author_claims.c.paper_pk)
        .join(users, users.c.id == author_claims.c.user_id)
    )


def _claim(row: Any) -> AuthorClaim:
    return AuthorClaim(
        id=row.id,
        paper_id=row.paper_id,
        paper_title=row.paper_title,
        author_name=row.author_name,
        user=row.user,
        status=row.status,
        created_at=row.created_at,
        decided_at=row.decided_at,
        reason=row.reason,
        user_fullname=row.display_name,
        user_domain=row.email.rpartition("@")[2],
    )


_SPOKE = exists().where(
    comments.c.paper_pk == author_claims.c.paper_pk,
    comments.c.user_id == author_claims.c.user_id,
    comments.c.hidden_at.is_(None),
    comments.c.held_at.is_(None),
    comments.c.deleted_at.is_(None),
)
_CLAIMED = (
    select(
        author_claims.c.paper_pk,
        author_claims.c.author_key,
        users.c.name,
        users.c.display_name,
        _SPOKE.label("participating"),
    )
    .join(users, users.c.id == author_claims.c.user_id)
    .where(
        author_claims.c.paper_pk.in_(bindparam("pks", expanding=True)),
        author_claims.c.status == VERIFIED,
    )
    .order_by(author_claims.c.id)
)


def claimed_of(conn: Connection, pks: Sequence[int]) -> dict[int, list[Claimed]]:
    """The verified authors of papers ``pks``, by paper (papers without one are left out)."""
    found: dict[int, list[Claimed]] = {}
    for chunk in chunks(pks):
        for row in conn.execute(_CLAIMED, {"pks": list(chunk)}):
            found.setdefault(row.paper_pk, []).append(
                Claimed(row.author_key, row.name, row.display_name, bool(row.participating))
            )
    return found


class Claims:
    """Author claims, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(self, paper_pk: int, user_id: int, key: str, name: str, now: datetime) -> int:
        """``user_id`` claims to be the author ``name`` (of key ``key``) of the paper: a pending
        claim, or the one they made before (a rejected one asked for again); its id."""
        mine = (
            author_claims.c.paper_pk == paper_pk,
            author_claims.c.author_key == key,
            author_claims.c.user_id == user_id,
        )
        row = {"author_name": name, "status": PENDING, "created_at": now}
        self.conn.execute(
            insert_ignore(self.conn, author_claims).values(
                paper_pk=paper_pk, user_id=user_id, author_key=key, **row
            )
        )
        self.conn.execute(
            update(author_claims)
            .where(*mine, author_claims.c.status == REJECTED)
            .values(**row, decided_at=None, decided_by=None, reason=None)
        )
        return int(self.conn.execute(select(author_claims.c.id).where(*mine)).scalar_one())

    def holder(self, paper_pk: int, key: str) -> int | None:
        """The member verified to be the paper's author of key ``key``, if any."""
        query = select(author_claims.c.user_id).where(
            author_claims.c.paper_pk == paper_pk,
            author_claims.c.author_key == key,
            author_claims.c.status == VERIFIED,
        )
        found = self.conn.execute(query).scalar()
        return int(found) if found is not None else None

    def own_on(self, paper_pk: int, user_id: int) -> list[AuthorClaim]:
        """The claims ``user_id`` made on the paper (at most one that is not rejected, but
        for races)."""
        query = _claims_query().where(
            author_claims.c.paper_pk == paper_pk, author_claims.c.user_id == user_id
        )
        return [_claim(row) for row in self.conn.execute(query)]

    def get(self, claim_id: int) -> AuthorClaim | None:
        if not is_key(claim_id):  # a number a request made up, no row's
            return None
        row = self.conn.execute(_claims_query().where(author_claims.c.id == claim_id)).first()
        return _claim(row) if row is not None else None

    def pending(self, limit: int = 200) -> list[AuthorClaim]:
        """The claims waiting for a moderator, oldest first."""
        query = (
            _claims_query()
            .where(author_claims.c.status == PENDING)
            .order_by(author_claims.c.id)
            .limit(limit)
        )
        return [_claim(row) for row in self.conn.execute(query)]

    def pending_of(self, user_id: int) -> int:
        """How many of ``user_id``'s claims wait for a moderator."""
        query = select(func.count()).where(
            author_claims.c.user_id == user_id, author_claims.c.status == PENDING
        )
        return int(self.conn.execute(query).scalar_one())

    def decide(
        self, claim_id: int, status: str, moderator_id: int, reason: str, now: datetime
    ) -> bool:
        """Verify or reject a pending claim; whether it was pending. A verified claim changes
        what the paper's pages show, so they are rendered again."""
        if not is_key(claim_id):
            return False
        changed = self.conn.execute(
            update(author_claims)
            .where(author_claims.c.id == claim_id, author_claims.c.status == PENDING)
            .values(status=status, decided_at=now, decided_by=moderator_id, reason=reason)
            .returning(author_claims.c.paper_pk)
        ).scalar()
        if changed is not None and status == VERIFIED:
            touch_papers(self.conn, [int(changed)])
        return changed is not None

    def withdraw(self, claim_id: int, user_id: int) -> int | None:
        """``user_id`` takes back their claim; the paper's key, None when it is not theirs."""
        if not is_key(claim_id):
            return None
        found = self.conn.execute(
            delete(author_claims)
            .where(author_claims.c.id == claim_id, author_claims.c.user_id == user_id)
            .returning(author_claims.c.paper_pk, author_claims.c.status)
        ).first()
        if found is None:
            return None
        if found.status == VERIFIED:
            touch_papers(self.conn, [int(found.paper_pk)])
        return int(found.paper_pk)

    def papers_of(self, user_id: int) -> list[int]:
        """The keys of the papers ``user_id`` is verified to have written, newest first."""
        query = (
            select(author_claims.c.paper_pk)
            .join(papers, papers.c.pk == author_claims.c.paper_pk)
            .where(
                author_claims.c.user_id == user_id,
                author_claims.c.status == VERIFIED,
                papers.c.removed_at.is_(None),
            )
            .order_by(func.coalesce(papers.c.published, author_claims.c.decided_at).desc())
        )
        return [int(pk) for pk in self.conn.execute(query).scalars()]

    def claims_of(self, user_id: int) -> list[AuthorClaim]:
        """Every claim ``user_id`` made, the newest first."""
        query = (
            _claims_query()
            .where(author_claims.c.user_id == user_id)
            .order_by(author_claims.c.id.desc())
        )
        return [_claim(row) for row in self.conn.execute(query)]
