"""Figures about the outbox for the operators' metrics and dashboards (plain queries; the
metrics module turns them into gauges). Heartbeats: mentor_app/worker/heartbeats.py."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor_app.notifications.models import OutboxMessage, OutboxState


def depth_by_state(session: Session) -> dict[str, int]:
    """How many outbox rows are in each state: {"pending": n, "sending": n, "sent": n, ...};
    every state is present (0 when none)."""
    counts = dict(
        session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        ).all()
    )
    return {state.value: int(counts.get(state.value, 0)) for state in OutboxState}


def oldest_due_age(session: Session, now: datetime) -> float | None:
    """Seconds the longest-waiting due row has waited (pending and due, or claimed): 0 when
    it is not late, None when nothing is due. The worker keeping up keeps this near 0."""
    oldest = session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.state.in_((OutboxState.PENDING.value, OutboxState.SENDING.value)),
            OutboxMessage.next_attempt_at <= now,
        )
    )
    if oldest is None:
        return None
    if oldest.tzinfo is None:  # func.min bypasses the column type on SQLite
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=UTC)
    return max(0.0, (now - oldest).total_seconds())
