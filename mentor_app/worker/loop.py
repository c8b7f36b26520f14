"""The worker loop. Stateless: every step claims its work in the database, so any number of
workers on any number of machines can run side by side.

A step is `(session, now) -> int` (how much it did). The loop commits once per step (the unit
of work) and rolls back when a step fails, then carries on with the next step.

When a loop finds nothing to do, the worker waits (mentor_app/worker/wake.py): on PostgreSQL it
LISTENs on the channels steps asked for with `listen()`, so a NOTIFY at commit wakes it at once;
on SQLite it polls every `idle_sleep` seconds (0.15 s by default).
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from mentor_app.db import Database, is_transient_error, utcnow
from mentor_app.errors import log_unexpected
from mentor_app.metrics.instruments import observe_step
from mentor_app.worker.heartbeats import Pulse
from mentor_app.worker.wake import default_idle_sleep, waiter_for

log = logging.getLogger("mentor_app.worker")

Step = Callable[[Session, datetime], int]
# SQLite: after holding the write lock this long, pause for up to SQLITE_WRITER_GAP (seconds).
SQLITE_LONG_HOLD = 0.05
SQLITE_WRITER_GAP = 0.12


@dataclass(frozen=True)
class NamedStep:
    name: str
    run: Step
    # Run at most this often (seconds); 0 means every loop.
    every: float = 0.0


STEPS: list[NamedStep] = []
# PostgreSQL NOTIFY channels that wake an idle worker (see wake.py).
LISTEN_CHANNELS: list[str] = []


def listen(channel: str) -> None:
    if channel not in LISTEN_CHANNELS:
        LISTEN_CHANNELS.append(channel)


def register(name: str, every: float = 0.0) -> Callable[[Step], Step]:
    def decorator(fn: Step) -> Step:
        if all(s.name != name for s in STEPS):
            STEPS.append(NamedStep(name, fn, every))
        return fn

    return decorator


class Worker:
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] = utcnow,
        idle_sleep: float | None = None,
        steps: list[NamedStep] | None = None,
        pulse_every: float = 3.0,
    ) -> None:
        self.db = db
        self.clock = clock
        self.idle_sleep = idle_sleep if idle_sleep is not None else default_idle_sleep(db.engine)
        self.steps = steps if steps is not None else STEPS
        self.stopping = False
        self._last_run: dict[str, float] = {}
        # Seconds between heartbeat writes (see heartbeats.py); run_forever only.
        self.pulse_every = pulse_every

    def stop(self, *_args: object) -> None:
        self.stopping = True

    def run_step(self, step: NamedStep) -> int:
        began = time.monotonic()
        session = self.db.session()
        done, failed = 0, False
        try:
            done = step.run(session, self.clock())
            session.commit()
            return done
        except Exception as err:
            self._rollback(session)
            failed = True
            if is_transient_error(err):
                # The database went away, or a deadlock/serialization failure: nothing of this
                # step was saved; the next round does it again. One line, no traceback.
                cause = getattr(err, "orig", None) or err
                log.warning(
                    "worker step %s not saved (%s); it runs again next round",
                    step.name,
                    type(cause).__name__,
                )
            else:
                log_unexpected(log, "worker step %s failed", step.name)
            return 0
        finally:
            session.close()
            held = time.monotonic() - began
            observe_step(step.name, done, failed, held)
            self._let_writers_in(held)

    @staticmethod
    def _rollback(session: Session) -> None:
        try:
            session.rollback()
        except Exception as err:  # the connection is gone: the pool replaces it
            log.warning("rollback failed: %s", type(err).__name__)

    def _let_writers_in(self, held: float) -> None:
        """SQLite has one writer, and its busy handler is no queue: a request waiting for the
        lock retries every 100 ms or so, so a worker that frees the lock and takes it again at
        once (a backlog of due consults) can starve a mentor's tap until its timeout. After a
        long transaction the worker leaves the lock free long enough for every waiter to get
        one try. (PostgreSQL locks rows, not the database: nothing to do there.)"""
        if self.db.dialect == "sqlite" and held >= SQLITE_LONG_HOLD:
            time.sleep(min(held, SQLITE_WRITER_GAP))

    def run_once(self, force: bool = True) -> int:
        total = 0
        for step in self.steps:
            if self.stopping:
                break
            # A step that has not run yet in this process is due now (the monotonic clock may
            # be younger than a daily step's interval, e.g. shortly after boot).
            last = self._last_run.get(step.name)
            if (
                not force
                and step.every
                and last is not None
                and time.monotonic() - last < step.every
            ):
                continue
            self._last_run[step.name] = time.monotonic()
            total += self.run_step(step)
        return total

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log.info("worker started with steps: %s", ", ".join(s.name for s in self.steps))
        waiter = waiter_for(self.db.engine, LISTEN_CHANNELS)
        pulse = Pulse(self.db, self.clock, self.pulse_every)
        log.info("worker heartbeat id %s", pulse.start())
        try:
            while not self.stopping:
                done = self.run_once(force=False)
                pulse.round_done(self.clock())
                if done == 0:
                    waiter.wait(self.idle_sleep, lambda: self.stopping)
        finally:
            waiter.close()
            pulse.stop()
        log.info("worker stopped")
