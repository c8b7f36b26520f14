"""Health endpoint, the audit hash chain, and the provisioning commands."""

from __future__ import annotations

from sqlalchemy import text

from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.audit.models import AuditEvent


def test_healthz_ok(app, client) -> None:  # type: ignore[no-untyped-def]
    app.config["METRICS_TOKEN"] = "monitoring-token"
    response = client.get("/healthz", headers={"Authorization": "Bearer monitoring-token"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.get_json()["db"] == "ok"


def test_healthz_503_when_database_is_gone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from config import TestingConfig
    from mentor_app import create_app

    class Broken(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp_path}/missing-dir/nothing.db"

    Broken.METRICS_TOKEN = "monitoring-token"
    client = create_app(Broken).test_client()
    response = client.get("/healthz", headers={"Authorization": "Bearer monitoring-token"})
    assert response.status_code == 503
    assert response.get_json()["db"] != "ok"
    assert client.get("/healthz").get_json() == {"status": "error"}


def test_audit_chain_detects_edit_and_delete(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock()
    for i in range(5):
        audit.record(db, now, "test.event", object_type="thing", object_id=i)
    assert audit.seal(db) == 5
    db.commit()
    assert audit.verify(db).ok

    db.execute(text("UPDATE audit_events SET action = 'forged' WHERE object_id = '2'"))
    db.commit()
    db.expire_all()
    result = audit.verify(db)
    assert not result.ok and any("changed" in p for p in result.problems)

    db.execute(text("UPDATE audit_events SET action = 'test.event' WHERE object_id = '2'"))
    db.execute(text("DELETE FROM audit_events WHERE object_id = '3'"))
    db.commit()
    db.expire_all()
    result = audit.verify(db)
    assert not result.ok and any("missing" in p for p in result.problems)


def test_audit_verify_command(app, db, clock) -> None:  # type: ignore[no-untyped-def]
    audit.record(db, clock(), "test.event")
    db.commit()
    runner = app.test_cli_runner()
    assert "sealed 1" in runner.invoke(args=["audit-seal"]).output
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output
    db.execute(text("UPDATE audit_events SET ip = '6.6.6.6'"))
    db.commit()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "TAMPERED" in result.output


def test_create_user_command(app, db) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Op@Example.org",
            "--name",
            "Op",
            "--role",
            "consultant",
            "--password",
            "harbour-lantern-violet-9",
            "--totp-secret",
            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            "--languages",
            "sv,en",
        ],
    )
    assert result.exit_code == 0, result.output
    user = db.query(User).filter_by(email="op@example.org").one()
    assert user.has_two_factor and user.language_list == ["sv", "en"]
    assert db.query(AuditEvent).filter_by(action="user.created_by_operator").count() == 1
    bad = runner.invoke(
        args=[
            "create-user",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "admin",
            "--password",
            "harbour-lantern-violet-9",
        ],
    )
    assert bad.exit_code != 0


def test_seed_demo_once(app, db) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "coordinator@example.org" in first.output
    roles = {u.role for u in db.query(User)}
    assert roles == {"mentor", "consultant", "coordinator"}
    second = runner.invoke(args=["seed-demo"])
    assert "already" in second.output
