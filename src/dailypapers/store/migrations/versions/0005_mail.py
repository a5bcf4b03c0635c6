"""Mail: subscriptions, the outbox, the papers each subscriber was sent, and scheduled jobs.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def _subscription() -> sa.Column[int]:
    return sa.Column(
        "subscription_id",
        sa.Integer,
        sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("bounces", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_subscriptions_status", "subscriptions", ["status", "frequency"])
    op.create_index("ix_subscriptions_user_id", "subscriptions", ["user_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _subscription(),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("message", sa.LargeBinary),
        sa.Column("papers", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("subscription_id", "period", name="uq_outbox_subscription_period"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # A message lives here only until it is sent: compressing it costs more than it saves.
        op.execute("ALTER TABLE outbox ALTER COLUMN message SET STORAGE EXTERNAL")
    op.create_index(
        "ix_outbox_queued",
        "outbox",
        ["id"],
        sqlite_where=sa.text("status = 'queued'"),
        postgresql_where=sa.text("status = 'queued'"),
    )
    op.create_table(
        "digest_papers",
        _subscription(),
        sa.Column(
            "paper_pk", sa.Integer, sa.ForeignKey("papers.pk", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "outbox_id", sa.Integer, sa.ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False
        ),
        sa.PrimaryKeyConstraint("subscription_id", "paper_pk"),
    )
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("last_fire", sa.DateTime(timezone=True)),
        sa.Column("holder", sa.String(120)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", sa.Text),
    )


def downgrade() -> None:
    for table in ("job_runs", "digest_papers", "outbox", "subscriptions"):
        op.drop_table(table)
