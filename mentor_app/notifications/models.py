"""The outbox (one row per message to one user), push subscriptions and delivery attempts.

An outbox row is written in the same transaction as the state change that causes it, so a
crash loses nothing: what was committed is sent, at least once, by the worker. The dedup key
(unique) keeps a repeated cause from queueing the same message twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from mentor_app.db import Base, UTCDateTime


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker
    SENT = "sent"
    DEAD = "dead"  # gave up on every channel
    CANCELLED = "cancelled"  # no longer worth sending (e.g. the offer was taken meanwhile)
    # Its reason passed before a send (relevance.py): settled without an attempt.
    OBSOLETE = "obsolete"


class PushUrgency(enum.StrEnum):
    VERY_LOW = "very-low"
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    consult_id: Mapped[int | None] = mapped_column(ForeignKey("consults.id", ondelete="SET NULL"))
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    urgency: Mapped[str] = mapped_column(String(10), default=PushUrgency.NORMAL.value)
    ttl_seconds: Mapped[int] = mapped_column(Integer, default=3600)
    topic: Mapped[str | None] = mapped_column(String(32))  # collapses on the device
    # Generic text only: {"title", "body", "url", "tag"}; never case codes, notes or names.
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default=OutboxState.PENDING.value)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # The claiming worker's heartbeat id (worker_heartbeats.id; no foreign key: a worker's row
    # goes when it stops). When that worker goes silent, the claim is taken back at once.
    claimed_worker_id: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channel: Mapped[str | None] = mapped_column(String(8))  # "push", "apprise" or "email"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when push gave up (no working device, or retries spent) and the e-mail fallback took
    # over; from then on the row is retried on e-mail only, counted in `email_attempts`.
    fallback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Set when push gave up and the user's second channel (Apprise, mentor_app/relay/) took
    # over: retried there, counted in `relay_attempts`, until it is sent or e-mail takes over.
    relay_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    relay_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    __table_args__ = (Index("ix_outbox_messages_due", "state", "next_attempt_at"),)


class PushSubscription(Base):
    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    device_label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(String(40))


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(8))
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class PushPermissionState(Base):
    """What a user's browser last said about notification permission. A page that finds
    `Notification.permission === "denied"` reports it, so reachability can say "blocked"
    rather than just "no device"."""

    __tablename__ = "push_permission_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    denied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
