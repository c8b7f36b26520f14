"""A user's second channel: which operator template, and their address in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mentor_app.db import Base, UTCDateTime


class AlertChannel(Base):
    """At most one per user. `channel` names an entry of ALERT_CHANNELS; a name the operator
    has since removed is simply not used (and shown as such in Settings)."""

    __tablename__ = "alert_channels"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(24))
    # A phone number or a handle: personal data, never logged, never in a URL of this app.
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
