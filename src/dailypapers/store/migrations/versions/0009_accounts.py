"""Accounts people can recover: a role instead of the admin flag, when an address was
confirmed, and messages about an account (not a subscription) in the outbox.

Members from before this revision signed up when an address was not confirmed: they count as
confirmed from the day they joined.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("role", sa.String(12), nullable=False, server_default="member"))
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE users SET role = 'admin' WHERE is_admin")
    op.execute("UPDATE users SET verified_at = created_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_admin")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("subscription_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("user_id", sa.Integer))
        batch.create_foreign_key(
            "fk_outbox_user_id", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE subscription_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("fk_outbox_user_id", type_="foreignkey")
        batch.drop_column("user_id")
        batch.alter_column("subscription_id", existing_type=sa.Integer, nullable=False)
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE users SET is_admin = (role = 'admin')")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("verified_at")
        batch.drop_column("role")
