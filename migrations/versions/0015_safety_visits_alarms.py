"""safety: mentors' safety settings and contacts, timed visits, and alarms

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 19:26:31.139300
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mentor_app.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "safety_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("created_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["users.id"],
            name=op.f("fk_safety_contacts_contact_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["users.id"],
            name=op.f("fk_safety_contacts_mentor_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_contacts")),
        sa.UniqueConstraint(
            "mentor_id", "contact_id", name=op.f("uq_safety_contacts_mentor_id_contact_id")
        ),
    )
    with op.batch_alter_table("safety_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_contacts_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_safety_contacts_mentor_id"), ["mentor_id"], unique=False
        )

    op.create_table(
        "safety_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("safety_pin_hash", sa.String(length=200), nullable=True),
        sa.Column("duress_pin_hash", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("updated_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_safety_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_safety_profiles")),
    )
    op.create_table(
        "safety_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("started_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_action_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("case_code", sa.String(length=16), nullable=True),
        sa.Column("where_text", sa.String(length=120), nullable=True),
        sa.Column("client_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["users.id"],
            name=op.f("fk_safety_visits_mentor_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_visits")),
        sa.UniqueConstraint(
            "mentor_id", "client_key", name=op.f("uq_safety_visits_mentor_id_client_key")
        ),
    )
    with op.batch_alter_table("safety_visits", schema=None) as batch_op:
        batch_op.create_index("ix_safety_visits_due", ["state", "next_action_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_safety_visits_mentor_id"), ["mentor_id"], unique=False)

    op.create_table(
        "safety_alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("raised_at", mentor_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_action_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("note_purged_at", mentor_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["users.id"],
            name=op.f("fk_safety_alarms_acknowledged_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["users.id"],
            name=op.f("fk_safety_alarms_mentor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_safety_alarms_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["safety_visits.id"],
            name=op.f("fk_safety_alarms_visit_id_safety_visits"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_alarms")),
    )
    with op.batch_alter_table("safety_alarms", schema=None) as batch_op:
        batch_op.create_index("ix_safety_alarms_due", ["state", "next_action_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_safety_alarms_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_safety_alarms_visit_id"), ["visit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("safety_alarms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_alarms_visit_id"))
        batch_op.drop_index(batch_op.f("ix_safety_alarms_mentor_id"))
        batch_op.drop_index("ix_safety_alarms_due")

    op.drop_table("safety_alarms")
    with op.batch_alter_table("safety_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_visits_mentor_id"))
        batch_op.drop_index("ix_safety_visits_due")

    op.drop_table("safety_visits")
    op.drop_table("safety_profiles")
    with op.batch_alter_table("safety_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_contacts_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_safety_contacts_contact_id"))

    op.drop_table("safety_contacts")
