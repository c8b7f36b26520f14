"""guides: a subtitle under a short title

Titles are kept to 60 characters for phones; the rest of a long title becomes the subtitle.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("guides", "guide_revisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("subtitle", sa.String(length=160), nullable=True))


def downgrade() -> None:
    for table in ("guide_revisions", "guides"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("subtitle")
