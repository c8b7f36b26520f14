"""The dashboard's daily worker steps, and the SQL purge agreeing with the pure policy."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from mentor_app.audit import services as audit
from mentor_app.audit.models import AuditEvent
from mentor_app.consults.models import Consult
from mentor_app.dashboard import retention
from mentor_app.worker import loop, registry
from tests import dashboard_factories as f

NOW = datetime(2026, 9, 30, 12, 0, tzinfo=UTC)


def _steps(*names: str) -> list[loop.NamedStep]:
    registry.load_steps()
    return [s for s in loop.STEPS if s.name in names]


def test_daily_steps_are_registered_and_run_on_the_first_pass(app, db) -> None:  # type: ignore[no-untyped-def]
    steps = _steps("retention-purge", "audit-verify")
    assert {s.every for s in steps} == {24 * 60 * 60.0}
    runner = loop.Worker(app.extensions["mentor_db"], clock=lambda: NOW, steps=steps)
    with app.app_context():
        runner.run_once(force=False)  # not forced: a daily step that never ran is due now
        runner.run_once(force=False)  # ... and then not again the same day
    actions = [e.action for e in db.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["retention.purged", "audit.verified"]
    verified = db.query(AuditEvent).filter_by(action="audit.verified").one()
    assert verified.details["by"] == "worker" and verified.details["ok"] is True


def test_worker_check_is_shown_in_the_viewer(app, db, actors) -> None:  # type: ignore[no-untyped-def]
    audit.record(db, NOW, "test.event")
    audit.seal(db)
    db.commit()
    runner = loop.Worker(
        app.extensions["mentor_db"], clock=lambda: NOW, steps=_steps("audit-verify")
    )
    with app.app_context():
        runner.run_once()
    client, _ = actors.signed_in("coordinator")
    assert "Verified" in client.get("/audit/").text


def test_sql_purge_matches_the_pure_policy(app, db, actors) -> None:  # type: ignore[no-untyped-def]
    mentor, _ = actors.create("mentor")
    policy = retention.RetentionPolicy()
    offsets = [timedelta(days=d) for d in (1, 179, 179.999, 180, 180.001, 181, 400)]
    expected = {}
    for status, offset in itertools.product(("open", "accepted", "closed", "cancelled"), offsets):
        ended = NOW - offset
        row = f.consult(
            db,
            mentor,
            ended - timedelta(hours=1),
            status=status,
            closed_after=timedelta(hours=1) if status == "closed" else None,
            cancelled_after=timedelta(hours=1) if status == "cancelled" else None,
        )
        expected[row.id] = policy.consult_content_due(
            NOW,
            status=status,
            closed_at=row.closed_at,
            cancelled_at=row.cancelled_at,
            content_purged_at=None,
        )
    db.commit()
    retention.purge(db, NOW, policy)
    db.commit()
    db.expire_all()
    purged = {c.id: c.content_purged_at is not None for c in db.query(Consult)}
    assert purged == expected
    assert sum(expected.values()) == 2 * 4  # closed and cancelled at 180, 180.001, 181, 400 days
