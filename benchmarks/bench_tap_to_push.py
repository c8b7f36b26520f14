"""From a mentor's tap to a consultant's phone: POST /api/consults → the first push request.

gunicorn serves the app and a real worker process (`flask --app mentor_app worker`) delivers,
both against a fresh database; every consultant in the on-call pool has one device pointing at a
local push service in this process, which checks the VAPID header and decrypts each body. Each
of 100 taps (one at a time, with idle gaps, as in the field) is timed from sending the POST to
the arrival of the first push request whose Topic is that consult's. Budget: p50 <= 300 ms and
p95 <= 1 s.

    .venv/bin/python benchmarks/bench_tap_to_push.py        # SQLite, then PostgreSQL if up
"""

from __future__ import annotations

import http.client
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_consults import (  # noqa: E402
    bench_app,
    fresh_database,
    gunicorn,
    percentile,
    pg_available,
    seed_for_api,
    worker_process,
)
from sqlalchemy import select  # noqa: E402

from mentor_app.accounts.models import User  # noqa: E402
from mentor_app.notifications.vapid import keys_for, private_key_b64  # noqa: E402
from tests.push_helpers import LocalPushService, add_device  # noqa: E402

TAPS = int(os.environ.get("BENCH_TAPS", "100"))


def first_arrival(service: LocalPushService, topic: str, timeout: float) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in service.delivered():
            if received.headers.get("topic") == topic:
                return received.at
        time.sleep(0.002)
    return None


def run(kind: str) -> None:
    with fresh_database(kind) as url:
        credentials = seed_for_api(url, mentors=1, consultants=30)
        app = bench_app(url)
        with app.app_context():
            keys = keys_for(app)
        os.environ["VAPID_PRIVATE_KEY"] = private_key_b64(keys.private_key)
        os.environ["VAPID_SUBJECT"] = keys.subject
        with LocalPushService(expected_public_key=keys.public_key) as service:
            session = app.extensions["mentor_db"].session()
            consultants = session.scalars(select(User.id).where(User.role == "consultant")).all()
            for n, user_id in enumerate(consultants):
                add_device(session, user_id, service.subscription(f"phone-{n}"))
            session.commit()
            session.close()
            app.extensions["mentor_db"].engine.dispose()
            with worker_process(url), gunicorn(url) as port:
                latencies = taps(port, credentials[0], service)
            problems = service.all_problems()
    ms = [v * 1000 for v in latencies]
    p50, p95 = percentile(ms, 0.50), percentile(ms, 0.95)
    verdict = "ok" if p50 <= 300 and p95 <= 1000 else "OVER BUDGET"
    print(
        f"  {kind:<10} tap -> first push request, {len(ms)} taps: p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms, max {max(ms):.0f} ms (budget p50 <= 300, p95 <= 1000) {verdict}"
    )
    if problems:
        print(f"    ! push service problems: {problems[:3]}")


def taps(port: int, credential: tuple[str, str], service: LocalPushService) -> list[float]:
    cookie, token = credential
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Cookie": f"mentor_session={cookie}",
        "X-CSRFToken": token,
        "Content-Type": "application/json",
    }
    latencies = []
    for n in range(TAPS + 1):
        time.sleep(random.uniform(0.1, 0.4))  # the worker is idle between taps
        body = json.dumps({"client_key": str(uuid.uuid4()), "urgency": "urgent"})
        began = time.perf_counter()
        conn.request("POST", "/api/consults", body=body, headers=headers)
        response = conn.getresponse()
        data = json.loads(response.read())
        if response.status != 201:
            raise RuntimeError(f"tap answered {response.status}: {data}")
        arrived = first_arrival(service, f"consult-{data['id']}", 30 if n == 0 else 10)
        if arrived is None:
            raise RuntimeError(f"no push arrived for consult {data['id']}")
        if n:  # the first includes the worker's start-up
            latencies.append(arrived - began)
    conn.close()
    return latencies


def main() -> None:
    print("== tap to push: POST /api/consults -> first push request at the push service")
    run("sqlite")
    if pg_available():
        run("postgresql")
    else:
        print("  postgresql: skipped (no server at BENCH_DATABASE_URL)")


if __name__ == "__main__":
    main()
