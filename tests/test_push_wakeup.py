"""An idle worker wakes when work is committed: NOTIFY on PostgreSQL, short polls on SQLite."""

from __future__ import annotations

import threading

import psycopg
import pytest

from mentor_app.db import Database
from mentor_app.notifications.services import WAKE_CHANNEL, Message, enqueue
from mentor_app.worker import loop
from mentor_app.worker.wake import PgNotifyWaiter, PollWaiter, default_idle_sleep, waiter_for
from tests.conftest import requires_postgres
from tests.push_helpers import quick_user


def _message() -> Message:
    return Message("Consult update", "Open the app to see it", "/", "u")


def test_the_delivery_step_listens_on_the_outbox_channel() -> None:
    from mentor_app.worker.registry import load_steps

    load_steps()
    assert WAKE_CHANNEL in loop.LISTEN_CHANNELS
    assert "notifications-deliver" in {s.name for s in loop.STEPS}


def test_sqlite_polls_briefly(app) -> None:  # type: ignore[no-untyped-def]
    engine = app.extensions["mentor_db"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite behaviour")
    assert default_idle_sleep(engine) <= 0.2
    waiter = waiter_for(engine, [WAKE_CHANNEL])
    assert isinstance(waiter, PollWaiter)
    assert waiter.wait(0.05, lambda: False) is False


@requires_postgres()
@pytest.mark.postgres
def test_enqueue_notifies_at_commit_and_not_on_rollback(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    url = app.config["DATABASE_URL"]
    listener = Database(url)
    raw = listener.engine.raw_connection()
    conn: psycopg.Connection = raw.driver_connection
    conn.autocommit = True
    conn.execute(f"LISTEN {WAKE_CHANNEL}")
    user_id = quick_user(db, "consultant")
    try:
        enqueue(db, clock(), user_id=user_id, kind="x", message=_message(), dedup_key="a")
        assert list(conn.notifies(timeout=0.3, stop_after=1)) == []  # not before the commit
        db.commit()
        [notify] = list(conn.notifies(timeout=5, stop_after=1))
        assert notify.channel == WAKE_CHANNEL

        enqueue(db, clock(), user_id=user_id, kind="x", message=_message(), dedup_key="b")
        db.rollback()
        assert list(conn.notifies(timeout=0.3, stop_after=1)) == []
    finally:
        raw.close()
        listener.engine.dispose()


@requires_postgres()
@pytest.mark.postgres
def test_an_idle_worker_is_woken_by_a_commit(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    engine = app.extensions["mentor_db"].engine
    waiter = waiter_for(engine, [WAKE_CHANNEL])
    assert isinstance(waiter, PgNotifyWaiter)
    user_id = quick_user(db, "consultant")
    woke: list[bool] = []
    thread = threading.Thread(target=lambda: woke.append(waiter.wait(30, lambda: False)))
    thread.start()
    try:
        enqueue(db, clock(), user_id=user_id, kind="x", message=_message(), dedup_key="wake")
        db.commit()
        thread.join(30)
        assert woke == [True]  # by the NOTIFY, long before the 30 s poll
    finally:
        waiter.close()
