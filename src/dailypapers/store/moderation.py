"""Moderation in SQL: members' reports of comments and papers, and the log of what moderators
did (who, what, to what, why, when)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, case, func, insert, select, update
from sqlalchemy.orm import aliased

from dailypapers.models import LogEntry, Report
from dailypapers.store.community import comment_from_row
from dailypapers.store.tables import comments, moderation_log, papers, reports, users


class Moderation:
    """Reports and the moderators' log, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def report(
        self,
        reporter_id: int,
        reason: str,
        now: datetime,
        comment_id: int | None = None,
        paper_pk: int | None = None,
    ) -> int:
        """A new open report of a comment or a paper; its id."""
        values = {"reporter_id": reporter_id, "reason": reason, "created_at": now}
        statement = insert(reports).values(comment_id=comment_id, paper_pk=paper_pk, **values)
        return int(self.conn.execute(statement.returning(reports.c.id)).scalar_one())

    def resolve(
        self, now: datetime, comment_id: int | None = None, paper_pk: int | None = None
    ) -> int:
        """Close the open reports of a comment (or of a paper); how many."""
        which = reports.c.comment_id == comment_id if comment_id else reports.c.paper_pk == paper_pk
        statement = update(reports).where(which, reports.c.resolved_at.is_(None))
        return int(self.conn.execute(statement.values(resolved_at=now)).rowcount)

    def dismiss(self, report_id: int, now: datetime) -> bool:
        """Close one open report that needs no action; whether it was open."""
        statement = update(reports).where(
            reports.c.id == report_id, reports.c.resolved_at.is_(None)
        )
        return bool(self.conn.execute(statement.values(resolved_at=now)).rowcount)

    def open_reports(self, limit: int = 200) -> list[Report]:
        """The open reports, oldest first, each with what it names and its author's record."""
        reporter = aliased(users)
        author = aliased(users)
        query = (
            select(
                reports.c.id.label("report_id"),
                reports.c.reason,
                reports.c.created_at.label("reported_at"),
                reporter.c.name.label("reporter"),
                func.coalesce(papers.c.arxiv_id, papers.c.local_id).label("paper_id"),
                comments,
                author.c.name.label("author"),
                author.c.display_name.label("author_fullname"),
            )
            .join(reporter, reporter.c.id == reports.c.reporter_id)
            .outerjoin(comments, comments.c.id == reports.c.comment_id)
            .outerjoin(author, author.c.id == comments.c.user_id)
            .join(papers, papers.c.pk == func.coalesce(comments.c.paper_pk, reports.c.paper_pk))
            .where(reports.c.resolved_at.is_(None))
            .order_by(reports.c.id)
            .limit(limit)
        )
        rows = self.conn.execute(query).all()
        authors = sorted({row.user_id for row in rows if row.user_id is not None})
        record = (
            {
                user_id: (int(total), int(hidden or 0))
                for user_id, total, hidden in self.conn.execute(
                    select(
                        comments.c.user_id,
                        func.count(),
                        func.sum(case((comments.c.hidden_at.is_not(None), 1), else_=0)),
                    )
                    .where(comments.c.user_id.in_(authors))
                    .group_by(comments.c.user_id)
                )
            }
            if authors
            else {}
        )
        found = []
        for row in rows:
            comment = comment_from_row(row, row.paper_id) if row.id is not None else None
            total, hidden = record.get(row.user_id, (0, 0))
            found.append(
                Report(
                    row.report_id,
                    row.reporter,
                    row.reason,
                    row.reported_at,
                    row.paper_id,
                    comment,
                    row.author,
                    total,
                    hidden,
                )
            )
        return found

    def log(self, moderator_id: int, action: str, target: str, reason: str, now: datetime) -> None:
        self.conn.execute(
            insert(moderation_log).values(
                moderator_id=moderator_id,
                action=action,
                target=target,
                reason=reason,
                created_at=now,
            )
        )

    def entries(self, limit: int = 200) -> list[LogEntry]:
        """The log, newest first."""
        rows = self.conn.execute(
            select(moderation_log, users.c.name.label("moderator"))
            .outerjoin(users, users.c.id == moderation_log.c.moderator_id)
            .order_by(moderation_log.c.id.desc())
            .limit(limit)
        )
        return [
            LogEntry(row.id, row.moderator, row.action, row.target, row.reason, row.created_at)
            for row in rows
        ]
