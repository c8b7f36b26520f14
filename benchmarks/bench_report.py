"""How long the monthly panel report takes with 100,000 consults in the month, on PostgreSQL.

Seeds a throw-away schema (bulk inserts: users, cases, 100,000 consults spread over March 2026
with offers and outcomes, plus 20,000 in the months around it), signs a coordinator in through
the real login, and times full requests for the report page and its CSV: five runs each after
one warm-up; prints the median (the budget is under 1 s).

    .venv/bin/python benchmarks/bench_report.py
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python ...
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp
from sqlalchemy import insert, text

from config import TestingConfig
from mentor_app import create_app
from mentor_app.accounts import services as accounts
from mentor_app.accounts.models import User
from mentor_app.consults.models import Case, Consult, ConsultOffer
from mentor_app.dashboard import metrics, queries
from mentor_app.db import Database
from mentor_app.models import metadata

URL = os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_MONTH = 100_000
AROUND = 20_000
MENTORS, CONSULTANTS = 400, 150
RUNS = 5
MONTH_START = datetime(2026, 3, 1, tzinfo=UTC)
TOPICS = ["general"] + [
    p.stem for p in (Path(__file__).parent.parent / "mentor_app/content").glob("*.md")
]
LANGUAGES = ["sv", "sv", "sv", "en", "en", "de", "de", "ar", "so", "fa"]
REGIONS = ["stockholm", "goteborg", "malmo", "uppsala", "berlin", "hamburg", "", ""]
PASSWORD = "bench-coordinator-passphrase-77"  # noqa: S105 - a throw-away schema


def schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def seed(db: Database) -> None:
    rng = random.Random(8)
    now = datetime(2026, 4, 20, tzinfo=UTC)
    with db.session() as session:
        users = [
            {
                "email": f"{role}{i}@bench.example",
                "display_name": f"{role} {i}",
                "role": role,
                "is_disabled": False,
                "session_version": 1,
                "locale": "en",
                "timezone": "Europe/Stockholm",
                "languages": "sv,en",
                "email_fallback": True,
                "created_at": now,
            }
            for role, count in (("mentor", MENTORS), ("consultant", CONSULTANTS))
            for i in range(count)
        ]
        session.execute(insert(User), users)
        ids = dict(session.execute(text("SELECT email, id FROM users")).all())
        mentors = [ids[f"mentor{i}@bench.example"] for i in range(MENTORS)]
        consultants = [ids[f"consultant{i}@bench.example"] for i in range(CONSULTANTS)]
        session.execute(
            insert(Case),
            [
                {
                    "code": f"K-{i:06d}",
                    "mentor_id": mentors[i % MENTORS],
                    "language": "sv",
                    "region": "",
                    "created_at": now,
                }
                for i in range(3000)
            ],
        )
        session.commit()
        print(f"  users and cases in {time.perf_counter() - STARTED:.1f} s", flush=True)
        consult_id = 0
        for chunk_start in range(0, IN_MONTH + AROUND, 10_000):
            consults, offers = [], []
            for n in range(chunk_start, min(chunk_start + 10_000, IN_MONTH + AROUND)):
                consult_id += 1
                if n < IN_MONTH:
                    created = MONTH_START + timedelta(seconds=rng.randrange(31 * 24 * 3600))
                else:  # the months on either side
                    created = MONTH_START + timedelta(
                        days=rng.choice([-20, -5, 35, 50]), seconds=rng.randrange(86400)
                    )
                consults.append(_consult(rng, consult_id, created, mentors, consultants))
                offers.extend(_offers(rng, consults[-1], consultants))
            session.execute(insert(Consult), consults)
            session.execute(insert(ConsultOffer), offers)
            session.commit()
        session.execute(text("ANALYZE"))
        session.commit()


def _consult(rng, consult_id, created, mentors, consultants):  # type: ignore[no-untyped-def]
    urgency = rng.choices(["urgent", "soon", "routine"], [2, 5, 3])[0]
    roll = rng.random()
    accepted = roll < 0.9
    status = (
        "closed" if roll < 0.8 else "accepted" if accepted else rng.choice(["open", "cancelled"])
    )
    accepted_at = created + timedelta(seconds=rng.expovariate(1 / 600)) if accepted else None
    closed_at = created + timedelta(hours=rng.randint(1, 72)) if status == "closed" else None
    return {
        "id": consult_id,
        "mentor_id": rng.choice(mentors),
        "client_key": str(uuid.uuid4()),
        "case_id": rng.randint(1, 3000) if rng.random() < 0.7 else None,
        "urgency": urgency,
        "topic": rng.choice(TOPICS),
        "language": rng.choice(LANGUAGES),
        "region": rng.choice(REGIONS),
        "note": "bench note",
        "callback_requested": False,
        "status": status,
        "wave": rng.randint(1, 3),
        "consultant_id": rng.choice(consultants) if accepted else None,
        "accepted_at": accepted_at,
        "closed_at": closed_at,
        "cancelled_at": created + timedelta(hours=1) if status == "cancelled" else None,
        "outcome": rng.choice(
            ["advice", "advice", "see_client", "referral", "urgent_risk", "no_action", None]
        )
        if closed_at
        else None,
        "outcome_summary": "bench summary" if closed_at else None,
        "client_agreed": rng.choice([True, False, None]) if closed_at else None,
        "helpful": rng.choice([True, True, False, None]) if closed_at else None,
        "coordinator_alerted_at": created + timedelta(minutes=30) if rng.random() < 0.08 else None,
        "mentor_told_waiting_at": created + timedelta(minutes=10) if rng.random() < 0.15 else None,
        "created_at": created,
        "updated_at": created,
    }


def _offers(rng, consult, consultants):  # type: ignore[no-untyped-def]
    chosen = rng.sample(consultants, rng.randint(1, 2))
    if consult["consultant_id"] and consult["consultant_id"] not in chosen:
        chosen[0] = consult["consultant_id"]
    return [
        {
            "consult_id": consult["id"],
            "consultant_id": who,
            "wave": 1,
            "state": "accepted" if who == consult["consultant_id"] else "withdrawn",
            "offered_at": consult["created_at"],
            "responded_at": consult["accepted_at"],
        }
        for who in chosen
    ]


def signed_in_coordinator(app):  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32()
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        user = accounts.create_user(
            session,
            datetime.now(UTC),
            email="cora@bench.example",
            display_name="Cora",
            role="coordinator",
            password=PASSWORD,
            languages=["en"],
            check_password=False,
        )
        accounts.set_totp_secret_directly(session, datetime.now(UTC), user, secret)
        session.commit()
        session.close()
    client = app.test_client()

    def token(response) -> str:  # type: ignore[no-untyped-def]
        return re.search(r'name="csrf-token" content="([^"]+)"', response.text).group(1)

    client.post(
        "/login",
        data={
            "email": "cora@bench.example",
            "password": PASSWORD,
            "csrf_token": token(client.get("/login")),
        },
    )
    done = client.post(
        "/login/totp",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": token(client.get("/login/totp"))},
    )
    assert done.status_code == 302, done.text[-500:]
    return client


def timed(fn, runs: int = RUNS) -> list[float]:  # type: ignore[no-untyped-def]
    fn()  # warm-up: connections, templates, plans
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        results.append(time.perf_counter() - started)
    return results


def report(label: str, seconds: list[float]) -> None:
    print(
        f"{label:<34} median {statistics.median(seconds) * 1000:7.1f} ms"
        f"   min {min(seconds) * 1000:7.1f}   max {max(seconds) * 1000:7.1f}   (n={len(seconds)})"
    )


STARTED = time.perf_counter()


def main() -> None:
    if not URL.startswith("postgresql"):
        sys.exit("bench_report needs PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = Database(URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = schema_url(URL, schema)
        db = Database(url)
        metadata.create_all(db.engine)
        print(f"seeding {IN_MONTH:,} consults in 2026-03 (+{AROUND:,} around it) ...", flush=True)
        seed(db)
        print(f"  seeded in {time.perf_counter() - STARTED:.1f} s", flush=True)

        class Config(TestingConfig):
            DATABASE_URL = url

        app = create_app(Config)
        client = signed_in_coordinator(app)

        def page() -> None:
            response = client.get("/reports/monthly/2026-03")
            assert response.status_code == 200 and "Requests by urgency" in response.text

        def csv() -> None:
            response = client.get("/reports/monthly/2026-03.csv")
            assert response.status_code == 200 and "summary,requests,100000" in response.text

        def aggregates() -> None:
            with db.session() as session:
                figures = queries.compute(session, metrics.parse_month("2026-03"))
                assert figures.total == IN_MONTH

        print(f"PostgreSQL, {IN_MONTH:,} consults in the month; full requests incl. sign-in check:")
        report("GET /reports/monthly/2026-03", timed(page))
        report("GET /reports/monthly/2026-03.csv", timed(csv))
        report("metrics queries alone", timed(aggregates))
        db.engine.dispose()
        app.extensions["mentor_db"].engine.dispose()
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"kept schema {schema}")
        else:
            with admin.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.engine.dispose()


if __name__ == "__main__":
    main()
