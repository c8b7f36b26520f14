"""Coverage page with 2,000 consultants and a week of shifts, on SQLite.

Seeds a fresh database file (users, active profiles, languages, expertise, a device each for
most, 3-6 weekly shifts each, windows built by the same code the app uses), signs a coordinator
in, and times GET /pool/coverage through the whole Flask stack. Prints the median of several
runs; the budget is 300 ms.

    .venv/bin/python benchmarks/bench_coverage.py [--consultants 2000] [--runs 9]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp
from sqlalchemy import func, select

from config import TestingConfig
from mentor_app import create_app
from mentor_app.accounts import services as accounts
from mentor_app.accounts.models import User
from mentor_app.db import Database
from mentor_app.models import metadata
from mentor_app.notifications.models import PushSubscription
from mentor_app.pool import coverage
from mentor_app.pool.models import (
    ConsultantExpertise,
    ConsultantLanguage,
    ConsultantProfile,
    OnCallWindow,
    WeeklyShift,
)
from mentor_app.pool.validation import DEFAULT_TAGS, ensure_default_tags
from mentor_app.pool.windows import refresh_all

BUDGET_MS = 300
LANGUAGES = ["sv", "en", "de", "ar", "so", "fa", "ti", "fi", "da", "nl", "fr", "tr"]
ZONES = ["Europe/Stockholm", "Europe/Berlin", "Europe/Helsinki", "Europe/London"]
PASSWORD = "bench-coordinator-password-42"  # noqa: S105 - a throwaway database
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105


def seed(db: Database, now: datetime, consultants: int) -> None:
    rng = random.Random(7)
    session = db.session()
    ensure_default_tags(session)
    coordinator = accounts.create_user(
        session, now, email="bench@example.org", display_name="Bench", role="coordinator",
        password=PASSWORD, check_password=False,
    )  # fmt: skip
    coordinator.timezone = "Europe/Stockholm"
    accounts.set_totp_secret_directly(session, now, coordinator, SECRET)
    users = [
        User(
            email=f"c{n}@example.org", display_name=f"Consultant {n}", role="consultant",
            languages="en", created_at=now,
        )
        for n in range(consultants)
    ]  # fmt: skip
    session.add_all(users)
    session.flush()
    tags = list(DEFAULT_TAGS)
    for user in users:
        zone = rng.choice(ZONES)
        session.add(
            ConsultantProfile(
                user_id=user.id, vetting_state="active", vetted_at=now, timezone=zone,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
    session.flush()
    for user in users:
        for code in rng.sample(LANGUAGES, rng.randint(1, 3)):
            session.add(ConsultantLanguage(user_id=user.id, language=code))
        for tag in rng.sample(tags, rng.randint(1, 3)):
            session.add(ConsultantExpertise(user_id=user.id, tag=tag))
        for day in rng.sample(range(7), rng.randint(3, 6)):
            start = rng.randint(0, 20)
            end = min(24, start + rng.randint(2, 8))
            session.add(
                WeeklyShift(
                    consultant_id=user.id, weekday=day, starts=clock(start),
                    ends=clock.max if end == 24 else clock(end),
                )
            )  # fmt: skip
        if rng.random() < 0.9:
            session.add(
                PushSubscription(
                    user_id=user.id, endpoint=f"https://push.example.org/{user.id}", p256dh="k",
                    auth="a", created_at=now,
                )
            )  # fmt: skip
    session.flush()
    refresh_all(session, now)
    session.commit()
    session.close()


def sign_in(app):  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)
    client.post(
        "/login", data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": token}
    )
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login/totp").text).group(
        1
    )
    response = client.post(
        "/login/totp", data={"code": pyotp.TOTP(SECRET).now(), "csrf_token": token}
    )
    assert response.status_code == 302, "sign-in failed"
    return client


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    fn()  # warm-up: template compilation, caches
    result = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        result.append((time.perf_counter() - start) * 1000)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--consultants", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        db = Database(url)
        metadata.create_all(db.engine)
        now = datetime.now(UTC).replace(microsecond=0)

        class Config(TestingConfig):
            DATABASE_URL = url

        app = create_app(Config)
        started = time.perf_counter()
        with app.app_context():
            seed(db, now, args.consultants)
        seeded = time.perf_counter() - started
        client = sign_in(app)
        # A reader that never holds SQLite's write lock (the app's requests take it).
        reader = Database(url, sqlite_begin=False)
        session = reader.session()
        shifts = session.scalar(select(func.count()).select_from(WeeklyShift))
        windows = session.scalar(select(func.count()).select_from(OnCallWindow))

        def page(query: str = "") -> None:
            response = client.get("/pool/coverage" + query)
            assert response.status_code == 200, response.status_code

        full = timed(page, args.runs)
        swedish = timed(lambda: page("?language=sv"), args.runs)
        grid_only = timed(lambda: coverage.build_grid(session, now, "Europe/Stockholm"), args.runs)
        session.close()
        reader.engine.dispose()
        app.extensions["mentor_db"].engine.dispose()
        db.engine.dispose()

    median = statistics.median(full)
    print(f"consultants {args.consultants}, weekly shifts {shifts}, on-call windows {windows}")
    print(f"seeding took {seeded:.1f} s (not timed below)")
    spread = f"runs {args.runs}, min {min(full):.1f}, max {max(full):.1f}"
    print(f"GET /pool/coverage              median {median:6.1f} ms  ({spread})")
    print(f"GET /pool/coverage?language=sv  median {statistics.median(swedish):6.1f} ms")
    print(f"build_grid alone                median {statistics.median(grid_only):6.1f} ms")
    verdict = "within" if median < BUDGET_MS else "OVER"
    print(f"budget {BUDGET_MS} ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
