"""`enqueue`: the one way any domain asks for a user to be told something.

Call it inside the transaction that makes the change; it only adds a row. Delivery is the
worker's job (mentor_app/notifications/worker_steps.py). On PostgreSQL it also issues
`NOTIFY mentor_outbox`, which the database delivers when (and only if) the transaction commits,
so an idle worker wakes at once instead of at its next poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select, text, update
from sqlalchemy.orm import Session

from mentor_app.notifications.models import OutboxMessage, OutboxState, PushUrgency
from mentor_app.notifications.topics import is_valid_topic, push_topic

MAX_PAYLOAD_TEXT = 200  # title/body characters; the encrypted push must stay under 4 KB
WAKE_CHANNEL = "mentor_outbox"


@dataclass(frozen=True)
class Message:
    """What the phone shows. Generic by construction: callers pass category words only."""

    title: str
    body: str
    url: str
    tag: str

    def as_payload(self) -> dict[str, str]:
        return {
            "title": self.title[:MAX_PAYLOAD_TEXT],
            "body": self.body[:MAX_PAYLOAD_TEXT],
            "url": self.url,
            "tag": self.tag[:64],
        }


def enqueue(
    session: Session,
    now: datetime,
    *,
    user_id: int,
    kind: str,
    message: Message,
    dedup_key: str,
    consult_id: int | None = None,
    urgency: PushUrgency = PushUrgency.NORMAL,
    ttl: timedelta = timedelta(hours=1),
    topic: str | None = None,
    due_at: datetime | None = None,
) -> OutboxMessage:
    """Queue one message for one user. A second call with the same dedup key returns the first
    row unchanged (so a retried state change never notifies twice).

    `topic` must come from `topics.push_topic(key)`; without one, the message's tag is the
    collapse key (the device already collapses by tag). Raises ValueError for any other topic.
    """
    if topic is None:
        topic = push_topic(message.tag)
    if not is_valid_topic(topic):
        raise ValueError("a push Topic must be made by notifications.topics.push_topic")
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key))
    if existing is not None:
        return existing
    due = due_at or now
    row = OutboxMessage(
        user_id=user_id,
        kind=kind,
        consult_id=consult_id,
        dedup_key=dedup_key,
        urgency=urgency.value,
        ttl_seconds=int(ttl.total_seconds()),
        topic=topic,
        payload=message.as_payload(),
        state=OutboxState.PENDING.value,
        due_at=due,
        next_attempt_at=due,
        attempts=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    if due <= now:
        wake_workers(session)
    return row


def wake_workers(session: Session) -> None:
    """PostgreSQL only: wake idle workers when this transaction commits (a rollback sends
    nothing; several in one transaction arrive as one)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {WAKE_CHANNEL}"))


def cancel_pending(
    session: Session, *, consult_id: int, user_id: int, kinds: tuple[str, ...]
) -> int:
    """Drop still-unsent messages that no longer make sense (e.g. an offer already taken).
    Returns how many it really cancelled.

    One conditional UPDATE on the state it expects: a row a worker is claiming at this moment
    is locked by the claim, so this waits for it and then, seeing `sending`, leaves it alone
    (it is in flight; `reached_or_may_reach` says so). Reading the rows first and updating them
    by id would overwrite that claim and hide a send that happens anyway."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.consult_id == consult_id,
            OutboxMessage.user_id == user_id,
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.state == OutboxState.PENDING.value,
        )
        .values(state=OutboxState.CANCELLED.value)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def reached_or_may_reach(
    session: Session, *, consult_id: int, user_id: int, kinds: tuple[str, ...]
) -> bool:
    """Whether any message of these kinds about this consult may be on the user's device:
    sent, being sent right now, or tried before (a retry that reached one device and not
    another). Call after `cancel_pending`: what it cancelled never left the server."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    OutboxMessage.consult_id == consult_id,
                    OutboxMessage.user_id == user_id,
                    OutboxMessage.kind.in_(kinds),
                    or_(
                        OutboxMessage.state.in_(
                            (OutboxState.SENDING.value, OutboxState.SENT.value)
                        ),
                        OutboxMessage.attempts > 0,
                        OutboxMessage.email_attempts > 0,
                    ),
                )
            )
        )
    )


def queue_test(session: Session, now: datetime, *, user_id: int, locale: str) -> OutboxMessage:
    """ "Send me a test notification": one message to every device of the user. Taps within
    the same 10 seconds share a dedup key, so a double tap sends one."""
    from mentor_app.notifications import messages

    return enqueue(
        session,
        now,
        user_id=user_id,
        kind="test",
        message=messages.test_message(locale),
        dedup_key=f"test:{user_id}:{int(now.timestamp()) // 10}",
        urgency=PushUrgency.NORMAL,
        ttl=messages.TEST_TTL,
        topic=push_topic("test"),
    )
