"""Consultant profiles and everything routing reads about who is on call.

Weekly shifts are kept in the consultant's own time zone (so "Tuesday 18-22" stays 18-22 across
daylight-saving changes); `OnCallWindow` rows are the same facts expanded into UTC intervals for
the coming weeks, so routing and the coverage grid answer "who is on call at t" with one indexed
query. Windows are rebuilt whenever a consultant's shifts, overrides or holidays change, and a
daily worker step extends the horizon.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentor_app import timeutil
from mentor_app.db import Base, UTCDateTime


class VettingState(enum.StrEnum):
    INVITED = "invited"
    SUBMITTED = "submitted"  # credentials submitted, waiting for a coordinator
    VETTED = "vetted"  # checked by a coordinator, not yet taking requests
    ACTIVE = "active"  # routable
    SUSPENDED = "suspended"


VETTING_STATES = tuple(s.value for s in VettingState)


class ExpertiseTag(Base):
    """The coordinator-managed list of expertise tags (also used by guides' `expertise`)."""

    __tablename__ = "expertise_tags"

    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))


class ConsultantProfile(Base):
    __tablename__ = "consultant_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    profession: Mapped[str] = mapped_column(String(80), default="")
    credential_register: Mapped[str] = mapped_column(String(80), default="")
    credential_number: Mapped[str] = mapped_column(String(40), default="")
    credential_verified_on: Mapped[date | None] = mapped_column(Date)
    credential_expires_on: Mapped[date | None] = mapped_column(Date)
    # Derived, never set by hand: the instant the credential lapses (the start of the day after
    # `credential_expires_on` in `timezone`), kept in step on every flush below, so SQL can
    # judge validity exactly with `credential_lapses_at > now` (mentor_app/timeutil.py).
    credential_lapses_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    training_completed_on: Mapped[date | None] = mapped_column(Date)
    vetting_state: Mapped[str] = mapped_column(String(16), default=VettingState.INVITED.value)
    vetted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    vetted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when provisioned from the command line: vetted by whoever ran it.
    vetted_by_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    state_reason: Mapped[str | None] = mapped_column(String(200))
    # The coded reason for the last return/suspension/reactivation (mentor_app.pool.vetting).
    state_reason_code: Mapped[str | None] = mapped_column(String(32))
    open_consult_limit: Mapped[int] = mapped_column(Integer, default=3)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Stockholm")
    bio: Mapped[str] = mapped_column(Text, default="")
    takes_clients: Mapped[bool] = mapped_column(Boolean, default=False)
    # "Available now for N hours" switches routing on until then, whatever the shifts say.
    available_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "Not available" switches routing off until then, whatever the shifts say.
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optional rest after an urgent consult, and a soft monthly cap; both read by routing.
    rest_minutes_after_urgent: Mapped[int | None] = mapped_column(Integer)
    monthly_soft_cap: Mapped[int | None] = mapped_column(Integer)
    # Quiet hours (local time) that routine requests respect; None = none.
    quiet_from: Mapped[time | None] = mapped_column(Time)
    quiet_until: Mapped[time | None] = mapped_column(Time)
    expiry_warned_on: Mapped[date | None] = mapped_column(Date)
    # When the on-call windows were last rebuilt (the worker extends the stalest first).
    windows_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    languages: Mapped[list[ConsultantLanguage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    expertise: Mapped[list[ConsultantExpertise]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    regions: Mapped[list[ConsultantRegion]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        CheckConstraint("open_consult_limit >= 0 AND open_consult_limit <= 50", name="limit_range"),
    )


@event.listens_for(ConsultantProfile, "before_insert")
@event.listens_for(ConsultantProfile, "before_update")
def _credential_lapses(_mapper, _connection, profile: ConsultantProfile) -> None:  # type: ignore[no-untyped-def]
    # The expiry date is the consultant's (their zone); converted to an instant once, here.
    profile.credential_lapses_at = timeutil.credential_lapses_at(
        profile.credential_expires_on, profile.timezone
    )


class ConsultantLanguage(Base):
    __tablename__ = "consultant_languages"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("consultant_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)


class ConsultantExpertise(Base):
    __tablename__ = "consultant_expertise"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("consultant_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(
        ForeignKey("expertise_tags.tag", ondelete="CASCADE"), primary_key=True, index=True
    )


class ConsultantRegion(Base):
    __tablename__ = "consultant_regions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("consultant_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    region: Mapped[str] = mapped_column(String(40), primary_key=True)


class WeeklyShift(Base):
    """A recurring shift in the consultant's own time zone; weekday 0 = Monday."""

    __tablename__ = "weekly_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(
        ForeignKey("consultant_profiles.user_id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)

    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("ends > starts", name="ends_after_starts"),
    )


class OverrideKind(enum.StrEnum):
    COVER = "cover"  # an extra period on call
    OFF = "off"  # a shift (or part) not worked


class ShiftOverride(Base):
    """A one-off change to the weekly pattern, as an exact UTC interval."""

    __tablename__ = "shift_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(
        ForeignKey("consultant_profiles.user_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_starts"),)


class Holiday(Base):
    """Whole days away (inclusive), in the consultant's time zone."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(
        ForeignKey("consultant_profiles.user_id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(80), default="")

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_starts"),)


class OnCallWindow(Base):
    """Derived: the consultant's on-call time as UTC intervals (shifts ± overrides − holidays)."""

    __tablename__ = "on_call_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(
        ForeignKey("consultant_profiles.user_id", ondelete="CASCADE")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_on_call_windows_span", "starts_at", "ends_at"),
        Index("ix_on_call_windows_consultant", "consultant_id", "starts_at"),
    )
