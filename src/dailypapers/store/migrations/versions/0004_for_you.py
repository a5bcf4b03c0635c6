"""For you: reading lists, "more / less like this", follows, collections, each reader's model.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def _user() -> sa.Column[int]:
    return sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )


def _paper() -> sa.Column[int]:
    return sa.Column(
        "paper_pk", sa.Integer, sa.ForeignKey("papers.pk", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "saves",
        _user(),
        _paper(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("user_id", "paper_pk"),
    )
    op.create_table(
        "feedback",
        _user(),
        _paper(),
        sa.Column("value", sa.SmallInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "paper_pk"),
    )
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _user(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "kind", "value", name="uq_follows_user_kind_value"),
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _user(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "slug", name="uq_collections_user_slug"),
    )
    op.create_table(
        "collection_papers",
        sa.Column(
            "collection_id",
            sa.Integer,
            sa.ForeignKey("collections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _paper(),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("collection_id", "paper_pk"),
    )
    op.create_table(
        "reader_models",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("signals", sa.BigInteger, nullable=False),
        sa.Column("weights", sa.LargeBinary, nullable=False),
        sa.Column("positives", sa.Integer, nullable=False),
        sa.Column("negatives", sa.Integer, nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column(
        "users", sa.Column("signals", sa.BigInteger, nullable=False, server_default=sa.text("0"))
    )


def downgrade() -> None:
    op.drop_column("users", "signals")
    for table in ("reader_models", "collection_papers", "collections", "follows", "feedback"):
        op.drop_table(table)
    op.drop_table("saves")
