"""ops: the second alert channel (each user's Apprise channel and address), the outbox's
relay stage between push and e-mail, and the dead-worker alarms already sent

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mentor_app.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_channels",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failing_since", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_alert_channels_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_alert_channels")),
    )
    op.create_table(
        "worker_alarms",
        sa.Column("outage", sa.String(length=40), nullable=False),
        sa.Column("sent_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("outage", name=op.f("pk_worker_alarms")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("relay_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("relay_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("relay_attempts")
        batch_op.drop_column("relay_at")
    op.drop_table("worker_alarms")
    op.drop_table("alert_channels")
