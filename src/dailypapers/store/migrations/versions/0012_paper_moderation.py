"""Papers a moderator removed from the lists (kept in the store) and discussions they locked.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("locked_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.drop_column("locked_at")
        batch.drop_column("removed_at")
