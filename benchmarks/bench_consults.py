"""Consult benchmarks (run by `make bench`; they print figures and never fail on them).

1. POST /api/consults latency, p50/p95/p99, with 1, 10 and 50 concurrent mentors, against
   gunicorn (a subprocess on a free port) on SQLite and on PostgreSQL. Each mentor has its own
   signed-in session (created directly in the database) and its own connection; every
   request is a new tap (a fresh client_key): it inserts the consult and its audit row and wakes
   the worker, which routes the first wave to a pool of 30 on-call consultants (offers, outbox
   rows). Measured twice: the web server alone, then with the worker routing every tap on the
   same two cores.
   Budget: p95 <= 50 ms at 10 concurrent on PostgreSQL.

2. The time to compute a first wave (load the candidates' facts, filter, rank, pick) with
   1,000 and 10,000 consultants and 100,000 past consults, seeded with bulk inserts.
   Budget: <= 20 ms at 10,000 consultants, and less than 3x the time at 1,000.

Environment: BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test;
each run uses its own schema and drops it), BENCH_WORKERS / BENCH_CLASS / BENCH_THREADS for
gunicorn (default 4 sync workers, as the README deploys it; on these two cores they beat 4 x 4
gthread: no threads contending for one interpreter lock), BENCH_DB=sqlite|postgresql and
BENCH_PART=api|wave to run one part,
BENCH_QUICK=1 for a short smoke run.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from itsdangerous import URLSafeTimedSerializer  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from config import TestingConfig  # noqa: E402
from mentor_app import create_app, migrate, timeutil  # noqa: E402
from mentor_app.accounts import services as accounts  # noqa: E402
from mentor_app.accounts.models import User  # noqa: E402
from mentor_app.consults import routing  # noqa: E402
from mentor_app.consults.models import Case, Consult  # noqa: E402
from mentor_app.db import Database  # noqa: E402
from mentor_app.pool.models import (  # noqa: E402
    ConsultantExpertise,
    ConsultantLanguage,
    ConsultantProfile,
    ExpertiseTag,
    OnCallWindow,
)

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
QUICK = os.environ.get("BENCH_QUICK") == "1"
SECRET = "bench-" + secrets.token_hex(16)
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
WORKER_CLASS = os.environ.get("BENCH_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
# 100,000 past consults spread over a year: about 8,000 in any 30 days.
HISTORY_DAYS = 365
LANGUAGES = ["sv", "sv", "sv", "en", "en", "de", "ar", "so", "fa"]
TAGS = [
    "trauma",
    "depression",
    "psychosis",
    "personality-disorders",
    "adhd",
    "substance-use",
    "family-work",
    "youth",
    "ideology",
]


# --- databases ----------------------------------------------------------------------------


def pg_available() -> bool:
    try:
        db = Database(PG_URL)
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        db.engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """An empty database migrated to head: a SQLite file, or a PostgreSQL schema."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            migrate.upgrade(url)
            yield url
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = Database(PG_URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.engine.dispose()


def bench_app(url: str):  # type: ignore[no-untyped-def]
    class Config(TestingConfig):
        DATABASE_URL = url
        SECRET_KEY = SECRET

    return create_app(Config)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# --- 1. POST /api/consults against gunicorn -------------------------------------------------


def seed_for_api(url: str, mentors: int, consultants: int) -> list[tuple[str, str]]:
    """Mentors with live sessions (cookie, CSRF header) and an on-call pool to route to."""
    app = bench_app(url)
    now = datetime.now(UTC)
    credentials = []
    with app.test_request_context():
        session = app.extensions["mentor_db"].session()
        for n in range(consultants):
            user = accounts.create_user(
                session,
                now,
                email=f"c{n}@bench.example",
                display_name=f"C {n}",
                role="consultant",
                password=None,
            )
            session.add(
                ConsultantProfile(
                    user_id=user.id,
                    vetting_state="active",
                    timezone="Europe/Stockholm",
                    open_consult_limit=50,
                    available_until=now + timedelta(hours=6),
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()
            session.add_all(
                ConsultantLanguage(user_id=user.id, language=code) for code in ("sv", "en")
            )
        accounts.create_user(
            session,
            now,
            email="k@bench.example",
            display_name="K",
            role="coordinator",
            password=None,
        )
        cookies = app.session_interface.get_signing_serializer(app)
        csrf = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token")
        for n in range(mentors):
            user = accounts.create_user(
                session,
                now,
                email=f"m{n}@bench.example",
                display_name=f"M {n}",
                role="mentor",
                password=None,
                languages=["sv", "en"],
            )
            token = accounts.start_session(session, now, user, two_factor_done=True)
            raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - Flask-WTF's own format
            credentials.append((cookies.dumps({"sid": token, "csrf_token": raw}), csrf.dumps(raw)))
        session.commit()
        session.close()
    app.extensions["mentor_db"].engine.dispose()
    return credentials


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(url: str) -> Iterator[int]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        MENTOR_APP_ENV="development",
        SECRET_KEY=SECRET,
        DATABASE_URL=url,
        MENTOR_APP_INSTANCE=tempfile.mkdtemp(),
        CONSULT_CREATE_LIMIT="1000000 per hour",
    )
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-w",
        str(WORKERS),
        "-k",
        WORKER_CLASS,
        "--threads",
        str(THREADS),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        # gthread workers: mentors wait at a barrier between warm-up and measurement, keep
        # their connections (sync workers close each one; http.client reconnects).
        "--keep-alive",
        "120",
        "mentor_app:create_app()",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        # Four workers importing the app at once on two busy cores can take a while.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def hammer(
    port: int, credentials: list[tuple[str, str]], concurrent: int, per_mentor: int
) -> list[float]:
    """`concurrent` mentors tap at once, each `per_mentor` times back to back."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(concurrent)

    def mentor(cookie: str, token: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {
            "Cookie": f"mentor_session={cookie}",
            "X-CSRFToken": token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        mine = []

        def tap() -> float:
            body = json.dumps({"client_key": str(uuid.uuid4())})
            began = time.perf_counter()
            conn.request("POST", "/api/consults", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - began
            if response.status != 201:
                with lock:
                    failures.append(str(response.status))
            return elapsed

        for _ in range(2):  # warm the connection and the worker
            tap()
        start.wait()
        for _ in range(per_mentor):
            mine.append(tap())
        with lock:
            latencies.extend(mine)
        conn.close()

    threads = [threading.Thread(target=mentor, args=credentials[i]) for i in range(concurrent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print(f"    ! {len(failures)} non-201 answers: {sorted(set(failures))}")
    return latencies


@contextmanager
def worker_process(url: str) -> Iterator[None]:
    """`flask --app mentor_app worker` beside gunicorn, as in service (routing, delivery)."""
    env = {**os.environ, "MENTOR_APP_ENV": "development", "SECRET_KEY": SECRET, "DATABASE_URL": url}
    command = [sys.executable, "-m", "flask", "--app", "mentor_app", "worker"]
    worker = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def bench_api(kind: str) -> None:
    plan = [(1, 20 if QUICK else 300), (10, 5 if QUICK else 150), (50, 2 if QUICK else 30)]
    with fresh_database(kind) as url:
        credentials = seed_for_api(url, mentors=50, consultants=30)
        with gunicorn(url) as port:
            for routing in (False, True):
                print(
                    "  with the worker routing each tap's first wave alongside:"
                    if routing
                    else "  the web server alone (the worker stopped):"
                )
                with worker_process(url) if routing else nullcontext():
                    for concurrent, per_mentor in plan:
                        began = time.perf_counter()
                        latencies = hammer(port, credentials, concurrent, per_mentor)
                        wall = time.perf_counter() - began
                        ms = [v * 1000 for v in latencies]
                        print(
                            f"  {kind:<10} {concurrent:>2} concurrent  n={len(ms):<5}"
                            f"p50 {percentile(ms, 0.50):6.1f} ms  "
                            f"p95 {percentile(ms, 0.95):6.1f} ms  "
                            f"p99 {percentile(ms, 0.99):6.1f} ms  ({len(ms) / wall:5.0f} req/s)"
                        )


# --- 2. computing a first wave ---------------------------------------------------------------


def seed_pool(url: str, consultants: int, past_consults: int, now: datetime) -> int:
    """Bulk-inserts a pool and its history; returns the id of a fresh consult to route."""
    rng = random.Random(7)
    db = Database(url)
    session = db.session()
    mentors = 500
    users = [
        {
            "email": f"c{n}@pool.example",
            "display_name": f"C {n}",
            "role": "consultant",
            "created_at": now,
        }
        for n in range(consultants)
    ] + [
        {
            "email": f"m{n}@pool.example",
            "display_name": f"M {n}",
            "role": "mentor",
            "languages": "sv,en",
            "created_at": now,
        }
        for n in range(mentors)
    ]
    session.execute(insert(User), users)
    ids = dict(session.execute(select(User.email, User.id)).all())
    consultant_ids = [ids[f"c{n}@pool.example"] for n in range(consultants)]
    mentor_ids = [ids[f"m{n}@pool.example"] for n in range(mentors)]
    known = set(session.scalars(select(ExpertiseTag.tag)))  # the migrations seed the list
    missing = [{"tag": t, "label": t} for t in TAGS if t not in known]
    if missing:
        session.execute(insert(ExpertiseTag), missing)

    profiles, languages, expertise, windows = [], [], [], []
    for cid in consultant_ids:
        quiet = rng.random() < 0.2
        zone = rng.choice(["Europe/Stockholm", "Europe/Berlin", "Europe/Copenhagen"])
        expires = (
            (now + timedelta(days=rng.randint(-30, 700))).date() if rng.random() < 0.6 else None
        )
        profiles.append(
            {
                "user_id": cid,
                "vetting_state": "active" if rng.random() < 0.93 else "suspended",
                # Routable needs a vetting record (a coordinator's, or the operator's).
                "vetted_by_operator": True,
                "timezone": zone,
                "open_consult_limit": rng.choice([2, 3, 3, 5]),
                # A bulk insert skips the model's hook: derive the lapse instant as it would.
                "credential_expires_on": expires,
                "credential_lapses_at": timeutil.credential_lapses_at(expires, zone),
                "available_until": now + timedelta(hours=2) if rng.random() < 0.04 else None,
                "rest_minutes_after_urgent": 60 if rng.random() < 0.1 else None,
                "monthly_soft_cap": 8 if rng.random() < 0.15 else None,
                "quiet_from": dtime(22) if quiet else None,
                "quiet_until": dtime(7) if quiet else None,
                "created_at": now,
                "updated_at": now,
            }
        )
        for code in set(rng.sample(LANGUAGES, rng.randint(1, 3))):
            languages.append({"user_id": cid, "language": code})
        for tag in rng.sample(TAGS, rng.randint(1, 3)):
            expertise.append({"user_id": cid, "tag": tag})
        # Three four-hour shifts a week, expanded over the window horizon (a day back, three ahead).
        for week in range(-1, 3):
            for _ in range(3):
                start = now + timedelta(weeks=week, hours=rng.randint(0, 167))
                start = start.replace(minute=0, second=0, microsecond=0)
                if now - timedelta(days=1) <= start <= now + timedelta(days=21):
                    windows.append(
                        {
                            "consultant_id": cid,
                            "starts_at": start,
                            "ends_at": start + timedelta(hours=4),
                        }
                    )
    session.execute(insert(ConsultantProfile), profiles)
    session.execute(insert(ConsultantLanguage), languages)
    session.execute(insert(ConsultantExpertise), expertise)
    session.execute(insert(OnCallWindow), windows)

    cases = [
        {
            "code": f"K-{n:06d}",
            "mentor_id": mentor_ids[n % mentors],
            "language": "sv",
            "region": "",
            "created_at": now - timedelta(days=400),
        }
        for n in range(5000)
    ]
    session.execute(insert(Case), cases)
    case_ids = list(session.scalars(select(Case.id)))
    rows = []
    for n in range(past_consults):
        created = now - timedelta(minutes=rng.randint(60, HISTORY_DAYS * 24 * 60))
        open_now = n < 300  # a few are being handled right now: they count against limits
        rows.append(
            {
                "mentor_id": mentor_ids[n % mentors],
                "client_key": str(uuid.UUID(int=rng.getrandbits(128))),
                "case_id": rng.choice(case_ids),
                "urgency": rng.choice(["urgent", "soon", "soon", "routine"]),
                "topic": "general",
                "language": "sv",
                "region": "",
                "status": "accepted" if open_now else "closed",
                "wave": 1,
                "consultant_id": rng.choice(consultant_ids),
                "accepted_at": created + timedelta(minutes=3),
                "closed_at": None if open_now else created + timedelta(minutes=50),
                "outcome": None if open_now else "advice",
                "created_at": created,
                "updated_at": created,
            }
        )
        if len(rows) == 10_000:
            session.execute(insert(Consult), rows)
            rows = []
    if rows:
        session.execute(insert(Consult), rows)
    target = Consult(
        mentor_id=mentor_ids[0],
        client_key=str(uuid.uuid4()),
        case_id=case_ids[0],
        urgency="soon",
        topic="bereavement-illness-in-family",
        language="sv",
        region="",
        status="open",
        wave=0,
        routing_started_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(target)
    session.commit()
    if db.dialect == "postgresql":
        # What autovacuum would have done by the time a pool this size exists: statistics,
        # and the visibility map that lets index-only scans skip the table.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    target_id = target.id
    session.close()
    db.engine.dispose()
    return target_id


def bench_first_wave(kind: str, consultants: int, past: int) -> float:
    now = datetime.now(UTC).replace(microsecond=0)
    with fresh_database(kind) as url:
        seeded = time.perf_counter()
        consult_id = seed_pool(url, consultants, past, now)
        seeded = time.perf_counter() - seeded
        app = bench_app(url)
        with app.app_context():
            session = app.extensions["mentor_db"].session()
            consult = session.get(Consult, consult_id)
            for _ in range(3):
                routing.first_wave(session, consult, now)
            runs = []
            for _ in range(10 if QUICK else 40):
                began = time.perf_counter()
                wave = routing.first_wave(session, consult, now)
                runs.append((time.perf_counter() - began) * 1000)
            eligible = len(routing.ranked_candidates(session, consult, now))
            session.close()
        app.extensions["mentor_db"].engine.dispose()
    median = statistics.median(runs)
    print(
        f"  {kind:<10} {consultants:>6} consultants, {past:>6} past consults: "
        f"first wave median {median:6.2f} ms  p95 {percentile(runs, 0.95):6.2f} ms  "
        f"({eligible} eligible, offered {len(wave)}; seeded in {seeded:4.1f} s)"
    )
    return median


def main() -> None:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"({os.cpu_count()} cores; load average {load}: the figures include the load generator)")
    kinds = ["sqlite"] + (["postgresql"] if pg_available() else [])
    if "postgresql" not in kinds:
        print(f"  (PostgreSQL at {PG_URL} not reachable: SQLite only)")
    kinds = [k for k in kinds if os.environ.get("BENCH_DB", k) == k]
    parts = os.environ.get("BENCH_PART", "api,wave").split(",")
    if "api" in parts:
        print(
            f"POST /api/consults against gunicorn ({WORKERS} {WORKER_CLASS} workers"
            f" x {THREADS} threads)"
        )
        for kind in kinds:
            bench_api(kind)
    if "wave" in parts:
        past = 10_000 if QUICK else 100_000
        print(f"Computing a first wave ({past} past consults)")
        for kind in kinds:
            small = bench_first_wave(kind, 1_000, past)
            large = bench_first_wave(kind, 10_000, past)
            print(f"  {kind:<10} 10,000 / 1,000 = {large / small:4.2f}x")


if __name__ == "__main__":
    main()
