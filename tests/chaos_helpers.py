"""A fault run of the delivery path, for the chaos tests and benchmarks/bench_soak.py.

Real worker processes (`flask worker`) on PostgreSQL deliver to a strict local push service
while a producer plays the consult traffic that matters for delivery: a tap offers a consult to
three consultants (offer rows in the outbox), and a moment later one accepts (the others' offers
are withdrawn: cancelled if unsent, else replaced by "taken by a colleague" under the same tag).
Meanwhile the run injects faults:
- kills: an extra worker started with MENTOR_APP_TEST_WORKER_STOP=<point>:1 stops itself at
  that point (after_claim, mid_send, after_send) and is SIGKILLed; the time until every row it
  held is settled by the survivors is measured;
- drops: every database connection of the run (its `application_name`) is terminated.

`Figures` says what happened: lost, duplicated (always same id and tag), late, stale offers
(an offer arriving after its replacement), failed writes (would answer 503), unexpected
errors (would answer 500), and the time to redeliver after each kill.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

from mentor_app.consults import notify, routing
from mentor_app.consults.models import Consult, ConsultOffer
from mentor_app.db import Database, is_transient_error, utcnow
from mentor_app.notifications.jobs import TEST_STOP_ENV
from mentor_app.notifications.messages import message_id
from mentor_app.notifications.models import OutboxMessage
from mentor_app.notifications.vapid import keys_for, private_key_b64
from mentor_app.worker.heartbeats import WorkerHeartbeat
from tests.push_helpers import LocalPushService, add_device, quick_user

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "mentor_chaos"
TERMINAL = ("sent", "dead", "cancelled", "obsolete")
POINTS = ("after_claim", "mid_send", "after_send")
OFFER_TITLE = "Urgent consult request"
TAKEN_TITLE = "Taken by a colleague"
LATE_AFTER = 20.0  # seconds from due to arrival


def with_app_name(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={APP_NAME}"


@dataclass
class Figures:
    taps: int = 0
    accepts: int = 0
    committed_rows: int = 0
    received: int = 0
    lost: int = 0
    duplicated: int = 0
    duplicates_differing: int = 0  # a duplicate with another id or tag: must stay 0
    late: int = 0
    stale_offers: int = 0
    unsettled: int = 0
    failed_writes: int = 0  # transient: the request would answer 503 and the page resend
    unexpected_errors: int = 0  # would answer 500
    kills: int = 0
    drops: int = 0
    redeliver: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        if not self.redeliver:
            return None
        ordered = sorted(self.redeliver)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def lines(self) -> list[str]:
        p50 = self.percentile(0.5)
        p95 = self.percentile(0.95)
        fmt = (
            "—"
            if p50 is None
            else f"p50 {p50:.1f} s, p95 {p95:.1f} s, max {max(self.redeliver):.1f} s"
        )
        return [
            f"taps {self.taps}, accepts {self.accepts}, outbox rows {self.committed_rows}, "
            f"pushes received {self.received}",
            f"lost {self.lost}, unsettled {self.unsettled}, duplicated {self.duplicated} "
            f"(with another id/tag: {self.duplicates_differing}), late (> {LATE_AFTER:g} s) "
            f"{self.late}, offers after their replacement {self.stale_offers}",
            f"failed writes (503) {self.failed_writes}, unexpected errors (500) "
            f"{self.unexpected_errors}",
            f"kills {self.kills}, connection drops {self.drops}; time to redeliver a killed "
            f"worker's rows: {fmt} ({len(self.redeliver)} rows)",
        ]


class ChaosRun:
    def __init__(self, app, workdir: Path, *, stale_seconds: float, consultants: int = 6) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.workdir = workdir
        self.stale_seconds = stale_seconds
        self.url = with_app_name(app.config["DATABASE_URL"])
        self.db = Database(self.url)
        self.push = LocalPushService()
        self.figures = Figures()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.workers: list[subprocess.Popen] = []
        self.consultant_count = consultants
        self.wall_offset = time.time() - time.perf_counter()

    # --- setup ---------------------------------------------------------------------------

    def __enter__(self) -> ChaosRun:
        self.push.__enter__()
        session = self.db.session()
        try:
            self.mentor = quick_user(session, "mentor")
            self.consultants = [
                quick_user(session, "consultant") for _ in range(self.consultant_count)
            ]
            self.token_of = {}
            for user_id in self.consultants:
                token = f"u{user_id}"
                add_device(session, user_id, self.push.subscription(token))
                self.token_of[user_id] = token
        finally:
            session.close()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
        self.push.__exit__()
        self.db.engine.dispose()

    def env(self, **extra: str) -> dict[str, str]:
        with self.app.app_context():
            keys = keys_for(self.app)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("VAPID_", "OUTBOX_", "SMTP_", "MENTOR_APP_", "WORKER_"))
        }
        env.update(
            DATABASE_URL=self.url,
            MENTOR_APP_ENV="testing",
            MENTOR_APP_INSTANCE=str(self.workdir),
            VAPID_PRIVATE_KEY=private_key_b64(keys.private_key),
            VAPID_SUBJECT=keys.subject,
            WORKER_STALE_SECONDS=str(self.stale_seconds),
            PUSH_TIMEOUT_SECONDS="2",
            OUTBOX_BATCH_SIZE="10",
            PYTHONUNBUFFERED="1",
            **extra,
        )
        return env

    def start_worker(self, **extra: str) -> subprocess.Popen:
        log = (self.workdir / "workers.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "mentor_app", "worker"],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(proc)
        return proc

    # --- traffic ---------------------------------------------------------------------------

    def _write(self, action) -> bool:  # type: ignore[no-untyped-def]
        session = self.db.session()
        try:
            with self.app.app_context():
                action(session)
                session.commit()
            return True
        except Exception as err:
            with contextlib.suppress(Exception):  # the connection is gone
                session.rollback()
            with self.lock:
                if is_transient_error(err):
                    self.figures.failed_writes += 1
                else:
                    self.figures.unexpected_errors += 1
                    print("unexpected", type(err).__name__, err, file=sys.stderr)
            return False
        finally:
            session.close()

    def _tap_into(self, created: list[int], session) -> None:  # type: ignore[no-untyped-def]
        created.append(self._tap(session))

    def _tap(self, session) -> int:  # type: ignore[no-untyped-def]
        now = utcnow()
        consult = Consult(
            mentor_id=self.mentor,
            client_key=str(uuid.uuid4()),
            urgency="urgent",
            topic="general",
            language="sv",
            status="open",
            wave=1,
            routing_started_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(consult)
        session.flush()
        timing = routing.timing_for(consult)
        for user_id in random.sample(self.consultants, 3):
            session.add(
                ConsultOffer(consult_id=consult.id, consultant_id=user_id, wave=1, offered_at=now)
            )
            session.flush()
            notify.offer(session, now, consult, user_id, now, timing)
        return consult.id

    def _accept(self, consult_id: int) -> None:
        def action(session) -> None:  # type: ignore[no-untyped-def]
            now = utcnow()
            consult = routing.lock(session, consult_id)
            if consult is None or consult.status != "open":
                return
            holders = [o.consultant_id for o in routing.pending_offers(session, consult_id)]
            if not holders:
                return
            taker = holders[0]
            consult.status, consult.consultant_id, consult.accepted_at = "accepted", taker, now
            session.flush()
            routing.withdraw_offers(session, now, consult, why="taken", keep=taker)

        for _try in range(5):  # the page resends a failed accept
            if self._write(action):
                with self.lock:
                    self.figures.accepts += 1
                return
            time.sleep(0.2)

    def produce(self, rate: float) -> None:
        """Taps at `rate` per second until stopped; each accepted 0.1–2 s later."""
        due: list[tuple[float, int]] = []
        while not self.stop.is_set():
            created: list[int] = []
            if self._write(functools.partial(self._tap_into, created)):
                with self.lock:
                    self.figures.taps += 1
                due.append((time.monotonic() + random.uniform(0.1, 2.0), created[0]))
            for entry in [d for d in due if d[0] <= time.monotonic()]:
                due.remove(entry)
                self._accept(entry[1])
            time.sleep(random.expovariate(rate))
        for _at, consult_id in due:
            self._accept(consult_id)

    # --- faults -----------------------------------------------------------------------------

    def kill_all(self, points: list[str], timeout: float = 45.0) -> None:
        """One extra worker per point, started together (their start-up is the slow part);
        each is SIGKILLed as soon as it has stopped itself at its point."""
        victims = [self.start_worker(**{TEST_STOP_ENV: f"{p}:1"}) for p in points]
        deadline = time.monotonic() + timeout
        while victims and time.monotonic() < deadline:
            for proc in list(victims):
                if _state(proc.pid) == "T" or proc.poll() is not None:
                    victims.remove(proc)
                    self._kill_stopped(proc)
            time.sleep(0.02)
        for proc in victims:  # never claimed anything: killed all the same
            self._kill_stopped(proc)

    def _kill_stopped(self, proc: subprocess.Popen) -> None:
        held: list[int] = []
        if _state(proc.pid) == "T":
            held = self._held_by(proc.pid)
        killed_at = time.monotonic()
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        with self.lock:
            self.figures.kills += 1
        if held:
            threading.Thread(target=self._measure, args=(held, killed_at), daemon=True).start()

    def _held_by(self, pid: int) -> list[int]:
        session = self.db.session()
        try:
            return list(
                session.scalars(
                    select(OutboxMessage.id)
                    .join(WorkerHeartbeat, WorkerHeartbeat.id == OutboxMessage.claimed_worker_id)
                    .where(OutboxMessage.state == "sending", WorkerHeartbeat.pid == pid)
                )
            )
        except Exception:  # a drop at this moment: measure nothing this time
            return []
        finally:
            session.close()

    def kill_at(self, point: str, timeout: float = 30.0) -> bool:
        """An extra worker stops itself at `point`; the rows it holds are noted, it is
        SIGKILLed, and a thread measures when the survivors have settled them."""
        proc = self.start_worker(**{TEST_STOP_ENV: f"{point}:1"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _state(proc.pid) != "T":
            if proc.poll() is not None:
                return False
            time.sleep(0.02)
        held: list[int] = []
        if _state(proc.pid) == "T":
            session = self.db.session()
            try:
                held = list(
                    session.scalars(
                        select(OutboxMessage.id)
                        .join(
                            WorkerHeartbeat, WorkerHeartbeat.id == OutboxMessage.claimed_worker_id
                        )
                        .where(OutboxMessage.state == "sending", WorkerHeartbeat.pid == proc.pid)
                    )
                )
            except Exception:  # a drop at this moment: measure nothing this time
                held = []
            finally:
                session.close()
        killed_at = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        with self.lock:
            self.figures.kills += 1
        if held:
            threading.Thread(target=self._measure, args=(held, killed_at), daemon=True).start()
        return True

    def _measure(self, held: list[int], killed_at: float) -> None:
        left = set(held)
        while left and time.monotonic() - killed_at < 300:
            session = self.db.session()
            try:
                done = set(
                    session.scalars(
                        select(OutboxMessage.id).where(
                            OutboxMessage.id.in_(left), OutboxMessage.state.in_(TERMINAL)
                        )
                    )
                )
            except Exception:
                done = set()
            finally:
                session.close()
            for _row in done:
                with self.lock:
                    self.figures.redeliver.append(time.monotonic() - killed_at)
            left -= done
            time.sleep(0.1)

    def wait_for_workers(self, count: int, timeout: float = 90.0) -> None:
        """Until `count` workers have a heartbeat (their start-up takes seconds on busy
        cores; traffic before that would only measure the start-up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            session = self.db.session()
            try:
                if len(session.scalars(select(WorkerHeartbeat.id)).all()) >= count:
                    return
            finally:
                session.close()
            time.sleep(0.1)

    def drop_connections(self) -> int:
        admin = Database(self.app.config["DATABASE_URL"])
        try:
            with admin.engine.begin() as conn:
                count = len(
                    conn.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": APP_NAME},
                    ).all()
                )
        finally:
            admin.engine.dispose()
        with self.lock:
            self.figures.drops += 1
        return count

    # --- the end ------------------------------------------------------------------------------

    def drain(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._unsettled() == 0:
                break
            time.sleep(0.2)
        time.sleep(0.5)  # the last replies reach the push service's list

    def _unsettled(self) -> int:
        session = self.db.session()
        try:
            return len(
                session.scalars(
                    select(OutboxMessage.id).where(OutboxMessage.state.not_in(TERMINAL))
                ).all()
            )
        except Exception:
            return -1
        finally:
            session.close()

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                # A victim still stopped at its point cannot take SIGTERM.
                stopped = _state(proc.pid) == "T"
                proc.send_signal(signal.SIGKILL if stopped else signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)

    def tally(self) -> Figures:
        figures = self.figures
        session = self.db.session()
        try:
            rows = session.scalars(select(OutboxMessage)).all()
        finally:
            session.close()
        figures.committed_rows = len(rows)
        figures.unsettled = sum(1 for r in rows if r.state not in TERMINAL)
        delivered = self.push.delivered()
        figures.received = len(delivered)
        by_key: dict[tuple[str, str], list] = defaultdict(list)
        for got in delivered:
            by_key[(got.token, got.payload["id"])].append(got)
        for copies in by_key.values():
            figures.duplicated += len(copies) - 1
            if len({(c.payload["id"], c.payload["tag"]) for c in copies}) > 1:
                figures.duplicates_differing += 1
        for row in rows:
            token = self.token_of.get(row.user_id)
            copies = by_key.get((token, message_id(row.dedup_key)), []) if token else []
            if row.state == "dead" or (
                row.state == "sent" and row.channel == "push" and not copies
            ):
                figures.lost += 1
            if copies:
                arrived = min(c.at for c in copies) + self.wall_offset
                if arrived - row.due_at.timestamp() > LATE_AFTER:
                    figures.late += 1
        by_tag: dict[tuple[str, str], list] = defaultdict(list)
        for got in sorted(delivered, key=lambda r: r.at):
            by_tag[(got.token, got.payload["tag"])].append(got.payload["title"])
        for titles in by_tag.values():
            if TAKEN_TITLE in titles:
                after = titles[titles.index(TAKEN_TITLE) + 1 :]
                figures.stale_offers += sum(1 for t in after if t == OFFER_TITLE)
        return figures


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def run(
    app,  # type: ignore[no-untyped-def]
    workdir: Path,
    *,
    seconds: float,
    rate: float,
    kill_points: list[str],
    drops: int,
    stale_seconds: float,
    workers: int = 2,
    drain_timeout: float = 150.0,
    later_kills: list[str] | None = None,
) -> Figures:
    """The whole run: workers, traffic for `seconds`, the kills and drops spread over it,
    then the drain and the tally. `kill_points` are killed together at the start (the tests);
    `later_kills` one at a time, spread over the run with the drops (the soak)."""
    later_kills = later_kills or []
    with ChaosRun(app, workdir, stale_seconds=stale_seconds) as chaos:
        for _ in range(workers):
            chaos.start_worker()
        chaos.wait_for_workers(workers)
        producer = threading.Thread(target=chaos.produce, args=(rate,), daemon=True)
        producer.start()
        if kill_points:  # victims start three at a time, killed as they reach their points
            batches = [kill_points[i : i + 3] for i in range(0, len(kill_points), 3)]
            killer = threading.Thread(
                target=lambda: [chaos.kill_all(b) for b in batches], daemon=True
            )
            killer.start()
        events = [("drop", "")] * drops + [("kill", p) for p in later_kills]
        gap = seconds / (len(events) + 1)
        started = time.monotonic()
        for index, (kind, point) in enumerate(events, start=1):
            time.sleep(max(0.0, started + index * gap - time.monotonic()))
            if kind == "kill":
                chaos.kill_at(point)
            else:
                chaos.drop_connections()
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        chaos.stop.set()
        producer.join(60)
        if kill_points:
            killer.join(120)
        chaos.drain(drain_timeout)
        chaos.stop_workers()
        time.sleep(1.0)
        figures = chaos.tally()
        figures.redeliver = list(chaos.figures.redeliver)
    return figures


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


__all__ = ["POINTS", "Figures", "run", "timedelta"]
