"""security: second-factor lock, enrolment secret and re-authentication kept server-side

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mentor_app.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("totp_failures", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("totp_locked_until", mentor_app.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrol_secret", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("reauthenticated_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("reauthenticated_at")
        batch_op.drop_column("enrol_secret")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_locked_until")
        batch_op.drop_column("totp_failures")
