"""Initial schema: papers, listings, users, upvotes, comments, change sequence, harvest state.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    _papers_and_lists()
    _members()


def _papers_and_lists() -> None:
    op.create_table(
        "papers",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("arxiv_id", sa.String(64), unique=True),
        sa.Column("local_id", sa.String(32), unique=True),
        sa.Column("title_key", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text),
        sa.Column("authors", sa.JSON),
        sa.Column("author_count", sa.Integer),
        sa.Column("categories", sa.JSON),
        sa.Column("primary_category", sa.String(32)),
        sa.Column("published", sa.DateTime(timezone=True)),
        sa.Column("updated", sa.DateTime(timezone=True)),
        sa.Column("versions", sa.JSON),
        sa.Column("comments", sa.Text),
        sa.Column("journal_ref", sa.Text),
        sa.Column("doi", sa.Text),
        sa.Column("license", sa.Text),
        sa.Column("pdf_url", sa.Text),
        sa.Column("github_repo", sa.Text),
        sa.Column("project_page", sa.Text),
        sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("source_upvotes", sa.Integer),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_papers_title_key", "papers", ["title_key"])
    op.create_index("ix_papers_seq", "papers", ["seq"])
    op.create_table(
        "change_seq",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO change_seq (id, value) VALUES (1, 0)")
    op.create_table(
        "listings",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column(
            "paper_pk", sa.Integer, sa.ForeignKey("papers.pk", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("rank", sa.Integer),
        sa.Column("submitter", sa.Text),
    )
    op.create_index("ix_listings_paper_pk", "listings", ["paper_pk"])
    op.create_table(
        "harvest_state",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("datestamp", sa.Date),
        sa.Column("resumption_token", sa.Text),
        sa.Column("from_date", sa.Date),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def _members() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "upvotes",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "paper_pk", sa.Integer, sa.ForeignKey("papers.pk", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_upvotes_paper_pk", "upvotes", ["paper_pk"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "paper_pk", sa.Integer, sa.ForeignKey("papers.pk", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("comments.id", ondelete="CASCADE")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_comments_paper_pk", "comments", ["paper_pk"])


def downgrade() -> None:
    for table in ("harvest_state", "comments", "upvotes", "users", "listings", "change_seq"):
        op.drop_table(table)
    op.drop_table("papers")
