"""Sign-in sessions and when sessions and API tokens were last used, in SQL.

A session is live from its creation until it is ended (signing out, "sign out everywhere", a
password change) or is older than the installation's session length. Finding one is a single
indexed read; its last use is written apart, a batch at a time (``touch``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from dailypapers.models import SignIn, User
from dailypapers.store.community import user_from_row
from dailypapers.store.rows import is_key
from dailypapers.store.tables import api_tokens, sessions, users


def _sign_in(row: Any) -> SignIn:
    return SignIn(row.id, row.client, row.created_at, row.last_seen_at)


def start(conn: Connection, user_id: int, token_hash: str, client: str, now: datetime) -> int:
    """A new session of ``user_id``; its id."""
    return int(
        conn.execute(
            insert(sessions)
            .values(
                user_id=user_id,
                token_hash=token_hash,
                client=client[:200],
                created_at=now,
                last_seen_at=now,
            )
            .returning(sessions.c.id)
        ).scalar_one()
    )


def find(
    conn: Connection, token_hash: str, started_after: datetime
) -> tuple[User, int, datetime] | None:
    """(member, session id, last seen) of the live session with this token hash."""
    row = conn.execute(
        select(users, sessions.c.id.label("session_id"), sessions.c.last_seen_at)
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(
            sessions.c.token_hash == token_hash,
            sessions.c.ended_at.is_(None),
            sessions.c.created_at > started_after,
        )
    ).first()
    if row is None:
        return None
    return user_from_row(row), int(row.session_id), row.last_seen_at


def live(conn: Connection, user_id: int, started_after: datetime) -> list[SignIn]:
    """The member's live sessions, the most recently used first."""
    rows = conn.execute(
        select(sessions)
        .where(
            sessions.c.user_id == user_id,
            sessions.c.ended_at.is_(None),
            sessions.c.created_at > started_after,
        )
        .order_by(sessions.c.last_seen_at.desc(), sessions.c.id.desc())
    )
    return [_sign_in(row) for row in rows]


def end(conn: Connection, now: datetime, token_hash: str) -> bool:
    """End the session with this token hash; whether one was live."""
    result = conn.execute(
        update(sessions)
        .where(sessions.c.token_hash == token_hash, sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )
    return bool(result.rowcount)


def end_one(conn: Connection, now: datetime, user_id: int, session_id: int) -> bool:
    """End the member's session ``session_id``; whether it was live."""
    if not is_key(session_id):
        return False
    result = conn.execute(
        update(sessions)
        .where(
            sessions.c.id == session_id,
            sessions.c.user_id == user_id,
            sessions.c.ended_at.is_(None),
        )
        .values(ended_at=now)
    )
    return bool(result.rowcount)


def end_all(conn: Connection, now: datetime, user_id: int, keep: int | None = None) -> int:
    """End every live session of the member but ``keep``; how many were ended."""
    condition = [sessions.c.user_id == user_id, sessions.c.ended_at.is_(None)]
    if keep is not None:
        condition.append(sessions.c.id != keep)
    return int(conn.execute(update(sessions).where(*condition).values(ended_at=now)).rowcount)


def touch(
    conn: Connection, session_times: Mapping[int, datetime], token_times: Mapping[int, datetime]
) -> None:
    """Record when sessions and API tokens were last used (one statement per table)."""
    for table, column, times in (
        (sessions, "last_seen_at", session_times),
        (api_tokens, "last_used_at", token_times),
    ):
        if times:
            statement = (
                update(table)
                .where(table.c.id == bindparam("key"))
                .values({column: bindparam("at")})
            )
            conn.execute(statement, [{"key": key, "at": at} for key, at in times.items()])
