"""Choosing, removing and testing one's second channel (services: session and now in, flush)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.notifications import messages
from mentor_app.notifications.models import OutboxMessage, PushUrgency
from mentor_app.notifications.services import enqueue
from mentor_app.notifications.topics import push_topic
from mentor_app.relay.models import AlertChannel
from mentor_app.relay.templates import ChannelTemplate


def choose(
    session: Session,
    now: datetime,
    user_id: int,
    template: ChannelTemplate,
    typed: str,
    ip: str | None = None,
) -> AlertChannel:
    """Set the user's channel; AddressError when `typed` is not an address of its kind."""
    address = template.normalise(typed)
    choice = session.get(AlertChannel, user_id)
    if choice is None:
        choice = AlertChannel(user_id=user_id, created_at=now)
        session.add(choice)
    if (choice.channel, choice.address) != (template.name, address):
        choice.last_success_at = None
        choice.failing_since = None
    choice.channel, choice.address, choice.updated_at = template.name, address, now
    session.flush()
    audit.record(
        session,
        now,
        "notifications.alert_channel_set",
        actor_id=user_id,
        object_type="user",
        object_id=user_id,
        ip=ip,
        details={"channel": template.name},  # never the address
    )
    return choice


def remove(session: Session, now: datetime, user_id: int, ip: str | None = None) -> bool:
    choice = session.get(AlertChannel, user_id)
    if choice is None:
        return False
    session.delete(choice)
    session.flush()
    audit.record(
        session,
        now,
        "notifications.alert_channel_removed",
        actor_id=user_id,
        object_type="user",
        object_id=user_id,
        ip=ip,
    )
    return True


def export(session: Session, user_id: int) -> dict | None:
    """The user's second channel for "my data" (their own number or handle included)."""
    choice = session.get(AlertChannel, user_id)
    if choice is None:
        return None

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "channel": choice.channel,
        "address": choice.address,
        "created_at": iso(choice.created_at),
        "last_success_at": iso(choice.last_success_at),
        "failing_since": iso(choice.failing_since),
    }


def queue_test(session: Session, now: datetime, user_id: int, locale: str) -> OutboxMessage:
    """The "test" button: one message through the second channel only (no push, no e-mail).
    Taps within 10 seconds share a dedup key, so a double tap sends one."""
    row = enqueue(
        session,
        now,
        user_id=user_id,
        kind="relay_test",
        message=messages.test_message(locale),
        dedup_key=f"relay-test:{user_id}:{int(now.timestamp()) // 10}",
        urgency=PushUrgency.NORMAL,
        ttl=messages.TEST_TTL,
        topic=push_topic("relay-test"),
    )
    row.relay_at = row.relay_at or now  # straight to the second channel
    session.flush()
    return row
