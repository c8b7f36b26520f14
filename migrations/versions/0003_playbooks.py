"""playbooks: guides, revisions, reads, feedback, daily opens

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-26 15:22:37.882582
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mentor_app.db

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("expertise", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("current_revision_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=240), nullable=False),
        sa.Column("short_title", sa.String(length=60), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("synonyms", sa.JSON(), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("first_minute_html", sa.Text(), nullable=False),
        sa.Column("first_minute_text", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("synced_hash", sa.String(length=64), nullable=True),
        sa.Column("synced_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("edited_in_app_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guides")),
        sa.UniqueConstraint("slug", name=op.f("uq_guides_slug")),
    )
    with op.batch_alter_table("guides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guides_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_guides_state"), ["state"], unique=False)

    op.create_table(
        "guide_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("base_revision_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=240), nullable=False),
        sa.Column("short_title", sa.String(length=60), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("synonyms", sa.JSON(), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("first_minute_html", sa.Text(), nullable=False),
        sa.Column("first_minute_text", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_guide_revisions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["base_revision_id"],
            ["guide_revisions.id"],
            name=op.f("fk_guide_revisions_base_revision_id_guide_revisions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_guide_revisions_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["guide_id"],
            ["guides.id"],
            name=op.f("fk_guide_revisions_guide_id_guides"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_guide_revisions_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guide_revisions")),
        sa.UniqueConstraint("guide_id", "number", name=op.f("uq_guide_revisions_guide_id_number")),
    )
    with op.batch_alter_table("guide_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guide_revisions_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_guide_revisions_guide_id"), ["guide_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guide_revisions_state"), ["state"], unique=False)

    # guides <-> guide_revisions point at each other: this one is added once both exist.
    with op.batch_alter_table("guides", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_guides_current_revision_id_guide_revisions"),
            "guide_revisions",
            ["current_revision_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "guide_view_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("day_on", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guide_id"],
            ["guides.id"],
            name=op.f("fk_guide_view_days_guide_id_guides"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guide_view_days")),
        sa.UniqueConstraint("guide_id", "day_on", name=op.f("uq_guide_view_days_guide_id_day_on")),
    )
    with op.batch_alter_table("guide_view_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guide_view_days_day_on"), ["day_on"], unique=False)

    op.create_table(
        "guide_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("created_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guide_id"],
            ["guides.id"],
            name=op.f("fk_guide_feedback_guide_id_guides"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["guide_revisions.id"],
            name=op.f("fk_guide_feedback_revision_id_guide_revisions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_guide_feedback_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guide_feedback")),
        sa.UniqueConstraint("user_id", "guide_id", name=op.f("uq_guide_feedback_user_id_guide_id")),
    )
    with op.batch_alter_table("guide_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guide_feedback_guide_id"), ["guide_id"], unique=False)

    op.create_table(
        "guide_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("read_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guide_id"],
            ["guides.id"],
            name=op.f("fk_guide_reads_guide_id_guides"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["guide_revisions.id"],
            name=op.f("fk_guide_reads_revision_id_guide_revisions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_guide_reads_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guide_reads")),
        sa.UniqueConstraint("user_id", "guide_id", name=op.f("uq_guide_reads_user_id_guide_id")),
    )
    with op.batch_alter_table("guide_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guide_reads_guide_id"), ["guide_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("guide_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guide_reads_guide_id"))

    op.drop_table("guide_reads")
    with op.batch_alter_table("guide_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guide_feedback_guide_id"))

    op.drop_table("guide_feedback")
    with op.batch_alter_table("guide_view_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guide_view_days_day_on"))

    op.drop_table("guide_view_days")
    with op.batch_alter_table("guides", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_guides_current_revision_id_guide_revisions"), type_="foreignkey"
        )

    with op.batch_alter_table("guide_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guide_revisions_state"))
        batch_op.drop_index(batch_op.f("ix_guide_revisions_guide_id"))
        batch_op.drop_index(batch_op.f("ix_guide_revisions_author_id"))

    op.drop_table("guide_revisions")
    with op.batch_alter_table("guides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guides_state"))
        batch_op.drop_index(batch_op.f("ix_guides_kind"))

    op.drop_table("guides")
