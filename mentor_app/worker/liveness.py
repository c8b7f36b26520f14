"""Is any worker alive? Read from the worker heartbeats (mentor_app/worker/heartbeats.py, the
delivery issue's `worker_heartbeats` table: `list_heartbeats(session)`, `last_round_at(session)`).

Until that module is present, nothing is known: no heartbeats, no last round. Callers treat
"never" as a state of its own (a fresh install whose worker never started is not alive).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


def heartbeats(session: Session) -> list[Any]:
    """The heartbeat rows, one per worker process that ever reported; [] without the module."""
    try:
        from mentor_app.worker.heartbeats import list_heartbeats  # type: ignore[import-not-found]
    except ImportError:
        return []
    return list(list_heartbeats(session))


def last_round(session: Session) -> datetime | None:
    """When any worker last completed a round (aware UTC), or None."""
    try:
        from mentor_app.worker.heartbeats import last_round_at  # type: ignore[import-not-found]
    except ImportError:
        return None
    return last_round_at(session)
