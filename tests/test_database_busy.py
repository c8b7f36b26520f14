"""When the database is busy or gone: a tap is never starved by the worker, and a request that
cannot reach the database answers 503 with Retry-After (the consult button then queues the tap
and sends it again), never a 500."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from mentor_app.audit import services as audit
from mentor_app.consults import services as consult_services
from mentor_app.consults.models import Consult
from mentor_app.db import Database
from mentor_app.worker import loop
from tests.conftest import csrf_token

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_a_worker_backlog_does_not_starve_writers_on_sqlite(app) -> None:  # type: ignore[no-untyped-def]
    """A worker draining a backlog holds SQLite's one write lock step after step. Each time it
    lets go, a tap waiting for the lock must get its turn well within its busy timeout."""
    if app.extensions["mentor_db"].dialect != "sqlite":
        pytest.skip("SQLite only: PostgreSQL locks rows, not the whole database")

    def busy_step(session, now):  # type: ignore[no-untyped-def]
        audit.record(session, now, "test.worker_busy")  # takes the write lock
        time.sleep(0.3)  # a long batch, e.g. fifty due consults
        return 1

    worker = loop.Worker(
        app.extensions["mentor_db"], clock=lambda: NOW, steps=[loop.NamedStep("busy", busy_step)]
    )

    def drain() -> None:
        while not worker.stopping:
            worker.run_once()

    draining = threading.Thread(target=drain)
    draining.start()
    tap = Database(app.config["DATABASE_URL"])  # BEGIN IMMEDIATE, as the app's requests
    event.listen(tap.engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=2000"))
    waits = []
    try:
        time.sleep(0.1)  # the worker holds the lock now
        for _ in range(4):
            with tap.engine.connect() as conn:
                began = time.monotonic()
                with conn.begin():
                    conn.execute(text("SELECT 1 FROM audit_events LIMIT 1"))
                waits.append(time.monotonic() - began)
    finally:
        worker.stop()
        draining.join()
        tap.engine.dispose()
    assert len(waits) == 4, "every tap got the lock before its 2 s busy timeout"


def test_an_unreachable_database_answers_503_and_saves_nothing(  # type: ignore[no-untyped-def]
    app, actors, db, monkeypatch
) -> None:
    client, _ = actors.signed_in("mentor")
    token = csrf_token(client)

    def locked(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError(
            "BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")
        )

    monkeypatch.setattr(consult_services, "create", locked)
    response = client.post(
        "/api/consults",
        json={"client_key": str(uuid.uuid4())},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "try again" in response.get_json()["error"]
    assert db.scalar(select(func.count()).select_from(Consult)) == 0
    page = client.post(
        "/consults/start", data={"csrf_token": token, "client_key": str(uuid.uuid4())}
    )
    assert page.status_code == 503 and "try again" in page.get_data(as_text=True)
