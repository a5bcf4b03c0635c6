"""GitHub stars: how many a paper's repository has, when GitHub was last asked and the ETag of
its answer, and the papers whose repository GitHub did not describe.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("github_stars", sa.Integer))
        batch.add_column(sa.Column("github_checked_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("github_etag", sa.String(200)))
    op.create_table(
        "github_tries",
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
    op.drop_table("github_tries")
    with op.batch_alter_table("papers") as batch:
        batch.drop_column("github_etag")
        batch.drop_column("github_checked_at")
        batch.drop_column("github_stars")
