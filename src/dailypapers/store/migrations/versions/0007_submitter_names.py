"""The full name of a listing's submitter beside their username, as Hugging Face's lists give both.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("listings") as batch:
        batch.add_column(sa.Column("submitter_name", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("listings") as batch:
        batch.drop_column("submitter_name")
