"""Members' accounts in SQL: who they are, their passwords' hashes, API tokens, and sign-in
sessions.

A session is live from its creation until it is ended (signing out, "sign out everywhere", a
password change) or is older than the installation's session length. Finding a session or a
token is a single indexed read; when they were last used is written apart, a batch at a time
(``touch``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from dailypapers.errors import Conflict
from dailypapers.models import ApiToken, SignIn, User
from dailypapers.store.rows import chunks, is_key, utc_now
from dailypapers.store.tables import (
    api_tokens,
    author_claims,
    change_seq,
    collections,
    comment_versions,
    comments,
    feedback,
    follows,
    listings,
    notifications,
    outbox,
    reader_models,
    saves,
    sessions,
    subscriptions,
    upvotes,
    users,
)


def user_from_row(row: Any) -> User:
    """The member of a row that holds the ``users`` columns."""
    return User(
        row.id,
        row.name,
        row.email,
        row.role,
        row.created_at,
        row.verified_at is not None,
        row.suspended_until,
        row.display_name,
        row.notify_email,
    )


def _token(row: Any) -> ApiToken:
    return ApiToken(row.id, row.name, row.prefix, row.created_at, row.last_used_at, row.revoked_at)


def _sign_in(row: Any) -> SignIn:
    return SignIn(row.id, row.client, row.created_at, row.last_seen_at)


def unread_of(user_id: Any) -> Any:
    """How many of the member's notifications are unread, as a subquery (``user_id`` a value
    or a column)."""
    unread = and_(notifications.c.user_id == user_id, notifications.c.read_at.is_(None))
    return select(func.count()).where(unread).scalar_subquery()


# Read on every page a member opens: built once (building it is most of its cost).
# With the member's count of unread notifications and the store's change sequence, which the
# pages a member is shown need with it: one statement rather than three.
_LIVE_SESSION = (
    select(
        users,
        sessions.c.id.label("session_id"),
        sessions.c.last_seen_at,
        unread_of(users.c.id).label("unread"),
        select(change_seq.c.value).scalar_subquery().label("seq"),
    )
    .join(sessions, sessions.c.user_id == users.c.id)
    .where(
        sessions.c.token_hash == bindparam("token_hash"),
        sessions.c.ended_at.is_(None),
        sessions.c.created_at > bindparam("started_after"),
    )
)


class LiveSession(NamedTuple):
    """A live session as a request finds it: its member, its id, when it was last used, the
    member's unread notifications, their own sequence (``users.own_seq``) and the store's
    change sequence as of the read."""

    user: User
    session_id: int
    last_seen: datetime
    unread: int
    own_seq: int
    seq: int


class Accounts:
    """Members, their tokens and sessions, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- members ---------------------------------------------------------------------------------

    def create_user(
        self,
        name: str,
        email: str,
        password_hash: str | None,
        role: str = "member",
        verified: bool = True,
    ) -> User:
        """A new member; Conflict when the name or the address is taken (in any case)."""
        taken = self.conn.execute(
            select(users.c.name, users.c.email).where(
                or_(
                    func.lower(users.c.name) == name.lower(),
                    func.lower(users.c.email) == email.lower(),
                )
            )
        ).first()
        if taken is not None:
            what = "name" if taken.name.lower() == name.lower() else "email address"
            raise Conflict(f"the {what} {name if what == 'name' else email!r} is already taken")
        try:
            user_id = self.conn.execute(
                insert(users)
                .values(
                    name=name,
                    email=email,
                    password_hash=password_hash,
                    role=role,
                    created_at=(now := utc_now()),
                    verified_at=now if verified else None,
                )
                .returning(users.c.id)
            ).scalar_one()
        except IntegrityError as exc:  # a concurrent sign-up with the same name won the race
            raise Conflict(f"the name {name!r} or that email address is already taken") from exc
        return self.user(int(user_id))  # type: ignore[return-value]

    def user(self, user_id: int) -> User | None:
        row = self.conn.execute(select(users).where(users.c.id == user_id)).first()
        return user_from_row(row) if row else None

    def users(self, user_ids: Sequence[int]) -> dict[int, User]:
        """The members of ``user_ids`` that exist, by id."""
        found: dict[int, User] = {}
        for chunk in chunks(list(dict.fromkeys(user_ids))):
            for row in self.conn.execute(select(users).where(users.c.id.in_(chunk))):
                found[row.id] = user_from_row(row)
        return found

    def members(self, search: str = "", limit: int = 100) -> list[User]:
        """Members (not deleted) whose name or address holds ``search``, staff first, then
        the newest."""
        query = select(users).where(users.c.deleted_at.is_(None))
        if search:
            pattern = "%" + search.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
            query = query.where(
                or_(func.lower(users.c.name).like(pattern), func.lower(users.c.email).like(pattern))
            )
        staff = case((users.c.role == "member", 1), else_=0)
        rows = self.conn.execute(query.order_by(staff, users.c.id.desc()).limit(limit))
        return [user_from_row(row) for row in rows]

    def named(self, name: str) -> User | None:
        """The member of that name, in any case."""
        lowered = func.lower(users.c.name) == name.lower()
        query = select(users).where(lowered, users.c.deleted_at.is_(None))
        row = self.conn.execute(query).first()
        return user_from_row(row) if row else None

    def credentials(self, login: str) -> tuple[User, str | None] | None:
        """The member signing in as ``login`` (name or email, any case) and their password's
        hash."""
        login = login.strip().lower()
        column = users.c.email if "@" in login else users.c.name
        row = self.conn.execute(select(users).where(func.lower(column) == login)).first()
        return (user_from_row(row), row.password_hash) if row else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        statement = update(users).where(users.c.id == user_id)
        self.conn.execute(statement.values(password_hash=password_hash))

    def password_hash(self, user_id: int) -> str | None:
        query = select(users.c.password_hash).where(users.c.id == user_id)
        return self.conn.execute(query).scalar_one_or_none()

    def by_email(self, email: str) -> User | None:
        """The member whose address is ``email``, in any case."""
        query = select(users).where(func.lower(users.c.email) == email.strip().lower())
        row = self.conn.execute(query).first()
        return user_from_row(row) if row else None

    def verify(self, user_id: int, email: str, now: datetime) -> bool:
        """Mark the member's address confirmed, if it is still ``email`` and was not confirmed
        yet; whether it was marked now."""
        statement = update(users).where(
            users.c.id == user_id,
            func.lower(users.c.email) == email.lower(),
            users.c.verified_at.is_(None),
        )
        return bool(self.conn.execute(statement.values(verified_at=now)).rowcount)

    def set_email(self, user_id: int, old: str, new: str, now: datetime) -> bool:
        """Give the member the confirmed address ``new``, if theirs is still ``old``; whether
        it changed. Conflict when another account has ``new``."""
        taken = select(users.c.id).where(
            func.lower(users.c.email) == new.lower(), users.c.id != user_id
        )
        if self.conn.execute(taken).first() is not None:
            raise Conflict("another account has this address now")
        statement = update(users).where(
            users.c.id == user_id, func.lower(users.c.email) == old.lower()
        )
        try:
            changed = self.conn.execute(statement.values(email=new, verified_at=now)).rowcount
        except IntegrityError as exc:  # another account took it in the meantime
            raise Conflict("another account has this address now") from exc
        return bool(changed)

    def set_notify_email(self, user_id: int, mode: str) -> None:
        """How the member hears of their notifications by mail (``models.NOTIFY_EMAIL``)."""
        self.conn.execute(update(users).where(users.c.id == user_id).values(notify_email=mode))

    def set_display_name(self, user_id: int, display_name: str | None) -> None:
        statement = update(users).where(users.c.id == user_id)
        self.conn.execute(statement.values(display_name=display_name))

    def suspend(self, user_id: int, until: datetime | None, now: datetime) -> None:
        """Suspend the member until ``until`` (None lifts it): their sessions end and their
        API tokens are revoked."""
        self.conn.execute(update(users).where(users.c.id == user_id).values(suspended_until=until))
        if until is not None:
            self.end_sessions(user_id, now)
            live = api_tokens.c.revoked_at.is_(None)
            statement = update(api_tokens).where(api_tokens.c.user_id == user_id, live)
            self.conn.execute(statement.values(revoked_at=now))

    def erase(self, user_id: int, now: datetime) -> list[int]:
        """Delete the member's account: their votes, saves, feedback, follows, collections,
        model, sessions, tokens, author claims and queued mail go; their subscription ends;
        their comments stay in their threads with no text (and no earlier texts); their
        submissions' listings and the row itself keep no name or address. The papers whose
        counts, threads or authors changed (their change sequence is the caller's to move)."""
        touched = set(
            self.conn.execute(
                select(upvotes.c.paper_pk).where(upvotes.c.user_id == user_id)
            ).scalars()
        )
        touched |= set(
            self.conn.execute(
                select(comments.c.paper_pk).where(comments.c.user_id == user_id)
            ).scalars()
        )
        touched |= set(
            self.conn.execute(
                select(author_claims.c.paper_pk).where(author_claims.c.user_id == user_id)
            ).scalars()
        )
        name = self.conn.execute(select(users.c.name).where(users.c.id == user_id)).scalar_one()
        for table in (
            upvotes,
            saves,
            feedback,
            follows,
            collections,
            reader_models,
            api_tokens,
            sessions,
            author_claims,
        ):
            self.conn.execute(delete(table).where(table.c.user_id == user_id))
        self.conn.execute(delete(outbox).where(outbox.c.user_id == user_id))
        mine = select(comments.c.id).where(comments.c.user_id == user_id)
        self.conn.execute(delete(comment_versions).where(comment_versions.c.comment_id.in_(mine)))
        self.conn.execute(
            update(comments)
            .where(comments.c.user_id == user_id, comments.c.deleted_at.is_(None))
            .values(text="", deleted_at=now)
        )
        ended = update(subscriptions).where(subscriptions.c.user_id == user_id)
        self.conn.execute(ended.values(status="unsubscribed", ended_at=now, user_id=None))
        gone = f"deleted-{user_id}"
        self.conn.execute(
            update(listings).where(listings.c.submitter == name).values(submitter=gone)
        )
        self.conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(
                name=gone,
                email=f"{gone}@deleted.invalid",
                password_hash=None,
                role="member",
                deleted_at=now,
            )
        )
        return sorted(touched)

    def set_role(self, user_id: int, role: str) -> None:
        self.conn.execute(update(users).where(users.c.id == user_id).values(role=role))

    # -- API tokens ------------------------------------------------------------------------------

    def add_token(self, user_id: int, name: str, token_hash: str, prefix: str) -> ApiToken:
        token_id = self.conn.execute(
            insert(api_tokens)
            .values(
                user_id=user_id,
                name=name,
                token_hash=token_hash,
                prefix=prefix,
                created_at=utc_now(),
            )
            .returning(api_tokens.c.id)
        ).scalar_one()
        row = self.conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one()
        return _token(row)

    def token_owner(self, token_hash: str) -> tuple[User, int, datetime | None] | None:
        """(owner, token id, last used) of a live token."""
        row = self.conn.execute(
            select(users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))
        ).first()
        if row is None:
            return None
        return user_from_row(row), int(row.token_id), row.last_used_at

    def tokens(self, user_id: int) -> list[ApiToken]:
        rows = self.conn.execute(
            select(api_tokens).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id)
        )
        return [_token(row) for row in rows]

    def revoke_token(self, user_id: int, which: str) -> int:
        """Revoke the member's live tokens named ``which`` (or with that id, or that prefix)."""
        condition = or_(api_tokens.c.name == which, api_tokens.c.prefix == which)
        if which.isdigit() and len(which) < 12 and is_key(int(which)):
            condition = or_(condition, api_tokens.c.id == int(which))
        result = self.conn.execute(
            update(api_tokens)
            .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None), condition)
            .values(revoked_at=utc_now())
        )
        return int(result.rowcount)

    # -- sign-in sessions ------------------------------------------------------------------------

    def start_session(self, user_id: int, token_hash: str, client: str, now: datetime) -> int:
        """A new session of ``user_id``; its id."""
        statement = insert(sessions).values(
            user_id=user_id,
            token_hash=token_hash,
            client=client[:200],
            created_at=now,
            last_seen_at=now,
        )
        return int(self.conn.execute(statement.returning(sessions.c.id)).scalar_one())

    def session(self, token_hash: str, started_after: datetime) -> LiveSession | None:
        """The live session with this token hash, if there is one."""
        row = self.conn.execute(
            _LIVE_SESSION, {"token_hash": token_hash, "started_after": started_after}
        ).first()
        if row is None:
            return None
        user = user_from_row(row)
        return LiveSession(
            user,
            int(row.session_id),
            row.last_seen_at,
            int(row.unread),
            int(row.own_seq),
            int(row.seq),
        )

    def sessions(self, user_id: int, started_after: datetime) -> list[SignIn]:
        """The member's live sessions, the most recently used first."""
        rows = self.conn.execute(
            select(sessions)
            .where(
                sessions.c.user_id == user_id,
                sessions.c.ended_at.is_(None),
                sessions.c.created_at > started_after,
            )
            .order_by(sessions.c.last_seen_at.desc(), sessions.c.id.desc())
        )
        return [_sign_in(row) for row in rows]

    def end_session(self, token_hash: str, now: datetime) -> bool:
        """End the session with this token hash; whether one was live."""
        result = self.conn.execute(
            update(sessions)
            .where(sessions.c.token_hash == token_hash, sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )
        return bool(result.rowcount)

    def end_session_id(self, user_id: int, session_id: int, now: datetime) -> bool:
        """End the member's session ``session_id``; whether it was live."""
        if not is_key(session_id):
            return False
        result = self.conn.execute(
            update(sessions)
            .where(
                sessions.c.id == session_id,
                sessions.c.user_id == user_id,
                sessions.c.ended_at.is_(None),
            )
            .values(ended_at=now)
        )
        return bool(result.rowcount)

    def end_sessions(self, user_id: int, now: datetime, keep: int | None = None) -> int:
        """End every live session of the member but ``keep``; how many were ended."""
        condition = [sessions.c.user_id == user_id, sessions.c.ended_at.is_(None)]
        if keep is not None:
            condition.append(sessions.c.id != keep)
        statement = update(sessions).where(*condition).values(ended_at=now)
        return int(self.conn.execute(statement).rowcount)

    def touch(
        self, session_times: Mapping[int, datetime], token_times: Mapping[int, datetime]
    ) -> None:
        """Record when sessions and API tokens were last used (one statement per table)."""
        for table, column, times in (
            (sessions, "last_seen_at", session_times),
            (api_tokens, "last_used_at", token_times),
        ):
            if times:
                statement = update(table).where(table.c.id == bindparam("key"))
                self.conn.execute(
                    statement.values({column: bindparam("at")}),
                    [{"key": key, "at": at} for key, at in times.items()],
                )
