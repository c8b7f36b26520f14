"""guides in three languages: a revision's language, the English revision a translation
follows, the library file hash of file revisions, and one row per (guide, language) pointing
at the published translation and its review state

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mentor_app.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("guide_revisions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=5), server_default="en", nullable=False)
        )
        batch_op.add_column(sa.Column("source_revision_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("file_sha256", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_guide_revisions_source_revision_id_guide_revisions"),
            "guide_revisions",
            ["source_revision_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_guide_revisions_file_sha256"), ["file_sha256"], unique=False
        )
    # The file hash of the revision each guide was last synced to: translation files name
    # the English text they follow by it.
    op.execute(
        "UPDATE guide_revisions SET file_sha256 = (SELECT guides.synced_hash FROM guides"
        " WHERE guides.current_revision_id = guide_revisions.id)"
        " WHERE origin = 'file'"
    )
    op.create_table(
        "guide_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("current_revision_id", sa.Integer(), nullable=True),
        sa.Column("review_state", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("synced_hash", sa.String(length=64), nullable=True),
        sa.Column("synced_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("edited_in_app_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["current_revision_id"],
            ["guide_revisions.id"],
            name=op.f("fk_guide_translations_current_revision_id_guide_revisions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["guide_id"],
            ["guides.id"],
            name=op.f("fk_guide_translations_guide_id_guides"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_guide_translations_reviewed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guide_translations")),
        sa.UniqueConstraint(
            "guide_id", "language", name=op.f("uq_guide_translations_guide_id_language")
        ),
    )
    with op.batch_alter_table("guide_translations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guide_translations_guide_id"), ["guide_id"], unique=False
        )


def downgrade() -> None:
    # Translation revisions stay (revision numbers are shared by all languages of a guide,
    # so the older schema's unique numbers still hold); only the pointers go.
    op.drop_table("guide_translations")
    with op.batch_alter_table("guide_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guide_revisions_file_sha256"))
        batch_op.drop_constraint(
            batch_op.f("fk_guide_revisions_source_revision_id_guide_revisions"),
            type_="foreignkey",
        )
        batch_op.drop_column("file_sha256")
        batch_op.drop_column("source_revision_id")
        batch_op.drop_column("language")
