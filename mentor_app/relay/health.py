"""Each user's second channel remembers when it last worked and since when it fails, so
Settings can say so (as it does for push devices)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mentor_app.relay.models import AlertChannel


def record(session: Session, now: datetime, user_id: int, *, ok: bool) -> None:
    choice = session.get(AlertChannel, user_id)
    if choice is None:
        return
    if ok:
        choice.last_success_at = now
        choice.failing_since = None
    elif choice.failing_since is None:
        choice.failing_since = now
