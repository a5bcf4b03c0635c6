"""Comments held for a moderator (a new account's link, a blocked word), members' display
names, and the site settings admins change on the site's admin page.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("held_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("held_for", sa.String(200)))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("display_name", sa.String(80)))
    op.create_table(
        "site_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
    )


def downgrade() -> None:
    op.drop_table("site_settings")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("display_name")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("held_for")
        batch.drop_column("held_at")
