"""The baseline app for bench_side_by_side.py: what a request costs before any of our work.

`GET /trivial` answers a small JSON body; `POST /trips` makes TRIPS (environment, default 4)
round trips to the same database as the app (SELECT 1 each, the last an INSERT) and commits,
so its time is the floor for an endpoint that does that much database work. Served by the same
gunicorn command as the app. DATABASE_URL names the database; the table `bench_baseline` is
created on start if missing.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

TRIPS = int(os.environ.get("TRIPS", "4"))


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=5)
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE IF NOT EXISTS bench_baseline (id serial PRIMARY KEY, note text)")
        )

    @app.get("/trivial")
    def trivial():  # type: ignore[no-untyped-def]
        return jsonify({"ok": True})

    @app.post("/trips")
    def trips():  # type: ignore[no-untyped-def]
        with engine.begin() as conn:  # the commit at the end is the durable one
            for _ in range(int(request.args.get("n", TRIPS)) - 1):
                conn.execute(text("SELECT 1"))
            conn.execute(text("INSERT INTO bench_baseline (note) VALUES ('tap')"))
        return jsonify({"ok": True}), 201

    return app
