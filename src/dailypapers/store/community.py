"""What members do, in SQL: votes, comments, submissions, and the rate limits on them.

A vote, a comment or a submission also bumps the paper's change sequence, so the search indexes
(which filter and sort by upvotes, and date papers by their listings) and the site's kept
responses catch up with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from dailypapers.errors import Conflict, InvalidInput, NotFound, RateLimited
from dailypapers.models import Allowance, Comment, CommentVersion, User
from dailypapers.store.library import bump_signals
from dailypapers.store.rows import insert_ignore, is_key, set_present, utc_now
from dailypapers.store.tables import (
    UTCDateTime,
    comment_versions,
    comments,
    listings,
    papers,
    rate_limits,
    submissions,
    upvotes,
    users,
)
from dailypapers.store.upsert import touch_papers


def comment_from_row(row: Any, paper_id: str) -> Comment:
    """The comment of a row holding the ``comments`` columns and its author's name."""
    return Comment(
        row.id,
        paper_id,
        row.author,
        row.text,
        row.created_at,
        row.parent_id,
        edited=row.edited_at is not None,
        deleted=row.deleted_at is not None,
        hidden=row.hidden_at is not None,
        held_for=(row.held_for or "held") if row.held_at is not None else None,
        author_fullname=row.author_fullname,
    )


# Comments with their author's name and their paper's id, wherever they are on the site.
_WITH_PAPER = (
    select(
        comments,
        users.c.name.label("author"),
        users.c.display_name.label("author_fullname"),
        func.coalesce(papers.c.arxiv_id, papers.c.local_id).label("paper_id"),
    )
    .join(users, users.c.id == comments.c.user_id)
    .join(papers, papers.c.pk == comments.c.paper_pk)
)


# A comment of the member's waiting for a moderator on some papers, built once (a member's copy
# of a paper's page asks).
_HOLDS = (
    select(comments.c.id)
    .where(
        comments.c.paper_pk.in_(bindparam("pks", expanding=True)),
        comments.c.user_id == bindparam("user_id"),
        comments.c.held_at.is_not(None),
        comments.c.hidden_at.is_(None),
    )
    .limit(1)
)


def _count_use(dialect: Any) -> Any:
    """A use counted in its key's window, the count after it returned (one statement)."""
    return (
        dialect.insert(rate_limits)
        .values(key=bindparam("counted_key"), window_start=bindparam("start"), count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"count": rate_limits.c.count + 1}
        )
        .returning(rate_limits.c.count)
    )


# Every vote and comment counts a use: built once, for SQLite and for PostgreSQL.
_COUNT_USE = (_count_use(sqlite), _count_use(postgresql))
_FORGET_WINDOWS = delete(rate_limits).where(
    rate_limits.c.key == bindparam("counted_key"), rate_limits.c.window_start < bindparam("start")
)
# A comment as it is answered, by its number.
_COMMENT = _WITH_PAPER.where(comments.c.id == bindparam("comment_id"))


class Community:
    """Votes, comments, submissions and rate limits, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _touch_paper(self, paper_pk: int) -> None:
        touch_papers(self.conn, [paper_pk])

    # -- votes -----------------------------------------------------------------------------------

    def set_vote(self, user_id: int, paper_pk: int, on: bool) -> tuple[bool, int]:
        """Upvote (``on``) or take the upvote back; (whether anything changed, the site's count).

        Idempotent: the primary key (user, paper) holds one vote per member however many requests
        race, so the count is the number of rows, exactly.
        """
        key = {"user_id": user_id, "paper_pk": paper_pk}
        changed = set_present(self.conn, upvotes, key, on, created_at=utc_now())
        count = self.conn.execute(
            select(func.count()).select_from(upvotes).where(upvotes.c.paper_pk == paper_pk)
        ).scalar_one()
        if changed:
            bump_signals(self.conn, user_id)  # a vote says what the member likes
            self._touch_paper(paper_pk)
        return changed, int(count)

    def upvoted_by(self, user_id: int, limit: int) -> list[int]:
        """The papers the member upvoted, newest vote first."""
        return self._newest(upvotes, user_id, limit)

    # -- comments --------------------------------------------------------------------------------

    def add_comment(
        self,
        user_id: int,
        paper_pk: int,
        text: str,
        parent_id: int | None,
        held_for: str | None = None,
    ) -> int:
        """A new comment (a reply to ``parent_id``, on the same paper), held for a moderator
        when ``held_for`` says why; its id."""
        if parent_id is not None:
            parent = None
            if is_key(parent_id):
                query = select(comments.c.paper_pk).where(comments.c.id == parent_id)
                parent = self.conn.execute(query).scalar_one_or_none()
            if parent is None:
                raise NotFound(f"no comment {parent_id} to reply to")
            if parent != paper_pk:
                raise InvalidInput(f"comment {parent_id} is on another paper")
        comment_id = self.conn.execute(
            insert(comments)
            .values(
                paper_pk=paper_pk,
                user_id=user_id,
                parent_id=parent_id,
                text=text,
                created_at=(now := utc_now()),
                held_at=now if held_for else None,
                held_for=held_for,
            )
            .returning(comments.c.id)
        ).scalar_one()
        self._touch_paper(paper_pk)  # its comment count is part of what lists show
        return int(comment_id)

    def comments(self, paper_pk: int, paper_id: str) -> list[Comment]:
        """A paper's comments, oldest first, hidden ones too."""
        rows = self.conn.execute(
            select(
                comments,
                users.c.name.label("author"),
                users.c.display_name.label("author_fullname"),
            )
            .join(users, users.c.id == comments.c.user_id)
            .where(comments.c.paper_pk == paper_pk)
            .order_by(comments.c.created_at, comments.c.id)
        )
        return [comment_from_row(row, paper_id) for row in rows]

    def comments_by(self, user_id: int) -> list[Comment]:
        """The member's comments, oldest first, on every paper."""
        rows = self.conn.execute(
            _WITH_PAPER.where(comments.c.user_id == user_id).order_by(comments.c.id)
        )
        return [comment_from_row(row, row.paper_id) for row in rows]

    def comment(self, comment_id: int) -> tuple[Comment, int, int] | None:
        """A comment, its paper's key and its author's id."""
        if not is_key(comment_id):
            return None
        row = self.conn.execute(_COMMENT, {"comment_id": comment_id}).first()
        if row is None:
            return None
        return comment_from_row(row, row.paper_id), row.paper_pk, row.user_id

    def rewrite_comment(
        self,
        comment_id: int,
        paper_pk: int,
        text: str,
        now: datetime,
        held_for: str | None = None,
    ) -> None:
        """Replace a comment's text (its author's edit; an empty text deletes it), keeping the
        text before as a version; an edit ``held_for`` a reason waits for a moderator."""
        before = select(comments.c.id, comments.c.text, literal(now, UTCDateTime())).where(
            comments.c.id == comment_id
        )
        self.conn.execute(
            insert(comment_versions).from_select(["comment_id", "text", "replaced_at"], before)
        )
        values: dict[str, object] = (
            {"text": text, "edited_at": now} if text else {"text": "", "deleted_at": now}
        )
        if held_for:
            values |= {"held_at": now, "held_for": held_for}
        self.conn.execute(update(comments).where(comments.c.id == comment_id).values(**values))
        self._touch_paper(paper_pk)

    def set_hidden(self, comment_id: int, paper_pk: int, hidden: bool, now: datetime) -> bool:
        """Hide a comment or show it again; whether that changed anything."""
        changed = self.conn.execute(
            update(comments)
            .where(
                comments.c.id == comment_id,
                comments.c.hidden_at.is_(None) if hidden else comments.c.hidden_at.is_not(None),
            )
            # Shown again is shown to everyone: a held comment hidden and then restored waits
            # for nothing more.
            .values(
                {"hidden_at": now}
                if hidden
                else {"hidden_at": None, "held_at": None, "held_for": None}
            )
        ).rowcount
        if changed:
            self._touch_paper(paper_pk)
        return bool(changed)

    def let_through(self, comment_id: int, paper_pk: int) -> bool:
        """Show a held comment to everyone; whether it was held."""
        changed = self.conn.execute(
            update(comments)
            .where(comments.c.id == comment_id, comments.c.held_at.is_not(None))
            .values(held_at=None, held_for=None)
        ).rowcount
        if changed:
            self._touch_paper(paper_pk)
        return bool(changed)

    def holds_on(self, user_id: int, paper_pks: Sequence[int]) -> bool:
        """Whether the member has a comment waiting for a moderator on one of the papers."""
        if not paper_pks:
            return False
        found = self.conn.execute(_HOLDS, {"user_id": user_id, "pks": list(paper_pks)})
        return found.first() is not None

    def held(self, limit: int = 200) -> list[Comment]:
        """The comments waiting for a moderator (not hidden or deleted since), oldest first."""
        rows = self.conn.execute(
            _WITH_PAPER.where(
                comments.c.held_at.is_not(None),
                comments.c.hidden_at.is_(None),
                comments.c.deleted_at.is_(None),
            )
            .order_by(comments.c.id)
            .limit(limit)
        )
        return [comment_from_row(row, row.paper_id) for row in rows]

    def comment_versions(self, comment_id: int) -> list[CommentVersion]:
        """A comment's earlier texts, oldest first."""
        rows = self.conn.execute(
            select(comment_versions.c.text, comment_versions.c.replaced_at)
            .where(comment_versions.c.comment_id == comment_id)
            .order_by(comment_versions.c.id)
        )
        return [CommentVersion(row.text, row.replaced_at) for row in rows]

    # -- submissions -----------------------------------------------------------------------------

    def submit(self, user: User, paper_pk: int, day: date, quota: int) -> None:
        """Record ``user``'s submission of the paper and list it on ``day``, within their quota;
        Conflict when it was submitted before or the quota is spent."""
        earlier = self.conn.execute(
            select(users.c.name)
            .join(submissions, submissions.c.user_id == users.c.id)
            .where(submissions.c.paper_pk == paper_pk)
        ).scalar_one_or_none()
        if earlier is not None:
            raise Conflict(f"this paper was already submitted by {earlier}")
        self.check_quota(user.id, day, quota)
        try:
            self.conn.execute(
                insert(submissions).values(paper_pk=paper_pk, user_id=user.id, created_at=utc_now())
            )
        except IntegrityError as exc:
            raise Conflict("this paper was just submitted by someone else") from exc
        listing = {"day": day, "paper_pk": paper_pk, "rank": None, "submitter": user.name}
        self.conn.execute(insert_ignore(self.conn, listings).values(**listing))
        self._touch_paper(paper_pk)

    def check_quota(self, user_id: int, day: date, quota: int) -> None:
        """Conflict when the member has made ``quota`` submissions on ``day`` (UTC) already."""
        since = datetime.combine(day, datetime.min.time(), UTC)
        today = self.conn.execute(
            select(func.count())
            .select_from(submissions)
            .where(submissions.c.user_id == user_id, submissions.c.created_at >= since)
        ).scalar_one()
        if today >= quota:
            raise Conflict(
                f"you have submitted {today} paper{'s' if today != 1 else ''} today, "
                "the daily limit; try again tomorrow"
            )

    def submitted_by(self, user_id: int, limit: int) -> list[int]:
        """The papers the member submitted, newest first."""
        return self._newest(submissions, user_id, limit)

    def _newest(self, table: Table, user_id: int, limit: int) -> list[int]:
        """The papers of the member's rows in ``table``, the newest row first."""
        query = (
            select(table.c.paper_pk)
            .where(table.c.user_id == user_id)
            .order_by(table.c.created_at.desc())
            .limit(limit)
        )
        return list(self.conn.execute(query).scalars())

    # -- rate limits -----------------------------------------------------------------------------

    def check_allowance(self, allowance: Allowance, now: float) -> None:
        """Count one use against ``allowance``; RateLimited (with Retry-After) past it.

        Fixed windows in the database, so every process of an installation shares the counts.
        """
        key, window_s = allowance.key, allowance.window_s
        start = int(now // window_s * window_s)
        counted = {"counted_key": key, "start": start}
        statement = _COUNT_USE[self.conn.dialect.name == "postgresql"]
        count = int(self.conn.execute(statement, counted).scalar_one())
        if count == 1:  # a new window: forget this key's old ones
            self.conn.execute(_FORGET_WINDOWS, counted)
        if count > allowance.allowed:
            retry_after = max(1, int(start + window_s - now))
            raise RateLimited(
                f"too many {allowance.what}; try again in {retry_after} s", retry_after
            )
