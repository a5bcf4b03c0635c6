"""Thumbnails: a paper's first page rendered as an image, the images by content, and the papers
whose thumbnail could not be made yet.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("thumbnail", sa.String(64)))
        batch.add_column(sa.Column("thumbnail_width", sa.Integer))
        batch.add_column(sa.Column("thumbnail_height", sa.Integer))
    op.create_table(
        "thumbnail_images",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "thumbnail_tries",
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
    op.drop_table("thumbnail_tries")
    op.drop_table("thumbnail_images")
    with op.batch_alter_table("papers") as batch:
        batch.drop_column("thumbnail_height")
        batch.drop_column("thumbnail_width")
        batch.drop_column("thumbnail")
