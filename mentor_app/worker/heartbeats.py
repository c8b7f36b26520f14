"""Worker heartbeats: which worker processes are alive, and when each last completed a round.

Each `flask worker` process keeps one row in `worker_heartbeats` (host, pid, when it started,
when it last completed a round, and `alive_at`, written every few seconds by a small thread of
its own). Two readers:

- delivery (notifications/delivery.py): a claim names its worker (`claimed_worker_id`); when
  that worker's `alive_at` is older than WORKER_STALE_SECONDS (default 15 s), or its row is gone,
  the worker was killed and its claimed rows are reclaimed at once, instead of waiting for the
  120 s lease (which stays as the backstop for a worker alive but stuck mid-round);
- /healthz and the operators' metrics: `last_round_at()` — "stale" when no worker completed a
  round in the last 30 s.

`alive_at` comes from a thread rather than from the rounds, because one round can rightly take
longer than 15 s (a batch of sends to hanging push services, each up to its 10 s timeout):
that worker is alive, and taking its rows away would only send them twice. A SIGKILL stops the
thread with the process, so a killed worker goes quiet within one pulse.

Functions take the session and `now` (and flush, never commit), except `Pulse`, which owns its
own short transactions because it runs beside the worker's.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from mentor_app.db import Base, Database, UTCDateTime

log = logging.getLogger("mentor_app.worker")

DEFAULT_STALE = timedelta(seconds=15)
# /healthz says "stale" when no worker completed a round within this long.
ROUND_STALE = timedelta(seconds=30)
# Rows of workers silent this long are deleted when a worker starts (history is not kept).
FORGET_AFTER = timedelta(days=1)


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(64))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_round_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The process was running at this instant (its pulse thread wrote it).
    alive_at: Mapped[datetime] = mapped_column(UTCDateTime())


def register(session: Session, now: datetime, host: str | None = None, pid: int | None = None):  # type: ignore[no-untyped-def]
    """A new row for this process; returns the WorkerHeartbeat (its id names the claims)."""
    session.execute(
        delete(WorkerHeartbeat)
        .where(WorkerHeartbeat.alive_at < now - FORGET_AFTER)
        .execution_options(synchronize_session=False)
    )
    row = WorkerHeartbeat(
        host=(host or socket.gethostname())[:64],
        pid=pid if pid is not None else os.getpid(),
        started_at=now,
        alive_at=now,
        last_round_at=None,
    )
    session.add(row)
    session.flush()
    return row


def beat(session: Session, now: datetime, worker_id: int, round_at: datetime | None = None) -> bool:
    """Marks the worker alive at `now` and, when given, its last completed round at `round_at`.
    False when its row is gone (deleted as long dead): the caller registers again."""
    values: dict[str, datetime] = {"alive_at": now}
    if round_at is not None:
        values["last_round_at"] = round_at
    result = session.execute(
        update(WorkerHeartbeat)
        .where(WorkerHeartbeat.id == worker_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def forget(session: Session, worker_id: int) -> None:
    """A worker that stops cleanly removes its row (it holds no claims then)."""
    session.execute(
        delete(WorkerHeartbeat)
        .where(WorkerHeartbeat.id == worker_id)
        .execution_options(synchronize_session=False)
    )


def list_heartbeats(session: Session) -> list[WorkerHeartbeat]:
    """Every known worker, oldest first."""
    return list(session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.started_at)))


def last_round_at(session: Session) -> datetime | None:
    """When any worker last completed a round (None: never, or no worker known)."""
    return session.scalar(select(func.max(WorkerHeartbeat.last_round_at)))


def stale_worker_ids(now: datetime, stale: timedelta = DEFAULT_STALE):  # type: ignore[no-untyped-def]
    """A subquery: ids of workers silent for longer than `stale` (killed, or frozen)."""
    return select(WorkerHeartbeat.id).where(WorkerHeartbeat.alive_at < now - stale)


def known_worker_ids():  # type: ignore[no-untyped-def]
    return select(WorkerHeartbeat.id)


def round_status(session: Session, now: datetime) -> tuple[bool, str]:
    """(ok, "ok" | "stale") for /healthz: stale when no round completed within ROUND_STALE."""
    last = last_round_at(session)
    ok = last is not None and now - last <= ROUND_STALE
    return ok, "ok" if ok else "stale"


# --- the worker process's own identity ----------------------------------------------------------

_current_id: int | None = None


def current_worker_id() -> int | None:
    """The heartbeat id of this process's running worker loop (None outside one)."""
    return _current_id


class Pulse:
    """Keeps this process's heartbeat row: `start()` registers it, a daemon thread writes
    `alive_at` (and the last completed round) every `every` seconds, `stop()` removes it."""

    def __init__(self, db: Database, clock: Callable[[], datetime], every: float) -> None:
        self.db = db
        self.clock = clock
        self.every = every
        self.worker_id: int | None = None
        self._round_at: datetime | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> int:
        global _current_id
        self.worker_id = self._register()
        _current_id = self.worker_id
        self._thread.start()
        return self.worker_id

    def round_done(self, at: datetime) -> None:
        """Called by the loop after every round (cheap: written by the next pulse)."""
        self._round_at = at

    def stop(self) -> None:
        global _current_id
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self.every + 5)
        if self.worker_id is not None:
            self._write(lambda session: forget(session, self.worker_id))  # type: ignore[arg-type]
        _current_id = None

    def _register(self) -> int:
        session = self.db.session()
        try:
            row = register(session, self.clock())
            session.commit()
            return row.id
        finally:
            session.close()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.pulse()

    def pulse(self) -> None:
        global _current_id
        worker_id = self.worker_id
        if worker_id is None:
            return
        alive = self._write(lambda s: beat(s, self.clock(), worker_id, self._round_at))
        if alive is False:  # our row was removed as long dead: come back under a new id
            self.worker_id = self._register()
            _current_id = self.worker_id

    def _write(self, action: Callable[[Session], object]) -> object:
        session = self.db.session()
        try:
            result = action(session)
            session.commit()
            return result
        except Exception as err:  # the database is briefly away: the next pulse tries again
            session.rollback()
            log.warning("heartbeat not written: %s", type(err).__name__)
            return None
        finally:
            session.close()
