"""Author claims: members who say they wrote a paper, under one of its authors' names, until a
moderator verifies or rejects it.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    op.create_table(
        "author_claims",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "paper_pk",
            sa.Integer,
            sa.ForeignKey("papers.pk", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author_key", sa.String(300), nullable=False),
        sa.Column("author_name", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("reason", sa.Text),
        sa.UniqueConstraint("paper_pk", "author_key", "user_id", name="uq_author_claims"),
    )
    op.create_index("ix_author_claims_status", "author_claims", ["status", "id"])
    op.create_index("ix_author_claims_user", "author_claims", ["user_id", "status"])


def downgrade() -> None:
    op.drop_table("author_claims")
