"""Safety data: each mentor's safety settings and contacts, their visits, and alarms.

Free text with a short life: `Visit.where_text` is deleted when the visit ends (or, if the visit
ended in an alarm, when the alarm is resolved); `Alarm.latitude/longitude/accuracy_m` when the
alarm is resolved; `Alarm.note` after CONSULT_RETENTION_DAYS (policy.py, worker_steps.py).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mentor_app.db import Base, UTCDateTime


class VisitState(enum.StrEnum):
    RUNNING = "running"  # before its due time
    DUE = "due"  # due time passed, grace period running, "check-in due" queued
    REMINDED = "reminded"  # half the grace period passed, a second reminder queued
    ALARM = "alarm"  # ended in an alarm (missed check-in, duress or SOS) not yet resolved
    ENDED = "ended"


OPEN_VISIT_STATES = (VisitState.RUNNING.value, VisitState.DUE.value, VisitState.REMINDED.value)


class AlarmKind(enum.StrEnum):
    MISSED = "missed"  # the grace period after the due time ran out
    DURESS = "duress"  # the visit was ended with the duress PIN
    SOS = "sos"


class AlarmState(enum.StrEnum):
    RAISED = "raised"  # written, its first tier not yet queued (only inside one transaction)
    NOTIFYING = "notifying"  # tier 1 or 2 queued, waiting for someone to acknowledge
    EXHAUSTED = "exhausted"  # every tier told, nobody acknowledged: broadcast on every channel
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


OPEN_ALARM_STATES = (
    AlarmState.RAISED.value,
    AlarmState.NOTIFYING.value,
    AlarmState.EXHAUSTED.value,
)


class SafetyProfile(Base):
    """A mentor's safety settings. PINs are argon2id hashes (accounts/passwords.py)."""

    __tablename__ = "safety_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    safety_pin_hash: Mapped[str | None] = mapped_column(String(200))
    duress_pin_hash: Mapped[str | None] = mapped_column(String(200))
    # Shown to the responder who acknowledges an alarm (tap to call); never in a notification.
    phone: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SafetyContact(Base):
    """A colleague (mentor or coordinator with an account) told first of the mentor's alarms."""

    __tablename__ = "safety_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("mentor_id", "contact_id"),)


class Visit(Base):
    __tablename__ = "safety_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(10), default=VisitState.RUNNING.value)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The visit's next timer (due time, half grace, end of grace); NULL once nothing is pending.
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the mentor's screen shows the visit as over: a check-in with either PIN.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    case_code: Mapped[str | None] = mapped_column(String(16))
    where_text: Mapped[str | None] = mapped_column(String(120))
    # Idempotent taps (an offline start replayed): (mentor, key) is unique.
    client_key: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("mentor_id", "client_key"),
        Index("ix_safety_visits_due", "state", "next_action_at"),
    )


class Alarm(Base):
    __tablename__ = "safety_alarms"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("safety_visits.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12), default=AlarmState.RAISED.value)
    # 0 = nobody told yet; 1 = contacts and on-call coordinators; 2 = all coordinators;
    # 3 = exhausted (everyone, every channel).
    tier: Mapped[int] = mapped_column(Integer, default=0)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    note_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_safety_alarms_due", "state", "next_action_at"),)
