"""The audit viewer (filters, pages, export, verify) and tamper detection by `audit-verify`,
on whichever database the suite runs against (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from mentor_app.audit import services as audit
from mentor_app.audit.models import AuditCheckpoint, AuditEvent
from mentor_app.dashboard import auditlog

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _seal(db) -> None:  # type: ignore[no-untyped-def]
    audit.seal(db)
    db.commit()


def _events(db, count: int, **kwargs) -> None:  # type: ignore[no-untyped-def]
    for i in range(count):
        audit.record(
            db,
            T0 + timedelta(minutes=i),
            "test.event",
            object_type="thing",
            object_id=i,
            details={"n": i},
            **kwargs,
        )
    db.commit()


# --- tamper detection -------------------------------------------------------------------------


def _verify(app) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    return result.exit_code, result.output


def test_untouched_chain_verifies_and_prints_its_head(app, db) -> None:  # type: ignore[no-untyped-def]
    _events(db, 3)
    _seal(db)
    _events(db, 2)
    _seal(db)
    code, output = _verify(app)
    assert code == 0, output
    position, head = audit.head(db)
    assert position == 5 and f"chain head: position 5, hash {head}" in output
    assert db.query(AuditCheckpoint).count() == 2  # one per sealing batch


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE audit_events SET action = 'forged' WHERE seq = 2", "row changed at position 2"),
        ("UPDATE audit_events SET ip = '10.0.0.9' WHERE seq = 4", "row changed at position 4"),
        ("DELETE FROM audit_events WHERE seq = 3", "missing before chain position 4"),
        ("DELETE FROM audit_events WHERE seq = 1", "missing before chain position 2"),
        ("DELETE FROM audit_events WHERE seq = 5", "missing at the end of the chain"),
        ("DELETE FROM audit_events", "missing at the end of the chain"),
    ],
)
def test_editing_or_deleting_a_row_in_the_database_is_detected(  # type: ignore[no-untyped-def]
    app, db, tamper: str, expected: str
) -> None:
    _events(db, 5)
    _seal(db)
    assert _verify(app)[0] == 0
    db.execute(text(tamper))
    db.commit()
    code, output = _verify(app)
    assert code == 1
    assert "TAMPERED" in output and expected in output


def test_an_edit_with_the_chain_recomputed_is_caught_by_the_checkpoints(app, db) -> None:  # type: ignore[no-untyped-def]
    _events(db, 5)
    _seal(db)
    # A forger edits row 2 and recomputes every hash after it, so the chain itself is consistent.
    db.execute(text("UPDATE audit_events SET details = :d WHERE seq = 2"), {"d": '{"n": 99}'})
    db.commit()
    db.expire_all()
    prev = db.query(AuditEvent).filter_by(seq=1).one().row_hash
    for event in db.query(AuditEvent).filter(AuditEvent.seq >= 2).order_by(AuditEvent.seq):
        new_hash = audit.row_hash(event, prev)
        db.execute(
            text("UPDATE audit_events SET prev_hash = :p, row_hash = :h WHERE id = :i"),
            {"p": prev, "h": new_hash, "i": event.id},
        )
        prev = new_hash
    db.commit()
    code, output = _verify(app)
    assert code == 1 and "differs from its sealing checkpoint" in output


def test_migration_seeds_a_checkpoint_for_an_existing_chain(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from mentor_app import migrate
    from mentor_app.db import Database
    from tests.test_migrations import _fresh_url

    url, cleanup = _fresh_url(tmp_path)
    try:
        migrate.upgrade(url, "0002")
        database = Database(url)
        with database.engine.begin() as conn:
            for seq in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO audit_events (at, action, details, seq, prev_hash, row_hash) "
                        "VALUES (:at, 'old.event', '{}', :seq, 'p', :h)"
                    ),
                    {"at": T0.replace(tzinfo=None), "seq": seq, "h": f"hash-{seq}"},
                )
        database.engine.dispose()
        migrate.upgrade(url, "heads")
        database = Database(url)
        with database.engine.connect() as conn:
            rows = conn.execute(text("SELECT seq, row_hash FROM audit_checkpoints")).all()
        database.engine.dispose()
        assert [tuple(r) for r in rows] == [(2, "hash-2")]
        migrate.downgrade(url, "0002")
    finally:
        cleanup()


# --- the viewer -------------------------------------------------------------------------------


def test_viewer_filters_and_pages(app, db, actors, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0 + timedelta(days=5))
    client, coordinator = actors.signed_in("coordinator")
    someone, email = actors.create("mentor")
    _events(db, 55)
    audit.record(db, T0, "consult.viewed", actor_id=someone, object_type="consult", object_id=7)
    audit.record(
        db,
        T0 + timedelta(days=2),
        "user.disabled",
        actor_id=coordinator,
        object_type="user",
        object_id=someone,
    )
    db.commit()

    first = client.get("/audit/")
    assert first.status_code == 200
    assert first.text.count("<time datetime=") == auditlog.PER_PAGE
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = client.get("/audit/?page=2")
    assert 'rel="prev"' in second.text
    assert 0 < second.text.count("<time datetime=") < auditlog.PER_PAGE

    by_user = client.get(f"/audit/?user={email}")
    assert 'title="consult.viewed">' in by_user.text  # by them
    assert 'title="user.disabled">' in by_user.text  # about them
    assert 'title="test.event">' not in by_user.text
    by_action = client.get("/audit/?action=consult.")
    assert 'title="consult.viewed">' in by_action.text
    assert 'title="user.disabled">' not in by_action.text
    by_object = client.get("/audit/?object_type=thing&object_id=3")
    assert by_object.text.count('title="test.event">') == 1
    by_date = client.get("/audit/?date_from=2026-03-03&date_to=2026-03-03")
    assert 'title="user.disabled">' in by_date.text
    assert 'title="test.event">' not in by_date.text


@pytest.mark.parametrize(
    "query",
    [
        "user=nobody@example.org",
        "user=drop table",
        "action=consult%25",
        "object_type=Thing;",
        "date_from=2026-13-01",
        "date_from=2026-03-05&date_to=2026-03-01",
    ],
)
def test_viewer_refuses_bad_filters(app, actors, query: str) -> None:  # type: ignore[no-untyped-def]
    client, _ = actors.signed_in("coordinator")
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert client.get(f"/audit/export.csv?{query}").status_code == 400


def test_action_filter_treats_underscore_literally(app, db) -> None:  # type: ignore[no-untyped-def]
    audit.record(db, T0, "login_x", object_type="user")
    audit.record(db, T0, "loginxx", object_type="user")
    db.commit()
    criteria, errors = auditlog.parse_filter(db, {"action": "login_"})
    assert not errors
    entries, _ = auditlog.page_of(db, criteria, 1)
    assert [e.event.action for e in entries] == ["login_x"]


def test_export_is_itself_audited(app, db, actors) -> None:  # type: ignore[no-untyped-def]
    client, coordinator = actors.signed_in("coordinator")
    _events(db, 3)
    audit.record(db, T0, "weird", details={"v": "=HYPERLINK(1)"})
    db.commit()
    response = client.get("/audit/export.csv?action=test.")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 3 and {r["action"] for r in rows} == {"test.event"}
    exported = db.query(AuditEvent).filter_by(action="audit.exported").one()
    assert exported.actor_id == coordinator
    assert exported.details["rows"] == 3 and exported.details["action"] == "test."
    everything = client.get("/audit/export.csv").text
    assert '"v=""=HYPERLINK(1)"""' in everything or 'v="=HYPERLINK' in everything
    assert "\n=" not in everything and ",=" not in everything


def test_verify_button_runs_the_check_and_shows_the_result(app, db, actors) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_from

    client, coordinator = actors.signed_in("coordinator")
    _events(db, 4)
    _seal(db)
    page = client.get("/audit/")
    assert "Not checked yet" in page.text
    done = client.post("/audit/verify", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 302
    shown = client.get("/audit/")
    assert "The audit chain verifies" in shown.text and "Verified" in shown.text
    event = db.query(AuditEvent).filter_by(action="audit.verified").one()
    assert event.actor_id == coordinator and event.details["ok"] is True

    db.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    db.commit()
    client.post("/audit/verify", data={"csrf_token": csrf_from(shown)})
    after = client.get("/audit/")
    assert "does NOT verify" in after.text and "NOT verified" in after.text


def test_no_route_edits_or_deletes_the_log(app) -> None:  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/audit"):
            changing = (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}
            assert changing <= {"POST"}
            if changing:
                assert rule.rule == "/audit/verify"
