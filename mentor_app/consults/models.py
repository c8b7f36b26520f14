"""Cases (pseudonymous), consult requests, offers to consultants, and the thread.

No client names anywhere: a case is a generated code like K-7F3Q held by one mentor.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentor_app.db import Base, UTCDateTime
from mentor_app.pool.models import ConsultantProfile, OnCallWindow


class Urgency(enum.StrEnum):
    URGENT = "urgent"
    SOON = "soon"
    ROUTINE = "routine"


class ConsultStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Outcome(enum.StrEnum):
    ADVICE = "advice"
    SEE_CLIENT = "see_client"
    REFERRAL = "referral"
    URGENT_RISK = "urgent_risk"
    NO_ACTION = "no_action"


class OfferState(enum.StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # someone else accepted, or the mentor cancelled
    RELEASED = "released"  # accepted, then handed back


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    region: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Consult(Base):
    __tablename__ = "consults"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # One per tap, made by the phone: a replay returns the same consult.
    client_key: Mapped[str] = mapped_column(String(36))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    urgency: Mapped[str] = mapped_column(String(8), default=Urgency.SOON.value)
    topic: Mapped[str] = mapped_column(String(80), default="general")
    language: Mapped[str] = mapped_column(String(8))
    region: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str | None] = mapped_column(Text)  # at most 500 characters; purged on retention
    callback_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    callback_number: Mapped[str | None] = mapped_column(String(40))  # shown only after accept
    status: Mapped[str] = mapped_column(String(12), default=ConsultStatus.OPEN.value)
    # Routing: which wave is running and when the next step is due (timers live here).
    wave: Mapped[int] = mapped_column(Integer, default=0)
    # When the current routing round began (creation, or a hand-back): wave timings count from it.
    routing_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mentor_told_waiting_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    coordinator_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consultant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_summary: Mapped[str | None] = mapped_column(Text)  # purged on retention
    client_agreed: Mapped[bool | None] = mapped_column(Boolean)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    follow_up_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    helpful: Mapped[bool | None] = mapped_column(Boolean)
    content_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[Case | None] = relationship()
    offers: Mapped[list[ConsultOffer]] = relationship(
        back_populates="consult", cascade="all, delete-orphan", order_by="ConsultOffer.id"
    )
    messages: Mapped[list[ConsultMessage]] = relationship(
        back_populates="consult", cascade="all, delete-orphan", order_by="ConsultMessage.id"
    )

    __table_args__ = (
        UniqueConstraint("mentor_id", "client_key"),
        Index("ix_consults_due", "status", "next_action_at"),
        Index("ix_consults_consultant_status", "consultant_id", "status"),
        Index("ix_consults_created_at", "created_at"),
        Index("ix_consults_case_id", "case_id"),
        # Fair load and monthly caps: each consultant's accepts since a date.
        Index("ix_consults_consultant_accepted", "consultant_id", "accepted_at"),
        # Rest after an urgent consult: the ones closed lately.
        Index("ix_consults_closed_at", "closed_at"),
        CheckConstraint("urgency IN ('urgent', 'soon', 'routine')", name="urgency_known"),
        CheckConstraint(
            "status IN ('open', 'accepted', 'closed', 'cancelled')", name="status_known"
        ),
    )


class ConsultOffer(Base):
    __tablename__ = "consult_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    consult_id: Mapped[int] = mapped_column(ForeignKey("consults.id", ondelete="CASCADE"))
    consultant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    wave: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default=OfferState.OFFERED.value)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    # Set when a coordinator offered it directly ("assign").
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    consult: Mapped[Consult] = relationship(back_populates="offers")

    __table_args__ = (
        UniqueConstraint("consult_id", "consultant_id"),
        Index("ix_consult_offers_consultant_state", "consultant_id", "state"),
    )


class ConsultMessage(Base):
    __tablename__ = "consult_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    consult_id: Mapped[int] = mapped_column(
        ForeignKey("consults.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)  # at most 1000 characters; purged on retention
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    consult: Mapped[Consult] = relationship(back_populates="messages")


class CaseExclusion(Base):
    """A consultant kept away from a case: excluded by its mentor or a coordinator, or the
    consultant declined future requests from it."""

    __tablename__ = "case_exclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    consultant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "excluded" or "declined"
    reason: Mapped[str] = mapped_column(String(40), default="")  # a code, not free text
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("case_id", "consultant_id"),)


# Indexes on pool tables that routing's queries rely on, kept beside the code that needs them
# (consults/queries.py): who is on call right now, read from the index alone; who switched
# "available now" on.
Index(
    "ix_on_call_windows_now",
    OnCallWindow.starts_at,
    OnCallWindow.ends_at,
    OnCallWindow.consultant_id,
)
Index("ix_consultant_profiles_available_now", ConsultantProfile.available_until)
