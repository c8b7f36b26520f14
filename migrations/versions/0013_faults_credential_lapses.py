"""pool: the instant each credential lapses (the day after its expiry date, in the
consultant's own zone), so every query judges expiry the same way

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import mentor_app.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _lapses_at(expires_on: date, zone_name: str | None) -> datetime:
    # A copy of mentor_app.timeutil.credential_lapses_at as it was written: a migration must
    # keep doing what it did, whatever the module becomes.
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(expires_on + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def upgrade() -> None:
    with op.batch_alter_table("consultant_profiles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "credential_lapses_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True
            )
        )
    profiles = sa.table(
        "consultant_profiles",
        sa.column("user_id", sa.Integer),
        sa.column("credential_expires_on", sa.Date),
        sa.column("timezone", sa.String),
        sa.column("credential_lapses_at", mentor_app.db.UTCDateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(profiles.c.user_id, profiles.c.credential_expires_on, profiles.c.timezone).where(
            profiles.c.credential_expires_on.is_not(None)
        )
    ).all()
    for user_id, expires_on, zone_name in rows:
        if isinstance(expires_on, str):  # SQLite without a declared type returns text
            expires_on = date.fromisoformat(expires_on)
        bind.execute(
            profiles.update()
            .where(profiles.c.user_id == user_id)
            .values(credential_lapses_at=_lapses_at(expires_on, zone_name))
        )


def downgrade() -> None:
    with op.batch_alter_table("consultant_profiles", schema=None) as batch_op:
        batch_op.drop_column("credential_lapses_at")
