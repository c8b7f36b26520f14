"""How an idle worker waits for work without adding latency.

- PostgreSQL: LISTEN on the channels steps registered (`loop.listen("mentor_outbox")`); whoever
  queues work issues `NOTIFY <channel>` in the same transaction, which PostgreSQL delivers at
  commit. The worker waits on its own connection with a timeout, so it wakes within
  milliseconds of the commit and still polls at least every `idle_sleep` seconds (retries that
  fall due, steps that run on a timer, a NOTIFY lost while the connection was down).
- SQLite (one machine, no notifications): poll every `idle_sleep` seconds, 0.15 s by default.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from sqlalchemy.engine import Engine

log = logging.getLogger("mentor_app.worker")

# Idle wait when the command line does not say: short on SQLite (polling is the only signal),
# longer on PostgreSQL (NOTIFY wakes the worker at once; this only bounds the polling).
DEFAULT_IDLE_SLEEP = {"sqlite": 0.15, "postgresql": 1.0}
_CHANNEL_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Waiter(Protocol):
    def wait(self, timeout: float, stopping: Callable[[], bool]) -> bool:
        """Block up to `timeout` seconds; True when woken by a notification."""
        ...

    def close(self) -> None: ...


class PollWaiter:
    def wait(self, timeout: float, stopping: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + timeout
        # Small slices so SIGTERM is honoured promptly.
        while not stopping() and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(0.1, left))
        return False

    def close(self) -> None:
        return None


class PgNotifyWaiter:
    """LISTENs on a connection of its own (taken out of the engine's pool), reconnecting after
    errors; while the connection is down it falls back to polling."""

    def __init__(self, engine: Engine, channels: Iterable[str]) -> None:
        self.engine = engine
        self.channels = [c for c in channels if _CHANNEL_NAME.match(c)]
        self.conn: Any = None
        self._poll = PollWaiter()

    def _connect(self) -> None:
        raw = self.engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()  # ours for good: the pool must never hand out a LISTENing connection
        conn.rollback()
        conn.autocommit = True
        for channel in self.channels:
            conn.execute(f"LISTEN {channel}")
        self.conn = conn

    def listen_now(self) -> None:
        """Start listening before the first run, so nothing committed meanwhile is missed."""
        if not self.channels:
            return
        try:
            self._connect()
        except Exception:
            log.warning("LISTEN failed; polling until the database answers", exc_info=True)
            self.conn = None

    def wait(self, timeout: float, stopping: Callable[[], bool]) -> bool:
        if not self.channels:
            return self._poll.wait(timeout, stopping)
        try:
            if self.conn is None:
                self._connect()
            for _notify in self.conn.notifies(timeout=timeout, stop_after=1):
                return True
            return False
        except Exception:
            log.warning("LISTEN connection lost; polling meanwhile", exc_info=True)
            self.close()
            return self._poll.wait(timeout, stopping)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # already broken: nothing to release
                log.debug("closing the LISTEN connection failed", exc_info=True)
            self.conn = None


def waiter_for(engine: Engine, channels: Iterable[str]) -> PollWaiter | PgNotifyWaiter:
    if engine.dialect.name == "postgresql":
        waiter = PgNotifyWaiter(engine, channels)
        waiter.listen_now()
        return waiter
    return PollWaiter()


def default_idle_sleep(engine: Engine) -> float:
    return DEFAULT_IDLE_SLEEP.get(engine.dialect.name, 0.5)
