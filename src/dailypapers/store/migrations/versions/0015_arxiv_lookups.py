"""arXiv look-ups: the listed papers whose metadata arXiv's API did not give yet.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    op.create_table(
        "arxiv_lookups",
        sa.Column(
            "paper_pk",
            sa.Integer,
            sa.ForeignKey("papers.pk", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tries", sa.Integer, nullable=False),
        sa.Column("tried_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failure", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("arxiv_lookups")
