"""Is any worker sending alerts? Read from the worker heartbeats (worker/heartbeats.py).

"Stalled" means no worker completed a round within ROUND_STALE (30 s): none is running, or all
are stuck. Then nothing in the outbox goes out — no offer, no e-mail fallback, not even the
outbox's own warnings — so the coordinators' dashboard shows a red banner, /healthz says
"stale" and lists the workers, and after WORKER_ALARM_MINUTES (5) a web process e-mails the
coordinators itself (worker/alarm.py): the outbox cannot carry that news.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mentor_app.worker.heartbeats import ROUND_STALE, last_round_at, list_heartbeats


def heartbeats(session: Session) -> list:
    """Every known worker's heartbeat row, oldest first."""
    return list_heartbeats(session)


def last_round(session: Session) -> datetime | None:
    """When any worker last completed a round (aware UTC), or None."""
    return last_round_at(session)


def stalled(session: Session, now: datetime) -> bool:
    """True when no worker completed a round within the last 30 s (or ever)."""
    last = last_round_at(session)
    return last is None or now - last > ROUND_STALE


def workers_detail(session: Session, now: datetime) -> list[dict]:
    """For /healthz's details (operators only): each worker, its last round and pulse."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return [
        {
            "host": row.host,
            "pid": row.pid,
            "started_at": iso(row.started_at),
            "last_round_at": iso(row.last_round_at),
            "alive_at": iso(row.alive_at),
            "seconds_since_round": (
                round((now - row.last_round_at).total_seconds(), 1) if row.last_round_at else None
            ),
        }
        for row in list_heartbeats(session)
    ]
