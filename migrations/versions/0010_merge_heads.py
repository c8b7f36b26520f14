"""One head again: the domains were built side by side on 0001/0002 and join here.

From here on the chain is linear: `alembic upgrade head` (or `flask db-upgrade`).

Revision ID: 0010
Revises: 0003, 0004, 0005, 0006, 0007
Create Date: 2026-11-26 16:20:38.308863
"""

from collections.abc import Sequence

revision: str = "0010"
down_revision: tuple[str, ...] = ("0003", "0004", "0005", "0006", "0007")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
