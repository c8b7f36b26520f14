"""Audit events. Rows are inserted by requests and sealed into a hash chain by the worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mentor_app.db import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    # Small structured facts only (ids, states, counts). Never note text or passwords.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # Filled when sealed: position in the chain and the hash over this row and the previous hash.
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))

    # "Everything about user 42" (my data, the audit viewer) without scanning the whole log.
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)


class AuditCheckpoint(Base):
    """The head of the chain after each sealing batch.

    A chain check alone cannot notice rows cut off its end, nor a forger who edits a row and
    recomputes every later hash. Both leave the chain disagreeing with these checkpoints. (Someone
    who can rewrite this table too can still forge: `audit-verify` prints the head so it can also
    be noted outside the database, e.g. in the monthly panel's minutes.)
    """

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    row_hash: Mapped[str] = mapped_column(String(64))
    # When the last event of the batch happened (sealing itself takes no clock reading).
    event_at: Mapped[datetime] = mapped_column(UTCDateTime())
