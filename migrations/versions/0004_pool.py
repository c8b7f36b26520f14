"""pool: a coded reason for state changes, when windows were rebuilt, seed expertise tags

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-26 15:26:10.721170
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mentor_app.db

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The starting list (mentor_app/content/FORMAT.md); coordinators manage it from then on.
# A copy, not an import: a migration must keep doing what it did when it was written.
SEED_TAGS = {
    "trauma": "Trauma",
    "depression": "Depression",
    "psychosis": "Psychosis",
    "personality-disorders": "Personality disorders",
    "adhd": "ADHD",
    "substance-use": "Substance use",
    "family-work": "Family work",
    "youth": "Youth",
    "ideology": "Ideology-specific knowledge",
}


def upgrade() -> None:
    with op.batch_alter_table("consultant_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state_reason_code", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column(
                "windows_refreshed_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True
            )
        )

    # Only the tags not there yet: another branch may seed the same list.
    tags = sa.table("expertise_tags", sa.column("tag", sa.String), sa.column("label", sa.String))
    existing = {row[0] for row in op.get_bind().execute(sa.select(tags.c.tag))}
    missing = [{"tag": t, "label": label} for t, label in SEED_TAGS.items() if t not in existing]
    if missing:
        op.bulk_insert(tags, missing)


def downgrade() -> None:
    # The tags stay: by now coordinators own the list and consultants hold the tags.
    with op.batch_alter_table("consultant_profiles", schema=None) as batch_op:
        batch_op.drop_column("windows_refreshed_at")
        batch_op.drop_column("state_reason_code")
