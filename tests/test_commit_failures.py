"""Issue 14.4: a COMMIT that fails (connection lost, deadlock, serialization failure, SQLite
busy) answers 503 with Retry-After and the usual body, JSON or HTML, on every route — the
commit runs inside the view's dispatch, where the error handlers see it. The worker logs such a
failure as one line and carries on."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mentor_app.db import Database
from mentor_app.worker import loop
from tests.conftest import csrf_token, requires_postgres
from tests.push_helpers import add_device


class _Lost(Exception):
    pass


def _failing_commit(self: Session) -> None:
    raise OperationalError("COMMIT", {}, _Lost("server closed the connection unexpectedly"))


def _assert_503(response, json: bool) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"] == "5"
    if json:
        assert "error" in response.get_json()
    else:
        assert "text/html" in response.content_type
        assert "try again" in response.get_data(as_text=True)


def test_a_failed_commit_answers_503_json_and_html(app, actors, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client, _user_id = actors.signed_in("mentor")
    token = csrf_token(client)
    monkeypatch.setattr(Session, "commit", _failing_commit)
    json_answer = client.post(
        "/api/push/permission", json={"permission": "denied"}, headers={"X-CSRFToken": token}
    )
    html_answer = client.post("/account/notifications/test", data={"csrf_token": token})
    page = client.get("/")
    monkeypatch.undo()
    _assert_503(json_answer, json=True)
    _assert_503(html_answer, json=False)
    _assert_503(page, json=False)


KILL_AT_COMMIT = """
CREATE FUNCTION die_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_terminate_backend(pg_backend_pid());
  PERFORM pg_sleep(5);
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT OR UPDATE ON {table}
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die_at_commit();
"""


@requires_postgres()
@pytest.mark.parametrize(
    ("table", "json"), [("push_permission_states", True), ("outbox_messages", False)]
)
def test_connection_dropped_during_commit_answers_503(app, db, actors, table, json) -> None:  # type: ignore[no-untyped-def]
    """A deferred constraint trigger runs at COMMIT and terminates its own connection."""
    client, user_id = actors.signed_in("mentor")
    token = csrf_token(client)
    # A device, so that "send me a test notification" really queues a message (with none it
    # says so and writes nothing).
    add_device(db, user_id, {"endpoint": "https://fcm.googleapis.com/t", "keys": TEST_KEYS})
    admin = Database(app.config["DATABASE_URL"])
    with admin.engine.begin() as conn:
        conn.execute(text(KILL_AT_COMMIT.format(table=table)))
    dropped = False
    try:
        if json:
            response = client.post(
                "/api/push/permission",
                json={"permission": "denied"},
                headers={"X-CSRFToken": token},
            )
        else:
            response = client.post("/account/notifications/test", data={"csrf_token": token})
        _assert_503(response, json)
        _drop_killer(admin, table)
        dropped = True
        # The app carries on with fresh connections.
        assert client.get("/").status_code == 200
    finally:
        if not dropped:  # never leave the trigger to kill every later test's commits
            _drop_killer(admin, table)
        admin.engine.dispose()


TEST_KEYS = {"p256dh": "BA", "auth": "AA"}


def _drop_killer(admin: Database, table: str) -> None:
    with admin.engine.begin() as conn:
        conn.execute(text(f"DROP TRIGGER IF EXISTS die_at_commit ON {table}"))
        conn.execute(text("DROP FUNCTION IF EXISTS die_at_commit()"))


def test_the_worker_logs_a_failed_step_commit_as_one_line(app, caplog) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def step(session: Session, now) -> int:  # type: ignore[no-untyped-def]
        calls.append(1)
        session.execute(text("SELECT 1"))
        return 1

    runner = loop.Worker(
        app.extensions["mentor_db"],
        steps=[loop.NamedStep("probe", step), loop.NamedStep("next", step)],
    )
    original = Session.commit
    Session.commit = _failing_commit  # type: ignore[method-assign]
    try:
        with caplog.at_level(logging.WARNING, logger="mentor_app.worker"):
            assert runner.run_once() == 0
    finally:
        Session.commit = original  # type: ignore[method-assign]
    assert len(calls) == 2  # the loop went on to the next step
    lines = [r.getMessage() for r in caplog.records if r.name == "mentor_app.worker"]
    assert lines == [
        "worker step probe not saved (_Lost); it runs again next round",
        "worker step next not saved (_Lost); it runs again next round",
    ]
    assert all("\n" not in line for line in lines)
