"""What members do, in SQL: accounts, API tokens, votes, comments, submissions, rate limits.

Each function runs inside the caller's connection and transaction; ``Store`` gives each write its
own transaction. A vote, a comment or a submission also bumps the paper's change sequence, so the
search indexes (which filter and sort by upvotes, and date papers by their listings) and the
site's kept responses catch up with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from dailypapers.errors import Conflict, InvalidInput, NotFound, RateLimited
from dailypapers.models import Allowance, ApiToken, Comment, User
from dailypapers.store import library
from dailypapers.store.rows import chunks, insert_ignore, is_key, present_among, set_present
from dailypapers.store.tables import (
    api_tokens,
    comments,
    listings,
    papers,
    rate_limits,
    submissions,
    upvotes,
    users,
)
from dailypapers.store.upsert import bump_seq


def _now() -> datetime:
    return datetime.now(UTC)


def user_from_row(row: Any) -> User:
    """The member of a row that holds the ``users`` columns."""
    return User(row.id, row.name, row.email, bool(row.is_admin), row.created_at)


# -- accounts ------------------------------------------------------------------------------------


def create_user(
    conn: Connection, name: str, email: str, password_hash: str | None, is_admin: bool
) -> User:
    taken = conn.execute(
        select(users.c.name, users.c.email).where(
            or_(
                func.lower(users.c.name) == name.lower(), func.lower(users.c.email) == email.lower()
            )
        )
    ).first()
    if taken is not None:
        what = "name" if taken.name.lower() == name.lower() else "email address"
        raise Conflict(f"the {what} {name if what == 'name' else email!r} is already taken")
    try:
        user_id = conn.execute(
            insert(users)
            .values(
                name=name,
                email=email,
                password_hash=password_hash,
                is_admin=is_admin,
                created_at=_now(),
            )
            .returning(users.c.id)
        ).scalar_one()
    except IntegrityError as exc:  # a concurrent sign-up with the same name won the race
        raise Conflict(f"the name {name!r} or that email address is already taken") from exc
    return user_by_id(conn, int(user_id))  # type: ignore[return-value]


def user_by_id(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return user_from_row(row) if row else None


def users_by_id(conn: Connection, user_ids: Sequence[int]) -> dict[int, User]:
    found: dict[int, User] = {}
    for chunk in chunks(list(dict.fromkeys(user_ids))):
        for row in conn.execute(select(users).where(users.c.id.in_(chunk))):
            found[row.id] = user_from_row(row)
    return found


def user_by_name(conn: Connection, name: str) -> User | None:
    row = conn.execute(select(users).where(func.lower(users.c.name) == name.lower())).first()
    return user_from_row(row) if row else None


def credentials(conn: Connection, login: str) -> tuple[User, str | None] | None:
    """The user signing in as ``login`` (name or email, any case) and their password hash."""
    login = login.strip().lower()
    column = users.c.email if "@" in login else users.c.name
    row = conn.execute(select(users).where(func.lower(column) == login)).first()
    return (user_from_row(row), row.password_hash) if row else None


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


# -- API tokens ----------------------------------------------------------------------------------


def _token(row: Any) -> ApiToken:
    return ApiToken(row.id, row.name, row.prefix, row.created_at, row.last_used_at, row.revoked_at)


def add_token(conn: Connection, user_id: int, name: str, token_hash: str, prefix: str) -> ApiToken:
    token_id = conn.execute(
        insert(api_tokens)
        .values(user_id=user_id, name=name, token_hash=token_hash, prefix=prefix, created_at=_now())
        .returning(api_tokens.c.id)
    ).scalar_one()
    row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one()
    return _token(row)


def user_for_token(conn: Connection, token_hash: str) -> tuple[User, int, datetime | None] | None:
    """(owner, token id, last used) of a live token: a read (its use is written apart)."""
    row = conn.execute(
        select(users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at)
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    return user_from_row(row), int(row.token_id), row.last_used_at


def tokens(conn: Connection, user_id: int) -> list[ApiToken]:
    rows = conn.execute(
        select(api_tokens).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id)
    )
    return [_token(row) for row in rows]


def revoke_token(conn: Connection, user_id: int, which: str) -> int:
    """Revoke the user's live tokens named ``which`` (or with that id, or that prefix)."""
    condition = or_(api_tokens.c.name == which, api_tokens.c.prefix == which)
    if which.isdigit() and len(which) < 12 and is_key(int(which)):
        condition = or_(condition, api_tokens.c.id == int(which))
    result = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None), condition)
        .values(revoked_at=_now())
    )
    return int(result.rowcount)


# -- votes ---------------------------------------------------------------------------------------


def _touch_paper(conn: Connection, paper_pk: int) -> None:
    conn.execute(update(papers).where(papers.c.pk == paper_pk).values(seq=bump_seq(conn)))


def set_vote(conn: Connection, user_id: int, paper_pk: int, on: bool) -> tuple[bool, int]:
    """Upvote (``on``) or take the upvote back; (whether anything changed, the site's count).

    Idempotent: the primary key (user, paper) holds one vote per member however many requests
    race, so the count is the number of rows, exactly.
    """
    key = {"user_id": user_id, "paper_pk": paper_pk}
    changed = set_present(conn, upvotes, key, on, created_at=_now())
    count = conn.execute(
        select(func.count()).select_from(upvotes).where(upvotes.c.paper_pk == paper_pk)
    ).scalar_one()
    if changed:
        library.bump_signals(conn, user_id)  # a vote says what the member likes
        # Last: the change sequence's row is every writer's, and stays locked until commit.
        _touch_paper(conn, paper_pk)
    return changed, int(count)


def voted(conn: Connection, user_id: int, paper_pks: Sequence[int]) -> set[int]:
    """Which of ``paper_pks`` the user has upvoted."""
    return present_among(conn, upvotes, {"user_id": user_id}, "paper_pk", paper_pks)


def upvoted_by(conn: Connection, user_id: int, limit: int) -> list[int]:
    """The papers the user upvoted, newest vote first."""
    return list(
        conn.execute(
            select(upvotes.c.paper_pk)
            .where(upvotes.c.user_id == user_id)
            .order_by(upvotes.c.created_at.desc())
            .limit(limit)
        ).scalars()
    )


# -- comments ------------------------------------------------------------------------------------


def add_comment(
    conn: Connection, user_id: int, paper_pk: int, text: str, parent_id: int | None
) -> int:
    if parent_id is not None:
        parent = (
            conn.execute(
                select(comments.c.paper_pk).where(comments.c.id == parent_id)
            ).scalar_one_or_none()
            if is_key(parent_id)
            else None
        )
        if parent is None:
            raise NotFound(f"no comment {parent_id} to reply to")
        if parent != paper_pk:
            raise InvalidInput(f"comment {parent_id} is on another paper")
    comment_id = conn.execute(
        insert(comments)
        .values(
            paper_pk=paper_pk, user_id=user_id, parent_id=parent_id, text=text, created_at=_now()
        )
        .returning(comments.c.id)
    ).scalar_one()
    _touch_paper(conn, paper_pk)  # its comment count is part of what lists show
    return int(comment_id)


def paper_key(conn: Connection, condition: Any) -> tuple[int, str, int] | None:
    """(key, public id, the upvotes its source showed) of the paper meeting ``condition``."""
    row = conn.execute(
        select(papers.c.pk, papers.c.arxiv_id, papers.c.local_id, papers.c.source_upvotes).where(
            condition
        )
    ).first()
    if row is None:
        return None
    return int(row.pk), row.arxiv_id or row.local_id, int(row.source_upvotes or 0)


def paper_comments(conn: Connection, paper_pk: int, paper_id: str) -> list[Comment]:
    rows = conn.execute(
        select(comments, users.c.name.label("author"))
        .join(users, users.c.id == comments.c.user_id)
        .where(comments.c.paper_pk == paper_pk)
        .order_by(comments.c.created_at, comments.c.id)
    )
    return [
        Comment(row.id, paper_id, row.author, row.text, row.created_at, row.parent_id)
        for row in rows
    ]


# -- submissions ---------------------------------------------------------------------------------


def submit(conn: Connection, user: User, paper_pk: int, day: date, quota: int) -> None:
    """Record ``user``'s submission of the paper and list it on ``day``, within their quota."""
    earlier = conn.execute(
        select(users.c.name)
        .join(submissions, submissions.c.user_id == users.c.id)
        .where(submissions.c.paper_pk == paper_pk)
    ).scalar_one_or_none()
    if earlier is not None:
        raise Conflict(f"this paper was already submitted by {earlier}")
    check_quota(conn, user.id, day, quota)
    try:
        conn.execute(
            insert(submissions).values(paper_pk=paper_pk, user_id=user.id, created_at=_now())
        )
    except IntegrityError as exc:
        raise Conflict("this paper was just submitted by someone else") from exc
    conn.execute(
        insert_ignore(conn, listings).values(
            day=day, paper_pk=paper_pk, rank=None, submitter=user.name
        )
    )
    _touch_paper(conn, paper_pk)


def check_quota(conn: Connection, user_id: int, day: date, quota: int) -> None:
    """Conflict when the member has made ``quota`` submissions on ``day`` (UTC) already."""
    since = datetime.combine(day, datetime.min.time(), UTC)
    today = conn.execute(
        select(func.count())
        .select_from(submissions)
        .where(submissions.c.user_id == user_id, submissions.c.created_at >= since)
    ).scalar_one()
    if today >= quota:
        raise Conflict(
            f"you have submitted {today} paper{'s' if today != 1 else ''} today, "
            "the daily limit; try again tomorrow"
        )


def submitted_by(conn: Connection, user_id: int, limit: int) -> list[int]:
    return list(
        conn.execute(
            select(submissions.c.paper_pk)
            .where(submissions.c.user_id == user_id)
            .order_by(submissions.c.created_at.desc())
            .limit(limit)
        ).scalars()
    )


# -- rate limits ---------------------------------------------------------------------------------


def check_allowance(conn: Connection, allowance: Allowance, now: float) -> None:
    """Count one use against ``allowance``; RateLimited (with Retry-After) past it."""
    count, retry_after = hit(conn, allowance.key, allowance.window_s, now)
    if count > allowance.allowed:
        raise RateLimited(f"too many {allowance.what}; try again in {retry_after} s", retry_after)


def hit(conn: Connection, key: str, window_s: int, now: float) -> tuple[int, int]:
    """Count one use of ``key`` in the current window; (uses so far, seconds the window has left).

    Fixed windows in the database, so every web process of an installation shares the counts.
    """
    start = int(now // window_s * window_s)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(rate_limits)
        .values(key=key, window_start=start, count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"count": rate_limits.c.count + 1}
        )
        .returning(rate_limits.c.count)
    )
    count = int(conn.execute(statement).scalar_one())
    if count == 1:  # a new window: forget this key's old ones
        conn.execute(
            delete(rate_limits).where(
                and_(rate_limits.c.key == key, rate_limits.c.window_start < start)
            )
        )
    return count, max(1, int(start + window_s - now))
