"""Moderation: comments their authors edit and delete (earlier versions kept for moderators)
and moderators hide, members' reports of comments and papers, and the log of what moderators
did.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def _when(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True))


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.add_column(_when("edited_at"))
        batch.add_column(_when("deleted_at"))
        batch.add_column(_when("hidden_at"))
    op.create_table(
        "comment_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "comment_id",
            sa.Integer,
            sa.ForeignKey("comments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_comment_versions_comment_id", "comment_versions", ["comment_id"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "reporter_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("comment_id", sa.Integer, sa.ForeignKey("comments.id", ondelete="CASCADE")),
        sa.Column("paper_pk", sa.Integer, sa.ForeignKey("papers.pk", ondelete="CASCADE")),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _when("resolved_at"),
    )
    op.create_index("ix_reports_open", "reports", ["resolved_at", "id"])
    op.create_table(
        "moderation_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("moderator_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("target", sa.String(120), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("moderation_log")
    op.drop_table("reports")
    op.drop_table("comment_versions")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("hidden_at")
        batch.drop_column("deleted_at")
        batch.drop_column("edited_at")
