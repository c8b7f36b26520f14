"""From an alarm raised to the first responder's phone: the SOS transaction's commit (the alarm
and its first tier's outbox rows) → the first push request at a local push service, delivered
by a real worker process (`flask --app mentor_app worker`) against a fresh migrated database.
Also the missed check-in path: an overdue visit committed → the worker raises the alarm → the
first push request. Three responders (a safety contact and two coordinators) each have a device
pointing at the push service in this process, which checks VAPID and decrypts every body.
Alarms are raised one at a time with idle gaps, as in the field.

    .venv/bin/python benchmarks/bench_alarm_latency.py      # SQLite, then PostgreSQL if up
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_consults import (  # noqa: E402
    bench_app,
    fresh_database,
    percentile,
    pg_available,
    worker_process,
)

from mentor_app.notifications.vapid import keys_for, private_key_b64  # noqa: E402
from mentor_app.safety import ladder  # noqa: E402
from mentor_app.safety.models import AlarmKind, SafetyContact, Visit  # noqa: E402
from tests.push_helpers import LocalPushService, add_device, quick_user  # noqa: E402

ALARMS = int(os.environ.get("BENCH_ALARMS", "60"))


def first_arrival(service: LocalPushService, tag: str, timeout: float) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in service.delivered():
            if (received.payload or {}).get("tag") == tag:
                return received.at
        time.sleep(0.002)
    return None


def _raise_sos(app, mentor_id: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        alarm = ladder.raise_alarm(session, datetime.now(UTC), mentor_id, AlarmKind.SOS)
        session.commit()
        committed = time.perf_counter()
        alarm_id = alarm.id
        session.close()
    return alarm_id, committed


def _overdue_visit(app, mentor_id: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """A visit whose grace period ended a second ago; returns the id the alarm will get."""
    session = app.extensions["mentor_db"].session()
    now = datetime.now(UTC)
    visit = Visit(
        mentor_id=mentor_id,
        state="reminded",
        started_at=now - timedelta(hours=1),
        due_at=now - timedelta(minutes=10, seconds=1),
        next_action_at=now - timedelta(seconds=1),
    )
    session.add(visit)
    session.commit()
    committed = time.perf_counter()
    visit_id = visit.id
    session.close()
    return visit_id, committed


def _alarm_of_visit(app, visit_id: int, timeout: float) -> int | None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from mentor_app.safety.models import Alarm

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session = app.extensions["mentor_db"].session()
        found = session.scalar(select(Alarm.id).where(Alarm.visit_id == visit_id))
        session.close()
        if found:
            return found
        time.sleep(0.002)
    return None


def run(kind: str) -> None:
    with fresh_database(kind) as url:
        app = bench_app(url)
        with app.app_context():
            keys = keys_for(app)
        os.environ["VAPID_PRIVATE_KEY"] = private_key_b64(keys.private_key)
        os.environ["VAPID_SUBJECT"] = keys.subject
        with LocalPushService(expected_public_key=keys.public_key) as service:
            session = app.extensions["mentor_db"].session()
            mentor_id = quick_user(session, "mentor")
            contact_id = quick_user(session, "mentor")
            responders = [
                contact_id,
                quick_user(session, "coordinator"),
                quick_user(session, "coordinator"),
            ]
            session.add(
                SafetyContact(
                    mentor_id=mentor_id, contact_id=contact_id, created_at=datetime.now(UTC)
                )
            )
            session.commit()
            for n, user_id in enumerate(responders):
                add_device(session, user_id, service.subscription(f"phone-{n}"))
            session.close()
            sos, missed = [], []
            with worker_process(url):
                for n in range(ALARMS + 1):
                    time.sleep(random.uniform(0.1, 0.4))  # the worker is idle in between
                    alarm_id, began = _raise_sos(app, mentor_id)
                    arrived = first_arrival(service, f"alarm-{alarm_id}", 30 if n == 0 else 10)
                    if arrived is None:
                        raise RuntimeError(f"no push arrived for alarm {alarm_id}")
                    if n:  # the first includes the worker's start-up
                        sos.append(arrived - began)
                for _n in range(ALARMS // 2):
                    time.sleep(random.uniform(0.1, 0.4))
                    visit_id, began = _overdue_visit(app, mentor_id)
                    alarm_id = _alarm_of_visit(app, visit_id, 10)
                    arrived = first_arrival(service, f"alarm-{alarm_id}", 10) if alarm_id else None
                    if arrived is None:
                        raise RuntimeError(f"no alarm push for visit {visit_id}")
                    missed.append(arrived - began)
            problems = service.all_problems()
        app.extensions["mentor_db"].engine.dispose()
    for label, values in (("SOS raised", sos), ("missed check-in due", missed)):
        ms = [v * 1000 for v in values]
        print(
            f"  {kind:<10} {label} -> first push request, {len(ms)} alarms: "
            f"p50 {percentile(ms, 0.50):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
            f"max {max(ms):.0f} ms"
        )
    if problems:
        print(f"    ! push service problems: {problems[:3]}")


def main() -> None:
    print("== alarm to push: alarm committed -> first push request at the push service")
    run("sqlite")
    if pg_available():
        run("postgresql")
    else:
        print("  postgresql: skipped (no server at BENCH_DATABASE_URL)")


if __name__ == "__main__":
    main()
