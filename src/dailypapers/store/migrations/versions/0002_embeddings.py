"""Embeddings: each paper's vector for a model, kept with a hash of the text it was made from.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "embeddings",
        sa.Column(
            "paper_pk", sa.Integer, sa.ForeignKey("papers.pk", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("model", sa.String(64), primary_key=True),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("embeddings")
