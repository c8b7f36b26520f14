"""Push benchmarks (printed figures; never part of the test suite).

1. Fan-out: one message each to 500 users with one subscription each, all due at once, sent by
   the worker's delivery step in this process against a local push service. Budget: >= 100
   pushes per second.
2. Latency: the time from an enqueue's commit to the push request arriving at the local push
   service, with a real worker process (`flask --app mentor_app worker`), over 100 messages sent
   one at a time with idle gaps between them. Budget: p50 <= 300 ms, p95 <= 1 s.

Runs on SQLite; set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL URL to run on
PostgreSQL too (its own schema, dropped afterwards).

    .venv/bin/python benchmarks/bench_push.py          # or: make bench
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from config import TestingConfig  # noqa: E402
from mentor_app import create_app  # noqa: E402
from mentor_app.db import Database, utcnow  # noqa: E402
from mentor_app.models import metadata  # noqa: E402
from mentor_app.notifications.models import PushUrgency  # noqa: E402
from mentor_app.notifications.services import Message, enqueue  # noqa: E402
from mentor_app.notifications.vapid import keys_for, private_key_b64  # noqa: E402
from tests.push_helpers import LocalPushService, add_device, deliver, quick_user  # noqa: E402

FANOUT = 500
LATENCY_MESSAGES = 100


@contextmanager
def database(base_url: str | None, workdir: Path):  # type: ignore[no-untyped-def]
    if not base_url:
        url = f"sqlite:///{workdir / 'bench.db'}"
        db = Database(url)
        metadata.create_all(db.engine)
        db.engine.dispose()
        yield url
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = Database(base_url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    url = f"{base_url}{sep}options=-csearch_path%3D{schema}"
    db = Database(url)
    metadata.create_all(db.engine)
    db.engine.dispose()
    try:
        yield url
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.engine.dispose()


def make_app(url: str, workdir: Path):  # type: ignore[no-untyped-def]
    class Config(TestingConfig):
        DATABASE_URL = url

    os.environ["MENTOR_APP_INSTANCE"] = str(workdir)
    return create_app(Config)


def message(n: int) -> Message:
    return Message("Urgent consult request", "Urgent · Swedish · bereavement", "/", f"c-{n}")


def bench_fanout(url: str, workdir: Path, threads: int) -> float:
    app = make_app(url, workdir)
    app.config["PUSH_SEND_THREADS"] = threads
    session = app.extensions["mentor_db"].session()
    with LocalPushService(verify=False) as service:
        users = []
        for n in range(FANOUT):
            users.append(quick_user(session, "consultant"))
            add_device(session, users[-1], service.subscription(f"d{n}"))
        now = utcnow()
        for n, user_id in enumerate(users):
            enqueue(
                session,
                now,
                user_id=user_id,
                kind="announcement",
                message=message(n),
                dedup_key=f"fanout:{threads}:{n}",
                urgency=PushUrgency.HIGH,
            )
        session.commit()
        session.close()
        deliver(app)  # warm up: thread pool, TLS-less keep-alive connections, code paths
        started = time.perf_counter()
        while len(service.delivered()) < FANOUT:
            if deliver(app) == 0:
                break
        elapsed = time.perf_counter() - started
        sent = len(service.delivered())
    app.extensions["mentor_db"].engine.dispose()
    assert sent == FANOUT, f"only {sent} of {FANOUT} delivered"
    return FANOUT / elapsed


def bench_latency(url: str, workdir: Path) -> list[float]:
    app = make_app(url, workdir)
    with app.app_context():
        keys = keys_for(app)
    session = app.extensions["mentor_db"].session()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MENTOR_APP_ENV": "testing",
        "MENTOR_APP_INSTANCE": str(workdir),
        "VAPID_PRIVATE_KEY": private_key_b64(keys.private_key),
        "VAPID_SUBJECT": keys.subject,
    }
    latencies = []
    with LocalPushService(expected_public_key=keys.public_key) as service:
        user_id = quick_user(session, "consultant")
        add_device(session, user_id, service.subscription("phone"))
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "mentor_app", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for n in range(LATENCY_MESSAGES + 1):
                time.sleep(random.uniform(0.05, 0.3))  # the worker is idle between taps
                enqueue(
                    session,
                    utcnow(),
                    user_id=user_id,
                    kind="consult_offer",
                    message=message(n),
                    dedup_key=f"latency:{n}",
                    urgency=PushUrgency.HIGH,
                    ttl=timedelta(minutes=15),
                )
                committing = time.perf_counter()
                session.commit()
                if not service.wait_for(n + 1, timeout=30 if n == 0 else 10):
                    raise RuntimeError("the worker did not deliver")
                if n:  # the first one includes the worker's start-up
                    latencies.append(service.delivered()[n].at - committing)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
            session.close()
        assert service.all_problems() == []
    app.extensions["mentor_db"].engine.dispose()
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(name: str, base_url: str | None) -> None:
    print(f"-- {name}")
    for threads in (1, 8):
        with tempfile.TemporaryDirectory() as tmp, database(base_url, Path(tmp)) as url:
            rate = bench_fanout(url, Path(tmp), threads)
        verdict = "ok" if rate >= 100 else "OVER BUDGET"
        print(
            f"fan-out to {FANOUT} subscriptions, {threads} send thread(s): {rate:7.0f} pushes/s "
            f"(budget >= 100) {verdict}"
        )
    with tempfile.TemporaryDirectory() as tmp, database(base_url, Path(tmp)) as url:
        latencies = bench_latency(url, Path(tmp))
    p50, p95 = percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000
    verdict = "ok" if p50 <= 300 and p95 <= 1000 else "OVER BUDGET"
    print(
        f"enqueue commit -> push request arrives, {len(latencies)} messages, real worker: "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(latencies) * 1000:.0f} ms, "
        f"mean {statistics.mean(latencies) * 1000:.0f} ms (budget p50 <= 300, p95 <= 1000) "
        f"{verdict}"
    )


def main() -> None:
    run("SQLite", None)
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        run("PostgreSQL", pg)
    else:
        print("-- PostgreSQL: set BENCH_DATABASE_URL to measure it too")


if __name__ == "__main__":
    main()
