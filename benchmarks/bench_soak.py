"""Soak: the delivery path under traffic, worker kills and connection drops (issue 14).

Two worker processes deliver the consult traffic (a tap offers a consult to three consultants,
one accepts 0.1-2 s later, the others get "taken by a colleague") to a strict local push
service on PostgreSQL, while a worker is SIGKILLed at a chosen point (after claim, mid-send,
before record) and every database connection of the run is terminated, spread over the run.
Prints lost / duplicated / late / 5xx and the time to redeliver a killed worker's rows
(p50/p95). See tests/chaos_helpers.py for what each figure counts.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/bench_soak.py [--minutes 5] [--kills 10] [--drops 5]

Short by default (1 minute, 3 kills, 2 drops); `--minutes 5` for the soak of issue 14.
Uses its own schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MENTOR_APP_ENV", "testing")

from sqlalchemy import text  # noqa: E402

from config import TestingConfig  # noqa: E402
from mentor_app import create_app  # noqa: E402
from mentor_app.db import Database  # noqa: E402
from mentor_app.models import metadata  # noqa: E402
from tests import chaos_helpers  # noqa: E402
from tests.conftest import pg_schema_url  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--kills", type=int, default=None)
    parser.add_argument("--drops", type=int, default=None)
    parser.add_argument("--rate", type=float, default=4.0, help="taps per second")
    parser.add_argument("--stale-seconds", type=float, default=15.0)
    args = parser.parse_args()
    base = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not base.startswith("postgresql"):
        print("bench_soak: skipped, needs PostgreSQL (TEST_DATABASE_URL=postgresql+psycopg://…)")
        return
    kills = args.kills if args.kills is not None else (10 if args.minutes >= 5 else 3)
    drops = args.drops if args.drops is not None else (5 if args.minutes >= 5 else 2)
    schema = f"soak_{uuid.uuid4().hex[:10]}"
    admin = Database(base)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = pg_schema_url(base, schema)
    try:
        db = Database(url)
        metadata.create_all(db.engine)
        db.engine.dispose()

        class Config(TestingConfig):
            DATABASE_URL = url

        app = create_app(Config)
        points = [chaos_helpers.POINTS[i % 3] for i in range(kills)]
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as workdir:
            figures = chaos_helpers.run(
                app,
                Path(workdir),
                seconds=args.minutes * 60,
                rate=args.rate,
                kill_points=[],
                later_kills=points,
                drops=drops,
                stale_seconds=args.stale_seconds,
                drain_timeout=200,
            )
        print(
            f"soak: {args.minutes:g} min of traffic at {args.rate:g} taps/s, 2 workers, "
            f"WORKER_STALE_SECONDS={args.stale_seconds:g}; wall {time.monotonic() - started:.0f} s"
        )
        for line in figures.lines():
            print(line)
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.engine.dispose()


if __name__ == "__main__":
    main()
