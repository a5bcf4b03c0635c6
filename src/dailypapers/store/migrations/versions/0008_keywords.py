"""Keywords: each paper's key phrases, as the indexer found them in its title and abstract.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "keywords",
        sa.Column(
            "paper_pk", sa.Integer, sa.ForeignKey("papers.pk", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("phrases", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("keywords")
